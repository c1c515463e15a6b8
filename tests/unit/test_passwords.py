"""The rules of a new password (at least 12 characters, not among the 10,000 most
common), wherever a password is set; and the clean-up of forgotten-password links."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from ideas import clock
from ideas.extensions import db
from ideas.models import Email, User, user_by_email
from ideas.models.admin import PasswordReset
from ideas.services import accounts, mail, password_reset, passwords
from ideas.services.demo import DEMO_PASSWORD
from ideas.services.errors import DomainError
from tests.factories import PASSWORD


def test_the_list_is_the_top_ten_thousand_read_once():
    common = passwords.common_passwords()
    assert isinstance(common, frozenset) and len(common) == passwords.COMMON_COUNT == 10_000
    assert {"123456", "password", "qwerty", "dragon"} <= common
    assert passwords.common_passwords() is common  # cached, not read again


@pytest.mark.parametrize("typed", ["qwerty123456", "QWERTY123456", "Qwerty123456 "])
def test_common_passwords_are_found_whatever_the_case(typed):
    assert passwords.is_common(typed)


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("", "at least 12 characters"),
        ("elva tecken", "at least 12 characters"),  # 11
        ("1q2w3e4r5t6y", "most common"),
        ("LeaveMeAlone", "most common"),
    ],
)
def test_a_weak_password_is_refused_with_the_reason_at_the_field(app, password, reason):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        from flask import session

        session["lang"] = "en"
        with pytest.raises(DomainError) as refused:
            passwords.check_new_password(password, field="new")
    assert refused.value.field == "new"
    assert reason in str(refused.value.message)


@pytest.mark.parametrize("password", [PASSWORD, DEMO_PASSWORD, "tolv tecken!", "x" * 1000])
def test_good_passwords_pass(password):
    assert passwords.MIN_LENGTH == 12
    passwords.check_new_password(password)  # the demo's and the tests' own included


def test_an_account_is_not_created_with_a_common_password(org):
    before = db.session.scalar(select(func.count(User.id)))
    with pytest.raises(DomainError) as refused:
        accounts.create_user(email="ny@example.se", name="Ny", password="QazWsxEdcRfv")
    assert refused.value.field == "password"
    assert "10" in str(refused.value.message) and "vanligaste" in str(refused.value.message)
    assert db.session.scalar(select(func.count(User.id))) == before
    # Without a password (single sign-on, or set later with a link) is still allowed.
    assert accounts.create_user(email="sso@example.se", name="SSO", password=None)


def test_the_command_refuses_a_common_password_with_the_reason(org, runner):
    from tests.cli.conftest import one_line_error

    db.session.commit()
    result = runner.invoke(
        args=["users", "create", "--email", "k@example.se", "--name", "K",
              "--password", "1qaz2wsx3edc"]
    )  # fmt: skip
    line = one_line_error(result)
    assert "vanligaste" in line  # Swedish first, as every refusal of the command
    assert user_by_email("k@example.se") is None
    short = runner.invoke(
        args=["users", "create", "--email", "k@example.se", "--name", "K", "--password", "kort"]
    )
    assert "minst 12 tecken" in one_line_error(short)


def test_the_change_of_password_refuses_a_common_one(org):
    with pytest.raises(DomainError) as refused:
        accounts.change_password(org.anna, PASSWORD, "Qwerty123456", "Qwerty123456")
    assert refused.value.field == "new"
    assert accounts.authenticate(org.anna.email, PASSWORD) == org.anna


# -- the hourly clean-up of links -------------------------------------------------------


def _reset_email(user) -> Email:
    password_reset.request_reset(user.email)
    return db.session.scalar(
        select(Email).where(Email.user_id == user.id).order_by(Email.id.desc())
    )


def test_the_hourly_clean_up_forgets_expired_links_and_their_tokens(org):
    from worker.tasks import check_deadlines

    old = _reset_email(org.anna)
    (old_token,) = [w.rsplit("/", 1)[1] for w in old.body_text.split() if "/password/reset/" in w]
    clock.advance(timedelta(minutes=30))
    fresh = _reset_email(org.bo)
    clock.advance(timedelta(minutes=31))  # Anna's link is 61 minutes old, Bo's 31

    check_deadlines.run()
    db.session.expire_all()
    (left,) = db.session.scalars(select(PasswordReset))
    assert left.user_id == org.bo.id
    assert old_token not in old.body_text and old_token not in old.body_html
    assert "/password/forgot" in old.body_text
    assert "/password/reset/" in fresh.body_text  # a link that still works is kept


def test_the_clean_up_also_forgets_a_used_link_once_it_has_expired(org):
    token, row = password_reset.issue_link(org.anna)
    password_reset.reset_password(token, "ett nytt långt lösenord", "ett nytt långt lösenord")
    assert password_reset.forget_expired() == 0  # used, but a second use is still told so
    clock.advance(timedelta(hours=1))
    assert password_reset.forget_expired() == 1
    assert db.session.scalar(select(func.count(PasswordReset.id))) == 0


def test_a_sent_e_mail_is_still_sent_after_its_link_was_removed(org, smtp):
    email = _reset_email(org.anna)
    clock.advance(timedelta(hours=2))
    password_reset.forget_expired()
    mail.deliver([email.id])
    (message,) = smtp.to(org.anna.email)
    assert "/password/reset/" not in message.get_body(("plain",)).get_content()


def test_the_access_log_masks_the_token_of_a_link(monkeypatch):
    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    from ideas.logging_policy import ScrubbingLogger

    logged = []
    monkeypatch.setattr(
        Logger, "access", lambda self, resp, req, environ, t: logged.append(environ)
    )
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/password/reset/SECRETTOKEN",
        "PATH_INFO": "/password/reset/SECRETTOKEN",
    }
    ScrubbingLogger(Config()).access(None, None, environ, None)
    (seen,) = logged
    assert seen["RAW_URI"] == seen["PATH_INFO"] == "/password/reset/[token]"
    assert "SECRETTOKEN" not in str(seen)
