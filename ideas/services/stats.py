"""Statistics for the dashboards: do we keep what we promise ("håller vad vi lovar")?

Who sees what:

- A manager sees the units they manage and every unit below them (the whole subtree of
  each unit whose ``manager_id`` is theirs). Ideas there all count; a concern counts
  only if the manager may see it (``items.concerns_visible_to``), so a concern about
  a manager, which goes one level above them, is not counted on their dashboard.
- An admin sees the whole organisation, concerns included: counts reveal no content.
- Employees and case handlers see no dashboard. Whistleblowing reports are never
  counted anywhere (they live in their own table; ``kind = 'report'`` rows of the
  items table are left out as well).

Every figure describes one set of items: the ideas and concerns in scope *created* in
the chosen period. Periods are whole calendar days in UTC, both ends included; months
(``implemented_per_month``) are UTC calendar months too. UTC keeps SQLite and
PostgreSQL giving the same answer; the cost is that an item submitted in the first hour
or two of a Swedish day counts on the UTC day (or month) before.

Everything is computed by aggregate SQL (GROUP BY, window functions) in a fixed number
of queries, whatever the number of items.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    extract,
    func,
    or_,
    select,
    true,
)
from sqlalchemy.orm import aliased
from sqlalchemy.sql.expression import CTE

from ideas import clock
from ideas.database import among
from ideas.extensions import db
from ideas.models import Item, Kind, Role, Status, Unit, User, Value, item_values
from ideas.services.accounts import require_unit
from ideas.services.errors import DomainError, NotAllowed
from ideas.services.items import concerns_visible_to
from ideas.services.permissions import manages_unit

COUNTED_KINDS = (Kind.IDEA.value, Kind.CONCERN.value)
VIEWER_ROLES = frozenset({Role.MANAGER, Role.ADMIN})
SPREAD_TOP = 10
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


# --- who may look, and at what ------------------------------------------------------


def can_view_stats(user: User) -> bool:
    """Managers and admins have dashboards; nobody else does."""
    return bool(getattr(user, "is_authenticated", False)) and user.role in VIEWER_ROLES


class InvalidFilters(DomainError):
    """Filters that cannot be read (a malformed date, an end before the start): a bad
    request rather than a broken rule. ``errors`` maps every filter at fault to why."""

    status = 400

    def __init__(self, errors: dict[str, object]):
        first = next(iter(errors))
        super().__init__(errors[first], field=first)
        self.errors = errors


@dataclass(frozen=True)
class Filters:
    """The dashboard's filters as given: a unit code and a period, each optional."""

    unit: str | None = None
    date_from: date | None = None
    date_to: date | None = None


def parse_day(raw: str | None) -> date | None:
    """``YYYY-MM-DD`` (what ``<input type=date>`` sends) as a date; blank is None."""
    raw = (raw or "").strip()
    if not raw:
        return None
    if not _DAY.fullmatch(raw):  # fromisoformat alone also takes 20260301 and 2026-W10-1
        raise ValueError(raw)
    return date.fromisoformat(raw)


def parse_filters(unit: str | None, date_from: str | None, date_to: str | None) -> Filters:
    """The filters from their text (query arguments), or InvalidFilters naming each one
    at fault: ``from`` and ``to`` must be dates, and ``to`` not before ``from``."""
    errors: dict[str, object] = {}
    days: dict[str, date | None] = {}
    for name, raw in (("from", date_from), ("to", date_to)):
        try:
            days[name] = parse_day(raw)
        except ValueError:
            days[name] = None
            errors[name] = _l("Give a date as YYYY-MM-DD, for example 2026-03-01.")
    if days["from"] and days["to"] and days["to"] < days["from"]:
        errors["to"] = _l("The end date is before the start date.")
    if errors:
        raise InvalidFilters(errors)
    return Filters(unit=(unit or "").strip() or None, date_from=days["from"], date_to=days["to"])


