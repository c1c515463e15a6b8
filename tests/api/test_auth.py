"""Only a personal API token opens the API; the session cookie never does."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from ideas import clock
from ideas.extensions import db
from ideas.models import ApiToken
from tests.api.conftest import stored

PROTECTED = [
    ("get", "/api/v1/values"),
    ("get", "/api/v1/units"),
    ("get", "/api/v1/ideas"),
    ("post", "/api/v1/ideas"),
    ("get", "/api/v1/ideas/1"),
    ("post", "/api/v1/ideas/1/transitions"),
    ("post", "/api/v1/ideas/1/support"),
    ("delete", "/api/v1/ideas/1/support"),
    ("get", "/api/v1/ideas/1/comments"),
    ("post", "/api/v1/ideas/1/comments"),
    ("post", "/api/v1/ideas/1/follow"),
    ("delete", "/api/v1/ideas/1/follow"),
]


@pytest.mark.parametrize(("method", "url"), PROTECTED)
def test_every_endpoint_needs_a_token(client, org, method, url):
    before = stored()
    response = getattr(client, method)(url, json={"title": "x"})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.get_json()["status"] == 401
    assert "Bearer" in response.get_json()["error"]
    assert stored() == before


@pytest.mark.parametrize(
    "header",
    [
        "Bearer ideas_not-a-real-token",
        "Bearer not-even-the-prefix",
        "Bearer " + "ideas_" + "x" * 300,
        "Basic YW5uYUBleGFtcGxlLnNlOmNvcnJlY3QgaG9yc2UgYmF0dGVyeQ==",
        "Bearer",
        "ideas_token-without-scheme",
    ],
)
def test_a_bad_token_is_refused(client, org, header):
    response = client.get("/api/v1/ideas", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_good_token_opens_the_api_and_its_use_is_recorded(client, org, bearer):
    headers = bearer(org.anna)
    response = client.get("/api/v1/ideas", headers=headers)
    assert response.status_code == 200
    token = db.session.scalar(select(ApiToken).where(ApiToken.user_id == org.anna.id))
    db.session.refresh(token)
    assert token.last_used_at is not None


def test_the_scheme_name_is_case_insensitive(client, org, bearer):
    token = bearer(org.anna)["Authorization"].split()[1]
    response = client.get("/api/v1/values", headers={"Authorization": f"bearer {token}"})
    assert response.status_code == 200


def test_a_deactivated_users_token_stops_working(client, org, bearer):
    headers = bearer(org.anna)
    assert client.get("/api/v1/ideas", headers=headers).status_code == 200
    org.anna.active = False
    db.session.flush()
    response = client.get("/api/v1/ideas", headers=headers)
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_the_session_cookie_does_not_authenticate(client, auth, org):
    auth.login(org.anna.email)
    assert client.get("/ideas").status_code == 200  # logged in on the web
    response = client.get("/api/v1/ideas")
    assert response.status_code == 401
    response = client.post(
        "/api/v1/ideas",
        json={"title": "T", "description": "D", "unit": "VOO", "values": ["Vi vill"]},
    )
    assert response.status_code == 401


def test_the_openapi_document_needs_no_token(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.get_json()["openapi"].startswith("3.1")


def test_last_use_is_written_at_most_hourly(client, org, bearer):
    headers = bearer(org.anna)
    client.get("/api/v1/values", headers=headers)
    token = db.session.scalar(select(ApiToken).where(ApiToken.user_id == org.anna.id))
    db.session.refresh(token)
    first = token.last_used_at
    client.get("/api/v1/values", headers=headers)
    db.session.refresh(token)
    assert token.last_used_at == first
    clock.advance(timedelta(hours=2))
    client.get("/api/v1/values", headers=headers)
    db.session.refresh(token)
    assert token.last_used_at > first


def test_api_responses_set_no_cookie(client, org):
    from ideas.services import accounts

    token = accounts.create_api_token(org.anna)
    response = client.get("/api/v1/ideas", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
