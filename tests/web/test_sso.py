"""Single sign-on with OpenID Connect, against a real provider (panva's oidc-provider on
loopback, tests/oidc): the Flask test client goes to the provider, a person's login
there is posted as a browser would, and the provider's answer comes back through the
real flow. Refusals show a page saying why, and leave no account, link or session."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from ideas.extensions import db
from ideas.models import AdminAudit, HandlerKey, ReportKey, User, user_by_email
from ideas.services import accounts, reports
from tests import factories
from tests.oidc import CLIENT_ID, CLIENT_SECRET, query, running_provider, sign_in_at_provider
from tests.smtp import free_port

BASE = "http://127.0.0.1:5000"  # the test app's BASE_URL (the config's default)
CALLBACK = BASE + "/login/sso/callback"
PASSPHRASE = "tre ord i rad är lätta att minnas"


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    log = tmp_path_factory.mktemp("oidc") / "provider.log"
    with running_provider(
        log, redirect_uris=[CALLBACK], post_logout_redirect_uris=[BASE + "/login"]
    ) as running:
        yield running


def configure(app, monkeypatch, issuer: str, **settings) -> None:
    monkeypatch.setitem(app.config, "OIDC_ISSUER", issuer)
    monkeypatch.setitem(app.config, "OIDC_CLIENT_ID", CLIENT_ID)
    monkeypatch.setitem(app.config, "OIDC_CLIENT_SECRET", CLIENT_SECRET)
    for name, value in settings.items():
        monkeypatch.setitem(app.config, f"OIDC_{name}", value)


@pytest.fixture
def sso(app, monkeypatch, provider):
    configure(app, monkeypatch, provider.url)
    return provider


def start(client, next_url: str | None = None) -> str:
    """The login page's button: the provider's authorization URL it redirects to."""
    url = "/login/sso" + (f"?{urlencode({'next': next_url})}" if next_url else "")
    response = client.get(url)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response.headers["Location"]


def sign_in(client, login: str, *, next_url: str | None = None, tamper=None):
    """A whole sign-on as ``login`` (a subject the provider knows): our answer to the
    provider's redirect back."""
    authorization = start(client, next_url)
    if tamper:
        authorization = tamper(authorization)
    back = sign_in_at_provider(authorization, login, CALLBACK)
    return client.get(back[len(BASE) :])


def signed_in_as(client) -> str | None:
    """Whose session this is, by the name the menu shows; None when logged out."""
    response = client.get("/settings")
    found = re.search(r'<span class="who">([^<]*)</span>', response.get_data(as_text=True))
    return found.group(1) if response.status_code == 200 and found else None


def page_text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


# -- the login page and the flow ------------------------------------------------------


def test_no_button_and_no_route_without_an_issuer(client):
    assert "Logga in med" not in client.get("/login").get_data(as_text=True)
    assert client.get("/login/sso").status_code == 404
    assert client.get("/login/sso/callback?code=x&state=y").status_code == 404


def test_the_login_page_offers_the_provider_by_name(client, app, monkeypatch, sso):
    page = client.get("/login?next=/ideas/new").get_data(as_text=True)
    assert "Logga in med 127.0.0.1:" in page  # the issuer's host when no name is set
    assert "/login/sso?next=/ideas/new" in page
    monkeypatch.setitem(app.config, "OIDC_NAME", "Ljungby kommuns konto")
    assert "Logga in med Ljungby kommuns konto" in client.get("/login").get_data(as_text=True)


def test_the_authorization_request_carries_pkce_state_and_nonce(client, sso):
    params = query(start(client))
    assert params["response_type"] == "code"
    assert params["client_id"] == CLIENT_ID
    assert params["redirect_uri"] == CALLBACK
    assert params["code_challenge_method"] == "S256"
    assert len(params["code_challenge"]) >= 43
    assert len(params["state"]) >= 20 and len(params["nonce"]) >= 20
    assert set(params["scope"].split()) == {"openid", "email", "profile"}


def test_first_sign_on_matches_a_verified_email_and_links_the_subject(client, org, sso):
    response = sign_in(client, "sub-anna", next_url="/ideas/new")
    assert response.status_code == 302
    assert response.headers["Location"] == "/ideas/new"
    db.session.refresh(org.anna)
    assert org.anna.oidc_subject == "sub-anna"
    assert org.anna.last_login_at is not None
    assert signed_in_as(client) == "Anna Andersson"


def test_later_sign_ons_match_by_subject_whatever_the_email(client, org, sso):
    org.bo.oidc_subject = "sub-stranger"  # the provider's e-mail for it is another
    db.session.commit()
    assert sign_in(client, "sub-stranger").status_code == 302
    assert signed_in_as(client) == "Bo Berg"
    assert user_by_email("okand@example.se") is None


