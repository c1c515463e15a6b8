"""Logging in and out, login required by default, session expiry."""

import time

import itsdangerous.timed
import pytest

from ideas.extensions import db
from tests.conftest import Auth
from tests.factories import PASSWORD


def test_protected_pages_send_anonymous_visitors_to_login(client, org):
    for url in ("/ideas", "/ideas/new", "/me/items", "/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")


def test_login_then_back_to_the_page_asked_for(client, auth, org):
    token = auth.csrf("/login")
    response = client.post(
        "/login?next=/me/items",
        data={"email": "ANNA@example.se", "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/me/items"
    page = client.get("/me/items").get_data(as_text=True)
    assert "Anna Andersson" in page


def test_login_never_redirects_to_another_site(client, auth, org):
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = client.post(
            f"/login?next={target}",
            data={"email": org.anna.email, "password": PASSWORD, "csrf_token": auth.csrf("/login")},
        )
        assert response.headers["Location"] == "/ideas"
        auth.logout()


def test_wrong_password_and_unknown_account_look_the_same(client, auth, org):
    wrong = client.post(
        "/login",
        data={
            "email": org.anna.email,
            "password": "nope nope nope",
            "csrf_token": auth.csrf("/login"),
        },
    )
    unknown = client.post(
        "/login",
        data={
            "email": "nobody@example.se",
            "password": "x" * 12,
            "csrf_token": auth.csrf("/login"),
        },
    )
    assert wrong.status_code == unknown.status_code == 400
    message = "E-postadressen eller lösenordet är fel."
    assert message in wrong.get_data(as_text=True)
    assert message in unknown.get_data(as_text=True)
    assert client.get("/ideas").status_code == 302  # still not logged in


def test_deactivated_account_cannot_log_in(client, auth, org):
    org.bo.active = False
    db.session.flush()
    response = client.post(
        "/login",
        data={"email": org.bo.email, "password": PASSWORD, "csrf_token": auth.csrf("/login")},
    )
    assert response.status_code == 400


def test_login_without_csrf_token_is_refused(client, org):
    response = client.post("/login", data={"email": org.anna.email, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/ideas").status_code == 302


def test_logout_needs_a_post_with_token(client, auth, org):
    auth.login(org.anna.email)
    assert client.get("/logout").status_code == 405
    client.post("/logout")  # no token: refused, still logged in
    assert client.get("/ideas").status_code == 200
    auth.logout()
    assert client.get("/ideas").status_code == 302


def test_session_expires_after_the_configured_idle_time(app, client, auth, org, monkeypatch):
    auth.login(org.anna.email)
    assert client.get("/ideas").status_code == 200
    lifetime = app.permanent_session_lifetime.total_seconds()
    later = time.time() + lifetime + 60
    monkeypatch.setattr(
        itsdangerous.timed.TimestampSigner, "get_timestamp", lambda self: int(later)
    )
    # Seen from "lifetime + 1 minute" later, the cookie is too old to be accepted.
    assert client.get("/ideas").status_code == 302


def test_session_cookie_is_http_only_and_same_site(client, auth, org):
    response = auth.login(org.anna.email)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def _copy_of(client, app) -> object:
    """Another browser holding a copy of ``client``'s session cookie."""
    thief = app.test_client()
    thief.set_cookie("ideas_session", client.get_cookie("ideas_session").value)
    return thief


def test_logout_ends_the_session_a_copied_cookie_and_other_devices(app, client, auth, org):
    auth.login(org.anna.email)
    phone = Auth(app.test_client())
    phone.login(org.anna.email)
    thief = _copy_of(client, app)
    assert thief.get("/ideas").status_code == 200  # the copy works while the session lasts
    auth.logout()
    for browser in (client, thief, phone.client):
        response = browser.get("/ideas")
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")
    auth.login(org.anna.email)  # and a new login works as before
    assert client.get("/ideas").status_code == 200


@pytest.mark.parametrize(
    ("current", "status", "elsewhere"),
    [
        (PASSWORD, 302, 302),  # changed: the other session ends, this one goes on
        ("fel lösenord", 400, 200),  # refused: no session ends
    ],
)
def test_a_password_change_ends_other_sessions_and_keeps_this_one(
    app, client, auth, org, current, status, elsewhere
):
    auth.login(org.anna.email)
    other = Auth(app.test_client())
    other.login(org.anna.email)
    response = client.post(
        "/settings/password",
        data={
            "current": current,
            "new": "ett helt annat lösenord",
            "confirm": "ett helt annat lösenord",
            "csrf_token": auth.csrf("/settings/password"),
        },
    )
    assert response.status_code == status
    assert client.get("/ideas").status_code == 200
    assert other.client.get("/ideas").status_code == elsewhere


def test_a_session_from_before_the_upgrade_still_works(client, org):
    """Sessions signed before migration 0012 hold the user's id alone."""
    with client.session_transaction() as session:
        session["_user_id"] = str(org.anna.id)
        session["_fresh"] = True
    assert "Anna Andersson" in client.get("/ideas").get_data(as_text=True)


def test_a_forged_session_epoch_is_refused(client, auth, org):
    auth.login(org.anna.email)
    auth.logout()
    auth.login(org.anna.email)  # epoch 1 now
    for forged in (f"{org.anna.id}:0", f"{org.anna.id}:x", "x:1", f"{org.anna.id}:", ""):
        with client.session_transaction() as session:
            session["_user_id"] = forged
        assert client.get("/ideas").status_code == 302, forged
