"""The admin API, fuzzed from the OpenAPI document with an admin's token (the general
run, ``test_api_schema``, uses a manager's, who gets 403 there): no input makes it fail
with a server error, and every answer has the shape and status the document promises."""

from __future__ import annotations

import contextvars

import pytest
from hypothesis import HealthCheck, settings

from ideas.services.accounts import create_api_token
from tests.security.test_api_schema import CHECKS, schema

admin_schema = schema.include(path_regex=r"^/api/v1/admin/")


@pytest.fixture
def admin_app(app):
    def isolated(environ, start_response):
        # Each request in a context of its own, as in test_api_schema.
        return contextvars.Context().run(app.wsgi_app, environ, start_response)

    return isolated


@pytest.fixture
def admin_token(org) -> str:
    return create_api_token(org.admin, "schemathesis")


@admin_schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_admin_api_answers_as_documented(case, admin_app, admin_token):
    case.call_and_validate(
        app=admin_app, headers={"Authorization": f"Bearer {admin_token}"}, checks=CHECKS
    )