def test_next_is_followed_only_on_this_site(client, org, sso):
    response = sign_in(client, "sub-anna", next_url="//evil.example/ideas")
    assert response.headers["Location"] == "/ideas"


def test_the_session_is_renewed_at_sign_on(client, org, sso):
    with client.session_transaction() as before:
        before["left_over"] = "from before"
        before["lang"] = "en"
    sign_in(client, "sub-anna")
    with client.session_transaction() as after:
        assert "left_over" not in after
        assert after["lang"] == "en"  # the language chosen stays
        assert not any(key.startswith("_state_") for key in after)  # state used up


def test_an_unverified_email_matches_nothing(client, org, sso):
    response = sign_in(client, "sub-unverified")
    assert response.status_code == 403
    assert "inte verifierat din e-postadress" in page_text(response)
    db.session.refresh(org.bo)
    assert org.bo.oidc_subject is None
    assert signed_in_as(client) is None


def test_an_unverified_email_creates_nothing_either(client, app, monkeypatch, org, sso):
    monkeypatch.setitem(app.config, "OIDC_CREATE_ACCOUNTS", True)
    monkeypatch.setitem(
        app.config,
        "OIDC_ROLE_CLAIM",
        None,
    )
    count = db.session.scalar(select(func.count(User.id)))
    org.bo.email = "bo.berg@example.se"  # nobody has the unverified address now
    db.session.commit()
    assert sign_in(client, "sub-unverified").status_code == 403
    assert db.session.scalar(select(func.count(User.id))) == count


def test_nobody_is_created_unless_the_operator_allows_it(client, org, sso):
    response = sign_in(client, "sub-new")
    assert response.status_code == 403
    assert "Det finns inget konto för dig här" in page_text(response)
    assert user_by_email("ny@example.se") is None


def test_an_account_is_created_in_the_default_unit(client, app, monkeypatch, org, sso):
    monkeypatch.setitem(app.config, "OIDC_CREATE_ACCOUNTS", True)
    monkeypatch.setitem(app.config, "OIDC_DEFAULT_UNIT", "VOO")
    assert sign_in(client, "sub-new").status_code == 302
    made = user_by_email("ny@example.se")
    assert (made.name, made.unit.code, made.role) == ("Nils Ny", "VOO", "employee")
    assert made.oidc_subject == "sub-new" and made.password_hash is None
    assert made.last_login_at is not None
    logged = db.session.scalar(select(AdminAudit).where(AdminAudit.target == made.email))
    assert logged.action == "create_user_sso" and logged.actor_id is None


def test_an_inactive_account_is_refused(client, org, sso):
    org.anna.active = False
    db.session.commit()
    response = sign_in(client, "sub-anna")
    assert response.status_code == 403
    assert "Ditt konto är avaktiverat" in page_text(response)
    assert signed_in_as(client) is None


def test_roles_follow_the_groups_claim_where_configured(client, app, monkeypatch, org, sso):
    monkeypatch.setitem(app.config, "OIDC_ROLE_CLAIM", "groups")
    monkeypatch.setitem(app.config, "OIDC_ROLE_MAP", {"g-managers": "manager"})
    assert sign_in(client, "sub-chief").status_code == 302
    db.session.refresh(org.anna)
    assert org.anna.role == "manager"
    logged = db.session.scalar(select(AdminAudit).where(AdminAudit.action == "role_from_sso"))
    assert (logged.before, logged.after) == ({"role": "employee"}, {"role": "manager"})


def test_roles_stay_as_the_admin_set_them_otherwise(client, org, sso):
    org.anna.role = "admin"
    db.session.commit()
    assert sign_in(client, "sub-chief").status_code == 302  # groups, but no claim set up
    db.session.refresh(org.anna)
    assert org.anna.role == "admin"


def test_logout_ends_the_session_here_and_at_the_provider(client, auth, org, sso):
    sign_in(client, "sub-anna")
    epoch = org.anna.session_epoch
    response = auth.logout()
    assert response.status_code == 302
    end = response.headers["Location"]
    assert end.startswith(sso.url + "/session/end?")
    params = query(end)
    assert params["post_logout_redirect_uri"] == BASE + "/login"
    assert params["id_token_hint"].count(".") == 2  # the ID token it issued
    assert signed_in_as(client) is None
    db.session.refresh(org.anna)
    assert org.anna.session_epoch == epoch + 1


def test_a_password_login_logs_out_here_only(client, auth, org, sso):
    auth.login(org.anna.email)
    assert auth.logout().headers["Location"] == "/login"


# -- refusals: a clear page, nothing created --------------------------------------------


