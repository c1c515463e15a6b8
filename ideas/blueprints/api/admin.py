"""The admin API: people and units for provisioning scripts, under ``/admin``.

Admin tokens only; every other role gets 403. The rules are those of the admin pages
(``services.people``, ``services.units``): every change is written to the admin audit
log in the same transaction, deactivating a person ends their sessions and API tokens
and routes their open items again, a move that would make a cycle is refused. A
refusal is a DomainError naming its field (422), answered by ``errors`` after a
rollback; nothing stays written.
"""

from __future__ import annotations

from flask import current_app, jsonify, request
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ideas.blueprints.api import bp
from ideas.blueprints.api.auth import api_user
from ideas.blueprints.api.bodies import (
    MAX_PAGE,
    MAX_PER_PAGE,
    NewUnit,
    NewUser,
    UnitPatch,
    UserPatch,
    _whole_number,
    parse_body,
)
from ideas.blueprints.api.errors import ApiError
from ideas.extensions import db
from ideas.models import Role, Unit, User
from ideas.services import people, units
from ideas.services.search import MAX_QUERY

ID_MAX = 2**31 - 1


def _require_admin() -> User:
    user = api_user()
    if user.role != Role.ADMIN:
        raise ApiError(403, "Only administrators may use the admin API.")
    return user


def user_json(person: User) -> dict:
    """A person as the admin API shows them (the OpenAPI schema ``AdminUser``)."""
    return {
        "id": person.id,
        "email": person.email,
        "name": person.name,
        "unit": person.unit.code if person.unit is not None else None,
        "role": person.role,
        "active": person.active,
    }


def admin_unit_json(unit: Unit) -> dict:
    """A unit as the admin API shows it (the OpenAPI schema ``AdminUnit``)."""
    return {
        "code": unit.code,
        "name": unit.name,
        "parent": unit.parent.code if unit.parent is not None else None,
        "manager": unit.manager.email if unit.manager is not None else None,
        "active": unit.active,
    }


def _page(query, serialize):
    """One page of ``query`` in the API's list envelope (``page``, ``per_page``)."""
    page = db.paginate(
        query,
        page=_whole_number("page", 1, MAX_PAGE),
        per_page=_whole_number("per_page", current_app.config["PER_PAGE"], MAX_PER_PAGE),
        max_per_page=None,  # checked above
        error_out=False,
        count=True,
    )
    return jsonify(
        {
            "items": [serialize(row) for row in page.items],
            "total": page.total,
            "page": page.page,
            "pages": page.pages,
            "per_page": page.per_page,
        }
    )


def _given(body) -> dict:
    """The keys the caller sent, with their values (the others stay as they are)."""
    return {name: getattr(body, name) for name in body.model_fields_set}


# People -------------------------------------------------------------------------


@bp.get("/admin/users")
def admin_list_users():
    _require_admin()
    q = request.args.get("q", "").strip()
    if len(q) > MAX_QUERY:
        raise ApiError(400, f"The search text can be at most {MAX_QUERY} characters.", "q")
    query = people.people_query(
        q, request.args.get("unit", "").strip(), request.args.get("role", "").strip()
    )
    return _page(query, user_json)


@bp.post("/admin/users")
def admin_create_user():
    actor = _require_admin()
    body = parse_body(NewUser)
    person = people.create_person(
        actor, email=body.email, name=body.name, unit=body.unit, role=body.role
    )
    db.session.commit()
    return jsonify(user_json(person)), 201


def _person_or_404(person_id: int) -> User:
    person = db.session.get(User, person_id) if 0 < person_id <= ID_MAX else None
    if person is None:
        raise ApiError(404, f"No person with id {person_id}.")
    return person


@bp.patch("/admin/users/<int:person_id>")
def admin_update_user(person_id: int):
    actor = _require_admin()
    person = _person_or_404(person_id)
    body = parse_body(UserPatch)
    people.update_person(actor, person, **_given(body))
    db.session.commit()
    return jsonify(user_json(person))


# Units --------------------------------------------------------------------------


@bp.get("/admin/units")
def admin_list_units():
    _require_admin()
    query = (
        select(Unit)
        .options(joinedload(Unit.parent), joinedload(Unit.manager))
        .order_by(Unit.name, Unit.code)
    )
    return _page(query, admin_unit_json)


@bp.post("/admin/units")
def admin_create_unit():
    actor = _require_admin()
    body = parse_body(NewUnit)
    unit = units.create_unit(
        code=body.code,
        name=body.name,
        parent_code=body.parent,
        manager_email=body.manager,
        actor=actor,
        audited=True,
        check_manager_role=True,
    )
    db.session.commit()
    return jsonify(admin_unit_json(unit)), 201


@bp.patch("/admin/units/<path:code>")
def admin_update_unit(code: str):
    actor = _require_admin()
    # No unit's code holds a NUL character (and PostgreSQL cannot compare with one).
    unit = None if "\x00" in code else db.session.scalar(select(Unit).where(Unit.code == code))
    if unit is None:
        raise ApiError(404, f"No unit with code {code}.")
    body = parse_body(UnitPatch)
    units.update_unit(actor, unit, **_given(body))
    db.session.commit()
    return jsonify(admin_unit_json(unit))
