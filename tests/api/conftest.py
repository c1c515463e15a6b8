"""API test helpers: bearer headers for a user, counts of what is stored, and checks
of a response against the schemas of the served OpenAPI document."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from sqlalchemy import func, select

from ideas.extensions import db
from ideas.models import Comment, Follow, HistoryEntry, Item, Support
from ideas.services import accounts


@pytest.fixture
def bearer(app):
    """``bearer(user)``: the headers of a request made with a fresh token of ``user``."""
    tokens = {}

    def headers(user) -> dict[str, str]:
        if user.id not in tokens:
            tokens[user.id] = accounts.create_api_token(user, "tests")
        return {"Authorization": f"Bearer {tokens[user.id]}"}

    return headers


def stored() -> dict[str, int]:
    """How many rows of each kind a request could write: to show it wrote nothing."""
    return {
        model.__name__: db.session.scalar(select(func.count()).select_from(model))
        for model in (Item, HistoryEntry, Comment, Support, Follow)
    }


@pytest.fixture
def openapi_doc(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


@pytest.fixture
def conforms(openapi_doc):
    """``conforms("ItemDetail", data)`` fails the test if ``data`` breaks that schema."""
    registry = Registry().with_resource(
        "urn:ideas-openapi",
        Resource.from_contents(openapi_doc, default_specification=DRAFT202012),
    )

    def check(schema_name: str, data) -> None:
        validator = Draft202012Validator(
            {"$ref": f"urn:ideas-openapi#/components/schemas/{schema_name}"},
            registry=registry,
            format_checker=Draft202012Validator.FORMAT_CHECKER,
        )
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(data)]
        assert not errors, errors

    return check
