"""A manager's triage: the inbox, forwarding, merging duplicates, delegating (medledarskap)
and handing an item to a colleague. Each action checks who may take it, records why in
the item's history, and tells the people it concerns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, literal, or_, select, update

from ideas import clock
from ideas.database import among, not_among
from ideas.extensions import db
from ideas.models import (
    Comment,
    Event,
    Follow,
    Item,
    Kind,
    Role,
    Status,
    Support,
    Unit,
    User,
    Value,
)
from ideas.models.items import REASON_MAX
from ideas.models.org import user_by_email
from ideas.services import item_files, notifications, org_settings, outbox
from ideas.services.accounts import require_unit
from ideas.services.errors import DomainError, NotAllowed
from ideas.services.items import LIST_ROW, _record, _text, managed_units, transition
from ideas.services.permissions import can_manage_item, can_view_item, is_only_driver
from ideas.services.routing import ROUTE_TASK

# What still asks something of the manager: an answer, a decision, doing it, evaluating.
INBOX_STATUSES = (
    Status.SUBMITTED.value,
    Status.ACKNOWLEDGED.value,
    Status.ASSESSING.value,
    Status.FORWARDED.value,
    Status.ACCEPTED.value,
    Status.IMPLEMENTED.value,
)


def _manager_only(actor: User, item: Item, what) -> None:
    if not can_manage_item(actor, item) or is_only_driver(actor, item):
        raise NotAllowed(what)


# -- forward -------------------------------------------------------------------------------


def forward(item: Item, actor: User, unit_code: str, comment: str) -> Item:
    """Send the item to another unit: routing runs again there, and the reason is in the
    history for both sides (and the submitter) to read."""
    _manager_only(actor, item, _l("Only a manager of the item can forward it."))
    if not (unit_code or "").strip():
        raise DomainError(_l("Choose a unit."), field="unit")
    unit = require_unit(unit_code)
    if unit.id == item.unit_id:
        raise DomainError(_l("The item is already with that unit."), field="unit")
    comment = _text(comment, "comment", REASON_MAX, required=True)
    transition(item, actor, Status.FORWARDED.value, f"{unit.name}: {comment}")
    item.unit = unit
    # The unit chosen wins over a category that names another owner.
    if item.category is not None and item.category.owner_unit_id not in (None, unit.id):
        item.category = None
    item.routed_at = None
    item.driver_id = None
    outbox.enqueue(ROUTE_TASK, item_id=item.id)
    db.session.flush()
    return item


# -- merge -------------------------------------------------------------------------------


def merge(duplicate: Item, actor: User, into_id: int) -> Item:
    """Close ``duplicate`` into the original: its supports, followers, comments and
    files move there (nobody counted twice), it points to the original, and everyone following it
    is told where the conversation goes on."""
    _manager_only(actor, duplicate, _l("Only a manager of the item can merge it."))
    original = db.session.get(Item, into_id) if isinstance(into_id, int) else None
    if original is None or not can_view_item(actor, original):
        raise DomainError(_l("There is no such item to merge into."), field="into")
    if original.id == duplicate.id:
        raise DomainError(_l("An item cannot be merged into itself."), field="into")
    if original.kind != duplicate.kind:
        raise DomainError(_l("Only items of the same kind can be merged."), field="into")
    if original.status == Status.DUPLICATE:
        raise DomainError(_l("That item is itself a duplicate: merge into its original."), "into")
    transition(
        duplicate, actor, Status.DUPLICATE.value, f"#{original.id} {original.title}", announce=False
    )
    duplicate.merged_into = original
    told = _followers(duplicate)
    _move(Support, duplicate, original)
    _move(Follow, duplicate, original)
    db.session.execute(
        update(Comment).where(Comment.item_id == duplicate.id).values(item_id=original.id)
    )
    item_files.move_files(duplicate, original)
    for item in (duplicate, original):
        item.support_count = _count(Support, item)
        item.comment_count = db.session.scalar(
            select(func.count()).select_from(Comment).where(Comment.item_id == item.id)
        )
    _record(original, actor, "merged", None, None, f"#{duplicate.id} {duplicate.title}")
    db.session.flush()
    notifications.notify(
        Event.MERGED,
        original,  # where the conversation goes on
        [user for user in told if user.id != actor.id],
        key=f"merged:{duplicate.id}",
        detail=duplicate.title,
        template="merged",
        subject=lambda: _l("Merged with an earlier idea: %(title)s", title=duplicate.title),
        duplicate=duplicate,
        original=original,
    )
    return duplicate


def _followers(item: Item) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(Follow, Follow.user_id == User.id)
            .where(Follow.item_id == item.id, User.active.is_(True))
            .order_by(User.id)
        )
    )


def _move(model, duplicate: Item, original: Item) -> None:
    """Move rows keyed (item, user) to the original, leaving out users already there."""
    there = select(model.user_id).where(model.item_id == original.id)
    db.session.execute(
        update(model)
        .where(model.item_id == duplicate.id, model.user_id.not_in(there))
        .values(item_id=original.id)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(model.__table__.delete().where(model.__table__.c.item_id == duplicate.id))


def _count(model, item: Item) -> int:
    return db.session.scalar(
        select(func.count()).select_from(model).where(model.item_id == item.id)
    )


# -- delegate and assign -----------------------------------------------------------------------


def _colleague(email: str, field: str = "email") -> User:
    if not (email or "").strip():
        raise DomainError(_l("Give an e-mail address."), field=field)
    user = user_by_email(email)
    if user is None or not user.active:
        raise DomainError(_l("There is no active account with that e-mail address."), field)
    if user.role == Role.CASE_HANDLER:
        raise DomainError(_l("Case handlers do not take items of the line."), field=field)
    return user


def delegate(item: Item, actor: User, email: str) -> Item:
    """Medledarskap: give an employee the mandate to drive the item (update it, move it
    through its statuses) while the manager stays accountable and follows every change."""
    _manager_only(actor, item, _l("Only a manager of the item can delegate it."))
    driver = _colleague(email)
    if driver.id == item.driver_id:
        raise DomainError(
            _l("The item is already delegated to %(name)s.", name=driver.name), field="email"
        )
    item.driver = driver
    item.updated_at = clock.now()
    entry = _record(item, actor, "delegated", None, None, driver.name)
    for user in (driver, actor):  # the manager sees every change in their digest
        if db.session.get(Follow, (item.id, user.id)) is None:
            db.session.add(Follow(item_id=item.id, user_id=user.id, created_at=clock.now()))
    db.session.flush()
    notifications.notify(
        Event.DELEGATED,
        item,
        [driver],
        key=f"delegated:{entry.id}",
        template="delegated",
        subject=lambda: _l("You drive an idea forward: %(title)s", title=item.title),
        new=True,
        manager=actor,
    )
    return item


def assign(item: Item, actor: User, email: str) -> Item:
    """Hand the item to a colleague (a manager or an admin), who is told at once."""
    _manager_only(actor, item, _l("Only a manager of the item can hand it on."))
    colleague = _colleague(email, "assignee")
    if colleague.role not in (Role.MANAGER, Role.ADMIN):
        raise DomainError(_l("Hand items only to a manager."), field="assignee")
    if colleague.id == item.assignee_id:
        raise DomainError(
            _l("The item is with %(name)s already.", name=colleague.name), field="assignee"
        )
    item.assignee = colleague
    item.updated_at = clock.now()
    entry = _record(item, actor, "assigned", None, None, colleague.name)
    db.session.flush()
    notifications.notify(
        Event.ASSIGNED,
        item,
        [colleague],
        key=f"assigned:{entry.id}",
        template="assigned",
        subject=lambda: _l("New item to answer: %(title)s", title=item.title),
        new=True,
    )
    return item


# -- the inbox ----------------------------------------------------------------------------


@dataclass
class InboxFilters:
    unit: str | None = None
    status: str | None = None
    kind: str | None = None
    value: str | None = None


@dataclass(frozen=True)
class Whose:
    """Whose items a manager's inbox holds, read once per request: those assigned to
    ``people`` (the manager and the managers they stand in for while away), those
    delegated to ``driver``, and those handled in ``units`` (the units the people
    manage, and every unit below)."""

    driver: int
    people: tuple[int, ...]
    units: tuple[int, ...]


def whose(user: User) -> Whose:
    """``Whose`` for ``user``, in one query (the unit tree walked once)."""
    stood_in = select(User.id).where(User.deputy_id == user.id, User.absent.is_(True))
    people = select(literal(user.id).label("id")).union(stood_in).cte("inbox_people")
    units = managed_units(select(people.c.id))
    rows = db.session.execute(
        select(literal(True).label("person"), people.c.id).union_all(
            select(literal(False), units.c.id)
        )
    ).all()
    return Whose(
        driver=user.id,
        people=tuple(sorted({i for person, i in rows if person})),
        units=tuple(sorted({i for person, i in rows if not person})),
    )


def _whose(scope: Whose):
    """The items a manager answers for, as a condition on Item (see ``Whose``)."""
    return or_(
        among(Item.assignee_id, scope.people),
        Item.driver_id == scope.driver,
        among(Item.handling_unit_id, scope.units),
    )


def _open() -> list:
    return [Item.kind.in_([Kind.IDEA.value, Kind.CONCERN.value]), Item.status.in_(INBOX_STATUSES)]


def _filtered(filters: InboxFilters) -> list:
    where = []
    if filters.status:
        where.append(Item.status == filters.status)
    if filters.kind:
        where.append(Item.kind == filters.kind)
    if filters.value:
        where.append(Item.values.any(Value.name == filters.value))
    if filters.unit:
        where.append(Item.unit.has(Unit.code == filters.unit))
    return where


def inbox_query(
    user: User, filters: InboxFilters, *, ids_only: bool = False, scope: Whose | None = None
) -> Select:
    """The open items a manager answers for, nearest deadline first (then by id), with
    what a row shows loaded up front (``Item.next_deadline`` is the same deadline, in
    Python). ``ids_only``: the ids alone, in that order, to page before loading the
    rows (``items.list_rows``). ``scope``: ``whose(user)``, when the caller has it."""
    scope = scope or whose(user)
    stmt = select(Item.id if ids_only else Item).where(*_open(), _whose(scope), *_filtered(filters))
    if not ids_only:
        stmt = stmt.options(*LIST_ROW)
    return stmt.order_by(Item.next_due.asc().nulls_last(), Item.id)


def inbox_counts(
    user: User, filters: InboxFilters, *, scope: Whose | None = None
) -> dict[str, int]:
    """Counts for the top of the inbox: all, overdue, due soon, per kind.

    Counted in two disjoint parts, so that the large one (the items of the units) is
    read from an index alone: the items handled in the units, and those assigned or
    delegated to the people that are handled elsewhere (or not yet routed)."""
    scope = scope or whose(user)
    base = [*_open(), *_filtered(filters)]
    elsewhere = or_(Item.handling_unit_id.is_(None), not_among(Item.handling_unit_id, scope.units))
    rows = (
        select(Item.kind, Item.next_due)
        .where(*base, among(Item.handling_unit_id, scope.units))
        .union_all(
            select(Item.kind, Item.next_due).where(
                *base,
                or_(among(Item.assignee_id, scope.people), Item.driver_id == scope.driver),
                elsewhere,
            )
        )
        .subquery()
    )
    now = clock.now()
    soon = now + timedelta(days=org_settings.deadline_days("REMINDER_DAYS_BEFORE"))
    result = db.session.execute(
        select(
            func.count(),
            func.count().filter(rows.c.next_due < now),
            func.count().filter(rows.c.next_due >= now, rows.c.next_due <= soon),
            func.count().filter(rows.c.kind == Kind.IDEA.value),
            func.count().filter(rows.c.kind == Kind.CONCERN.value),
        ).select_from(rows)
    ).one()
    return dict(zip(("total", "overdue", "due_soon", "ideas", "concerns"), result, strict=True))


# -- several at once -------------------------------------------------------------------------

BULK_ACTIONS = ("acknowledge", "assess", "assign", "forward")


def bulk(
    items: list[Item],
    actor: User,
    action: str,
    *,
    assignee: str = "",
    unit: str = "",
    comment: str = "",
) -> int:
    """One action on several items, all or nothing: the first refusal names its item and
    nothing is changed (the caller rolls back)."""
    if action not in BULK_ACTIONS:
        raise DomainError(_l("Choose an action."), field="action")
    if not items:
        raise DomainError(_l("Select at least one item."), field="ids")
    for item in items:
        try:
            if action == "acknowledge":
                transition(item, actor, Status.ACKNOWLEDGED.value, comment)
            elif action == "assess":
                transition(item, actor, Status.ASSESSING.value, comment)
            elif action == "assign":
                assign(item, actor, assignee)
            else:
                forward(item, actor, unit, comment)
        except DomainError as err:
            err.message = _l("%(title)s: %(error)s", title=item.title, error=err.message)
            raise
    return len(items)