def assert_nothing_created(client, org) -> None:
    assert user_by_email("ny@example.se") is None
    db.session.refresh(org.anna)
    assert org.anna.oidc_subject is None and org.anna.last_login_at is None
    assert signed_in_as(client) is None


@pytest.fixture
def creating(app, monkeypatch):
    """Accounts would be created: a refusal must still create none."""
    monkeypatch.setitem(app.config, "OIDC_CREATE_ACCOUNTS", True)


@pytest.mark.parametrize(
    ("mode", "issuer_path", "reason"),
    [
        ("normal", "/elsewhere", "kom från en annan identitetsleverantör"),
        ("bad-signature", "", "dess signatur stämmer inte"),
        ("stale-clock", "", "hade gått ut"),
    ],
    ids=["wrong-issuer", "bad-signature", "expired"],
)
def test_a_provider_gone_wrong_is_refused(
    client, app, monkeypatch, org, creating, tmp_path, mode, issuer_path, reason
):
    with running_provider(
        tmp_path / "provider.log", redirect_uris=[CALLBACK], mode=mode, issuer_path=issuer_path
    ) as bad:
        configure(app, monkeypatch, bad.url)
        for login in ("sub-anna", "sub-new"):
            response = sign_in(client, login)
            assert response.status_code == 400
            assert reason in page_text(response)
            assert "Tillbaka till inloggningen" in page_text(response)
    assert_nothing_created(client, org)


def test_a_replayed_state_is_refused(client, app, org, creating, sso):
    authorization = start(client)
    back = sign_in_at_provider(authorization, "sub-new", CALLBACK)
    other = app.test_client()  # the answer replayed in another browser
    response = other.get(back[len(BASE) :])
    assert response.status_code == 400
    assert "har redan använts" in page_text(response)
    assert user_by_email("ny@example.se") is None
    # And in the browser that started it, after it was used once:
    assert client.get(back[len(BASE) :]).status_code == 302
    again = client.get(back[len(BASE) :])
    assert again.status_code == 400 and "har redan använts" in page_text(again)


def test_a_wrong_nonce_is_refused(client, org, creating, sso):
    def other_nonce(url: str) -> str:
        return re.sub(r"nonce=[^&]+", "nonce=another-sign-in-s-nonce", url)

    for login in ("sub-anna", "sub-new"):
        response = sign_in(client, login, tamper=other_nonce)
        assert response.status_code == 400
        assert "hör inte till den här inloggningen" in page_text(response)
    assert_nothing_created(client, org)


def test_a_provider_that_is_down(client, app, monkeypatch, auth, org, creating):
    configure(app, monkeypatch, f"http://127.0.0.1:{free_port()}")
    page = client.get("/login").get_data(as_text=True)
    assert "Logga in med" in page  # the login page does not wait for the provider
    response = client.get("/login/sso")
    assert response.status_code == 503
    assert "kan inte nås just nu" in page_text(response)
    assert_nothing_created(client, org)
    auth.login(org.anna.email)  # local login still works
    assert signed_in_as(client) == "Anna Andersson"


# -- a case handler's key passphrase ----------------------------------------------------


@pytest.fixture
def handler(app):
    """A case handler who has only ever signed on: no password, no key pair yet."""
    factories.user("kollega@example.se", "Kim Kollega", "case_handler")  # another handler
    person = accounts.create_user(
        email="handlaggare@example.se",
        name="Hanna Handläggare",
        password=None,
        role="case_handler",
    )
    db.session.commit()
    return person


def set_passphrase(auth, url, passphrase=PASSPHRASE, confirm=None):
    return auth.post(
        url, {"passphrase": passphrase, "confirm": confirm or passphrase}, token_from=url
    )


