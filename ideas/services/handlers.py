"""Case handlers of the whistleblowing channel: who is one, designating and removing.

An administrator decides *who* handles cases, never *what* a case says: nothing here
opens, lists or names a case. A new case handler gets their key pair at their next
login (``reports.unlock_at_login``) and each existing case only when another case
handler or the reporter next opens it (``reports.share_with_handlers``) — never from
an administrator, who holds no case key. Removing a handler deletes every key they
held, so that what they could read before they can no longer read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import joinedload

from ideas.extensions import db
from ideas.models import ApiToken, HandlerKey, KeySession, ReportKey, Role, User
from ideas.models.org import ROLES
from ideas.services import audit
from ideas.services.errors import DomainError


@dataclass
class HandlerRow:
    """One case handler as the admin list shows them (no case is named or counted)."""

    user: User
    has_key: bool
    last_login_at: datetime | None


def list_handlers() -> list[HandlerRow]:
    """Every case handler, active ones first, by name: whether they have their key
    pair yet and when they last logged in. Two queries, however many handlers."""
    users = db.session.scalars(
        select(User)
        .options(joinedload(User.unit))
        .where(User.role == Role.CASE_HANDLER.value)
        .order_by(User.active.desc(), User.name, User.id)
    ).all()
    keyed = set(
        db.session.scalars(
            select(HandlerKey.user_id).where(HandlerKey.user_id.in_([u.id for u in users]))
        )
    )
    return [HandlerRow(user=u, has_key=u.id in keyed, last_login_at=u.last_login_at) for u in users]


def other_active_handlers(person: User) -> int:
    """How many active case handlers there are besides ``person``."""
    return (
        db.session.scalar(
            select(func.count(User.id)).where(
                User.role == Role.CASE_HANDLER.value,
                User.active.is_(True),
                User.id != person.id,
            )
        )
        or 0
    )


def designate(person: User, actor: User | None) -> User:
    """Make an active person a case handler.

    They get their key pair at their next login, and each existing case as soon as
    another case handler or the reporter opens it; an administrator gives them no key.
    An administrator cannot be designated (whoever runs the organisation stays out of
    the cases): change their role on the people page first. Logged in the admin audit
    log, without any case content."""
    if not person.active:
        raise DomainError(_l("%(name)s is deactivated.", name=person.name), field="email")
    if person.role == Role.CASE_HANDLER:
        raise DomainError(
            _l("%(name)s is already a case handler.", name=person.name), field="email"
        )
    if person.role == Role.ADMIN:
        raise DomainError(
            _l(
                "%(name)s is an administrator. An administrator cannot handle cases; "
                "give them another role on the people page first.",
                name=person.name,
            ),
            field="email",
        )
    before = audit.snapshot(person, ("role",))
    person.role = Role.CASE_HANDLER.value
    audit.record(
        actor,
        "designate_handler",
        "case_handler",
        person.email,
        before=before,
        after=audit.snapshot(person, ("role",)),
    )
    db.session.flush()
    return person


def remove(person: User, actor: User | None, new_role: str = Role.EMPLOYEE.value) -> User:
    """Take the case-handler role from ``person`` (they become ``new_role``).

    Every case key sealed to them and their own key pair are deleted; their open key
    sessions end and their API tokens no longer carry their private key (the tokens
    themselves go on working for what their new role may do). The reporters'
    exclusions and the case audit stay as they are. Refused when they are the last
    active case handler: the channel would have nobody to receive reports."""
    if person.role != Role.CASE_HANDLER:
        raise DomainError(_l("%(name)s is not a case handler.", name=person.name))
    if new_role not in ROLES or new_role == Role.CASE_HANDLER:
        raise DomainError(_l("Choose a role."), field="role")
    if person.active and other_active_handlers(person) == 0:
        raise DomainError(
            _l(
                "%(name)s is the last case handler. Designate another case handler "
                "first, so that somebody receives the reports.",
                name=person.name,
            )
        )
    had_key = db.session.get(HandlerKey, person.id) is not None
    # Neither the log nor the caller learns how many cases they held: compared between
    # handlers, that number could tell that a reporter kept one of them out of a case.
    before = {"role": person.role, "key_pair": had_key}
    db.session.execute(delete(ReportKey).where(ReportKey.handler_id == person.id))
    db.session.execute(delete(HandlerKey).where(HandlerKey.user_id == person.id))
    db.session.execute(delete(KeySession).where(KeySession.user_id == person.id))
    db.session.execute(
        update(ApiToken).where(ApiToken.user_id == person.id).values(sealed_private_key=None)
    )
    person.role = new_role
    audit.record(
        actor,
        "remove_handler",
        "case_handler",
        person.email,
        before=before,
        after={"role": new_role, "key_pair": False},
    )
    db.session.flush()
    return person
