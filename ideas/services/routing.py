"""Routing: who is responsible for an item (DESIGN.md section 6). Runs in the worker."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ideas import clock
from ideas.extensions import db
from ideas.models import HistoryEntry, Item, Kind, Unit, User
from ideas.services import mail

ROUTE_TASK = "ideas.route_item"


def unit_chain(unit: Unit | None) -> list[Unit]:
    """The unit and every unit above it, nearest first."""
    chain, seen = [], set()
    while unit is not None and unit.id not in seen:
        chain.append(unit)
        seen.add(unit.id)
        unit = unit.parent
    return chain


def stand_in(manager: User) -> User | None:
    """The manager, or for an absent one their deputy (and theirs, if absent too)."""
    seen = set()
    person = manager
    while person is not None and person.absent and person.id not in seen:
        seen.add(person.id)
        person = person.deputy
    if person is None or person.absent or not person.active:
        return None
    return person


def find_assignee(
    item: Item, *, about_manager: bool | None = None
) -> tuple[User | None, Unit | None]:
    """The person who should have ``item``, and the unit through which they have it.

    1. (Reports never come here: they go to the case handlers.)
    2. A category that names an owning unit sends the item there.
    3. Otherwise the unit concerned; a unit without a manager passes it upwards.
    4. A concern about one's own manager goes one level above that manager.
    5. An absent manager is replaced by their deputy; with none, it goes upwards.
    Nobody gets their own item to handle: it goes a level up instead.
    """
    if about_manager is None:
        about_manager = item.about_manager
    start = item.unit
    if item.category is not None and item.category.owner_unit is not None:
        start = item.category.owner_unit
    chain = unit_chain(start)
    if about_manager:
        # Skip the units led by the manager the concern is about.
        own = next((u for u in chain if u.manager_id is not None), None)
        if own is not None:
            chain = [u for u in chain[chain.index(own) + 1 :] if u.manager_id != own.manager_id]
    for unit in chain:
        if unit.manager is None:
            continue
        person = stand_in(unit.manager)
        if person is not None and person.id != item.author_id:
            return person, unit
    return None, None


def next_manager_above(item: Item) -> User | None:
    """Who an overdue item escalates to: the first manager above the one who has it."""
    chain = unit_chain(item.handling_unit or item.unit)
    for unit in chain[1:]:
        if unit.manager is None:
            continue
        person = stand_in(unit.manager)
        if person is not None and person.id != item.assignee_id:
            return person
    return None


def route_item(item_id: int, *, about_manager: bool | None = None) -> Item | None:
    """Give the item to the person responsible, tell them, and record it.

    Idempotent: an item already routed is left as it is, so a task delivered twice
    assigns and notifies once.
    """
    item = db.session.scalar(
        select(Item)
        .where(Item.id == item_id)
        .options(joinedload(Item.unit), joinedload(Item.category))
    )
    if item is None or item.routed_at is not None or item.kind == Kind.REPORT:
        return item
    assignee, unit = find_assignee(item, about_manager=about_manager)
    now = clock.now()
    item.routed_at = now
    item.assignee = assignee
    item.handling_unit = unit
    entry = HistoryEntry(
        item=item,
        actor=None,
        action="assigned",
        created_at=now,
        comment=assignee.name if assignee else "",
    )
    db.session.add(entry)
    db.session.flush()
    if assignee is not None:
        mail.queue_email(
            assignee,
            event_key=f"assigned:{entry.id}",
            template="assigned",
            subject=lambda: (
                _l("New idea to answer: %(title)s", title=item.title)
                if item.kind == Kind.IDEA
                else _l("New concern to answer: %(title)s", title=item.title)
            ),
            item=item,
        )
    return item