def test_a_case_handler_sets_a_key_passphrase_and_opens_cases(client, auth, handler, sso):
    response = sign_in(client, "sub-handler")
    assert response.headers["Location"].startswith("/login/key?next=")
    page = client.get(response.headers["Location"])
    assert "Välj en lösenfras för nyckeln" in page_text(page)
    for weak, why in (("kort", "minst 12 tecken"), ("1qaz2wsx3edc", "vanligaste")):
        refused = set_passphrase(auth, "/login/key", weak)
        assert refused.status_code == 400 and why in page_text(refused)
    assert db.session.get(HandlerKey, handler.id) is None
    differ = set_passphrase(auth, "/login/key", confirm=PASSPHRASE + "!")
    assert differ.status_code == 400 and "skiljer sig åt" in page_text(differ)
    assert set_passphrase(auth, "/login/key").status_code == 302
    key = db.session.get(HandlerKey, handler.id)
    assert key.sealed_with == "passphrase"

    filed = reports.file_report({"what": "Fakturor attesteras av den som beställt."})
    db.session.commit()
    case = client.get(f"/cases/{filed.report.id}")
    assert case.status_code == 200
    assert "Fakturor attesteras av den som beställt." in case.get_data(as_text=True)

    # A later session asks for the passphrase once; a wrong one opens nothing.
    auth.logout()
    sign_in(client, "sub-handler")
    asked = client.get(f"/cases/{filed.report.id}")
    assert asked.status_code == 302 and asked.headers["Location"].startswith("/login/key")
    sealed = key.sealed_private_key
    wrong = auth.post(
        "/login/key", {"passphrase": "fel fras helt och hållet"}, token_from="/login/key"
    )
    assert wrong.status_code == 400
    assert "Det är inte din lösenfras för nyckeln" in page_text(wrong)
    assert client.get(f"/cases/{filed.report.id}").status_code == 302
    db.session.refresh(key)
    assert key.sealed_private_key == sealed
    right = auth.post(
        f"/login/key?next=/cases/{filed.report.id}",
        {"passphrase": PASSPHRASE},
        token_from="/login/key",
    )
    assert right.headers["Location"] == f"/cases/{filed.report.id}"
    assert "Fakturor attesteras" in client.get(f"/cases/{filed.report.id}").get_data(as_text=True)


def test_a_forgotten_passphrase_gives_a_new_key_pair(client, auth, handler, sso):
    sign_in(client, "sub-handler")
    set_passphrase(auth, "/login/key")
    filed = reports.file_report({"what": "Ett ärende från förr."})
    db.session.commit()
    old_public = db.session.get(HandlerKey, handler.id).public_key
    unticked = set_passphrase(auth, "/login/key/new", "en helt ny fras för nyckeln")
    assert unticked.status_code == 400 and "Kryssa i rutan" in page_text(unticked)
    made = auth.post(
        "/login/key/new",
        {
            "passphrase": "en helt ny fras för nyckeln",
            "confirm": "en helt ny fras för nyckeln",
            "understood": "y",
        },
        token_from="/login/key/new",
    )
    assert made.status_code == 302
    key = db.session.get(HandlerKey, handler.id)
    db.session.refresh(key)
    assert key.public_key != old_public and key.sealed_with == "passphrase"
    held = select(ReportKey).where(ReportKey.handler_id == handler.id)
    assert db.session.scalars(held).all() == []
    assert client.get(f"/cases/{filed.report.id}").status_code == 404  # until shared again


def test_a_password_login_does_not_replace_a_passphrase_key(client, auth, org, app, sso):
    # Hanna of the organisation has a password; she signs on and her key (sealed under
    # the password) opens with it on the key page; a password login later still works.
    sign_in(client, "sub-handler")
    page = client.get("/login/key")
    assert "fortfarande låst med lösenordet" in page_text(page)
    opened = auth.post("/login/key", {"passphrase": factories.PASSWORD}, token_from="/login/key")
    assert opened.status_code == 302
    key = db.session.get(HandlerKey, org.handler.id)
    assert key.sealed_with == "password"


def test_only_case_handlers_have_a_key_page(client, org, sso):
    sign_in(client, "sub-anna")
    assert client.get("/login/key").status_code == 403
    assert client.get("/login/key/new").status_code == 403


def test_the_key_page_needs_a_login(client, sso):
    response = client.get("/login/key")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.commits
def test_a_sign_on_while_the_worker_writes_gets_in(app, client, monkeypatch, sso):
    """The embedded default: the provider's callback is a GET that writes (the person
    found and signed in). The worker commits after the callback has read and before
    it writes; the person still gets in, on SQLite as on PostgreSQL."""
    import threading
    import time

    from sqlalchemy import text

    from ideas.services import sso as sso_service

    org = factories.organisation()
    db.session.commit()
    anna_id, bo_id = org.anna.id, org.bo.id
    worker_done = threading.Event()
    follow_role = sso_service._follow_role

    def the_worker(engine):
        with engine.begin() as conn:  # the worker's own write, from another connection
            conn.execute(text("UPDATE users SET absent = true WHERE id = :id"), {"id": bo_id})
        worker_done.set()

    def follow_role_while_the_worker_writes(user, identity):
        # The callback has read the account and is about to write to it.
        threading.Thread(target=the_worker, args=(db.engine,)).start()
        time.sleep(0.5)
        return follow_role(user, identity)

    monkeypatch.setattr(sso_service, "_follow_role", follow_role_while_the_worker_writes)
    response = sign_in(client, "sub-anna")
    assert response.status_code == 302, page_text(response)[:500]
    assert worker_done.wait(15)
    db.session.remove()
    assert db.session.scalar(select(User.oidc_subject).where(User.id == anna_id)) == "sub-anna"
    assert db.session.get(User, bo_id).absent is True
