"""The OpenAPI document: valid OpenAPI 3.1, and it describes exactly what is served."""

import re

from openapi_spec_validator import validate

from ideas.blueprints.api.bodies import REQUEST_BODIES

IGNORED_METHODS = {"HEAD", "OPTIONS"}


def _openapi_path(rule: str) -> str:
    """``/api/v1/ideas/<int:item_id>`` -> ``/api/v1/ideas/{item_id}``."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def test_the_document_is_valid_openapi_3_1(openapi_doc):
    validate(openapi_doc)  # raises on any fault
    assert openapi_doc["openapi"] == "3.1.0"
    assert openapi_doc["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": openapi_doc["components"]["securitySchemes"]["bearerAuth"]["description"],
    }
    assert openapi_doc["security"] == [{"bearerAuth": []}]


def test_every_route_and_method_served_is_documented_and_nothing_else(app, openapi_doc):
    served = {
        (_openapi_path(rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1")
        for method in rule.methods - IGNORED_METHODS
    }
    documented = {
        (path, method)
        for path, item in openapi_doc["paths"].items()
        for method in item
        if method != "parameters"
    }
    assert served == documented
    assert len(served) == 44
    # Each operation is named after the view that serves it.
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1"):
            for method in rule.methods - IGNORED_METHODS:
                operation = openapi_doc["paths"][_openapi_path(rule.rule)][method.lower()]
                assert rule.endpoint == f"api.{operation['operationId']}"


def test_only_the_document_itself_is_public(openapi_doc):
    public = [
        (path, method)
        for path, item in openapi_doc["paths"].items()
        for method, operation in item.items()
        if method != "parameters" and operation.get("security") == []
    ]
    assert public == [("/api/v1/openapi.json", "get")]


def test_request_bodies_are_the_validating_models(openapi_doc):
    schemas = openapi_doc["components"]["schemas"]
    for model in REQUEST_BODIES:
        assert schemas[model.__name__] == model.model_json_schema()
    new_idea = schemas["NewIdea"]
    assert new_idea["properties"]["title"]["maxLength"] == 160
    assert new_idea["additionalProperties"] is False
    assert set(new_idea["required"]) == {"title", "description", "unit", "values"}
    assert "declined" in schemas["NewTransition"]["properties"]["status"]["enum"]


def test_the_named_response_schemas_are_there(openapi_doc):
    schemas = openapi_doc["components"]["schemas"]
    for name in ("Item", "ItemDetail", "ItemPage", "Value", "Unit", "Comment", "Error"):
        assert schemas[name]["type"] == "object", name
    assert "history" in schemas["ItemDetail"]["properties"]
    assert "history" not in schemas["Item"]["properties"]


def test_the_server_is_the_configured_base_url(app, openapi_doc):
    assert openapi_doc["servers"] == [{"url": app.config["BASE_URL"]}]


def test_error_bodies_match_the_error_schema(client, org, bearer, conforms):
    headers = bearer(org.anna)
    responses = [
        client.get("/api/v1/ideas"),  # 401
        client.get("/api/v1/ideas?page=x", headers=headers),  # 400
        client.get("/api/v1/ideas/424242", headers=headers),  # 404
        client.post("/api/v1/ideas", json={"title": 1}, headers=headers),  # 422
        client.post("/api/v1/ideas", data=b"{", headers=headers),  # 400
    ]
    assert [r.status_code for r in responses] == [401, 400, 404, 422, 400]
    for response in responses:
        conforms("Error", response.get_json())


def test_the_reads_that_answer_304_say_so(app, openapi_doc):
    """Exactly the endpoints the page versions stamp (ideas/page_cache.py) take
    If-None-Match, tag their answers and may answer 304."""
    from ideas import page_cache

    stamped = page_cache.API_ITEM | page_cache.API_LIST | page_cache.API_ORG
    conditional = set()
    for item in openapi_doc["paths"].values():
        get = item.get("get")
        if get and "304" in get["responses"]:
            assert "ETag" in get["responses"]["200"]["headers"]
            assert any(p["name"] == "If-None-Match" for p in get["parameters"])
            conditional.add(f"api.{get['operationId']}")
    assert conditional == stamped
    assert stamped <= set(app.view_functions)  # each names a real view
