"""What a client needs to submit an idea: the values and the units."""


def test_values_with_their_behaviours(client, org, bearer, conforms):
    response = client.get("/api/v1/values", headers=bearer(org.anna))
    assert response.status_code == 200
    body = response.get_json()
    conforms("ValueList", body)
    values = {v["name"]: v["behaviours"] for v in body["items"]}
    assert list(values) == ["Vi är öppna", "Vi är framåt", "Vi vill"]
    assert "håller vad vi lovar" in values["Vi är öppna"]
    assert values["Vi vill"][-1] == "krånglar inte till det"


def test_units_with_their_parents(client, org, bearer, conforms):
    response = client.get("/api/v1/units", headers=bearer(org.anna))
    assert response.status_code == 200
    body = response.get_json()
    conforms("UnitList", body)
    units = {u["code"]: u for u in body["items"]}
    assert set(units) == {"SBF", "VOO", "IT"}
    assert units["VOO"] == {"code": "VOO", "name": "Vård och omsorg", "parent": "SBF"}
    assert units["SBF"]["parent"] is None
