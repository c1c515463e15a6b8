"""The life of an item: submit, move through statuses, support, comment, follow."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from flask_babel import lazy_gettext as _l
from sqlalchemy import REAL, Select, cast, delete, exists, func, literal, or_, select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload, load_only, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from ideas import clock, page_cache
from ideas.database import among
from ideas.extensions import db
from ideas.models import (
    ALLOWED_TRANSITIONS,
    REASON_REQUIRED,
    STATUS_LABELS,
    STATUSES,
    Category,
    Comment,
    Event,
    Follow,
    HistoryEntry,
    Item,
    ItemFile,
    Kind,
    Status,
    Support,
    Unit,
    User,
    Value,
    item_values,
)
from ideas.models.items import (
    BENEFIT_MAX,
    COMMENT_MAX,
    DEADLINE_COLUMNS,
    DESCRIPTION_MAX,
    REASON_MAX,
    TITLE_MAX,
)
from ideas.services import categories, deadlines, item_files, notifications, outbox
from ideas.services.errors import DomainError, NotAllowed
from ideas.services.paging import (
    COUNT_LIMIT,
    UNCOUNTED,
    Page,
    Uncounted,
    bounded_total,
    page_after,
    page_of,
)
from ideas.services.permissions import (
    can_manage_item,
    can_remove_comment,
    can_view_item,
    is_only_driver,
)
from ideas.services.routing import ROUTE_TASK
from ideas.services.search import matching, relevance
from ideas.services.units import require_active_unit
from ideas.services.uploads import Upload

# Ideas that are still open for support.
OPEN_STATUSES = frozenset(
    {Status.SUBMITTED, Status.ACKNOWLEDGED, Status.ASSESSING, Status.FORWARDED, Status.ACCEPTED}
)


def _text(value: str | None, field: str, limit: int, *, required: bool) -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainError(_l("This field is required."), field=field)
    if len(value) > limit:
        raise DomainError(_l("At most %(n)d characters.", n=limit), field=field)
    return value


def _values_by_name(names: Sequence[str]) -> list[Value]:
    wanted = list(dict.fromkeys(n.strip() for n in names if n and n.strip()))
    if not wanted:
        raise DomainError(_l("Choose at least one value."), field="values")
    known = {v.name: v for v in db.session.scalars(select(Value).where(Value.name.in_(wanted)))}
    retired = [n for n in wanted if n in known and not known[n].active]
    if retired:
        raise DomainError(
            _l(
                "The value %(names)s is retired: it is no longer chosen for new items.",
                names=", ".join(retired),
            ),
            field="values",
        )
    found = known
    unknown = [n for n in wanted if n not in found]
    if unknown:
        raise DomainError(_l("Unknown value: %(names)s.", names=", ".join(unknown)), field="values")
    return [found[n] for n in wanted]


def _record(
    item: Item, actor: User | None, action: str, frm: str | None, to: str | None, comment: str = ""
) -> HistoryEntry:
    entry = HistoryEntry(
        item=item,
        actor=actor,
        action=action,
        from_status=frm,
        to_status=to,
        comment=comment,
        created_at=clock.now(),
    )
    db.session.add(entry)
    return entry


def _submit(
    author: User,
    kind: Kind,
    *,
    title: str,
    description: str,
    benefit: str,
    unit: str | Unit | None,
    values: Sequence[str],
    confidential: bool = False,
    about_manager: bool = False,
    category: str | None = None,
    files: Sequence[Upload] = (),
) -> Item:
    title = _text(title, "title", TITLE_MAX, required=True)
    description = _text(description, "description", DESCRIPTION_MAX, required=True)
    benefit = _text(benefit, "benefit", BENEFIT_MAX, required=False)
    if isinstance(unit, Unit):
        unit_obj = unit
    else:
        if not unit or not str(unit).strip():
            raise DomainError(_l("Choose a unit."), field="unit")
        unit_obj = require_active_unit(str(unit))  # a retired unit takes no new items
    value_objs = _values_by_name(values)
    category_obj = categories.resolve(category)
    cleaned = item_files.check(files)  # every file, before anything is written
    now = clock.now()
    item = Item(
        kind=kind.value,
        title=title,
        description=description,
        benefit=benefit,
        unit=unit_obj,
        author=author,
        values=value_objs,
        status=Status.SUBMITTED.value,
        confidential=confidential,
        about_manager=about_manager,
        category=category_obj,
        created_at=now,
        updated_at=now,
    )
    deadlines.start(item)
    db.session.add(item)
    _record(item, author, "submitted", None, Status.SUBMITTED.value)
    db.session.flush()
    db.session.add(Follow(item_id=item.id, user_id=author.id, created_at=now))
    item_files.attach(item, author, cleaned)
    # Routing happens in the worker, after this transaction commits.
    outbox.enqueue(ROUTE_TASK, item_id=item.id)
    db.session.flush()
    return item


def submit_idea(
    author: User,
    *,
    title: str,
    description: str,
    benefit: str = "",
    unit: str | Unit | None,
    values: Sequence[str],
    category: str | None = None,
    files: Sequence[Upload] = (),
) -> Item:
    """File a new improvement idea, open to every employee. The author follows it.
    A category that names an owning unit routes the idea there. ``files``: up to
    five, checked and cleaned before anything is written (``item_files``)."""
    return _submit(
        author,
        Kind.IDEA,
        title=title,
        description=description,
        benefit=benefit,
        unit=unit,
        values=values,
        category=category,
        files=files,
    )


def submit_concern(
    author: User,
    *,
    title: str,
    description: str,
    unit: str | Unit | None,
    values: Sequence[str],
    confidential: bool = False,
    about_manager: bool = False,
    files: Sequence[Upload] = (),
) -> Item:
    """Raise a concern: seen only by its submitter and the managers responsible.
    ``confidential`` hides the submitter's name from all but the manager who has it;
    ``about_manager`` sends it one level above the unit's manager. ``files``: as for
    an idea; they are as private as the concern."""
    return _submit(
        author,
        Kind.CONCERN,
        title=title,
        description=description,
        benefit="",
        unit=unit,
        values=values,
        confidential=confidential,
        about_manager=about_manager,
        files=files,
    )


@dataclass
class Learning:
    """What an implemented idea gave and taught, and the effect seen when evaluated."""

    outcome: str | None = None
    lessons: str | None = None
    effect: str | None = None
    hours_saved: Decimal | float | int | str | None = None  # per year
    money_saved: Decimal | float | int | str | None = None  # kronor per year


LEARNING_MAX = 5_000
SAVINGS_MAX = Decimal("1e9")


def _amount(value, field: str) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        amount = Decimal(str(value).strip().replace(",", ".").replace(" ", ""))
    except InvalidOperation:
        raise DomainError(_l("Give a number, such as 12.5."), field=field) from None
    if not amount.is_finite() or amount < 0 or amount >= SAVINGS_MAX:
        raise DomainError(_l("Give a number from 0 up to a billion."), field=field)
    return amount.quantize(Decimal("0.01"))


def _apply_learning(item: Item, target: Status, learning: Learning) -> None:
    """Implemented needs what was done and what was learned; evaluated, the effect."""
    if target == Status.IMPLEMENTED:
        item.outcome = _text(learning.outcome, "outcome", LEARNING_MAX, required=True)
        item.lessons = _text(learning.lessons, "lessons", LEARNING_MAX, required=True)
        item.hours_saved = _amount(learning.hours_saved, "hours_saved")
        item.money_saved = _amount(learning.money_saved, "money_saved")
    elif target == Status.EVALUATED:
        item.effect = _text(learning.effect, "effect", LEARNING_MAX, required=True)
        for name in ("hours_saved", "money_saved"):  # better figures, once they are known
            amount = _amount(getattr(learning, name), name)
            if amount is not None:
                setattr(item, name, amount)


# A delegated employee drives the item forward, but does not forward or merge it: those
# stay with the manager.
DRIVER_MAY_NOT = frozenset({Status.FORWARDED, Status.DUPLICATE})


def transition(
    item: Item,
    actor: User,
    to_status: str,
    comment: str = "",
    *,
    learning: Learning | None = None,
    announce: bool = True,
) -> Item:
    """Move ``item`` to ``to_status``, as DESIGN.md section 5 allows; record it in history.

    ``implemented`` records what was done and the lessons learned (and, where known,
    hours and money saved a year); ``evaluated`` records the effect seen. Everyone who
    follows the item but the actor is notified: an answer when the change comes with
    words, a status change when it does not (``announce=False``: the caller tells them
    itself, as a merge does)."""
    if not can_manage_item(actor, item):
        raise NotAllowed(_l("Only a manager of the item's unit can change its status."))
    if to_status not in STATUSES:
        raise DomainError(_l("Unknown status: %(status)s.", status=to_status), field="status")
    target = Status(to_status)
    current = Status(item.status)
    if target not in ALLOWED_TRANSITIONS[current]:
        raise DomainError(
            _l(
                "An item that is “%(current)s” cannot become “%(target)s”.",
                current=STATUS_LABELS[current],
                target=STATUS_LABELS[target],
            ),
            field="status",
        )
    if target in DRIVER_MAY_NOT and is_only_driver(actor, item):
        raise NotAllowed(_l("Only the manager can forward or merge the item."), field="status")
    comment = _text(comment, "comment", REASON_MAX, required=target in REASON_REQUIRED)
    _apply_learning(item, target, learning or Learning())
    now = clock.now()
    item.status = target.value
    item.updated_at = now
    deadlines.on_transition(item, current, target, now)
    entry = _record(item, actor, "status", current.value, target.value, comment)
    db.session.flush()
    if announce:
        notifications.notify(
            Event.ANSWERED if comment else Event.STATUS_CHANGED,
            item,
            notifications.followers_except(item, actor),
            key=f"status:{entry.id}",
            detail=target.value,
            new=True,
        )
    return item


def adopt(item: Item, user: User, unit_code: str) -> Item:
    """ "Vi vill också": a new idea in ``unit_code``, linked to an implemented one, with
    its text and values, for the adopting unit to take through its own life."""
    if item.kind != Kind.IDEA or not can_view_item(user, item):
        raise DomainError(_l("Only ideas can be adopted."), field="status")
    if item.status not in (Status.IMPLEMENTED, Status.EVALUATED):
        raise DomainError(_l("Only an implemented idea can be adopted."), field="status")
    if not (unit_code or "").strip():
        raise DomainError(_l("Choose a unit."), field="unit")
    unit = require_active_unit(unit_code)
    if unit.id == item.unit_id:
        raise DomainError(_l("The idea comes from that unit."), field="unit")
    already = db.session.scalar(
        select(Item.id).where(
            Item.adopted_from_id == item.id,
            Item.unit_id == unit.id,
            Item.status.not_in([Status.DECLINED.value, Status.DUPLICATE.value]),
        )
    )
    if already is not None:
        raise DomainError(_l("That unit has adopted this idea already."), field="unit")
    copy = _submit(
        user,
        Kind.IDEA,
        title=item.title,
        description=item.description,
        benefit=item.benefit,
        unit=unit,
        values=[v.name for v in item.values],
        category=item.category.name if item.category and item.category.active else None,
    )
    copy.adopted_from = item
    _record(copy, user, "adopted", None, None, f"#{item.id}")
    _record(item, user, "spread", None, None, unit.name)
    db.session.flush()
    return copy


def _require_idea(user: User, item: Item) -> None:
    if not can_view_item(user, item) or item.kind != Kind.IDEA:
        raise NotAllowed()


def _require_visible(user: User, item: Item) -> None:
    if not can_view_item(user, item):
        raise NotAllowed()


def support(item: Item, user: User) -> bool:
    """Support an open idea; a second support by the same person changes nothing."""
    _require_idea(user, item)
    if Status(item.status) not in OPEN_STATUSES:
        raise DomainError(_l("Only open ideas can be supported."), field="status")
    if not _add_once(Support, item, user):
        return False
    item.support_count = Item.support_count + 1
    db.session.flush()
    db.session.refresh(item, ["support_count"])
    return True


def withdraw_support(item: Item, user: User) -> bool:
    _require_idea(user, item)
    removed = db.session.execute(
        delete(Support).where(Support.item_id == item.id, Support.user_id == user.id)
    ).rowcount
    if removed:
        item.support_count = Item.support_count - 1
        db.session.flush()
    db.session.refresh(item, ["support_count"])
    return bool(removed)


def _add_once(model: type[Support] | type[Follow], item: Item, user: User) -> bool:
    """Add the (item, user) row unless it is there; False when it was."""
    if db.session.get(model, (item.id, user.id)):
        return False
    try:
        with db.session.begin_nested():  # a simultaneous twin request loses here, quietly
            db.session.add(model(item_id=item.id, user_id=user.id, created_at=clock.now()))
    except IntegrityError:
        return False
    return True


def add_comment(item: Item, author: User, body: str, files: Sequence[Upload] = ()) -> Comment:
    """A comment by anyone who may see the item, with up to five files of its own."""
    _require_visible(author, item)
    if item.status == Status.DUPLICATE:
        raise DomainError(_l("Comment on the original idea instead."), field="body")
    body = _text(body, "body", COMMENT_MAX, required=True)
    cleaned = item_files.check(files)
    comment = Comment(item=item, author=author, body=body, created_at=clock.now())
    db.session.add(comment)
    item.comment_count = Item.comment_count + 1
    db.session.flush()
    db.session.refresh(item, ["comment_count"])
    item_files.attach(item, author, cleaned, comment=comment)
    notifications.notify(
        Event.COMMENTED,
        item,
        notifications.followers_except(item, author),
        key=f"comment:{comment.id}",
        new=True,
    )
    return comment


def remove_comment(item: Item, comment: Comment, user: User) -> None:
    """Remove a comment with its files, by its author or by whoever may manage the item
    (``permissions.can_remove_comment``). The history keeps that a comment was removed
    and by whom, not what it said. The files' rows go in this transaction and their
    bytes leave the disk once it commits (``item_files``): a rollback keeps them all."""
    if not can_remove_comment(user, item, comment):
        raise NotAllowed(_l("Only its writer, or whoever handles the item, may remove a comment."))
    db.session.delete(comment)  # its files with it
    item.comment_count = Item.comment_count - 1
    _record(item, user, "comment_removed", None, None)
    db.session.flush()
    db.session.refresh(item, ["comment_count"])


def follow(item: Item, user: User) -> bool:
    _require_visible(user, item)
    return _add_once(Follow, item, user)


def unfollow(item: Item, user: User) -> bool:
    _require_visible(user, item)
    return bool(
        db.session.execute(
            delete(Follow).where(Follow.item_id == item.id, Follow.user_id == user.id)
        ).rowcount
    )


class ViewerMarks(NamedTuple):
    """What an item's page shows of its viewer's own: whether they support and follow
    it, how many of their notifications are unread (``notifications.unread_columns``)
    and how many of those are about this item (read once they have opened it)."""

    supported: bool
    following: bool
    unread: int
    unread_here: int


_MARKS = "_ideas_viewer_marks"  # on an Item: ((user id, notices), ViewerMarks) read with it


def _mark_columns(item_id, user_id: int, notices: bool) -> list:
    return [
        exists().where(Support.item_id == item_id, Support.user_id == user_id),
        exists().where(Follow.item_id == item_id, Follow.user_id == user_id),
        *(notifications.unread_columns(user_id, item_id) if notices else ()),
    ]


def _marks_of(row, notices: bool) -> ViewerMarks:
    unread, here = (row[2] or 0, row[3] or 0) if notices else (0, 0)
    return ViewerMarks(bool(row[0]), bool(row[1]), unread, here)


def viewer_marks(item: Item, user: User, *, notices: bool = False) -> ViewerMarks:
    """``ViewerMarks`` of ``user`` on ``item`` (the notifications counted only with
    ``notices``; 0 else): read with the item when ``load_item`` was told who looks,
    else in one query of their own."""
    known = getattr(item, _MARKS, None)
    if known is not None and known[0] == (user.id, notices):
        return known[1]
    row = db.session.execute(select(*_mark_columns(item.id, user.id, notices))).one()
    return _marks_of(row, notices)


@dataclass
class IdeaFilters:
    q: str = ""
    status: str = ""
    value: str = ""
    unit: str = ""
    author_id: int | None = None
    kind: str = Kind.IDEA.value
    # For concerns: only those this person may see.
    viewer: User | None = None


def managed_units(user_ids):
    """A recursive CTE (column ``id``) of the units managed by these users, and below."""
    managed = select(Unit.id).where(Unit.manager_id.in_(user_ids)).cte(recursive=True)
    child = aliased(Unit)
    return managed.union_all(select(child.id).join(managed, child.parent_id == managed.c.id))


def concerns_visible_to(user: User, managed: Sequence[int] | None = None):
    """A condition on Item: the concerns ``user`` may see (see permissions.can_view_item):
    their own, those they have, and those handled in the units they manage or below.
    ``managed``: the ids of those units, when the caller has read them already."""
    if managed is None:
        tree = select(Unit.id).where(Unit.manager_id == user.id).cte(recursive=True)
        child = aliased(Unit)
        tree = tree.union_all(select(child.id).join(tree, child.parent_id == tree.c.id))
        managed = select(tree.c.id)
    return or_(
        Item.author_id == user.id,
        Item.assignee_id == user.id,
        Item.driver_id == user.id,
        Item.handling_unit_id.in_(managed)
        if isinstance(managed, Select)
        else among(Item.handling_unit_id, managed),
    )


# What a list row shows, loaded up front: a fixed number of queries per page. The
# people (the API's and the inbox's; a web list of ideas names nobody) come apart, in
# one query: joined three times over, they cost more to plan and build than to read.
_PERSON = (User.id, User.name, User.email, User.active)
LIST_ROW_PLACES = (
    joinedload(Item.unit),
    joinedload(Item.category),
    selectinload(Item.values),
)
# The same in one statement, for a select of whole items (``idea_list_query``).
LIST_ROW = (
    *LIST_ROW_PLACES,
    joinedload(Item.author).load_only(*_PERSON),
    joinedload(Item.assignee).load_only(*_PERSON),
    joinedload(Item.driver).load_only(*_PERSON),
)


def attach_people(items: Sequence[Item]) -> None:
    """Load the author, assignee and driver of ``items`` in one query (their names and
    addresses), as if each relationship had been loaded with its item."""
    ids = {i for item in items for i in (item.author_id, item.assignee_id, item.driver_id)}
    ids.discard(None)
    people = (
        {
            u.id: u
            for u in db.session.scalars(
                select(User).where(User.id.in_(ids)).options(load_only(*_PERSON))
            )
        }
        if ids
        else {}
    )
    for item in items:
        for name in ("author", "assignee", "driver"):
            set_committed_value(item, name, people.get(getattr(item, f"{name}_id")))


# A search is ranked by relevance when it has at most this many matches (as many as
# a list counts); a commoner word lists its matches newest first: ranking means
# reading every match, 25,000 rows for a word in a quarter of all items.
RANKED_UP_TO = COUNT_LIMIT
RowLoader = Callable[[Sequence[int]], list[Item]]
NEWEST, RELEVANCE = "new", "rank"
LIST_ORDERS = (NEWEST, RELEVANCE)


def _searching(filters: IdeaFilters) -> bool:
    return bool(filters.q) and relevance(filters.q) is not None


def list_sort_key(filters: IdeaFilters, order: str) -> list:
    """What a list is sorted on, descending, before ``Item.id`` (descending too)."""
    if order == RELEVANCE and _searching(filters):
        return [relevance(filters.q)]
    return [Item.created_at]


def _filtered(stmt: Select, filters: IdeaFilters) -> Select:
    stmt = stmt.where(Item.kind == filters.kind)
    if filters.kind == Kind.CONCERN:
        if filters.viewer is None:
            raise ValueError("a list of concerns needs the person who looks at it")
        stmt = stmt.where(concerns_visible_to(filters.viewer))
    elif filters.kind != Kind.IDEA:
        raise ValueError(f"no list of {filters.kind!r} here")
    if filters.status:
        stmt = stmt.where(Item.status == filters.status)
    if filters.value:
        stmt = stmt.where(Item.values.any(Value.name == filters.value))
    if filters.unit:
        stmt = stmt.where(Item.unit.has(Unit.code == filters.unit))
    if filters.author_id is not None:
        stmt = stmt.where(Item.author_id == filters.author_id)
    if filters.q:
        stmt = matching(stmt, filters.q)
    return stmt


def idea_list_query(
    filters: IdeaFilters, *, ids_only: bool = False, order: str | None = None
) -> Select:
    """All items of a kind matching the filters, newest first (``order``: by relevance
    when searching, unless ``NEWEST`` is asked for), with what a list row shows loaded
    up front. Concerns are limited to those ``filters.viewer`` may see.

    ``ids_only``: the ids alone, in the same order, for paging first and loading only
    the rows of the page afterwards (``list_rows``): a deep page or a search with
    thousands of matches then joins 20 rows, not every row it skips."""
    stmt = idea_list_keys(filters, order or RELEVANCE)
    if ids_only:
        return stmt.with_only_columns(Item.id)
    return stmt.with_only_columns(Item).options(*LIST_ROW)


def _as_key(column, value):
    """``value`` compared with a sort key in the key's own type. A search rank is a
    ``real`` on PostgreSQL: a double precision parameter could miss its own row."""
    if isinstance(value, float):
        return cast(literal(value), REAL)
    return literal(value, type_=column.type)


def idea_list_keys(filters: IdeaFilters, order: str, after: Sequence | None = None) -> Select:
    """``(id, sort key)`` of the matching items in ``order``, for keyset paging: only
    those after ``after`` (a row's ``(sort key, id)``) when it is given."""
    key = list_sort_key(filters, order)
    stmt = _filtered(select(Item.id, *key), filters)
    if after is not None:
        *values, last_id = after
        bound = [_as_key(column, value) for column, value in zip(key, values, strict=True)]
        stmt = stmt.where(tuple_(*key, Item.id) < tuple_(*bound, literal(last_id)))
    return stmt.order_by(*(k.desc() for k in key), Item.id.desc())


def ranked(matches: Select, q: str) -> tuple[bool, int | None | Uncounted]:
    """Whether a search for ``q`` (``matches``: its matches, in any order) is ranked by
    relevance, which it is when it has at most ``RANKED_UP_TO`` matches; and how many
    it has, when they had to be counted (bounded, as ``paging.bounded_total``)."""
    if not q or relevance(q) is None:
        return False, UNCOUNTED
    total = bounded_total(matches, RANKED_UP_TO)
    return total is not None, total


def list_order(filters: IdeaFilters) -> tuple[str, int | None | Uncounted]:
    """How a list is sorted, and its total when that had to be counted to decide: by
    relevance for a search of at most ``RANKED_UP_TO`` matches, else newest first."""
    by_relevance, total = ranked(idea_list_keys(filters, NEWEST), filters.q)
    return (RELEVANCE if by_relevance else NEWEST), total


def idea_list_page(
    filters: IdeaFilters, *, page: int, per_page: int, rows: RowLoader | None = None
) -> Page:
    """Page number ``page`` of the list, its rows loaded by ``rows``; the total when at
    most ``COUNT_LIMIT``, and the sort key of its last row (``next_key``)."""
    order, total = list_order(filters)
    keyed = idea_list_keys(filters, order)
    result = page_of(keyed, rows or list_rows, page=page, per_page=per_page, total=total)
    result.order = order
    return result


def idea_list_page_after(
    filters: IdeaFilters,
    order: str,
    after: Sequence | None,
    *,
    per_page: int,
    rows: RowLoader | None = None,
) -> Page:
    """The page after the row whose ``(sort key, id)`` is ``after`` (from its start when
    None), in ``order`` (the order the earlier pages were in): keyset paging, as fast on
    the thousandth page as on the first."""
    if order not in LIST_ORDERS:
        raise ValueError(f"no list order {order!r}")
    whole = idea_list_keys(filters, NEWEST)
    keyed = idea_list_keys(filters, order, after)
    result = page_after(keyed, whole, rows or list_rows, per_page=per_page)
    result.order = order
    return result


def filter_choices() -> tuple[list, list]:
    """What the lists can be filtered on, as plain rows: the active values' names (in
    their order) and every unit's ``code``, ``name`` and ``id`` (by name; hundreds).
    Read once while the organisation is unchanged (``page_cache.org_memo``)."""
    return page_cache.org_memo("filter_choices", _filter_choices)


def _filter_choices() -> tuple[list, list]:
    values = db.session.execute(
        select(Value.name).where(Value.active.is_(True)).order_by(Value.position)
    ).all()
    units = db.session.execute(select(Unit.code, Unit.name, Unit.id).order_by(Unit.name)).all()
    return values, units


def list_rows(ids: Sequence[int], *, people: bool = True) -> list[Item]:
    """The items with these ids, in this order, with what a list row shows: their unit,
    category and values, and (``people``) their author, assignee and driver."""
    if not ids:
        return []
    rows = db.session.scalars(select(Item).where(Item.id.in_(ids)).options(*LIST_ROW_PLACES))
    found = {item.id: item for item in rows.unique().all()}
    if people:
        attach_people(list(found.values()))
    return [found[i] for i in ids if i in found]


class Named(NamedTuple):
    """A unit, category or value as a list entry names it."""

    name: str


class ListEntry:
    """What the web's lists of ideas (the list, search, the bank) show of an item, read
    as plain rows: no ORM objects, which cost more to build than the page to render.
    Deadlines follow the item's own rules (``Item.overdue``)."""

    COLUMNS = (
        Item.id,
        Item.kind,
        Item.title,
        Item.created_at,
        Item.support_count,
        Item.comment_count,
        *DEADLINE_COLUMNS,
        Item.implemented_at,
        Item.benefit,
        Item.outcome,
        Item.lessons,
        Item.effect,
        Item.hours_saved,
        Item.money_saved,
    )
    __slots__ = (*(c.key for c in COLUMNS), "unit", "category", "values", "picture")

    open_deadlines = Item.open_deadlines
    next_deadline = Item.next_deadline
    overdue = Item.overdue

    def __init__(self, row, values: list[Named]):
        for column, value in zip(self.COLUMNS, row, strict=False):
            setattr(self, column.key, value)
        self.unit = Named(row.unit_name)
        self.category = Named(row.category_name) if row.category_name is not None else None
        self.values = values
        picture = getattr(row, "picture_id", None)
        self.picture = Picture(picture, row.picture_width, row.picture_height) if picture else None


class Picture(NamedTuple):
    """An item's first picture (not its comments'), as a list shows its thumbnail."""

    id: int
    thumbnail_width: int
    thumbnail_height: int


def _first_picture():
    """The item's first picture, joined to its row (``ListEntry.picture``)."""
    first = aliased(ItemFile)
    earliest = (
        select(func.min(first.id))
        .where(
            first.item_id == Item.id,
            first.comment_id.is_(None),
            first.thumbnail_name.is_not(None),
        )
        .scalar_subquery()
    )
    return ItemFile.id == earliest, (
        ItemFile.id.label("picture_id"),
        ItemFile.thumbnail_width.label("picture_width"),
        ItemFile.thumbnail_height.label("picture_height"),
    )


def place_rows(ids: Sequence[int], *, pictures: bool = False) -> list[ListEntry]:
    """The items with these ids, in this order, as the web's lists show them (their
    unit, category and values; nobody's name; with ``pictures``, their first picture),
    in two queries."""
    if not ids:
        return []
    joined, picture_columns = _first_picture() if pictures else (None, ())
    stmt = (
        select(
            *ListEntry.COLUMNS,
            Unit.name.label("unit_name"),
            Category.name.label("category_name"),
            *picture_columns,
        )
        .join(Unit, Unit.id == Item.unit_id)
        .outerjoin(Category, Category.id == Item.category_id)
        .where(Item.id.in_(ids))
    )
    if joined is not None:
        stmt = stmt.outerjoin(ItemFile, joined)
    rows = db.session.execute(stmt)
    by_id = {row.id: row for row in rows}
    values: dict[int, list[Named]] = {i: [] for i in by_id}
    for item_id, name in db.session.execute(
        select(item_values.c.item_id, Value.name)
        .join(Value, Value.id == item_values.c.value_id)
        .where(item_values.c.item_id.in_(ids))
        .order_by(Value.position)
    ):
        values[item_id].append(Named(name))
    return [ListEntry(by_id[i], values[i]) for i in ids if i in by_id]


class InboxEntry:
    """What a manager's inbox shows of an item, read as one plain row: its kind, title,
    status, unit and driver, and its deadlines (``Item.next_deadline``)."""

    COLUMNS = (Item.id, Item.kind, Item.title, *DEADLINE_COLUMNS)
    __slots__ = (*(c.key for c in COLUMNS), "unit", "driver")

    open_deadlines = Item.open_deadlines
    next_deadline = Item.next_deadline

    def __init__(self, row):
        for column, value in zip(self.COLUMNS, row, strict=False):
            setattr(self, column.key, value)
        self.unit = Named(row.unit_name)
        self.driver = Named(row.driver_name) if row.driver_name is not None else None


def inbox_rows(ids: Sequence[int]) -> list[InboxEntry]:
    """The items with these ids, in this order, as the inbox shows them, in one query."""
    if not ids:
        return []
    driver = aliased(User)
    rows = db.session.execute(
        select(*InboxEntry.COLUMNS, Unit.name.label("unit_name"), driver.name.label("driver_name"))
        .join(Unit, Unit.id == Item.unit_id)
        .outerjoin(driver, driver.id == Item.driver_id)
        .where(Item.id.in_(ids))
    )
    by_id = {row.id: row for row in rows}
    return [InboxEntry(by_id[i]) for i in ids if i in by_id]


def load_item(
    item_id: int, *, comments: bool = True, viewer: User | None = None, notices: bool = False
) -> Item | None:
    """An item with everything its page shows, in a fixed number of small queries:
    the item with its unit, category and values (and, given the ``viewer``, their
    ``viewer_marks``); its history, files and (unless told not: the API answers them
    apart) comments; then every person the page names (submitter, assignee, driver,
    actors, commenters) at once, and the items it links to. One wide join of them all
    cost more to plan than to run."""
    marks = _mark_columns(Item.id, viewer.id, notices) if viewer is not None else []
    row = (
        db.session.execute(
            select(Item, *marks)
            .where(Item.id == item_id)
            .options(
                joinedload(Item.unit),
                joinedload(Item.category),
                joinedload(Item.values),
                selectinload(Item.history),
                selectinload(Item.files),
                *((selectinload(Item.comments),) if comments else ()),
            )
        )
        .unique()
        .one_or_none()
    )
    if row is None:
        return None
    item = row[0]
    if viewer is not None:
        setattr(item, _MARKS, ((viewer.id, notices), _marks_of(row[1:], notices)))
    else:  # marks read with an earlier load in this session may be old by now
        vars(item).pop(_MARKS, None)
    rows = [*item.history, *(item.comments if comments else ())]
    ids = {item.author_id, item.assignee_id, item.driver_id}
    ids.update(row.actor_id if isinstance(row, HistoryEntry) else row.author_id for row in rows)
    ids.discard(None)
    people = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}
    for name in ("author", "assignee", "driver"):
        set_committed_value(item, name, people.get(getattr(item, f"{name}_id")))
    for entry in item.history:
        set_committed_value(entry, "actor", people.get(entry.actor_id))
    for comment in item.comments if comments else ():
        set_committed_value(comment, "author", people.get(comment.author_id))
    linked = {i for i in (item.merged_into_id, item.adopted_from_id) if i is not None}
    found = (
        {i.id: i for i in db.session.scalars(select(Item).where(Item.id.in_(linked)))}
        if linked
        else {}
    )
    set_committed_value(item, "merged_into", found.get(item.merged_into_id))
    set_committed_value(item, "adopted_from", found.get(item.adopted_from_id))
    return item


def spread_of(item: Item) -> list[Item]:
    """The ideas adopted from this one, with their units: where it has spread."""
    return list(
        db.session.scalars(
            select(Item)
            .where(Item.adopted_from_id == item.id)
            .options(joinedload(Item.unit))
            .order_by(Item.created_at)
        )
    )