def _subtree(roots: Select) -> CTE:
    """The units selected by ``roots`` and every unit below them (column ``id``).
    UNION, not UNION ALL: a unit reached twice (nested managed units) is listed once,
    and a loop in the tree, should one ever be made, ends instead of running forever."""
    tree = roots.cte("stats_units", recursive=True)
    child = aliased(Unit)
    return tree.union(select(child.id).join(tree, child.parent_id == tree.c.id))


@dataclass(frozen=True)
class Scope:
    """Which items a dashboard counts: see the module docstring.

    ``unit`` narrows it to that unit's subtree; ``date_from``/``date_to`` are UTC
    calendar days, both included, on ``created_at``.
    """

    viewer: User
    unit: Unit | None = None
    date_from: date | None = None
    date_to: date | None = None

    @property
    def whole_organisation(self) -> bool:
        return self.unit is None and self.viewer.role == Role.ADMIN

    @cached_property
    def units(self) -> CTE | None:
        """The units in scope as a recursive CTE, or None for all of them. One object
        per scope: a statement that names it twice renders it once."""
        if self.unit is not None:
            return _subtree(select(Unit.id).where(Unit.id == self.unit.id))
        if self.viewer.role == Role.ADMIN:
            return None
        return _subtree(select(Unit.id).where(Unit.manager_id == self.viewer.id))

    @cached_property
    def unit_ids(self) -> tuple[int, ...] | None:
        """The ids of the units in scope (None: all), read once: every query of the
        dashboard names them instead of walking the unit tree again."""
        units = self.units
        return None if units is None else tuple(db.session.scalars(select(units.c.id)))

    @cached_property
    def managed_ids(self) -> tuple[int, ...]:
        """The ids of the units the viewer manages and those below (whose concerns
        the viewer may see); the scope's own when no unit narrows it."""
        if self.unit is None and self.viewer.role != Role.ADMIN:
            return self.unit_ids or ()
        tree = _subtree(select(Unit.id).where(Unit.manager_id == self.viewer.id))
        return tuple(db.session.scalars(select(tree.c.id)))

    def in_units(self, item) -> ColumnElement[bool]:
        """``item`` (Item or an alias of it) belongs to a unit in scope."""
        ids = self.unit_ids
        return true() if ids is None else among(item.unit_id, ids)

    def in_period(self, item) -> ColumnElement[bool]:
        """``item`` was created within the period (UTC days, both ends included)."""
        conditions = []
        if self.date_from is not None:
            conditions.append(item.created_at >= _start_of(self.date_from))
        if self.date_to is not None and self.date_to < date.max:
            conditions.append(item.created_at < _start_of(self.date_to + timedelta(days=1)))
        return and_(true(), *conditions)

    def visible(self) -> ColumnElement[bool]:
        """Concerns only where the viewer may see them, unless an admin is looking."""
        if self.viewer.role == Role.ADMIN:
            return true()
        return or_(
            Item.kind != Kind.CONCERN.value, concerns_visible_to(self.viewer, self.managed_ids)
        )

    def items(self) -> ColumnElement[bool]:
        """The condition on ``Item`` for every item counted."""
        return and_(
            Item.kind.in_(COUNTED_KINDS), self.in_units(Item), self.in_period(Item), self.visible()
        )


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def resolve_scope(user: User, filters: Filters | None = None) -> Scope:
    """The scope ``user`` asks for. NotAllowed for anyone but managers and admins, and
    (naming ``unit``) for a unit outside the caller's own; DomainError for an unknown
    unit."""
    filters = filters or Filters()
    if not can_view_stats(user):
        raise NotAllowed(_l("Only managers and admins can see the dashboard."))
    unit = None
    if filters.unit:
        unit = require_unit(filters.unit)
        if user.role != Role.ADMIN and not manages_unit(user, unit.id):
            raise NotAllowed(_l("You can see only the units you manage."), field="unit")
    return Scope(user, unit, filters.date_from, filters.date_to)


