"""Forgotten passwords: a single-use link, valid for an hour, sent by e-mail.

What this module promises, and why it holds:

- Only the SHA-256 of a link's token is kept (``PasswordReset.token_hash``); the token
  itself exists in the link alone. The e-mail record that carries the link
  (``ideas.services.mail``) is written before it is sent, so it holds the link until
  the link can no longer be used: once any link of the account is used, and at the
  hourly clean-up after the link has expired, the link in that record is replaced by
  one to the forgotten-password page (``_scrub_emails``).
- A link opens once: using it marks it used in the same transaction that sets the
  password; the account's other unused links are deleted then too, and so are they
  when the password is changed in the settings (``forget_links``).
- Asking for a link answers nothing about who has an account: ``request_reset``
  returns nothing, whatever the address, and an unknown address, a deactivated
  account, or (local login off) an account that is not an admin's gets no e-mail.
- Using a link ends every other session of the account (the session epoch). A case
  handler's private key is sealed under the forgotten password and cannot be opened:
  they get a new key pair (``reports.replace_handler_key``), and their cases come back
  as another handler or the reporter opens each one.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from ideas import clock
from ideas.extensions import db
from ideas.models import Email, HandlerKey, Role, User, user_by_email
from ideas.models.admin import PasswordReset
from ideas.services import mail, passwords, reports
from ideas.services.errors import DomainError

LINK_LIFETIME = timedelta(hours=1)
RESET_PATH = "/password/reset/"
FORGOT_PATH = "/password/forgot"
EVENT_PREFIX = "password-reset:"
_LINK_RE = re.compile(re.escape(RESET_PATH) + r"[A-Za-z0-9_-]+")


class LinkRefused(DomainError):
    """A link that does not open; ``reason`` is one of "unknown", "used", "expired",
    "local_login_off"."""

    status = 404

    def __init__(self, reason: str):
        messages = {
            "unknown": _l(
                "This link does not work. A link works once and for one hour, and it stops "
                "working when a newer link has been used. Ask for a new link."
            ),
            "used": _l(
                "This link has already been used: a link works only once. If you need to "
                "choose a new password again, ask for a new link."
            ),
            "expired": _l("This link has expired: a link works for one hour. Ask for a new link."),
            "local_login_off": _l(
                "Passwords are switched off here: you log in with single sign-on. "
                "Only an administrator's link still works."
            ),
        }
        super().__init__(messages[reason])
        self.reason = reason
        self.status = 404 if reason == "unknown" else 410


@dataclass
class Reset:
    """What a used link did: whose password it set, and whether they, a case
    handler, got a new key pair."""

    user: User
    new_key_pair: bool


def local_login() -> bool:
    """Whether local accounts may log in with a password (``IDEAS_LOCAL_LOGIN``)."""
    return bool(current_app.config["LOCAL_LOGIN"])


def may_use_password(user: User) -> bool:
    """Whether ``user`` may set and use a password here: an active account, while local
    login is on; only an admin's while it is off (their way in when the identity
    provider is down)."""
    return user.active and (local_login() or user.role == Role.ADMIN)


def key_sealed_by_password(user: User) -> bool:
    """Whether ``user`` is a case handler whose private key their password seals: the
    key a new password cannot open, replaced by a new key pair when the link is used.
    A key sealed under a key passphrase (single sign-on) stays as it is, and a
    handler with no key yet gets one at their next login."""
    if user.role != Role.CASE_HANDLER:
        return False
    key = db.session.get(HandlerKey, user.id)
    return key is not None and getattr(key, "sealed_with", "password") != "passphrase"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_url(token: str) -> str:
    """The link a person opens, at ``IDEAS_BASE_URL``."""
    return current_app.config["BASE_URL"] + RESET_PATH + token


def issue_link(user: User) -> tuple[str, PasswordReset]:
    """A new single-use link for ``user``: ``(token, row)``. Only the token's hash is
    stored; the token is returned once. Earlier links stay valid until one of them is
    used (e-mails can arrive out of order)."""
    token = secrets.token_urlsafe(32)
    now = clock.now()
    row = PasswordReset(
        user=user, token_hash=token_hash(token), created_at=now, expires_at=now + LINK_LIFETIME
    )
    db.session.add(row)
    db.session.flush()
    return token, row


def request_reset(email: str) -> None:
    """Someone asks for a link for ``email``: if an account may use a password with it,
    a link is e-mailed to it (in its own language). Returns nothing, whatever the
    address: the caller answers the same either way."""
    if not local_login():  # the page says so; admins have the command line's link
        return
    user = user_by_email(email or "")
    if user is None or not may_use_password(user):
        return
    token, row = issue_link(user)
    mail.queue_email(
        user,
        event_key=f"{EVENT_PREFIX}{row.id}",
        template="password_reset",
        subject=lambda: _l("Choose a new password"),
        link=link_url(token),
        expires_at=row.expires_at,
        case_handler=key_sealed_by_password(user),
    )


def operator_link(email: str) -> tuple[str, datetime]:
    """A link made by an operator on the server (``ideas users reset-link``), for a
    person who cannot get the e-mail, or an admin while local login is off and the
    identity provider is down: ``(url, expires_at)``. Written to the admin audit log
    (who it was for and until when; never the link)."""
    from ideas.services import audit

    user = user_by_email(email or "")
    if user is None:
        raise DomainError(_l("No account with e-mail %(email)s.", email=email), field="email")
    if not user.active:
        raise DomainError(_l("The account %(email)s is deactivated.", email=user.email), "email")
    if not may_use_password(user):
        raise DomainError(
            _l(
                "Local login is off (IDEAS_LOCAL_LOGIN=false): only an administrator's "
                "account can have a password link."
            ),
            field="email",
        )
    token, row = issue_link(user)
    audit.record(
        None,
        "password_reset_link",
        "user",
        user.email,
        after={"expires_at": row.expires_at.isoformat()},
    )
    return link_url(token), row.expires_at


def check_link(token: str) -> PasswordReset:
    """The link's row while it still opens, else ``LinkRefused`` saying why."""
    row = None
    if token and len(token) <= 100:
        row = db.session.scalar(
            select(PasswordReset).where(PasswordReset.token_hash == token_hash(token))
        )
    if row is None or not row.user.active:
        raise LinkRefused("unknown")
    if row.used_at is not None:
        raise LinkRefused("used")
    if row.expires_at <= clock.now():
        raise LinkRefused("expired")
    if not may_use_password(row.user):
        raise LinkRefused("local_login_off")
    return row


