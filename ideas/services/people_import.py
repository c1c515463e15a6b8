"""Import of people from the HR system's CSV export: ``email,name,unit[,role]``.

``plan`` reads the whole file and the organisation, checks every row, and says what an
import would do: who is created, who changes (and how), who is deactivated (an active
person missing from the file), and how many stay as they are. ``apply`` does it, in
the caller's transaction: all or nothing. Re-importing the same file plans nothing.

The rules, for an HR file that knows less than the admins do:
- ``role`` is optional. Empty (or no such column): a new person is an employee, an
  existing person keeps the role an admin gave them.
- A person in the file who was deactivated is reactivated.
- Admins missing from the file are never deactivated (an import must not lock the
  organisation out of its own administration), nor is the admin importing.
- The case-handler role is given and taken through ``services.handlers``; the import
  is refused if it would leave the channel with no active case handler.

Made for thousands of rows: a fixed number of queries to plan, and the new accounts and
their audit rows written in bulk (COPY on PostgreSQL).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update

from ideas import clock, database
from ideas.extensions import db
from ideas.models import (
    ROLES,
    AdminAudit,
    ApiToken,
    Item,
    PasswordReset,
    PeopleImport,
    Role,
    Unit,
    User,
)
from ideas.services import routing
from ideas.services.accounts import normalize_email
from ideas.services.csvfile import RowError, read_csv
from ideas.services.errors import DomainError
from ideas.services.people import NAME_MAX

COLUMNS = ("email", "name", "unit")
OPTIONAL = ("role",)
UPLOAD_LIFETIME = timedelta(hours=1)  # an upload waiting for its import, at most
MAX_ERRORS = 50  # a file wrong throughout says so in its first fifty lines


class ImportRefused(DomainError):
    """The file cannot be imported: every bad line found (up to ``MAX_ERRORS``)."""

    def __init__(self, errors: list[RowError]):
        super().__init__(errors[0].message, field="file")
        self.errors = errors


@dataclass
class Change:
    person: User
    before: dict[str, Any]
    after: dict[str, Any]

    @property
    def fields(self) -> list[str]:
        return [k for k in self.after if self.before.get(k) != self.after[k]]


@dataclass
class Plan:
    create: list[dict[str, Any]] = field(default_factory=list)
    change: list[Change] = field(default_factory=list)
    deactivate: list[User] = field(default_factory=list)
    unchanged: int = 0

    @property
    def empty(self) -> bool:
        return not (self.create or self.change or self.deactivate)

    def digest(self) -> str:
        """A fingerprint of what the import would do: the preview's plan and the plan
        at import time must be the same one, or the import shows the new preview."""
        parts = {
            "create": [sorted(r.items()) for r in self.create],
            "change": [(c.person.id, sorted(c.after.items())) for c in self.change],
            "deactivate": [p.id for p in self.deactivate],
        }
        return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()


def _snapshot(person: User, units_by_id: dict[int, Unit]) -> dict[str, Any]:
    unit = units_by_id.get(person.unit_id) if person.unit_id is not None else None
    return {
        "email": person.email,
        "name": person.name,
        "unit": unit.code if unit is not None else None,
        "role": person.role,
        "active": person.active,
    }


def plan(data: bytes, actor: User | None, progress: Callable[[int], None] | None = None) -> Plan:
    """What importing ``data`` would do, or ImportRefused naming every bad line."""
    rows = read_csv(data, COLUMNS, OPTIONAL)
    units = {u.code: u for u in db.session.scalars(select(Unit))}
    units_by_id = {u.id: u for u in units.values()}
    people = {p.email: p for p in db.session.scalars(select(User))}
    managing: dict[int, list[str]] = {}
    for unit in units.values():
        if unit.manager_id is not None and unit.active:
            managing.setdefault(unit.manager_id, []).append(unit.name)

    errors: list[RowError] = []
    seen: dict[str, int] = {}
    result = Plan()
    final_roles: dict[int, tuple[str, bool]] = {}  # id: (role, active) after the import
    for n, (line, row) in enumerate(rows, 1):
        if progress is not None and n % 100 == 0:
            progress(100)
        try:
            try:
                email = normalize_email(row["email"])
            except DomainError as err:
                raise RowError(line, err.message) from None
            if email in seen:
                raise RowError(
                    line, _l("%(email)s is also on line %(other)d", email=email, other=seen[email])
                )
            seen[email] = line
            name = row["name"]
            if not name:
                raise RowError(line, _l("%(email)s has no name", email=email))
            if len(name) > NAME_MAX:
                raise RowError(
                    line, _l("the name is longer than %(count)d characters", count=NAME_MAX)
                )
            code = row["unit"]
            unit = units.get(code)
            if not code:
                raise RowError(line, _l("%(email)s has no unit", email=email))
            if unit is None:
                raise RowError(line, _l("unknown unit %(code)s", code=code))
            role = row["role"].lower()
            if role and role not in ROLES:
                raise RowError(
                    line,
                    _l(
                        "unknown role %(role)s; use one of %(roles)s",
                        role=role,
                        roles=", ".join(ROLES),
                    ),
                )
            person = people.get(email)
            if person is None:
                if not unit.active:
                    raise RowError(line, _l("the unit %(code)s is retired", code=code))
                result.create.append(
                    {
                        "email": email,
                        "name": name,
                        "unit": code,
                        "role": role or Role.EMPLOYEE.value,
                    }
                )
                continue
            before = _snapshot(person, units_by_id)
            after = {
                "email": email,
                "name": name,
                "unit": code,
                "role": role or person.role,
                "active": True,
            }
            if after["unit"] != before["unit"] and not unit.active:
                raise RowError(line, _l("the unit %(code)s is retired", code=code))
            if actor is not None and person.id == actor.id and after["role"] != person.role:
                raise RowError(line, _l("you cannot change your own role"))
            if (
                person.role in (Role.MANAGER, Role.ADMIN)
                and after["role"] not in (Role.MANAGER, Role.ADMIN)
                and person.id in managing
            ):
                raise RowError(
                    line,
                    _l(
                        "%(email)s is the manager of %(units)s; choose another manager there first",
                        email=email,
                        units=", ".join(managing[person.id]),
                    ),
                )
            if person.role == Role.ADMIN and after["role"] == Role.CASE_HANDLER:
                raise RowError(
                    line, _l("%(email)s is an administrator and cannot handle cases", email=email)
                )
            final_roles[person.id] = (after["role"], True)
            if after == before:
                result.unchanged += 1
            else:
                result.change.append(Change(person, before, after))
        except RowError as err:
            errors.append(err)
            if len(errors) >= MAX_ERRORS:
                break
    if errors:
        raise ImportRefused(errors)

    for person in people.values():
        if person.email in seen or not person.active:
            continue
        if person.role == Role.ADMIN or (actor is not None and person.id == actor.id):
            continue
        result.deactivate.append(person)
        final_roles[person.id] = (person.role, False)
    handlers_before = [p for p in people.values() if p.role == Role.CASE_HANDLER and p.active]
    handlers_after = [
        pid for pid, (role, active) in final_roles.items() if role == Role.CASE_HANDLER and active
    ] + [r for r in result.create if r["role"] == Role.CASE_HANDLER]
    untouched = [p for p in handlers_before if p.id not in final_roles]
    if handlers_before and not handlers_after and not untouched:
        raise ImportRefused(
            [
                RowError(
                    1,
                    _l(
                        "the import would leave no active case handler; keep one in the file, "
                        "so that somebody receives the reports"
                    ),
                )
            ]
        )
    result.deactivate.sort(key=lambda p: (p.name, p.id))
    return result


def apply(result: Plan, actor: User | None) -> None:
    """Do what ``result`` says, in the caller's transaction (it commits, or rolls back)."""
    from ideas.services import handlers

    now = clock.now()
    actor_id = actor.id if actor is not None else None
    units = {u.code: u.id for u in db.session.execute(select(Unit.code, Unit.id))}
    audits: list[dict[str, Any]] = []

    def audit_row(action: str, target: str, before, after) -> None:
        audits.append(
            {
                "actor_id": actor_id,
                "action": action,
                "target_type": "user",
                "target": target[:254],
                "before": before,
                "after": after,
                "created_at": now,
            }
        )

    if result.create:
        database.insert_rows(
            User.__table__,
            [
                {
                    "email": r["email"],
                    "name": r["name"],
                    "role": r["role"],
                    "unit_id": units[r["unit"]],
                    "active": True,
                    "created_at": now,
                    "absent": False,
                    "session_epoch": 0,
                    "digest_frequency": "weekly",
                }
                for r in result.create
            ],
        )
        for r in result.create:
            audit_row("import", r["email"], None, {**r, "active": True})

    plain = []
    for change in result.change:
        person, before, after = change.person, change.before, change.after
        if before["role"] != after["role"] and Role.CASE_HANDLER in (before["role"], after["role"]):
            person.active = True
            if before["role"] == Role.CASE_HANDLER:
                handlers.remove(person, actor, new_role=after["role"])
            else:
                handlers.designate(person, actor)
            before = {k: v for k, v in before.items() if k != "role"}
            after = {k: v for k, v in after.items() if k != "role"}
        plain.append(
            {
                "id": person.id,
                "email": change.after["email"],
                "name": change.after["name"],
                "unit_id": units[change.after["unit"]],
                "role": change.after["role"],
                "active": True,
            }
        )
        kept = audit_trimmed(before, after)
        if kept is not None:
            audit_row("import", change.after["email"], *kept)
    if plain:
        db.session.flush()
        db.session.execute(update(User), plain)

    gone = [p.id for p in result.deactivate]
    if gone:
        db.session.execute(
            update(User)
            .where(User.id.in_(gone))
            .values(active=False, session_epoch=User.session_epoch + 1)
            .execution_options(synchronize_session=False)
        )
        db.session.execute(delete(ApiToken).where(ApiToken.user_id.in_(gone)))
        db.session.execute(delete(PasswordReset).where(PasswordReset.user_id.in_(gone)))
        for person in result.deactivate:
            audit_row("deactivate", person.email, {"active": True}, {"active": False})
    database.insert_rows(AdminAudit.__table__, audits)
    db.session.flush()
    db.session.expire_all()
    # Only those who hold open items have anything to route again.
    if gone:
        holders = db.session.scalars(
            select(Item.assignee_id)
            .where(Item.assignee_id.in_(gone), Item.status.not_in(routing.SETTLED))
            .distinct()
        ).all()
        for person_id in sorted(holders):
            routing.reroute_open_items(assignee_id=person_id, reason="person")


def audit_trimmed(before: dict, after: dict) -> tuple[dict, dict] | None:
    """Only the changed keys, as ``audit.record`` keeps them; None when nothing did."""
    changed = sorted(k for k in after if before.get(k) != after.get(k))
    if not changed:
        return None
    return {k: before.get(k) for k in changed}, {k: after[k] for k in changed}


def forget_stale(now: datetime | None = None) -> int:
    """Forget uploads never imported (hourly, and at each new upload)."""
    now = now or clock.now()
    result = db.session.execute(
        delete(PeopleImport).where(PeopleImport.created_at < now - UPLOAD_LIFETIME)
    )
    return result.rowcount or 0