def selectable_units(user: User, scope: Scope | None = None) -> list[Unit]:
    """The units ``user`` may narrow the dashboard to, by name (for the filter).
    ``scope``: the dashboard's, when the caller has one (its unit tree is read then)."""
    if not can_view_stats(user):
        return []
    ids = scope.managed_ids if scope is not None else Scope(user).unit_ids
    if user.role == Role.ADMIN:
        ids = None
    stmt = select(Unit).order_by(Unit.name, Unit.code)
    if ids is not None:
        stmt = stmt.where(Unit.id.in_(ids))
    return list(db.session.scalars(stmt))


# --- what is counted -------------------------------------------------------------------


@dataclass(frozen=True)
class Share:
    """Answered in time: ``kept`` of the ``due`` first-answer promises.

    An item's promise is *due* when it was answered, or its first-answer deadline has
    passed unanswered (``first_answer_due < now``); it is *kept* when it was answered
    no later than that deadline (``answered_at <= first_answer_due``). Items without a
    deadline made no promise and are left out. Open items still within their deadline
    are not counted yet: they can still keep it.
    """

    kept: int = 0
    due: int = 0

    @property
    def share(self) -> float | None:
        """``kept / due`` rounded to three decimals; None when nothing was due."""
        return round(self.kept / self.due, 3) if self.due else None


@dataclass(frozen=True)
class GroupCounts:
    """The figures DESIGN.md section 8 asks for per unit and per value."""

    key: str  # the value's name, or the unit's code
    label: str  # the value's name, or the unit's name
    submitted: int = 0
    decided: int = 0
    implemented: int = 0
    answered: Share = field(default_factory=Share)


@dataclass(frozen=True)
class SpreadOriginal:
    """An idea that other units adopted, and how many times."""

    id: int
    title: str
    unit_code: str
    unit_name: str
    adoptions: int


@dataclass(frozen=True)
class Stats:
    """A dashboard's numbers; ``compute`` says how each is defined.

    An item with several values counts once under each, so the values' figures can add
    up to more than ``total``; units count the unit an item concerns, not rolled up.
    """

    scope: Scope
    total: int
    by_status: dict[str, int]
    by_kind: dict[str, int]
    by_value: list[GroupCounts]
    by_unit: list[GroupCounts]
    decided: int
    implemented: int
    answered_in_time: Share
    median_days_to_first_answer: float | None
    median_days_to_decision: float | None
    implemented_per_month: dict[str, dict[str, int]]
    spread: int
    spread_top: list[SpreadOriginal]

    @property
    def months(self) -> list[str]:
        """Every month from the first to the last with an implementation (``YYYY-MM``),
        gaps included, so that a chart's time axis is even."""
        return month_span(self.implemented_per_month)


def month_span(keys) -> list[str]:
    """``["2026-01", "2026-03"]`` -> ``["2026-01", "2026-02", "2026-03"]``."""
    keys = sorted(keys)
    if not keys:
        return []
    year, month = map(int, keys[0].split("-"))
    last = tuple(map(int, keys[-1].split("-")))
    months = []
    while (year, month) <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _days_between(start, end) -> ColumnElement:
    """``end - start`` in days, as a fraction."""
    if _dialect() == "postgresql":
        return extract("epoch", end - start) / 86400.0
    return func.julianday(end) - func.julianday(start)


def _month_of(moment) -> ColumnElement[str]:
    """``YYYY-MM`` of a timestamp, in UTC."""
    if _dialect() == "postgresql":
        return func.to_char(func.timezone("UTC", moment), "YYYY-MM")
    return func.strftime("%Y-%m", moment)