def reset_password(token: str, new: str, confirm: str) -> Reset:
    """Set a new password with a link: the rules of every new password, typed twice.

    The link is spent, the account's other links are deleted and every session of the
    account ends (the caller logs nobody in: the person logs in with the new password).
    A case handler gets a new key pair sealed under the new password, their old case
    keys deleted. Refused input changes nothing."""
    from ideas.services.accounts import end_sessions

    row = check_link(token)
    passwords.check_new_password(new, field="password")
    if new != confirm:
        raise DomainError(_l("The two passwords differ."), field="confirm")
    user = row.user
    now = clock.now()
    row.used_at = now
    user.password_hash = passwords.hash_password(new)
    db.session.execute(
        delete(PasswordReset).where(
            PasswordReset.user_id == user.id,
            PasswordReset.id != row.id,
            PasswordReset.used_at.is_(None),
        )
    )
    _scrub_emails(user=user)
    end_sessions(user)
    new_key = key_sealed_by_password(user) and reports.replace_handler_key(user, new) is not None
    db.session.flush()
    return Reset(user=user, new_key_pair=new_key)


def forget_links(user: User) -> None:
    """The account's unused links stop working (its password was changed otherwise)."""
    _scrub_emails(user=user)
    db.session.execute(
        delete(PasswordReset).where(
            PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None)
        )
    )


def forget_expired(now: datetime | None = None) -> int:
    """The hourly clean-up: forget the links that have expired (used or not), and take
    them out of the e-mail records. Returns how many were forgotten."""
    now = now or clock.now()
    expired = select(PasswordReset.id).where(PasswordReset.expires_at <= now)
    _scrub_emails(expired)
    return (
        db.session.execute(
            delete(PasswordReset).where(PasswordReset.expires_at <= now),
            execution_options={"synchronize_session": False},
        ).rowcount
        or 0
    )


def _scrub_emails(reset_ids=None, *, user: User | None = None) -> None:
    """Replace the link in the e-mail records of these links (or of every link of
    ``user``) by one to the forgotten-password page: a record then opens nothing."""
    if user is not None:
        stmt = select(Email).where(
            Email.user_id == user.id, Email.event_key.startswith(EVENT_PREFIX, autoescape=True)
        )
    else:
        keys = [f"{EVENT_PREFIX}{i}" for i in db.session.scalars(reset_ids)]
        if not keys:
            return
        stmt = select(Email).where(Email.event_key.in_(keys))
    for email in db.session.scalars(stmt):
        email.body_text = _LINK_RE.sub(FORGOT_PATH, email.body_text)
        email.body_html = _LINK_RE.sub(FORGOT_PATH, email.body_html)
