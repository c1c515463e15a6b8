"""A NUL character, which nobody types and PostgreSQL cannot store, is refused with a
clear 400 wherever it comes in: never a server error, never half-stored."""

from __future__ import annotations

import pytest

from ideas.services.accounts import create_api_token
from tests.security.conftest import database_contents
from tests.test_authorization import NEW_IDEA

NUL = "\x00"


@pytest.fixture
def no_propagation(app, monkeypatch):
    """Server errors answered as a user would see them, not raised into the test."""
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/ideas?unit=%00",
        "/api/v1/ideas?value=%00",
        "/api/v1/concerns?unit=%00",
        "/api/v1/inbox?unit=%00",
        "/api/v1/stats?unit=%00",
        "/api/v1/stats.csv?unit=%00",
        "/api/v1/ideas?q=a&q=%00",
    ],
)
def test_the_api_refuses_a_nul_in_a_query(client, org, no_propagation, url):
    token = create_api_token(org.boss)
    response = client.get(url, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400
    assert response.get_json()["error"] == "The request contains a character that is not allowed."


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/ideas", {**NEW_IDEA, "title": f"a{NUL}b"}),
        ("/api/v1/ideas", {**NEW_IDEA, "values": ["Vi vill", NUL]}),
        ("/api/v1/concerns", {**NEW_IDEA, "unit": NUL}),
        ("/api/v1/ideas/{idea}/comments", {"body": f"Bra{NUL}"}),
        ("/api/v1/ideas/{idea}/delegate", {"email": f"bo{NUL}@example.se"}),
        ("/api/v1/ideas/{idea}/forward", {"unit": "IT", "comment": NUL}),
    ],
)
def test_the_api_refuses_a_nul_in_a_body_and_stores_nothing(
    client, org, world, no_propagation, path, body
):
    token = create_api_token(org.boss)
    before = database_contents()
    response = client.post(
        path.format(idea=world.idea), json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 400
    assert database_contents() == before


def test_settings_through_the_api_refuse_a_nul(client, org, no_propagation):
    token = create_api_token(org.boss)
    response = client.patch(
        "/api/v1/me", json={"deputy": NUL}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 400


@pytest.mark.parametrize("url", ["/dashboard?unit=%00", "/dashboard/export.csv?unit=%00"])
def test_pages_refuse_a_nul_with_the_friendly_error_page(client, auth, org, no_propagation, url):
    auth.login(org.boss.email)
    response = client.get(url)
    assert response.status_code == 400
    assert "Begäran kunde inte hanteras" in response.get_data(as_text=True)


def test_a_form_with_a_nul_stores_nothing(client, auth, org, no_propagation):
    auth.login(org.bo.email)
    before = database_contents()
    response = auth.post("/ideas/new", {**NEW_IDEA, "title": f"Ny{NUL}idé"})
    assert response.status_code == 400
    assert database_contents() == before


def test_ordinary_text_still_goes_through(client, org):
    token = create_api_token(org.bo)
    response = client.post(
        "/api/v1/ideas",
        json={**NEW_IDEA, "title": "Tabbar\toch radbrytningar\när bra"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201


def test_the_api_refuses_json_nested_too_deeply(client, org, no_propagation):
    token = create_api_token(org.boss)
    response = client.post(
        "/api/v1/ideas",
        data="[" * 100_000 + "]" * 100_000,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 400
    assert response.get_json()["error"] == "The JSON document is nested too deeply."
