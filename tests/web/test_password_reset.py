"""Forgotten passwords, from the request to the e-mail, the link and the database: the
same answer for every address, a link that works once and for an hour, sessions that
end, and a case handler who gets a new key and is told so."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from ideas import clock
from ideas.extensions import db
from ideas.models import Email, HandlerKey, ReportKey
from ideas.models.admin import PasswordReset
from ideas.services import accounts, mail, password_reset, reports
from tests.conftest import CSRF_RE, Auth
from tests.factories import PASSWORD

NEW = "ljung och sten i skogen"
SENT = "Om det finns ett konto med den adressen har vi skickat ett mejl dit"


def ask(client, auth, email: str, **kwargs):
    """Ask for a link on the forgotten-password page, as a browser would."""
    data = {"email": email, "csrf_token": auth.csrf("/password/forgot")}
    return client.post("/password/forgot", data=data, **kwargs)


def deliver() -> None:
    """What the worker does with the e-mails the request recorded."""
    mail.deliver(list(db.session.scalars(select(Email.id).where(Email.status == "pending"))))


def link_path(smtp, address: str, n: int = -1) -> str:
    """The path of the link in the ``n``-th e-mail to ``address``."""
    text = smtp.to(address)[n].get_body(("plain",)).get_content()
    (url,) = re.findall(r"https?://\S+/password/reset/\S+", text)
    return urlsplit(url).path


def choose(client, auth, path: str, password: str = NEW, confirm: str | None = None):
    data = {
        "password": password,
        "confirm": password if confirm is None else confirm,
        "csrf_token": auth.csrf(path),
    }
    response = client.post(path, data=data)
    db.session.expire_all()  # the request wrote in a session of its own
    return response


def _without_token(page: str) -> str:
    return CSRF_RE.sub('name="csrf_token" value=""', page)


def test_the_login_page_links_to_the_forgotten_password_page(client, org):
    page = client.get("/login").text
    assert 'href="/password/forgot"' in page and "Glömt ditt lösenord?" in page
    assert "Glömt lösenord" in client.get("/password/forgot").text


def test_a_link_by_e_mail_sets_a_new_password(client, auth, org, smtp):
    response = ask(client, auth, " Anna@Example.se ")
    assert response.status_code == 200 and SENT in response.text
    deliver()
    (message,) = smtp.to(org.anna.email)
    assert message["Subject"] == "Välj ett nytt lösenord"
    assert "fungerar en gång" in message.get_body(("plain",)).get_content()
    path = link_path(smtp, org.anna.email)
    form = client.get(path)
    assert form.status_code == 200 and "Välj ett nytt lösenord" in form.text
    assert form.headers["Referrer-Policy"] == "no-referrer"
    assert form.headers["Cache-Control"] == "no-store"

    done = choose(client, auth, path)
    assert done.status_code == 302 and done.headers["Location"] == "/login"
    assert "Ditt lösenord är bytt. Logga in med ditt nya lösenord." in client.get("/login").text
    assert accounts.authenticate(org.anna.email, PASSWORD) is None
    assert accounts.authenticate(org.anna.email, NEW) == org.anna
    auth.login(org.anna.email, NEW)
    assert client.get("/me/items").status_code == 200


def test_the_same_answer_whether_or_not_the_account_exists(client, auth, org, smtp):
    org.bo.active = False
    db.session.flush()
    pages = {}
    for email in (org.anna.email, "nobody@example.se", org.bo.email):
        response = ask(client, auth, email)
        assert response.status_code == 200
        pages[email] = _without_token(response.text)
    assert len(set(pages.values())) == 1
    deliver()
    # Only the active account gets an e-mail; nobody, and the deactivated one, get none.
    assert [m["To"] for m in smtp.messages] == [org.anna.email]
    assert db.session.scalar(select(func.count(PasswordReset.id))) == 1


def test_only_the_hash_of_the_token_is_kept(client, auth, org, smtp):
    ask(client, auth, org.anna.email)
    deliver()
    token = link_path(smtp, org.anna.email).rsplit("/", 1)[1]
    (row,) = db.session.scalars(select(PasswordReset))
    assert row.user_id == org.anna.id
    assert row.token_hash == password_reset.token_hash(token) != token
    assert row.expires_at == row.created_at + timedelta(hours=1)
    # Once the link is used, it is nowhere in the database, the e-mail record included.
    choose(client, auth, link_path(smtp, org.anna.email))
    email = db.session.scalar(select(Email).where(Email.recipient == org.anna.email))
    db.session.refresh(email)
    assert token not in email.body_text and token not in email.body_html
    assert "/password/forgot" in email.body_text


def test_a_link_works_only_once(client, auth, org, smtp):
    ask(client, auth, org.anna.email)
    deliver()
    path = link_path(smtp, org.anna.email)
    assert choose(client, auth, path).status_code == 302
    again = client.get(path)
    assert again.status_code == 410
    assert "Länken har redan använts: en länk fungerar bara en gång." in again.text
    refused = choose(client, auth, path, "ett tredje långt lösenord")
    assert refused.status_code == 410
    assert accounts.authenticate(org.anna.email, NEW) == org.anna  # unchanged by it


def test_a_link_expires_after_an_hour(client, auth, org, smtp):
    ask(client, auth, org.anna.email)
    deliver()
    path = link_path(smtp, org.anna.email)
    clock.advance(timedelta(minutes=59))
    assert client.get(path).status_code == 200
    clock.advance(timedelta(minutes=1))
    expired = client.get(path)
    assert expired.status_code == 410
    assert "Länken har slutat gälla: en länk fungerar i en timme." in expired.text
    assert choose(client, auth, path).status_code == 410
    assert accounts.authenticate(org.anna.email, PASSWORD) == org.anna


def test_an_unknown_link_is_refused_clearly(client, auth, org):
    for token in ("nope", "x" * 43, "x" * 500):
        response = client.get(f"/password/reset/{token}")
        assert response.status_code == 404
        assert "Länken fungerar inte." in response.text
        assert 'href="/password/forgot"' in response.text


def test_using_one_link_ends_the_older_ones(client, auth, org, smtp):
    for _ in range(2):
        ask(client, auth, org.anna.email)
    deliver()
    first, second = link_path(smtp, org.anna.email, 0), link_path(smtp, org.anna.email, 1)
    assert choose(client, auth, second).status_code == 302
    assert client.get(first).status_code == 404
    assert choose(client, auth, first, "ett tredje långt lösenord").status_code == 404
    assert accounts.authenticate(org.anna.email, NEW) == org.anna


def test_a_change_of_password_in_the_settings_ends_the_links(client, auth, org, smtp):
    ask(client, auth, org.anna.email)
    deliver()
    path = link_path(smtp, org.anna.email)
    accounts.change_password(org.anna, PASSWORD, NEW, NEW)
    assert client.get(path).status_code == 404


def _copy_of(client, app):
    thief = app.test_client()
    thief.set_cookie("ideas_session", client.get_cookie("ideas_session").value)
    return thief


def test_using_a_link_ends_every_session_of_the_account(app, client, auth, org, smtp):
    laptop = Auth(app.test_client())
    laptop.login(org.anna.email)
    thief = _copy_of(laptop.client, app)
    assert thief.get("/ideas").status_code == 200
    ask(client, auth, org.anna.email)
    deliver()
    choose(client, auth, link_path(smtp, org.anna.email))
    for browser in (laptop.client, thief):
        response = browser.get("/ideas")
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_someone_else_logged_in_in_this_browser_is_logged_out(client, auth, org, smtp):
    auth.login(org.bo.email)
    ask(client, auth, org.anna.email)
    deliver()
    choose(client, auth, link_path(smtp, org.anna.email))
    assert client.get("/ideas").status_code == 302
    assert accounts.authenticate(org.bo.email, PASSWORD) == org.bo


@pytest.mark.parametrize(
    ("password", "confirm", "field", "message"),
    [
        ("kort", "kort", "password", "Lösenordet måste vara minst 12 tecken."),
        ("Qwerty123456", "Qwerty123456", "password", "ett av de 10\u00a0000 vanligaste"),
        (NEW, NEW + "x", "confirm", "De två lösenorden är inte lika."),
    ],
)
def test_a_refused_password_says_why_at_the_field_and_changes_nothing(
    client, auth, org, smtp, password, confirm, field, message
):
    ask(client, auth, org.anna.email)
    deliver()
    path = link_path(smtp, org.anna.email)
    response = choose(client, auth, path, password, confirm)
    assert response.status_code == 400
    error = re.search(rf'<p class="error-message" id="{field}-error">([^<]*)</p>', response.text)
    assert error and message in error.group(1)
    assert f'aria-describedby="{field}-hint {field}-error"' in response.text or (
        f'aria-describedby="{field}-error"' in response.text
    )
    assert accounts.authenticate(org.anna.email, PASSWORD) == org.anna
    assert client.get(path).status_code == 200  # the link still works for a better try


def test_a_case_handler_gets_a_new_key_pair_and_is_told_so(app, client, auth, org, smtp):
    filed = reports.file_report({"what": "Läsbart igen efter nytt lösenord"})
    old_key = db.session.get(HandlerKey, org.handler.id).public_key
    handler = Auth(app.test_client())
    handler.login(org.handler.email)
    ask(client, auth, org.handler.email)
    deliver()
    assert "får du en ny nyckel" in smtp.to(org.handler.email)[0].get_body(("plain",)).get_content()
    path = link_path(smtp, org.handler.email)
    before = client.get(path).text
    assert "Du är handläggare: du får en ny nyckel till ärendena." in before
    assert "låst med ditt gamla lösenord" in before

    choose(client, auth, path)
    after = client.get("/login").text
    assert "Du har fått en ny nyckel till ärendena." in after
    new_key = db.session.get(HandlerKey, org.handler.id)
    assert new_key is not None and new_key.public_key != old_key
    assert (
        db.session.scalar(
            select(func.count(ReportKey.id)).where(ReportKey.handler_id == org.handler.id)
        )
        == 0
    )
    assert handler.client.get("/cases").status_code == 302  # the old session ended

    # The case comes back as soon as the reporter opens it, and opens with the new key.
    reports.open_as_reporter(filed.receipt_code)
    auth.login(org.handler.email, NEW)
    assert "Läsbart igen efter nytt lösenord" in client.get(f"/cases/{filed.report.id}").text


def test_anyone_else_is_not_told_about_case_keys(client, auth, org, smtp):
    ask(client, auth, org.anna.email)
    deliver()
    path = link_path(smtp, org.anna.email)
    assert "ny nyckel" not in client.get(path).text
    choose(client, auth, path)
    assert "ny nyckel" not in client.get("/login").text


def test_the_page_and_the_e_mail_are_in_english_for_those_who_chose_it(client, auth, org, smtp):
    org.anna.locale = "en"
    db.session.flush()
    client.post("/language", data={"lang": "en", "csrf_token": auth.csrf("/login")})
    assert "If there is an account with that address" in ask(client, auth, org.anna.email).text
    deliver()
    (message,) = smtp.to(org.anna.email)
    assert message["Subject"] == "Choose a new password"


def test_asking_for_links_is_limited_per_account(client, auth, org, smtp):
    spellings = ["anna@example.se", "ANNA@example.se", " Anna@Example.se "]
    statuses = [
        ask(
            client, auth, spellings[n % 3], environ_base={"REMOTE_ADDR": f"198.51.100.{n}"}
        ).status_code
        for n in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    # The same for an address without an account: the limit tells nothing either.
    unknown = [ask(client, auth, "nobody@example.se").status_code for _ in range(4)]
    assert unknown == [200, 200, 200, 429]
    deliver()
    assert len(smtp.to(org.anna.email)) == 3


def test_asking_for_links_is_limited_per_client(client, auth, org, smtp):
    statuses = [ask(client, auth, f"guess{n}@example.se").status_code for n in range(6)]
    assert statuses == [200] * 5 + [429]
    refused = ask(client, auth, org.anna.email)
    assert refused.status_code == 429
    assert "Du har bett om många länkar på kort tid." in refused.text
    other = ask(client, auth, org.bo.email, environ_base={"REMOTE_ADDR": "192.0.2.9"})
    assert other.status_code == 200


def test_the_rate_limits_keep_no_address(app, client, auth, org):
    from ideas.extensions import limiter

    ask(client, auth, org.anna.email)
    storage = limiter.storage
    keys = " ".join(str(k) for k in getattr(storage, "storage", {}))
    assert keys, "the in-memory storage holds the counters"
    assert "anna" not in keys and "127.0.0.1" not in keys


def test_a_form_without_csrf_token_is_refused_and_sends_nothing(client, org, smtp):
    response = client.post("/password/forgot", data={"email": org.anna.email})
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(PasswordReset.id))) == 0


def test_a_bad_address_is_said_at_the_field(client, auth, org):
    response = ask(client, auth, "inte en adress")
    assert response.status_code == 400
    assert 'id="email-error"' in response.text and "Ange en giltig e-postadress." in response.text


def test_the_settings_page_refuses_a_common_password_at_the_field(client, auth, org):
    auth.login(org.anna.email)
    response = auth.post(
        "/settings/password",
        {"current": PASSWORD, "new": "QWERTY123456", "confirm": "QWERTY123456"},
        token_from="/settings/password",
    )
    assert response.status_code == 400
    error = re.search(r'<p class="error-message" id="new-error">([^<]*)</p>', response.text)
    assert error and "vanligaste" in error.group(1)
    assert "Minst 12 tecken, och inte ett av de vanligaste" in response.text  # the hint
    db.session.expire_all()
    assert accounts.authenticate(org.anna.email, PASSWORD) == org.anna
