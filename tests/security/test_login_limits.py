"""Guessing passwords is slowed down, and a failed login never tells whether the
account exists."""

from __future__ import annotations

from tests.conftest import CSRF_RE, Auth
from tests.factories import PASSWORD

WAIT = "Too many failed attempts to log in. Wait a while, then try again."


def attempt(client, auth, email: str, password: str = "wrong password", **kwargs):
    data = {"email": email, "password": password, "csrf_token": auth.csrf("/login")}
    return client.post("/login", data=data, **kwargs)


def test_the_sixth_wrong_password_for_one_account_is_refused(client, auth, org):
    statuses = [attempt(client, auth, org.anna.email).status_code for _ in range(6)]
    assert statuses == [400] * 5 + [429]
    # Even the right password waits now: the account is being guessed at.
    assert attempt(client, auth, org.anna.email, PASSWORD).status_code == 429


def test_one_account_cannot_be_guessed_from_many_addresses(client, auth, org):
    statuses = [
        attempt(
            client, auth, org.anna.email, environ_base={"REMOTE_ADDR": f"198.51.100.{n}"}
        ).status_code
        for n in range(6)
    ]
    assert statuses == [400] * 5 + [429]


def test_the_account_limit_ignores_how_the_address_is_written(client, auth, org):
    spellings = ["anna@example.se", "ANNA@example.se", " Anna@Example.se ", "anna@EXAMPLE.SE"]
    statuses = [attempt(client, auth, spellings[n % 4]).status_code for n in range(6)]
    assert statuses[-1] == 429


def test_the_eleventh_failure_from_one_address_is_refused(client, auth, org):
    statuses = [attempt(client, auth, f"guess{n}@example.se").status_code for n in range(11)]
    assert statuses == [400] * 10 + [429]
    # Other addresses are not held up by one client's guessing.
    other = attempt(client, auth, org.bo.email, PASSWORD, environ_base={"REMOTE_ADDR": "192.0.2.9"})
    assert other.status_code == 302


def test_a_correct_login_after_a_few_mistakes_still_works(client, auth, org):
    for _ in range(4):
        assert attempt(client, auth, org.anna.email).status_code == 400
    assert attempt(client, auth, org.anna.email, PASSWORD).status_code == 302
    assert client.get("/me/items").status_code == 200


def test_successful_logins_do_not_count(client, auth, org):
    for _ in range(12):
        assert attempt(client, auth, org.anna.email, PASSWORD).status_code == 302
        auth.logout()


def test_the_refusal_is_a_friendly_page_that_says_to_wait(client, auth, org):
    for _ in range(5):
        attempt(client, auth, org.anna.email)
    refused = attempt(client, auth, org.anna.email)
    assert refused.status_code == 429
    page = refused.get_data(as_text=True)
    assert '<html lang="sv">' in page and "Begäran kunde inte hanteras" in page
    assert "per 1 minute" not in page  # never the limiter's own English


def test_the_refusal_is_in_english_for_those_who_chose_english(client, auth, org):
    client.post("/language", data={"lang": "en", "csrf_token": auth.csrf("/login")})
    for _ in range(5):
        attempt(client, auth, org.anna.email)
    refused = attempt(client, auth, org.anna.email)
    assert refused.status_code == 429
    page = refused.get_data(as_text=True)
    assert '<html lang="en">' in page and WAIT in page


def _without_token(page: str) -> str:
    return CSRF_RE.sub('name="csrf_token" value=""', page)


def test_a_wrong_password_and_an_unknown_account_look_exactly_the_same(client, auth, org):
    wrong = attempt(client, auth, org.anna.email, "not her password")
    unknown = attempt(client, auth, "nobody@example.se", "not her password")
    assert wrong.status_code == unknown.status_code == 400
    body = _without_token(wrong.get_data(as_text=True))
    other = _without_token(unknown.get_data(as_text=True))
    # The form shows back the address typed: make it the same in both.
    assert body.replace(org.anna.email, "EMAIL") == other.replace("nobody@example.se", "EMAIL")


def test_a_deactivated_account_looks_like_an_unknown_one(client, auth, org):
    from ideas.extensions import db

    org.bo.active = False
    db.session.flush()
    inactive = attempt(client, auth, org.bo.email, PASSWORD)
    unknown = attempt(client, auth, "nobody@example.se", PASSWORD)
    assert inactive.status_code == unknown.status_code == 400
    assert _without_token(inactive.get_data(as_text=True)).replace(
        org.bo.email, "EMAIL"
    ) == _without_token(unknown.get_data(as_text=True)).replace("nobody@example.se", "EMAIL")


def test_behind_a_trusted_proxy_each_client_has_its_own_budget(make_app, org):
    """All requests reach the app from the proxy's address; the forwarded one counts."""
    with make_app(TRUSTED_PROXIES=1) as proxied:
        client = proxied.test_client()
        auth = Auth(client)

        def attempt_from(address: str, n: int):
            return attempt(
                client,
                auth,
                f"guess{n}@example.se",
                headers={"X-Forwarded-For": address},
            ).status_code

        assert [attempt_from("203.0.113.1", n) for n in range(11)] == [400] * 10 + [429]
        assert attempt_from("203.0.113.2", 99) == 400  # another client: not held up
