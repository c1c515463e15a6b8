"""Every form that changes something needs the page's CSRF token; the API never
accepts the session cookie, so a page on another site cannot act through it."""

from __future__ import annotations

import pytest

from ideas.extensions import csrf
from tests.conftest import Auth
from tests.security.conftest import database_contents, request_as
from tests.test_authorization import LOGIN, NEW_IDEA, ROLES, TABLE, _users

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
# RFC 8058 one-click unsubscribe: the mail client posts without a page, and the signed
# token in the link is the proof. Nothing else is exempt, but the API (no cookies).
EXEMPT = {"main.unsubscribe"}
REFUSED_PAGE = "Begäran kunde inte hanteras"  # "The request could not be handled"


def _state_changing_rules(app):
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods & STATE_CHANGING):
            yield rule.endpoint, method


FORMS = sorted(
    (endpoint, method)
    for endpoint, method in TABLE
    if method in STATE_CHANGING and not endpoint.startswith("api.") and endpoint not in EXEMPT
)
API_CALLS = sorted(
    (endpoint, method)
    for endpoint, method in TABLE
    if method in STATE_CHANGING and endpoint.startswith("api.")
)


def _allowed_role(endpoint: str, method: str) -> str:
    """A role for which the request would otherwise go through (or at least not stop at
    the login or the permission check), so that only the missing token stops it. A
    logged-in role first: their session is what a forged post would ride on."""
    expected = TABLE[(endpoint, method)]
    candidates = [r for r in [*ROLES[1:], ROLES[0]] if expected[r] not in (LOGIN, 403)]
    succeeding = [r for r in candidates if expected[r] < 400]
    return (succeeding or candidates)[0]


class _WithoutToken:
    """A browser on another site: the same cookies and form, but no CSRF token."""

    def __init__(self, client):
        self.client = client

    def post(self, url, data=None, **kwargs):
        data = {k: v for k, v in (data or {}).items() if k != "csrf_token"}
        return self.client.post(url, data=data, **kwargs)


def test_every_form_that_changes_something_is_checked(app):
    forms = {
        (endpoint, method)
        for endpoint, method in _state_changing_rules(app)
        if not endpoint.startswith("api.") and endpoint not in EXEMPT
    }
    assert forms == set(FORMS)


def test_only_the_api_and_one_click_unsubscribe_are_exempt(app):
    view_names = {
        endpoint: f"{view.__module__}.{view.__name__}"
        for endpoint, view in app.view_functions.items()
    }
    exempt = {e for e, name in view_names.items() if name in csrf._exempt_views}
    assert exempt == EXEMPT
    assert {bp.name for bp in csrf._exempt_blueprints} == {"api"}


@pytest.mark.parametrize(("endpoint", "method"), FORMS, ids=[f"{m} {e}" for e, m in FORMS])
def test_a_form_posted_without_its_token_is_refused_and_changes_nothing(
    app, org, world, endpoint, method
):
    client = app.test_client()
    auth = Auth(client)
    role = _allowed_role(endpoint, method)
    if role != "anonymous":
        auth.login(_users(org)[role].email)
    before = database_contents()
    response = request_as(_WithoutToken(client), auth, org, world, role, endpoint, method)
    assert response.status_code == 400, f"{role}: {response.status_code}"
    assert REFUSED_PAGE in response.get_data(as_text=True)
    assert database_contents() == before
    if role != "anonymous":  # not logged out either
        assert client.get("/me/items").status_code == 200


@pytest.mark.parametrize(("endpoint", "method"), API_CALLS, ids=[f"{m} {e}" for e, m in API_CALLS])
def test_the_api_ignores_a_logged_in_session_cookie(app, org, world, endpoint, method):
    """A manager's browser session, sent without a bearer token, is nobody to the API."""
    client = app.test_client()
    auth = Auth(client)
    auth.login(org.boss.email)
    before = database_contents()
    # As "anonymous", _request sends no Authorization header: only the cookie goes along.
    response = request_as(client, auth, org, world, "anonymous", endpoint, method)
    assert response.status_code == 401
    assert response.is_json and "Bearer" in response.headers["WWW-Authenticate"]
    assert database_contents() == before


def test_a_cross_site_form_post_to_the_api_is_refused(app, org, world):
    """What a hostile page's auto-submitting form would send, the cookie included."""
    client = app.test_client()
    Auth(client).login(org.boss.email)
    before = database_contents()
    for url, data in (
        ("/api/v1/ideas", NEW_IDEA),
        (f"/api/v1/ideas/{world.idea}/support", {}),
        (f"/api/v1/ideas/{world.idea}/transitions", {"status": "acknowledged"}),
    ):
        response = client.post(
            url,
            data=data,
            headers={"Origin": "https://evil.example", "Referer": "https://evil.example/x"},
        )
        assert response.status_code == 401, url
    assert database_contents() == before