def _counted(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _figures(now: datetime) -> list[ColumnElement]:
    """Per group: submitted, decided, implemented, promises due, promises kept."""
    answered = Item.answered_at.is_not(None)
    due = and_(Item.first_answer_due.is_not(None), or_(answered, Item.first_answer_due < now))
    kept = and_(
        answered, Item.first_answer_due.is_not(None), Item.answered_at <= Item.first_answer_due
    )
    return [
        func.count(Item.id).label("submitted"),
        _counted(Item.decided_at.is_not(None)).label("decided"),
        _counted(Item.implemented_at.is_not(None)).label("implemented"),
        _counted(due).label("due"),
        _counted(kept).label("kept"),
    ]


def _group(key: str, label: str, row) -> GroupCounts:
    return GroupCounts(
        key=key,
        label=label,
        submitted=int(row.submitted or 0),
        decided=int(row.decided or 0),
        implemented=int(row.implemented or 0),
        answered=Share(kept=int(row.kept or 0), due=int(row.due or 0)),
    )


def _by_kind_and_status(scope: Scope, now: datetime) -> list:
    return db.session.execute(
        select(Item.kind, Item.status, *_figures(now))
        .where(scope.items())
        .group_by(Item.kind, Item.status)
    ).all()


def _by_value(scope: Scope, now: datetime) -> list[GroupCounts]:
    """Every active value (an inactive one only if it has items), in the
    organisation's order."""
    counts = (
        select(item_values.c.value_id, *_figures(now))
        .join(Item, Item.id == item_values.c.item_id)
        .where(scope.items())
        .group_by(item_values.c.value_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Value.name, counts)
        .outerjoin(counts, counts.c.value_id == Value.id)
        .where(or_(Value.active.is_(True), counts.c.submitted > 0))
        .order_by(Value.position, Value.name)
    ).all()
    return [_group(row.name, row.name, row) for row in rows]


def _by_unit(scope: Scope, now: datetime) -> list[GroupCounts]:
    """The units with items, most items first."""
    rows = db.session.execute(
        select(Unit.code, Unit.name, *_figures(now))
        .join(Item, Item.unit_id == Unit.id)
        .where(scope.items())
        .group_by(Unit.id, Unit.code, Unit.name)
        .order_by(func.count(Item.id).desc(), Unit.code)
    ).all()
    return [_group(row.code, row.name, row) for row in rows]


def _median_days(scope: Scope, end) -> Select:
    """The median of ``end - created_at`` in days over the items where ``end`` is set,
    with window functions (PostgreSQL and SQLite alike): the middle row, or the mean
    of the middle two. One row comes back, whatever the number of items."""
    days = _days_between(Item.created_at, end).label("days")
    ranked = (
        select(
            days,
            func.row_number().over(order_by=days).label("rn"),
            func.count().over().label("n"),
        )
        .where(scope.items(), end.is_not(None))
        .subquery()
    )
    middle = or_(ranked.c.rn == (ranked.c.n + 1) // 2, ranked.c.rn == (ranked.c.n + 2) // 2)
    return select(func.avg(ranked.c.days)).where(middle)


def _medians(scope: Scope) -> tuple[float | None, float | None]:
    if _dialect() == "postgresql":
        # percentile_cont(0.5) is the same median (the middle value, or the mean of
        # the middle two), both in one pass over the items instead of two sorts.
        answer = _days_between(Item.created_at, Item.answered_at)
        decision = _days_between(Item.created_at, Item.decided_at)
        row = db.session.execute(
            select(
                func.percentile_cont(0.5)
                .within_group(answer)
                .filter(Item.answered_at.is_not(None)),
                func.percentile_cont(0.5)
                .within_group(decision)
                .filter(Item.decided_at.is_not(None)),
            ).where(scope.items())
        ).one()
        return tuple(None if v is None else round(float(v), 1) for v in row)
    row = db.session.execute(
        select(
            _median_days(scope, Item.answered_at).scalar_subquery(),
            _median_days(scope, Item.decided_at).scalar_subquery(),
        )
    ).one()
    return tuple(None if v is None else round(float(v), 1) for v in row)


def _implemented_per_month(scope: Scope) -> dict[str, dict[str, int]]:
    month = _month_of(Item.implemented_at).label("month")
    rows = db.session.execute(
        select(month, Value.name, func.count(Item.id))
        .select_from(Item)
        .join(item_values, item_values.c.item_id == Item.id)
        .join(Value, Value.id == item_values.c.value_id)
        .where(scope.items(), Item.implemented_at.is_not(None))
        .group_by(month, Value.id, Value.name, Value.position)
        .order_by(month, Value.position)
    ).all()
    result: dict[str, dict[str, int]] = {}
    for key, name, count in rows:
        result.setdefault(key, {})[name] = int(count)
    return result


def _spread(scope: Scope) -> tuple[int, list[SpreadOriginal]]:
    """Adoptions ("vi vill också") created in the period of ideas from units in scope,
    wherever the adopting unit is; and the ten originals adopted most."""
    original = aliased(Item)
    adopted = (
        select(original.id)
        .select_from(Item)
        .join(original, Item.adopted_from_id == original.id)
        .where(
            Item.kind == Kind.IDEA.value,
            # Implied by the join; said out loud, it lets PostgreSQL read the few
            # adopted ideas from their index instead of scanning every item.
            Item.adopted_from_id.is_not(None),
            scope.in_period(Item),
            original.kind == Kind.IDEA.value,
            scope.in_units(original),
        )
    )
    total = db.session.scalar(select(func.count()).select_from(adopted.subquery()))
    adoptions = func.count(Item.id).label("adoptions")
    rows = db.session.execute(
        adopted.add_columns(original.title, Unit.code, Unit.name, adoptions)
        .join(Unit, Unit.id == original.unit_id)
        .group_by(original.id, original.title, Unit.code, Unit.name)
        .order_by(adoptions.desc(), original.id)
        .limit(SPREAD_TOP)
    ).all()
    top = [SpreadOriginal(r.id, r.title, r.code, r.name, int(r.adoptions)) for r in rows]
    return int(total or 0), top


def compute(
    user: User,
    unit: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> Stats:
    """The dashboard of ``user`` (a manager or an admin), optionally narrowed to the
    subtree of the unit with code ``unit`` and to items created from ``date_from`` to
    ``date_to`` (UTC days, both included).

    - ``by_status`` and ``by_kind``: items per status (all nine, in the order of an
      item's life) and per kind (idea, concern);
    - ``by_value`` and ``by_unit``: per value / unit concerned, the items submitted,
      decided (``decided_at`` set), implemented (``implemented_at`` set) and answered
      in time (see ``Share``);
    - ``answered_in_time``: the same ``Share`` over all items;
    - ``median_days_to_first_answer`` / ``_to_decision``: the median of
      ``answered_at - created_at`` / ``decided_at - created_at`` in days, over the
      items that have one, rounded to one decimal; None when none has;
    - ``implemented_per_month``: ``{"YYYY-MM": {value name: items}}`` by the UTC month
      of ``implemented_at``;
    - ``spread``: items adopted from an idea in scope (see ``_spread``) and the ten
      originals adopted most.

    About ten queries, whatever the number of items.
    """
    scope = resolve_scope(user, Filters(unit, date_from, date_to))
    return compute_for(scope)


def compute_for(scope: Scope) -> Stats:
    """``compute`` for a scope already resolved."""
    now = clock.now()
    rows = _by_kind_and_status(scope, now)
    by_status = {status.value: 0 for status in Status}
    by_kind = dict.fromkeys(COUNTED_KINDS, 0)
    decided = implemented = kept = due = 0
    for row in rows:
        by_status[row.status] += row.submitted
        by_kind[row.kind] += row.submitted
        decided += int(row.decided)
        implemented += int(row.implemented)
        kept += int(row.kept)
        due += int(row.due)
    first_answer, decision = _medians(scope)
    spread, spread_top = _spread(scope)
    return Stats(
        scope=scope,
        total=sum(by_kind.values()),
        by_status=by_status,
        by_kind=by_kind,
        by_value=_by_value(scope, now),
        by_unit=_by_unit(scope, now),
        decided=decided,
        implemented=implemented,
        answered_in_time=Share(kept=kept, due=due),
        median_days_to_first_answer=first_answer,
        median_days_to_decision=decision,
        implemented_per_month=_implemented_per_month(scope),
        spread=spread,
        spread_top=spread_top,
    )


# --- export ---------------------------------------------------------------------------

CSV_HEADER = ("metric", "key", "value")
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
CSV_FILENAME = "ideas-stats.csv"
# A cell starting with one of these is a formula to a spreadsheet ("CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: str) -> str:
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def _number(value: float | int | None) -> str:
    return "" if value is None else str(value)


def csv_rows(stats: Stats) -> Iterator[tuple[str, str, str]]:
    """The numbers as ``(metric, key, value)`` rows, in a long format that a
    spreadsheet can pivot. Metrics:

    ``scope_unit``/``scope_from``/``scope_to`` (value: the filter, empty if none);
    ``total``; ``kind`` and ``status`` (key: the code); ``decided``; ``implemented``;
    ``answered_in_time``, ``answer_due``, ``answered_in_time_share``;
    ``median_days_to_first_answer``, ``median_days_to_decision`` (empty if none);
    ``value``, ``value_decided``, ``value_implemented``, ``value_answered_in_time``,
    ``value_answer_due`` (key: the value's name); the same with ``unit`` (key: code and
    name, ``VOO Vård och omsorg``); ``implemented_per_month`` (key: ``2026-03 Vi
    vill``); ``spread``; ``spread_original`` (key: ``#12 the idea's title``).
    """
    scope = stats.scope
    yield "scope_unit", "", scope.unit.code if scope.unit else ""
    yield "scope_from", "", scope.date_from.isoformat() if scope.date_from else ""
    yield "scope_to", "", scope.date_to.isoformat() if scope.date_to else ""
    yield "total", "", str(stats.total)
    for kind, count in stats.by_kind.items():
        yield "kind", kind, str(count)
    for status, count in stats.by_status.items():
        yield "status", status, str(count)
    yield "decided", "", str(stats.decided)
    yield "implemented", "", str(stats.implemented)
    yield "answered_in_time", "", str(stats.answered_in_time.kept)
    yield "answer_due", "", str(stats.answered_in_time.due)
    yield "answered_in_time_share", "", _number(stats.answered_in_time.share)
    yield "median_days_to_first_answer", "", _number(stats.median_days_to_first_answer)
    yield "median_days_to_decision", "", _number(stats.median_days_to_decision)
    for prefix, groups in (("value", stats.by_value), ("unit", stats.by_unit)):
        for group in groups:
            key = group.key if prefix == "value" else f"{group.key} {group.label}"
            yield prefix, key, str(group.submitted)
            yield f"{prefix}_decided", key, str(group.decided)
            yield f"{prefix}_implemented", key, str(group.implemented)
            yield f"{prefix}_answered_in_time", key, str(group.answered.kept)
            yield f"{prefix}_answer_due", key, str(group.answered.due)
    for month, per_value in sorted(stats.implemented_per_month.items()):
        for name, count in per_value.items():
            yield "implemented_per_month", f"{month} {name}", str(count)
    yield "spread", "", str(stats.spread)
    for original in stats.spread_top:
        yield "spread_original", f"#{original.id} {original.title}", str(original.adoptions)


def to_csv(stats: Stats) -> bytes:
    """The CSV file: UTF-8 with a byte-order mark (so that Excel reads å, ä and ö
    right), a header row, CRLF line ends; text that a spreadsheet would take for a
    formula is prefixed with ``'``."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for metric, key, value in csv_rows(stats):
        writer.writerow((metric, _cell(key), _cell(value)))
    return out.getvalue().encode("utf-8-sig")


__all__ = [
    "CSV_CONTENT_TYPE",
    "CSV_FILENAME",
    "CSV_HEADER",
    "Filters",
    "GroupCounts",
    "InvalidFilters",
    "Scope",
    "Share",
    "SpreadOriginal",
    "Stats",
    "can_view_stats",
    "compute",
    "compute_for",
    "csv_rows",
    "month_span",
    "parse_day",
    "parse_filters",
    "resolve_scope",
    "selectable_units",
    "to_csv",
]
