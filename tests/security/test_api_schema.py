"""The API, fuzzed from its own OpenAPI document: no input makes it fail with a server
error, and every answer has the shape and status the document promises.

The document is built at import, as the app builds it, because the fixture-based
loader (``schemathesis.pytest.from_fixture``) does not run under pytest 9;
``test_the_fuzzed_document_is_the_one_served`` holds the two together.
"""

from __future__ import annotations

import contextvars

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from ideas.blueprints.api.openapi import document
from ideas.config import DEFAULTS
from ideas.services.accounts import create_api_token

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]
BASE_URL = "http://localhost"
DOCUMENT = document(BASE_URL, DEFAULTS["PER_PAGE"])
schema = schemathesis.openapi.from_dict(DOCUMENT)


@pytest.fixture
def wsgi_app(app):
    def isolated(environ, start_response):
        # Each request in a context of its own, as tests.conftest.IsolatedClient does:
        # its own app context and database session, on the test's transaction.
        return contextvars.Context().run(app.wsgi_app, environ, start_response)

    return isolated


@pytest.fixture
def manager_token(org, world) -> str:
    """A manager's token: every operation but the case handlers' is open to them. The
    world gives the fuzzer an idea, a concern and a case to find now and then."""
    return create_api_token(org.boss, "schemathesis")


def test_the_fuzzed_document_is_the_one_served(client, monkeypatch, app):
    monkeypatch.setitem(app.config, "BASE_URL", BASE_URL)
    assert client.get("/api/v1/openapi.json").get_json() == DOCUMENT


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    # One organisation and token for all examples of an operation, on purpose.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_answers_as_documented(case, wsgi_app, manager_token):
    case.call_and_validate(
        app=wsgi_app, headers={"Authorization": f"Bearer {manager_token}"}, checks=CHECKS
    )
