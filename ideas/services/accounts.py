"""Users, units and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ideas import clock
from ideas.extensions import db
from ideas.models import ROLES, ApiToken, Unit, User, unit_by_code, user_by_email
from ideas.services import passwords
from ideas.services.errors import DomainError

TOKEN_PREFIX = "ideas_"  # noqa: S105 - a prefix, not a secret


def normalize_email(email: str) -> str:
    """A checked, lower-cased e-mail address (no DNS look-up: intranets have odd domains).

    Only ASCII: letters such as å before the @ need SMTPUTF8 (RFC 6531) all the way
    to the mailbox, and in the domain its IDNA form, neither of which the mailer
    writes. Such an account would get no e-mail at all, so it is refused with the
    reason, rather than accepted with its e-mail waiting forever."""
    email = email.strip()
    if not email.isascii():
        raise DomainError(
            _l(
                "E-mail cannot be delivered to an address with letters such as å, ä or ö. "
                "Use another address."
            ),
            field="email",
        )
    try:
        info = validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        raise DomainError(_l("Enter a valid e-mail address."), field="email") from None
    return info.normalized.lower()


def require_unit(code: str, field: str = "unit") -> Unit:
    """The unit with this code, or a DomainError naming ``field``."""
    unit = unit_by_code(code)
    if unit is None:
        raise DomainError(_l("Unknown unit: %(code)s.", code=code), field=field)
    return unit


def create_user(
    *,
    email: str,
    name: str,
    password: str | None,
    role: str = "employee",
    unit_code: str | None = None,
    locale: str | None = None,
) -> User:
    """Create an account. The password is stored only as an Argon2id hash."""
    email = normalize_email(email)
    if user_by_email(email):
        raise DomainError(_l("An account with that e-mail address already exists."), "email")
    name = (name or "").strip()
    if not name:
        raise DomainError(_l("Enter a name."), field="name")
    if role not in ROLES:
        raise DomainError(_l("Unknown role: %(role)s.", role=role), field="role")
    if password is not None:
        passwords.check_new_password(password, field="password")
    unit = require_unit(unit_code) if unit_code else None
    user = User(
        email=email,
        name=name,
        role=role,
        unit=unit,
        locale=locale,
        password_hash=passwords.hash_password(password) if password else None,
    )
    db.session.add(user)
    db.session.flush()
    if password:
        from ideas.services.reports import ensure_handler_key  # reports imports accounts' peers

        ensure_handler_key(user, password)
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None (the same for every failure)."""
    user = user_by_email(email or "")
    ok = passwords.verify_password(user.password_hash if user else None, password or "")
    if not ok or user is None or not user.active:
        return None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    return user


def change_password(user: User, current: str, new: str, confirm: str) -> None:
    """Change one's own password. A case handler's private key is sealed anew under it,
    so that their cases stay open to them."""
    if not passwords.verify_password(user.password_hash, current or ""):
        raise DomainError(_l("The current password is wrong."), field="current")
    passwords.check_new_password(new, field="new")
    if new != confirm:
        raise DomainError(_l("The two new passwords differ."), field="confirm")
    from ideas.services.password_reset import forget_links
    from ideas.services.reports import reseal_handler_key

    reseal_handler_key(user, current, new)
    user.password_hash = passwords.hash_password(new)
    forget_links(user)  # a forgotten-password link sent earlier no longer opens
    end_sessions(user)  # elsewhere; the caller renews the session it is changed in


def end_sessions(user: User) -> None:
    """End every session of ``user`` (on logout, on a change of password): the ones on
    other devices and any copy of a session cookie, which would otherwise stay valid
    until it expired. Takes effect when the transaction commits."""
    user.session_epoch = User.session_epoch + 1


def create_unit(
    *, code: str, name: str, parent_code: str | None = None, manager_email: str | None = None
) -> Unit:
    """Create a unit (set-up and demo data; not logged). See ``services.units``."""
    from ideas.services import units

    return units.create_unit(
        code=code, name=name, parent_code=parent_code, manager_email=manager_email
    )


class ImportRowError(DomainError):
    def __init__(self, line: int, message: str):
        super().__init__(f"line {line}: {message}", field=f"line {line}")
        self.line = line


IMPORT_COLUMNS = ("code", "name", "parent", "manager_email")


def import_units(rows: Iterable[tuple[int, dict[str, str]]]) -> tuple[int, int]:
    """Create or update units from ``(line number, row)`` pairs, all or nothing.

    Parents may come later in the file than their children. A bad row raises
    ``ImportRowError`` naming its line; the caller then rolls back. Returns
    ``(created, updated)``.
    """
    existing = {u.code: u for u in db.session.scalars(select(Unit))}
    users = {}
    seen: dict[str, int] = {}
    parsed = []
    for line, row in rows:
        code = (row.get("code") or "").strip()
        name = (row.get("name") or "").strip()
        if not code:
            raise ImportRowError(line, "the code is empty")
        if len(code) > 40:
            raise ImportRowError(line, "the code is longer than 40 characters")
        if not name:
            raise ImportRowError(line, f"unit {code} has no name")
        if code in seen:
            raise ImportRowError(line, f"unit {code} is also on line {seen[code]}")
        seen[code] = line
        email = (row.get("manager_email") or "").strip().lower()
        if email and email not in users:
            users[email] = user_by_email(email)
            if users[email] is None:
                raise ImportRowError(line, f"no account with e-mail {email}")
        parsed.append((line, code, name, (row.get("parent") or "").strip(), email))

    created = updated = 0
    units = dict(existing)
    for _line, code, name, _parent, _email in parsed:
        if code in units:
            units[code].name = name
            updated += 1
        else:
            units[code] = Unit(code=code, name=name)
            db.session.add(units[code])
            created += 1
    for line, code, _name, parent, email in parsed:
        unit = units[code]
        if parent:
            if parent not in units:
                raise ImportRowError(line, f"unknown parent unit {parent}")
            # Walking up from the new parent must never reach this unit again.
            node = units[parent]
            while node is not None:
                if node is unit:
                    raise ImportRowError(line, f"unit {code} would be its own ancestor")
                node = node.parent
            unit.parent = units[parent]
        else:
            unit.parent = None
        unit.manager = users[email] if email else None
    db.session.flush()
    return created, updated


def create_api_token(user: User, name: str = "", *, private_key: bytes | None = None) -> str:
    """A new personal API token. The token is returned once; only its hash is kept.

    For a case handler, ``private_key`` (opened with their password) is sealed under the
    token, so that the API can open their cases with the token and nothing else."""
    from ideas.services.reports import seal_for_token

    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user=user, token_hash=_token_hash(token), name=name)
    if private_key is not None:
        row.sealed_private_key = seal_for_token(user, private_key, token)
    db.session.add(row)
    db.session.flush()
    return token


def token_row(token: str) -> ApiToken | None:
    """The active token row for a presented token, or None."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    row = db.session.scalar(
        select(ApiToken)
        .where(ApiToken.token_hash == _token_hash(token))
        .options(joinedload(ApiToken.user))  # the owner in the same query
    )
    if row is None or not row.user.active:
        return None
    return row


def user_for_token(token: str) -> User | None:
    row = token_row(token)
    if row is None:
        return None
    # Recorded at most hourly, so that reading through the API does not write each time.
    now = clock.now()
    if row.last_used_at is None or now - row.last_used_at > timedelta(hours=1):
        row.last_used_at = now
    return row.user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
