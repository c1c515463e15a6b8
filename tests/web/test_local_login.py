"""IDEAS_LOCAL_LOGIN=false: no password form, a posted password refused, the
forgotten-password pages off; and the admins' way in while the identity provider is
down (/login/local and `ideas users reset-link`)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ideas import create_app
from ideas.extensions import db
from ideas.models import AdminAudit
from ideas.models.admin import PasswordReset
from ideas.services import accounts, password_reset
from tests.conftest import Auth
from tests.factories import PASSWORD

OFF = "Inloggning med lösenord är avstängd här. Logga in med gemensam inloggning."
WRONG = "E-postadressen eller lösenordet är fel."


@pytest.fixture
def local_login_off(app, monkeypatch):
    monkeypatch.setitem(app.config, "LOCAL_LOGIN", False)


def post_login(client, auth, url: str, email: str, password: str = PASSWORD):
    data = {"email": email, "password": password, "csrf_token": auth.csrf("/login")}
    return client.post(url, data=data)


def test_local_login_is_on_by_default(app):
    assert app.config["LOCAL_LOGIN"] is True


@pytest.mark.parametrize(
    ("value", "expected"), [("false", False), ("true", True), ("off", False), ("yes", True)]
)
def test_the_environment_variable_switches_it(app, monkeypatch, tmp_path, value, expected):
    monkeypatch.setenv("IDEAS_LOCAL_LOGIN", value)
    other = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x", "TESTING": True})
    app.extensions["celery"].set_default()  # the test app's Celery, as before
    assert other.config["LOCAL_LOGIN"] is expected


def test_a_value_that_is_neither_true_nor_false_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("IDEAS_LOCAL_LOGIN", "perhaps")
    with pytest.raises(ValueError, match="IDEAS_LOCAL_LOGIN must be true or false"):
        create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"})


def test_with_local_login_off_the_login_page_has_no_password_form(client, org, local_login_off):
    page = client.get("/login")
    assert page.status_code == 200
    assert 'name="password"' not in page.text
    assert 'href="/password/forgot"' not in page.text
    assert 'href="/login/local"' in page.text  # the admins' way in, discreetly


def test_a_posted_password_is_refused_clearly_even_the_right_one(
    client, auth, org, local_login_off
):
    response = post_login(client, auth, "/login", org.anna.email)
    assert response.status_code == 403
    assert OFF in response.text
    assert client.get("/ideas").status_code == 302  # not logged in


def test_the_forgotten_password_pages_say_that_passwords_are_off(
    client, auth, org, smtp, local_login_off
):
    page = client.get("/password/forgot")
    assert page.status_code == 200
    assert "Lösenord är avstängda här" in page.text and 'name="email"' not in page.text
    assert "ideas users reset-link" in page.text
    posted = client.post(
        "/password/forgot", data={"email": org.anna.email, "csrf_token": auth.csrf("/login")}
    )
    assert posted.status_code == 403
    assert db.session.scalar(select(func.count(PasswordReset.id))) == 0
    assert smtp.messages == []


def test_a_link_made_before_passwords_were_switched_off_works_only_for_an_admin(
    app, client, auth, org, monkeypatch
):
    anna, _row = password_reset.issue_link(org.anna)
    admin, _row = password_reset.issue_link(org.admin)
    monkeypatch.setitem(app.config, "LOCAL_LOGIN", False)
    refused = client.get(f"/password/reset/{anna}")
    assert refused.status_code == 410 and "Lösenord är avstängda här" in refused.text
    assert client.get(f"/password/reset/{admin}").status_code == 200


def test_an_admin_logs_in_on_the_local_page(client, auth, org, local_login_off):
    page = client.get("/login/local")
    assert page.status_code == 200 and "Logga in som administratör" in page.text
    response = post_login(client, auth, "/login/local?next=/admin/categories", org.admin.email)
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/categories"
    assert client.get("/admin/categories").status_code == 200


@pytest.mark.parametrize("who", ["anna", "boss", "handler"])
def test_the_local_page_refuses_everyone_but_admins_as_a_wrong_password(
    client, auth, org, local_login_off, who
):
    user = getattr(org, who)
    refused = post_login(client, auth, "/login/local", user.email)
    assert refused.status_code == 400 and WRONG in refused.text
    unknown = post_login(client, auth, "/login/local", "nobody@example.se")
    assert unknown.text.replace("nobody@example.se", "E") == refused.text.replace(
        user.email, "E"
    ).replace(_token(refused.text), _token(unknown.text))
    assert client.get("/ideas").status_code == 302


def _token(page: str) -> str:
    from tests.conftest import CSRF_RE

    return CSRF_RE.search(page).group(1)


def test_the_local_page_shares_the_login_rate_limits(client, auth, org, local_login_off):
    # Guesses on /login/local and on /login draw on one budget per account.
    for _ in range(3):
        assert post_login(client, auth, "/login/local", org.admin.email, "fel").status_code == 400
    for _ in range(2):
        assert post_login(client, auth, "/login", org.admin.email, "fel").status_code == 403
    assert post_login(client, auth, "/login/local", org.admin.email).status_code == 429


def test_the_local_page_limits_guesses_per_client(client, auth, org, local_login_off):
    statuses = [
        post_login(client, auth, "/login/local", f"guess{n}@example.se", "fel").status_code
        for n in range(11)
    ]
    assert statuses == [400] * 10 + [429]


def test_with_local_login_on_the_local_page_is_the_login_page(client, org):
    response = client.get("/login/local?next=/me/items")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/me/items"


def test_the_operator_prints_a_reset_link_for_an_admin(app, client, runner, org, local_login_off):
    result = runner.invoke(args=["users", "reset-link", "--email", "ADMIN@example.se"])
    assert result.exit_code == 0, result.output
    url = result.output.strip().splitlines()[-1]
    assert url.startswith(app.config["BASE_URL"] + "/password/reset/")
    assert "admin@example.se" in result.output and "UTC" in result.output
    db.session.expire_all()
    (entry,) = db.session.scalars(
        select(AdminAudit).where(AdminAudit.action == "password_reset_link")
    )
    assert entry.actor_id is None and entry.target == "admin@example.se"
    token = url.rsplit("/", 1)[1]
    assert token not in str(entry.after)  # the log tells until when, never the link

    # The admin sets a new password with it and logs in on the local page.
    auth = Auth(client)
    path = "/password/reset/" + token
    new = "ett nytt adminlösenord"
    done = client.post(path, data={"password": new, "confirm": new, "csrf_token": auth.csrf(path)})
    assert done.status_code == 302 and done.headers["Location"] == "/login/local"
    assert post_login(client, auth, "/login/local", org.admin.email, new).status_code == 302


def test_the_operator_gets_no_link_for_someone_who_cannot_use_a_password(
    runner, org, local_login_off
):
    db.session.commit()  # the command's refusal rolls back only its own work
    result = runner.invoke(args=["users", "reset-link", "--email", org.anna.email])
    assert result.exit_code != 0
    assert "IDEAS_LOCAL_LOGIN=false" in result.output
    assert db.session.scalar(select(func.count(PasswordReset.id))) == 0


@pytest.mark.parametrize(
    ("email", "message"),
    [("nobody@example.se", "nobody@example.se"), ("bo@example.se", "avaktiverat")],
)
def test_the_operator_is_told_why_there_is_no_link(runner, org, email, message):
    org.bo.active = False
    db.session.commit()  # the command's refusal rolls back only its own work
    result = runner.invoke(args=["users", "reset-link", "--email", email])
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output
    assert db.session.scalar(select(func.count(PasswordReset.id))) == 0


def test_with_local_login_on_the_operator_link_works_for_anyone(client, runner, org):
    result = runner.invoke(args=["users", "reset-link", "--email", org.anna.email])
    assert result.exit_code == 0, result.output
    path = "/password/reset/" + result.output.strip().splitlines()[-1].rsplit("/", 1)[1]
    assert client.get(path).status_code == 200
    assert accounts.authenticate(org.anna.email, PASSWORD) == org.anna
