"""Who may see and do what. The one place that answers it, for web, API and worker."""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import aliased

from ideas import page_cache
from ideas.extensions import db
from ideas.models import Item, Kind, Role, Unit, User


def unit_ancestors_cte(*unit_ids: int):
    """A recursive CTE of the units and every unit above them (column ``id``)."""
    base = select(Unit.id, Unit.parent_id).where(Unit.id.in_(unit_ids)).cte(recursive=True)
    parent = aliased(Unit)
    return base.union_all(
        select(parent.id, parent.parent_id).join(base, parent.id == base.c.parent_id)
    )


def _unit_tree() -> dict[int, tuple[int | None, int | None]]:
    """Every unit's ``(parent_id, manager_id)``, by id."""
    rows = db.session.execute(select(Unit.id, Unit.parent_id, Unit.manager_id))
    return {unit_id: (parent, manager) for unit_id, parent, manager in rows}


def manages_unit(user: User, *unit_ids: int | None) -> bool:
    """Is ``user`` the manager of one of these units or of a unit above one? (One
    query, however many units; none on a page that keeps the organisation's tree,
    ``page_cache.org_memo``.)"""
    ids = [i for i in unit_ids if i is not None]
    if not ids:
        return False
    if page_cache.org_memo_active():
        tree = page_cache.org_memo("unit_tree", _unit_tree)
        for unit_id in ids:
            for _step in range(len(tree)):  # a loop in the tree ends here too
                if unit_id not in tree:
                    break
                parent, manager = tree[unit_id]
                if manager == user.id:
                    return True
                if parent is None:
                    break
                unit_id = parent
        return False
    ancestors = unit_ancestors_cte(*ids)
    return bool(
        db.session.scalar(
            select(exists().where(Unit.id.in_(select(ancestors.c.id)), Unit.manager_id == user.id))
        )
    )


def can_view_item(user: User, item: Item) -> bool:
    """Ideas are open to every employee. A concern is seen by its submitter, the
    manager who has it, and the managers above the unit that handles it (so the
    manager a concern is about, below that unit, does not see it). Reports are for
    their case handlers only, and never through this module."""
    if not user.is_authenticated:
        return False
    if item.kind == Kind.IDEA:
        return True
    if item.kind != Kind.CONCERN:
        return False
    if user.id in (item.author_id, item.assignee_id, item.driver_id):
        return True
    return item.handling_unit_id is not None and manages_unit(user, item.handling_unit_id)


def can_manage_item(user: User, item: Item) -> bool:
    """May ``user`` move this item through its statuses?

    The item's assignee and the employee it is delegated to, the managers of the unit
    that handles it and the units above; for ideas also the managers of the unit
    concerned, and admins.
    """
    if not user.is_authenticated or not can_view_item(user, item):
        return False
    if item.driver_id is not None and item.driver_id == user.id:  # delegated to them
        return True
    return _line_manages(user, item)


def can_add_files(user: User, item: Item) -> bool:
    """May ``user`` add files to an item already submitted? Its submitter, and whoever
    may manage it (``can_manage_item``). Anyone who may see an item may add files to a
    comment of their own; who may see a file is who may see its item."""
    if not can_view_item(user, item):
        return False
    return user.id == item.author_id or can_manage_item(user, item)


def can_remove_comment(user: User, item: Item, comment) -> bool:
    """May ``user`` remove this comment of ``item``? Its author, while they may still
    see the item, and whoever may manage the item (to take down a comment that names
    someone or does not belong there)."""
    if not user.is_authenticated or comment.item_id != item.id:
        return False
    if not can_view_item(user, item):
        return False
    return comment.author_id == user.id or can_manage_item(user, item)


def is_only_driver(user: User, item: Item) -> bool:
    """Is ``user`` allowed on this item only because it was delegated to them?"""
    return item.driver_id == user.id and not _line_manages(user, item)


def _line_manages(user: User, item: Item) -> bool:
    """The line's part of the answer: assignee, managers, admins."""
    if item.assignee_id is not None and item.assignee_id == user.id:
        return True
    if item.kind == Kind.CONCERN:
        return item.handling_unit_id is not None and manages_unit(user, item.handling_unit_id)
    if user.role == Role.ADMIN:
        return True
    return manages_unit(user, item.unit_id, item.handling_unit_id)


def shows_author(user: User, item: Item) -> bool:
    """Is the submitter's name shown to ``user``? Not for a confidential concern,
    except to the submitter and the manager who has it."""
    if not item.confidential:
        return True
    return user.is_authenticated and user.id in (item.author_id, item.assignee_id)
