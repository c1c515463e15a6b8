"""People: the admin's list, creating, editing, deactivating and reactivating accounts.

Every change is logged with ``audit.record`` in the same transaction (target type
"user", the target the e-mail address). Nobody is ever deleted: a person who leaves is
deactivated, so that the items, comments and history that name them stay whole.

Deactivating ends the person's sessions (the session epoch) and API tokens at once,
forgets their password links, and routes their open items again to the line
(``routing.reroute_open_items``, reason "person"), each move in the item's history.
The case-handler role is given and taken through ``services.handlers`` (its keys are
deleted with it); an admin cannot deactivate themselves, nor the last case handler.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, delete, func, or_, select
from sqlalchemy.orm import joinedload

from ideas.extensions import db
from ideas.models import ROLES, ApiToken, Role, Unit, User, unit_by_code, user_by_email
from ideas.services import audit
from ideas.services.accounts import end_sessions, normalize_email
from ideas.services.errors import DomainError, flush_unique

NAME_MAX = 200
FIELDS = ("email", "name", "unit", "role", "active")
_UNSET: Any = object()


def snapshot(person: User) -> dict[str, Any]:
    """What the audit log keeps of a person: their unit by code."""
    return {
        "email": person.email,
        "name": person.name,
        "unit": person.unit.code if person.unit is not None else None,
        "role": person.role,
        "active": person.active,
    }


def fold(text: str) -> str:
    """Lower case for searching, å, ä and ö included (SQLite's lower() leaves them)."""
    return text.casefold()


def people_query(q: str | None = None, unit: str | None = None, role: str | None = None) -> Select:
    """People by name, filtered by a search in name and e-mail, a unit (its code) and a
    role. An unknown unit or role is a DomainError naming that field."""
    query = select(User).options(joinedload(User.unit)).order_by(User.name, User.id)
    if q and q.strip():
        words = q.strip()
        # SQLite's lower() and LIKE fold only A to Z: the word as typed, folded and
        # capitalised covers "åsa" finding "Åsa" there too.
        patterns = {f"%{w}%" for w in (words, fold(words), words.capitalize())}
        query = query.where(
            or_(
                *(func.lower(User.name).like(func.lower(p)) for p in patterns),
                *(func.lower(User.email).like(p.lower()) for p in patterns),
            )
        )
    if unit:
        found = unit_by_code(unit)
        if found is None:
            raise DomainError(_l("Unknown unit: %(code)s.", code=unit), field="unit")
        query = query.where(User.unit_id == found.id)
    if role:
        if role not in ROLES:
            raise DomainError(_l("Unknown role: %(role)s.", role=role), field="role")
        query = query.where(User.role == role)
    return query


def _name(name: str | None) -> str:
    name = (name or "").strip()
    if not name:
        raise DomainError(_l("Enter a name."), field="name")
    if len(name) > NAME_MAX:
        raise DomainError(_l("At most %(count)d characters.", count=NAME_MAX), field="name")
    return name


def _unit(code: str | None) -> Unit | None:
    """The active unit with this code; None or "" for no unit."""
    if code is None or not str(code).strip():
        return None
    from ideas.services.units import require_active_unit

    return require_active_unit(str(code).strip(), field="unit")


def _role(role: str | None) -> str:
    if role not in ROLES:
        raise DomainError(_l("Unknown role: %(role)s.", role=role), field="role")
    return role


def managed_units(person: User) -> list[Unit]:
    """The active units ``person`` is the manager of."""
    return list(
        db.session.scalars(
            select(Unit)
            .where(Unit.manager_id == person.id, Unit.active.is_(True))
            .order_by(Unit.name)
        )
    )


def create_person(
    actor: User | None,
    *,
    email: str,
    name: str,
    unit: str | None,
    role: str = Role.EMPLOYEE.value,
) -> User:
    """A new account with no password: the person signs on with single sign-on, or
    chooses a password through the forgotten-password link on the login page."""
    email = normalize_email(email or "")
    if user_by_email(email):
        raise DomainError(_l("An account with that e-mail address already exists."), "email")
    person = User(email=email, name=_name(name), role=_role(role), unit=_unit(unit), active=True)
    db.session.add(person)
    flush_unique(_l("An account with that e-mail address already exists."), "email")
    audit.record(actor, "create", "user", email, after=snapshot(person))
    return person


def update_person(
    actor: User | None,
    person: User,
    *,
    email: str | None = _UNSET,
    name: str | None = _UNSET,
    unit: str | None = _UNSET,
    role: str | None = _UNSET,
    active: bool = _UNSET,
) -> User:
    """Change any of a person's e-mail, name, unit (a code; None or "": none), role and
    active flag; what is left out stays. Everything is checked before anything changes,
    and a refusal is a DomainError naming its field."""
    before = snapshot(person)
    new_email = normalize_email(email or "") if email is not _UNSET else person.email
    if new_email != person.email and user_by_email(new_email) is not None:
        raise DomainError(_l("An account with that e-mail address already exists."), "email")
    new_name = _name(name) if name is not _UNSET else person.name
    if unit is _UNSET:
        new_unit = person.unit
    elif person.unit is not None and unit == person.unit.code:
        new_unit = person.unit  # a retired home unit may stay until it is changed
    else:
        new_unit = _unit(unit)
    new_role = _role(role) if role is not _UNSET else person.role
    new_active = bool(active) if active is not _UNSET else person.active

    if actor is not None and actor.id == person.id:
        if not new_active:
            raise DomainError(_l("You cannot deactivate your own account."), field="active")
        if new_role != person.role:
            raise DomainError(
                _l("You cannot change your own role. Ask another administrator."),
                field="role",
            )
    was_manager = person.role in (Role.MANAGER, Role.ADMIN)
    if was_manager and new_role not in (Role.MANAGER, Role.ADMIN):
        units = managed_units(person)
        if units:
            raise DomainError(
                _l(
                    "%(name)s is the manager of %(units)s. Choose another manager there "
                    "first, on the units page.",
                    name=person.name,
                    units=", ".join(u.name for u in units),
                ),
                field="role",
            )
    from ideas.services import handlers

    leaving = person.role == Role.CASE_HANDLER and person.active and not new_active
    if leaving and handlers.other_active_handlers(person) == 0:
        raise DomainError(
            _l(
                "%(name)s is the last case handler. Designate another case handler "
                "first, so that somebody receives the reports.",
                name=person.name,
            ),
            field="active",
        )

    # The role first: the case handlers' rules (and their audit rows) live there.
    if new_role != person.role:
        try:
            if person.role == Role.CASE_HANDLER:
                handlers.remove(person, actor, new_role=new_role)
            elif new_role == Role.CASE_HANDLER:
                if not person.active and not new_active:
                    raise DomainError(
                        _l("%(name)s is deactivated.", name=person.name), field="role"
                    )
                person.active = new_active  # designating needs an active person
                handlers.designate(person, actor)
            else:
                person.role = new_role
        except DomainError as err:
            # handlers names the e-mail (its page's field) or nothing: here it is the role.
            raise type(err)(err.message, field="role") from None
    person.email, person.name, person.unit = new_email, new_name, new_unit
    deactivated = person.active and not new_active
    person.active = new_active
    flush_unique(_l("An account with that e-mail address already exists."), "email")
    after = snapshot(person)
    if deactivated:
        action = "deactivate"
    elif not before["active"] and new_active:
        action = "reactivate"
    else:
        action = "update"
    # The role's own row is written by handlers; the rest is written here.
    if person.role != before["role"] and Role.CASE_HANDLER in (person.role, before["role"]):
        before = {k: v for k, v in before.items() if k != "role"}
        after = {k: v for k, v in after.items() if k != "role"}
    audit.record(actor, action, "user", person.email, before=before, after=after)
    if deactivated:
        deactivate_effects([person])
    return person


def deactivate_effects(people: list[User]) -> None:
    """What deactivating means at once: sessions and API tokens end, password links are
    forgotten, and open items are routed again to the line, in their history."""
    from ideas.services import routing
    from ideas.services.password_reset import forget_links

    for person in people:
        end_sessions(person)
        forget_links(person)
    ids = [p.id for p in people]
    db.session.execute(delete(ApiToken).where(ApiToken.user_id.in_(ids)))
    db.session.flush()
    for person in people:
        routing.reroute_open_items(assignee_id=person.id, reason="person")
