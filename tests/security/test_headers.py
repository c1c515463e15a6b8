"""Every response carries the browser protections; private pages are never cached or
named to another site; HSTS only over TLS; the session cookie is locked down."""

from __future__ import annotations

import pytest

from tests.conftest import Auth
from tests.security.conftest import request_as
from tests.test_authorization import _users

# The whistleblowing channel and its case pages, and a password link (its token is in
# the path: never cached, never sent on in a Referer header).
PRIVATE = ("/report", "/cases", "/password/reset")


def csp(response) -> dict[str, list[str]]:
    """The Content-Security-Policy header as {directive: [sources]}."""
    header = response.headers.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.request.path}"
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name.lower()] = sources
    return directives


def is_private(path: str) -> bool:
    return any(path == p or path.startswith(p + "/") for p in PRIVATE)


def assert_protected(response) -> None:
    path = response.request.path
    policy = csp(response)
    scripts = policy.get("script-src", policy.get("default-src"))
    assert scripts is not None and "'unsafe-inline'" not in scripts, path
    assert policy.get("frame-ancestors") == ["'none'"], path
    assert response.headers["X-Content-Type-Options"] == "nosniff", path
    if is_private(path):
        assert response.headers["Referrer-Policy"] == "no-referrer", path
        assert "no-store" in response.headers.get("Cache-Control", ""), path
    else:
        assert response.headers["Referrer-Policy"] == "same-origin", path
    assert "Strict-Transport-Security" not in response.headers, path  # plain HTTP here


def _pages(app) -> list[str]:
    """Every endpoint answering GET, from the URL map (the API's included)."""
    return sorted({rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods})


@pytest.mark.parametrize("role", ["anonymous", "employee", "case_handler"])
def test_every_page_carries_the_security_headers(app, org, world, role):
    client = app.test_client()
    auth = Auth(client)
    if role != "anonymous":
        auth.login(_users(org)[role].email)
    for endpoint in _pages(app):
        try:
            response = request_as(client, auth, org, world, role, endpoint, "GET")
        except KeyError:
            pytest.fail(f"{endpoint}: add its URL to _request in tests/test_authorization.py")
        assert_protected(response)


def test_a_case_handler_sees_their_case_pages_uncached(app, org, world):
    """Not just the redirects: the case itself and its attachment, as served."""
    client = app.test_client()
    Auth(client).login(org.handler.email)
    for url in (f"/cases/{world.case}", f"/cases/{world.case}/attachments/{world.attachment}"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_protected(response)


@pytest.mark.parametrize(
    "url", ["/no-such-page", "/report/no-such-page", "/cases/no/such", "/api/v1/no-such"]
)
def test_error_pages_carry_the_security_headers(client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert_protected(response)


def test_an_api_answer_carries_the_security_headers(client, org):
    from ideas.services.accounts import create_api_token

    token = create_api_token(org.bo)
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and response.is_json
    assert_protected(response)
    assert_protected(client.get("/api/v1/me"))  # the 401 too


@pytest.mark.parametrize("url", ["/login", "/report", "/api/v1/openapi.json", "/no-such-page"])
def test_browsers_are_told_to_use_https_only_when_served_over_https(client, url):
    secure = client.get(url, base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")
    max_age = int(secure.headers["Strict-Transport-Security"].split("=")[1].split(";")[0])
    assert max_age >= 365 * 24 * 3600
    plain = client.get(url)
    assert "Strict-Transport-Security" not in plain.headers


def test_the_session_cookie_is_secure_when_the_site_is_served_over_https(make_app):
    """IDEAS_BASE_URL with https: the cookie travels over TLS only, and scripts and
    other sites' requests never see it."""
    with make_app(BASE_URL="https://ideer.example.se") as https_app:
        response = https_app.test_client().get("/login", base_url="https://ideer.example.se")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("ideas_session=")
    flags = {flag.strip().split("=")[0].lower(): flag.strip() for flag in cookie.split(";")}
    assert "secure" in flags and "httponly" in flags
    assert flags["samesite"] == "SameSite=Lax"


def test_behind_a_trusted_proxy_that_ends_tls_browsers_are_told_to_use_https(make_app):
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.5"}
    with make_app(TRUSTED_PROXIES=1) as proxied:
        response = proxied.test_client().get("/login", headers=forwarded)
    assert "Strict-Transport-Security" in response.headers


def test_without_a_trusted_proxy_a_header_cannot_claim_https(client):
    response = client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in response.headers


def test_the_session_cookie_is_not_marked_secure_over_plain_http(client):
    cookie = client.get("/login").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie
