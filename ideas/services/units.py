"""The organisation tree: units, their parents and managers, retiring and reactivating.

Every change an admin makes here (web, API) is logged with ``audit.record`` in the
same transaction, and a change that moves responsibility routes the unit's open items
again (``routing.reroute_open_items``): a new or removed manager (reason "manager"),
a retired or reactivated unit (reason "unit").

Retiring: refused while active sub-units remain (they are named, so the admin moves
or retires them first). People whose home unit it is keep it until an admin moves
them; new items can no longer be filed under it, and routing passes it by upwards.
Its items and their history stay. A retired unit can be reactivated, once its parent
is active again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ideas.extensions import db
from ideas.models import Role, Unit, User, unit_by_code, user_by_email
from ideas.services import audit
from ideas.services.errors import DomainError, flush_unique

CODE_MAX = 40
NAME_MAX = 200
MANAGER_ROLES = (Role.MANAGER.value, Role.ADMIN.value)
_UNSET: Any = object()


@dataclass
class TreeNode:
    """One unit in the tree, as the admin page shows it: its people and sub-units."""

    unit: Unit
    people: int
    kids: list[TreeNode] = field(default_factory=list)


def tree() -> list[TreeNode]:
    """The organisation tree: its roots, each with its sub-units by name, and the number
    of people whose home unit each is. Two queries, however large the tree."""
    units = db.session.scalars(
        select(Unit).options(joinedload(Unit.manager)).order_by(Unit.name, Unit.code)
    ).all()
    people = dict(
        db.session.execute(
            select(User.unit_id, func.count(User.id))
            .where(User.unit_id.is_not(None))
            .group_by(User.unit_id)
        ).all()
    )
    nodes = {u.id: TreeNode(u, people.get(u.id, 0)) for u in units}
    roots: list[TreeNode] = []
    for unit in units:  # by name: each list of sub-units stays in that order
        parent = nodes.get(unit.parent_id) if unit.parent_id is not None else None
        (parent.kids if parent is not None else roots).append(nodes[unit.id])
    return roots


def active_units() -> list[Unit]:
    """The units a person may choose for a new item, or as a parent: the active ones."""
    return list(db.session.scalars(select(Unit).where(Unit.active.is_(True)).order_by(Unit.name)))


def require_active_unit(code: str, field: str = "unit") -> Unit:
    """The active unit with this code, or a DomainError naming ``field``."""
    unit = unit_by_code(code)
    if unit is None:
        raise DomainError(_l("Unknown unit: %(code)s.", code=code), field=field)
    if not unit.active:
        raise DomainError(
            _l("The unit %(name)s is retired. Choose another unit.", name=unit.name), field=field
        )
    return unit


def _snapshot(unit: Unit) -> dict[str, Any]:
    return {
        "code": unit.code,
        "name": unit.name,
        "parent": unit.parent.code if unit.parent is not None else None,
        "manager": unit.manager.email if unit.manager is not None else None,
        "active": unit.active,
    }


def _code(code: str | None) -> str:
    code = (code or "").strip()
    if not code:
        raise DomainError(_l("Enter a unit code."), field="code")
    if len(code) > CODE_MAX or any(c.isspace() for c in code):
        raise DomainError(
            _l("A unit code is at most %(n)d characters, without spaces.", n=CODE_MAX),
            field="code",
        )
    return code


def _name(name: str | None) -> str:
    name = (name or "").strip()
    if not name:
        raise DomainError(_l("Enter a unit name."), field="name")
    if len(name) > NAME_MAX:
        raise DomainError(_l("At most %(n)d characters.", n=NAME_MAX), field="name")
    return name


def _parent(code: str | None, unit: Unit | None = None) -> Unit | None:
    code = (code or "").strip()
    if not code:
        return None
    parent = unit_by_code(code)
    if parent is None:
        raise DomainError(_l("Unknown unit: %(code)s.", code=code), field="parent")
    if not parent.active:
        raise DomainError(
            _l("The unit %(name)s is retired and cannot be a parent.", name=parent.name),
            field="parent",
        )
    if unit is not None and unit.id is not None:
        # Walk up from the new parent: meeting the unit itself would close a cycle.
        parents = dict(db.session.execute(select(Unit.id, Unit.parent_id)).all())
        seen: set[int] = set()
        at: int | None = parent.id
        while at is not None and at not in seen:
            if at == unit.id:
                raise DomainError(
                    _l(
                        "%(unit)s cannot be placed under %(parent)s: %(parent)s is "
                        "%(unit)s itself or one of its sub-units.",
                        unit=unit.name,
                        parent=parent.name,
                    ),
                    field="parent",
                )
            seen.add(at)
            at = parents.get(at)
    return parent


def _manager(email: str | None, *, check_role: bool = True) -> User | None:
    email = (email or "").strip()
    if not email:
        return None
    manager = user_by_email(email)
    if manager is None:
        raise DomainError(_l("No account with e-mail %(email)s.", email=email), field="manager")
    if check_role and not manager.active:
        raise DomainError(
            _l("%(name)s's account is deactivated.", name=manager.name), field="manager"
        )
    if check_role and manager.role not in MANAGER_ROLES:
        raise DomainError(
            _l(
                "%(name)s does not have the manager role. Give them that role first.",
                name=manager.name,
            ),
            field="manager",
        )
    return manager


def create_unit(
    *,
    code: str,
    name: str,
    parent_code: str | None = None,
    manager_email: str | None = None,
    actor: User | None = None,
    audited: bool = False,
    check_manager_role: bool = False,
) -> Unit:
    """Create a unit under ``parent_code`` (none: a root), with an optional manager.

    ``audited``: log it in the admin audit log as ``actor``'s change (the admin pages
    and the API do; setting up test or demo data does not). ``check_manager_role``:
    the manager must be an active manager or admin (the admin pages and the API)."""
    code, name = _code(code), _name(name)
    if unit_by_code(code):
        raise DomainError(_l("A unit with code %(code)s already exists.", code=code), "code")
    parent = _parent(parent_code)
    manager = _manager(manager_email, check_role=check_manager_role)
    unit = Unit(code=code, name=name, parent=parent, manager=manager)
    db.session.add(unit)
    flush_unique(_l("A unit with code %(code)s already exists.", code=code), "code")
    if audited:
        audit.record(actor, "create", "unit", code, after=_snapshot(unit))
    return unit


def update_unit(
    actor: User | None,
    unit: Unit,
    *,
    code: str | None = _UNSET,
    name: str | None = _UNSET,
    parent: str | None = _UNSET,
    manager: str | None = _UNSET,
    active: bool = _UNSET,
) -> Unit:
    """Change any of a unit's code, name, parent (a code; None or "": a root), manager
    (an e-mail; None or "": none) and active flag; arguments left out stay as they
    are. All is checked before anything changes. Logged in the admin audit log; a
    change of manager, or retiring or reactivating, routes the unit's open items again."""
    before = _snapshot(unit)
    new_code = _code(code) if code is not _UNSET else unit.code
    if new_code != unit.code:
        if unit_by_code(new_code):
            raise DomainError(
                _l("A unit with code %(code)s already exists.", code=new_code), "code"
            )
        if unit.code == (current_app.config.get("OIDC_DEFAULT_UNIT") or ""):
            raise DomainError(
                _l(
                    "This unit's code is the default unit of single sign-on "
                    "(IDEAS_OIDC_DEFAULT_UNIT). Change that setting first."
                ),
                field="code",
            )
    new_name = _name(name) if name is not _UNSET else unit.name
    new_parent = _parent(parent, unit) if parent is not _UNSET else unit.parent
    new_manager = _manager(manager) if manager is not _UNSET else unit.manager
    new_active = bool(active) if active is not _UNSET else unit.active
    if unit.active and not new_active:
        kids = db.session.scalars(
            select(Unit.name)
            .where(Unit.parent_id == unit.id, Unit.active.is_(True))
            .order_by(Unit.name)
        ).all()
        if kids:
            raise DomainError(
                _l(
                    "%(unit)s still has active sub-units: %(names)s. Move or retire them first.",
                    unit=unit.name,
                    names=", ".join(kids),
                ),
                field="active",
            )
    if new_active and new_parent is not None and not new_parent.active:
        raise DomainError(
            _l(
                "The parent unit %(name)s is retired. Reactivate it first.",
                name=new_parent.name,
            ),
            field="active",
        )
    unit.code, unit.name, unit.parent, unit.manager = new_code, new_name, new_parent, new_manager
    unit.active = new_active
    flush_unique(_l("A unit with code %(code)s already exists.", code=new_code), "code")
    after = _snapshot(unit)
    if before["active"] != after["active"]:
        action = "retire" if not new_active else "reactivate"
    elif before["parent"] != after["parent"]:
        action = "move"
    elif (before["code"], before["name"]) != (after["code"], after["name"]):
        action = "rename"
    else:
        action = "update"
    audit.record(actor, action, "unit", unit.code, before=before, after=after)
    from ideas.services import routing  # routing imports the models this module uses

    if before["active"] != after["active"]:
        routing.reroute_open_items(unit_ids=[unit.id], reason="unit")
    elif before["manager"] != after["manager"]:
        routing.reroute_open_items(unit_ids=[unit.id], reason="manager")
    return unit
