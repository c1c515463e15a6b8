"""Who may see and do what. The one place that answers it, for web, API and worker."""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import aliased

from ideas.extensions import db
from ideas.models import Item, Kind, Role, Unit, User


def unit_ancestors_cte(unit_id: int):
    """A recursive CTE of the unit and every unit above it (column ``id``)."""
    base = select(Unit.id, Unit.parent_id).where(Unit.id == unit_id).cte(recursive=True)
    parent = aliased(Unit)
    return base.union_all(
        select(parent.id, parent.parent_id).join(base, parent.id == base.c.parent_id)
    )


def manages_unit(user: User, unit_id: int) -> bool:
    """Is ``user`` the manager of this unit or of a unit above it?"""
    ancestors = unit_ancestors_cte(unit_id)
    return bool(
        db.session.scalar(
            select(exists().where(Unit.id.in_(select(ancestors.c.id)), Unit.manager_id == user.id))
        )
    )


def can_view_item(user: User, item: Item) -> bool:
    """Ideas are open to every employee; other kinds are not shown by this module yet."""
    if not user.is_authenticated:
        return False
    return item.kind == Kind.IDEA


def can_manage_item(user: User, item: Item) -> bool:
    """May ``user`` move this item through its statuses?

    Admins, the item's assignee, and the manager of its unit or of any unit above.
    """
    if not user.is_authenticated or not can_view_item(user, item):
        return False
    if user.role == Role.ADMIN:
        return True
    if item.assignee_id is not None and item.assignee_id == user.id:
        return True
    return manages_unit(user, item.unit_id)
