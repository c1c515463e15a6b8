"""Routing: who is responsible for an item (DESIGN.md section 6). Runs in the worker."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from ideas import clock
from ideas.extensions import db
from ideas.models import Event, HistoryEntry, Item, Kind, Unit, User
from ideas.services import notifications

ROUTE_TASK = "ideas.route_item"


class OrgChart:
    """The routing facts of the units above some start units: each unit's parent and
    manager, and the managers (with their deputies) as users. Loaded in two or three
    queries and walked in memory, rather than one lazy load per level and person."""

    def __init__(self, units: dict[int, Unit], people: dict[int, User]):
        self.units = units
        self.people = people

    @classmethod
    def around(cls, unit_ids: Iterable[int]) -> OrgChart:
        """The chart of these units and every unit above them."""
        start = {u for u in unit_ids if u is not None}
        if not start:
            return cls({}, {})
        # UNION (not UNION ALL) ends a cycle in the tree instead of looping on it.
        up = select(Unit.id, Unit.parent_id).where(Unit.id.in_(start)).cte(recursive=True)
        up = up.union(select(Unit.id, Unit.parent_id).join(up, Unit.id == up.c.parent_id))
        units = {u.id: u for u in db.session.scalars(select(Unit).join(up, Unit.id == up.c.id))}
        people: dict[int, User] = {}
        wanted = {u.manager_id for u in units.values() if u.manager_id is not None}
        asked: set[int] = set()
        while wanted:  # managers, then the deputies of absent ones (rarely a second query)
            asked |= wanted
            for person in db.session.scalars(select(User).where(User.id.in_(wanted))):
                people[person.id] = person
            wanted = {p.deputy_id for p in people.values() if p.absent and p.deputy_id} - asked
        return cls(units, people)

    def chain(self, unit_id: int | None) -> list[Unit]:
        """The unit and every unit above it, nearest first."""
        chain, seen = [], set()
        while unit_id is not None and unit_id not in seen and unit_id in self.units:
            unit = self.units[unit_id]
            chain.append(unit)
            seen.add(unit_id)
            unit_id = unit.parent_id
        return chain

    def stand_in(self, manager_id: int) -> User | None:
        """The manager, or for an absent one their deputy (and theirs, if absent too)."""
        seen = set()
        person = self.people.get(manager_id)
        while person is not None and person.absent and person.id not in seen:
            seen.add(person.id)
            person = self.people.get(person.deputy_id) if person.deputy_id else None
        if person is None or person.absent or not person.active:
            return None
        return person


def _start_unit_id(item: Item) -> int:
    if item.category is not None and item.category.owner_unit_id is not None:
        return item.category.owner_unit_id
    return item.unit_id


def find_assignee(
    item: Item, *, about_manager: bool | None = None, chart: OrgChart | None = None
) -> tuple[User | None, Unit | None]:
    """The person who should have ``item``, and the unit through which they have it.

    1. (Reports never come here: they go to the case handlers.)
    2. A category that names an owning unit sends the item there.
    3. Otherwise the unit concerned; a unit without a manager passes it upwards.
    4. A concern about one's own manager goes one level above that manager.
    5. An absent manager is replaced by their deputy; with none, it goes upwards.
    Nobody gets their own item to handle: it goes a level up instead.

    ``chart`` is the organisation around the item (loaded here when not given).
    """
    if about_manager is None:
        about_manager = item.about_manager
    start = _start_unit_id(item)
    chart = chart or OrgChart.around([start])
    chain = chart.chain(start)
    if about_manager:
        # Skip the units led by the manager the concern is about.
        own = next((u for u in chain if u.manager_id is not None), None)
        if own is not None:
            chain = [u for u in chain[chain.index(own) + 1 :] if u.manager_id != own.manager_id]
    for unit in chain:
        if unit.manager_id is None or not unit.active:  # a retired unit passes it upwards
            continue
        person = chart.stand_in(unit.manager_id)
        if person is not None and person.id != item.author_id:
            return person, unit
    return None, None


def next_manager_above(item: Item) -> User | None:
    """Who an overdue item escalates to: the first manager above the one who has it."""
    start = item.handling_unit_id or item.unit_id
    chart = OrgChart.around([start])
    for unit in chart.chain(start)[1:]:
        if unit.manager_id is None or not unit.active:
            continue
        person = chart.stand_in(unit.manager_id)
        if person is not None and person.id != item.assignee_id:
            return person
    return None


def route_item(item_id: int, *, about_manager: bool | None = None) -> Item | None:
    """Give the item to the person responsible, tell them, and record it.

    Idempotent: an item already routed is left as it is, so a task delivered twice
    assigns and notifies once.
    """
    route_items([item_id], about_manager=about_manager)
    return db.session.get(Item, item_id)


def route_items(item_ids: Iterable[int], *, about_manager: bool | None = None) -> set[int]:
    """Route these items in one go (``route_item`` for each, in a handful of statements
    however many there are). Returns the ids settled: routed now, routed before, reports,
    or gone; an item another transaction holds locked (on PostgreSQL: another worker is
    routing it) is left out, for its own task to settle later.

    Each item is locked while it is routed, so of two workers only one routes it.
    """
    ids = set(item_ids)
    if not ids:
        return set()
    items = (
        db.session.scalars(
            select(Item)
            .where(Item.id.in_(ids))
            .options(joinedload(Item.unit), joinedload(Item.category))
            .order_by(Item.id)
            # FOR NO KEY UPDATE OF items SKIP LOCKED; nothing on SQLite, where a writer
            # has the whole database to itself anyway.
            .with_for_update(of=Item, skip_locked=True, key_share=True)
        )
        .unique()
        .all()
    )
    settled = {item.id for item in items}
    if len(settled) < len(ids):  # locked by another transaction, or gone
        existing = set(db.session.scalars(select(Item.id).where(Item.id.in_(ids - settled))))
        settled |= ids - settled - existing
    todo = [i for i in items if i.routed_at is None and i.kind != Kind.REPORT]
    if not todo:
        return settled
    chart = OrgChart.around(_start_unit_id(item) for item in todo)
    now = clock.now()
    assigned: list[tuple[Item, User, HistoryEntry]] = []
    for item in todo:
        assignee, unit = find_assignee(item, about_manager=about_manager, chart=chart)
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
        if assignee is not None:
            assigned.append((item, assignee, entry))
    db.session.flush()
    _queue_assignment_emails(assigned)
    return settled


def _assignment_subject(item: Item):
    if item.kind == Kind.IDEA:
        return lambda: _l("New idea to answer: %(title)s", title=item.title)
    return lambda: _l("New concern to answer: %(title)s", title=item.title)


def _queue_assignment_emails(assigned: list[tuple[Item, User, HistoryEntry]]) -> None:
    """The assignee's notification (and e-mail, as they chose) for each assignment just
    made, written together: each history entry is new in this transaction."""
    notifications.notify_each(
        Event.ASSIGNED,
        [(item, assignee, f"assigned:{entry.id}") for item, assignee, entry in assigned],
        template="assigned",
        subject_of=_assignment_subject,
    )


# Why an item was routed again, as its history entry names it ("reason:new assignee").
REROUTE_REASONS = ("person", "unit", "manager")
# Items whose life has ended: nobody needs to hold them any more.
SETTLED = ("declined", "forwarded", "duplicate", "evaluated")


def reroute_open_items(
    *, assignee_id: int | None = None, unit_ids: Iterable[int] = (), reason: str
) -> list[Item]:
    """Route again the open items that ``assignee_id`` holds, or that concern (or are
    handled through) one of ``unit_ids``, by the rules above (DESIGN.md section 6):
    after a person is deactivated, a unit retired or its manager changed. Each move is
    recorded in the item's history with ``reason`` (``REROUTE_REASONS``); the new
    assignee is notified (``notifications.notify``).
    Returns the items that changed hands. The caller has flushed the change that made
    the rerouting necessary (an inactive account, a retired unit)."""
    if reason not in REROUTE_REASONS:
        raise ValueError(reason)
    units = set(unit_ids)
    conditions = []
    if assignee_id is not None:
        conditions.append(Item.assignee_id == assignee_id)
    if units:
        conditions.append(Item.unit_id.in_(units))
        conditions.append(Item.handling_unit_id.in_(units))
    if not conditions:
        return []
    items = (
        db.session.scalars(
            select(Item)
            .where(
                or_(*conditions),
                Item.kind != Kind.REPORT.value,
                Item.routed_at.is_not(None),
                Item.status.not_in(SETTLED),
            )
            .options(joinedload(Item.unit), joinedload(Item.category))
            .order_by(Item.id)
        )
        .unique()
        .all()
    )
    if not items:
        return []
    chart = OrgChart.around(_start_unit_id(item) for item in items)
    now = clock.now()
    moved: list[Item] = []
    assigned: list[tuple[Item, User, HistoryEntry]] = []
    for item in items:
        assignee, unit = find_assignee(item, chart=chart)
        if assignee is not None and assignee.id == item.assignee_id:
            if unit is not None and unit.id != item.handling_unit_id:
                item.handling_unit = unit
            continue
        item.assignee = assignee
        item.handling_unit = unit
        entry = HistoryEntry(
            item=item,
            actor=None,
            action="rerouted",
            created_at=now,
            comment=f"{reason}:{assignee.name if assignee else ''}",
        )
        db.session.add(entry)
        moved.append(item)
        if assignee is not None:
            assigned.append((item, assignee, entry))
    db.session.flush()
    _queue_assignment_emails(assigned)
    return moved
