"""Dashboard statistics: every figure exact on a known organisation, who sees which
items, the filters, and a fixed number of queries however many items there are.

The known fixture (``T0`` = Monday 2 March 2026, 08:00 UTC; first answer due after 14
days; "now" is T0 + 40 days = 11 April 2026):

====  =======  ====  ===================  =======  ========================================
item  kind     unit  values               created  what happened
====  =======  ====  ===================  =======  ========================================
A     idea     VOO   vill                 T0       acknowledged +2d, accepted +10d,
                                                   implemented 20 March
B     idea     VOO   öppna, vill          T0+1     declined +20d (late)
C     idea     IT    framåt               T0+2     acknowledged +4d
D     idea     IT    öppna                T0+3     nothing (first answer overdue)
E     concern  VOO   vill                 T0+4     routed to VOO's manager, acknowledged +1d
F     concern  VOO   öppna                T0+5     about VOO's manager: routed to SBF; overdue
O     idea     IT    framåt               T0+6     accepted +2d, implemented 1 April
P     idea     VOO   framåt               T0+32    adopted from O; open, within its deadline
Q     idea     SBF   framåt               T0+33    adopted from O; open, within its deadline
R     idea     IT    vill                 T0+34    adopted from A; open, within its deadline
X     report   VOO   -                    T0+7     never counted
====  =======  ====  ===================  =======  ========================================
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest

from ideas import clock
from ideas.extensions import db
from ideas.models import Item, Role
from ideas.services import items, routing, stats
from ideas.services.errors import DomainError, NotAllowed
from tests import factories

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
OPPNA, FRAMAT, VILL = "Vi är öppna", "Vi är framåt", "Vi vill"
STATUS_ZERO = dict.fromkeys(
    [
        "submitted",
        "acknowledged",
        "assessing",
        "accepted",
        "declined",
        "forwarded",
        "duplicate",
        "implemented",
        "evaluated",
    ],
    0,
)


def at(days: float) -> None:
    clock.freeze(T0 + timedelta(days=days))


def _idea(author, unit, values, days, title):
    at(days)
    return factories.idea(author, unit=unit, values=values, title=title)


def _concern(author, unit, values, days, title, **kw):
    at(days)
    concern = items.submit_concern(
        author, title=title, description="Beskrivning", unit=unit, values=values, **kw
    )
    routing.route_item(concern.id)
    return concern


def _move(item, actor, status, days, comment="Beslut med skäl"):
    at(days)
    items.transition(item, actor, status, comment)


def _implemented(item, days):
    """Set directly: what ``implemented`` asks for (outcome, lessons) is not the point."""
    item.status = "implemented"
    item.implemented_at = T0 + timedelta(days=days)
    db.session.flush()


def _adopted(author, unit, values, days, title, original):
    copy = _idea(author, unit, values, days, title)
    copy.adopted_from_id = original.id
    db.session.flush()
    return copy


@pytest.fixture
def known(org):
    a = _idea(org.anna, "VOO", [VILL], 0, "A")
    b = _idea(org.bo, "VOO", [OPPNA, VILL], 1, "B")
    c = _idea(org.anna, "IT", [FRAMAT], 2, "C")
    d = _idea(org.bo, "IT", [OPPNA], 3, "D")
    e = _concern(org.anna, "VOO", [VILL], 4, "E")
    f = _concern(org.bo, "VOO", [OPPNA], 5, "F", about_manager=True)
    o = _idea(org.anna, "IT", [FRAMAT], 6, "O")
    at(7)
    x = Item(kind="report", title="X", description="-", unit=org.unit, status="submitted")
    db.session.add(x)
    _move(a, org.boss, "acknowledged", 2)
    _move(a, org.boss, "accepted", 10)
    _implemented(a, 18)  # 20 March
    _move(b, org.boss, "declined", 21, "Inte nu")
    _move(c, org.it_boss, "acknowledged", 6)
    _move(e, org.boss, "acknowledged", 5)
    _move(o, org.it_boss, "accepted", 8)
    _implemented(o, 30)  # 1 April, 08:00
    p = _adopted(org.anna, "VOO", [FRAMAT], 32, "P", o)
    q = _adopted(org.admin, "SBF", [FRAMAT], 33, "Q", o)
    r = _adopted(org.bo, "IT", [VILL], 34, "R", a)
    at(40)
    assert (e.handling_unit.code, f.handling_unit.code) == ("VOO", "SBF")
    return SimpleNamespace(org=org, a=a, b=b, c=c, d=d, e=e, f=f, o=o, p=p, q=q, r=r, x=x)


def _groups(groups):
    return {
        g.key: (g.submitted, g.decided, g.implemented, g.answered.kept, g.answered.due)
        for g in groups
    }


def test_an_admin_sees_every_figure_of_the_whole_organisation(known):
    s = stats.compute(known.org.admin)
    assert s.scope.whole_organisation
    assert s.total == 10  # the report X is not counted
    assert s.by_kind == {"idea": 8, "concern": 2}
    assert s.by_status == {
        **STATUS_ZERO,
        "submitted": 5,  # D, F, P, Q, R
        "acknowledged": 2,  # C, E
        "declined": 1,  # B
        "implemented": 2,  # A, O
    }
    assert list(s.by_status) == list(STATUS_ZERO)  # in the order of an item's life
    assert (s.decided, s.implemented) == (3, 2)  # A, B, O; A, O
    # Due: answered A, B, C, E, O and overdue D, F (P, Q, R are still within their 14
    # days). Kept: A, C, E, O (B was answered after 20 days).
    assert (s.answered_in_time.kept, s.answered_in_time.due) == (4, 7)
    assert s.answered_in_time.share == 0.571
    # First answers after 2, 20, 4, 1 and 2 days; decisions after 10, 20 and 2 days.
    assert s.median_days_to_first_answer == 2.0
    assert s.median_days_to_decision == 10.0
    # (name, submitted, decided, implemented, answered in time, due), values in order.
    assert [g.key for g in s.by_value] == [OPPNA, FRAMAT, VILL]
    assert _groups(s.by_value) == {
        OPPNA: (3, 1, 0, 0, 3),  # B, D, F
        FRAMAT: (4, 1, 1, 2, 2),  # C, O, P, Q
        VILL: (4, 2, 1, 2, 3),  # A, B, E, R
    }
    assert [(g.key, g.label) for g in s.by_unit] == [
        ("VOO", "Vård och omsorg"),
        ("IT", "IT-enheten"),
        ("SBF", "Samhällsbyggnadsförvaltningen"),
    ]
    assert _groups(s.by_unit) == {
        "VOO": (5, 2, 1, 2, 4),  # A, B, E, F, P
        "IT": (4, 1, 1, 2, 3),  # C, D, O, R
        "SBF": (1, 0, 0, 0, 0),  # Q
    }
    assert s.implemented_per_month == {"2026-03": {VILL: 1}, "2026-04": {FRAMAT: 1}}
    assert s.months == ["2026-03", "2026-04"]
    assert s.spread == 3  # P and Q from O, R from A
    assert [(o.id, o.title, o.unit_code, o.adoptions) for o in s.spread_top] == [
        (known.o.id, "O", "IT", 2),
        (known.a.id, "A", "VOO", 1),
    ]


def test_a_manager_sees_their_units_and_the_concerns_they_may_see(known):
    s = stats.compute(known.org.boss)  # manages VOO
    assert not s.scope.whole_organisation
    # A, B, E, P: not F, the concern about this manager, handled above them.
    assert s.total == 4
    assert s.by_kind == {"idea": 3, "concern": 1}
    assert s.by_status == {
        **STATUS_ZERO,
        "implemented": 1,
        "declined": 1,
        "acknowledged": 1,
        "submitted": 1,
    }
    assert (s.answered_in_time.kept, s.answered_in_time.due) == (2, 3)
    assert s.answered_in_time.share == 0.667
    assert s.median_days_to_first_answer == 2.0  # 1, 2, 20
    assert s.median_days_to_decision == 15.0  # 10, 20: the mean of the middle two
    assert _groups(s.by_value) == {
        OPPNA: (1, 1, 0, 0, 1),
        FRAMAT: (1, 0, 0, 0, 0),
        VILL: (3, 2, 1, 2, 3),
    }
    assert _groups(s.by_unit) == {"VOO": (4, 2, 1, 2, 3)}
    assert s.implemented_per_month == {"2026-03": {VILL: 1}}
    # A spread to IT (R): counted for the unit it came from. P came from IT: not here.
    assert s.spread == 1
    assert [(o.title, o.adoptions) for o in s.spread_top] == [("A", 1)]


def test_another_managers_numbers_are_theirs_alone(known):
    s = stats.compute(known.org.it_boss)
    assert s.total == 4  # C, D, O, R
    assert s.by_kind == {"idea": 4, "concern": 0}
    assert [g.key for g in s.by_unit] == ["IT"]
    assert (s.answered_in_time.kept, s.answered_in_time.due) == (2, 3)
    assert s.median_days_to_first_answer == 3.0  # 2 and 4
    assert s.median_days_to_decision == 2.0
    assert s.implemented_per_month == {"2026-04": {FRAMAT: 1}}
    assert (s.spread, [(o.title, o.adoptions) for o in s.spread_top]) == (2, [("O", 2)])


def test_a_manager_above_sees_the_whole_subtree_with_the_concern_about_a_manager(known):
    director = stats.compute(known.org.director)  # manages SBF, above VOO and IT
    admin = stats.compute(known.org.admin)
    assert director.total == admin.total == 10
    assert director.by_kind == admin.by_kind
    assert _groups(director.by_unit) == _groups(admin.by_unit)
    assert director.spread == admin.spread == 3


def test_employees_and_case_handlers_see_no_dashboard(known):
    for user in (known.org.anna, known.org.handler):
        assert not stats.can_view_stats(user)
        with pytest.raises(NotAllowed) as refused:
            stats.compute(user)
        assert refused.value.field is None


def test_a_manager_without_units_sees_nothing(known):
    lone = factories.user("ensam@example.se", role=Role.MANAGER.value)
    s = stats.compute(lone)
    assert (s.total, s.by_unit, s.spread) == (0, [], 0)
    assert s.answered_in_time.share is None
    assert (s.median_days_to_first_answer, s.median_days_to_decision) == (None, None)
    assert [g.submitted for g in s.by_value] == [0, 0, 0]  # every value is shown


def test_narrowed_to_a_unit(known):
    it = stats.compute(known.org.admin, unit="IT")
    assert it.scope.unit.code == "IT" and not it.scope.whole_organisation
    assert (it.total, it.spread) == (4, 2)
    # The director sees F (about VOO's manager) in VOO; VOO's manager does not.
    assert stats.compute(known.org.director, unit="VOO").total == 5
    assert stats.compute(known.org.boss, unit="VOO").total == 4
    # A unit's subtree: SBF is everything.
    assert stats.compute(known.org.admin, unit="SBF").total == 10


def test_a_unit_outside_ones_own_is_refused(known):
    with pytest.raises(NotAllowed) as refused:
        stats.compute(known.org.boss, unit="IT")
    assert refused.value.field == "unit"
    with pytest.raises(NotAllowed):
        stats.compute(known.org.boss, unit="SBF")  # above, not below
    with pytest.raises(DomainError) as unknown:
        stats.compute(known.org.admin, unit="NOPE")
    assert unknown.value.field == "unit" and unknown.value.status == 422


def test_the_period_includes_both_days(known):
    # Created 4 March (C), 5 March (D), 6 March (E), all at 08:00; F on 7 March.
    s = stats.compute(known.org.admin, date_from=date(2026, 3, 4), date_to=date(2026, 3, 6))
    assert s.total == 3
    assert s.by_kind == {"idea": 2, "concern": 1}
    assert (s.answered_in_time.kept, s.answered_in_time.due) == (2, 3)
    assert s.median_days_to_first_answer == 2.5  # 4 and 1
    assert s.median_days_to_decision is None
    assert s.implemented_per_month == {} and s.months == []
    assert stats.compute(known.org.admin, date_from=date(2026, 4, 4)).total == 2  # Q, R
    assert stats.compute(known.org.admin, date_to=date(2026, 3, 1)).total == 0


def test_the_period_is_whole_utc_days(org):
    clock.freeze(datetime(2026, 5, 1, 23, 59, 59, tzinfo=UTC))
    factories.idea(org.anna)
    clock.freeze(datetime(2026, 5, 2, 0, 0, tzinfo=UTC))
    factories.idea(org.anna)
    one_day = stats.compute(org.admin, date_from=date(2026, 5, 1), date_to=date(2026, 5, 1))
    assert one_day.total == 1
    assert stats.compute(org.admin, date_to=date(9999, 12, 31)).total == 2


def test_spread_counts_adoptions_made_in_the_period(known):
    # P, Q and R were adopted 3 to 5 April; the originals were made in March.
    assert stats.compute(known.org.admin, date_to=date(2026, 3, 31)).spread == 0
    assert stats.compute(known.org.admin, date_from=date(2026, 4, 4)).spread == 2  # Q, R


@pytest.mark.parametrize(
    ("given", "errors"),
    [
        (("", "", ""), {}),
        ((" VOO ", "2026-03-01", "2026-03-01"), {}),
        (("", "2026-3-1", ""), {"from"}),
        (("", "20260301", ""), {"from"}),
        (("", "2026-W10-1", ""), {"from"}),
        (("", "2026-02-30", "igår"), {"from", "to"}),
        (("", "2026-03-02", "2026-03-01"), {"to"}),
    ],
)
def test_filters_are_read_strictly(app, given, errors):
    if not errors:
        filters = stats.parse_filters(*given)
        assert filters.unit == (given[0].strip() or None)
        return
    with pytest.raises(stats.InvalidFilters) as bad:
        stats.parse_filters(*given)
    assert set(bad.value.errors) == errors
    assert bad.value.status == 400 and bad.value.field in errors


def test_the_units_one_may_choose(known):
    assert [u.code for u in stats.selectable_units(known.org.boss)] == ["VOO"]
    assert [u.code for u in stats.selectable_units(known.org.director)] == ["IT", "SBF", "VOO"]
    assert len(stats.selectable_units(known.org.admin)) == 3
    assert stats.selectable_units(known.org.anna) == []


def _more_items(org, n: int) -> None:
    """``n`` more items of every sort: answered, decided, implemented, adopted."""
    for i in range(n):
        idea = _idea(org.anna, ("VOO", "IT")[i % 2], [(OPPNA, FRAMAT, VILL)[i % 3]], 41, f"N{i}")
        boss = org.boss if i % 2 == 0 else org.it_boss
        _move(idea, boss, "accepted", 42)
        _implemented(idea, 43 + i)
        copy = _adopted(org.bo, "SBF", [VILL], 44 + i, f"K{i}", idea)
        _move(copy, org.director, "acknowledged", 45 + i)
    at(90)


@pytest.mark.parametrize("who", ["admin", "boss"])
def test_the_number_of_queries_does_not_grow_with_the_items(known, count_queries, who):
    user = getattr(known.org, who)
    db.session.expire_all()
    with count_queries() as few:
        stats.compute(user, unit="VOO")
    _more_items(known.org, 12)
    db.session.expire_all()
    with count_queries() as many:
        s = stats.compute(user, unit="VOO")
    assert s.total > 4
    assert many.count == few.count
    assert few.count <= 12, few.statements


def test_csv_rows_carry_every_figure(known):
    s = stats.compute(known.org.boss)
    rows = list(stats.csv_rows(s))
    assert rows[:4] == [
        ("scope_unit", "", ""),
        ("scope_from", "", ""),
        ("scope_to", "", ""),
        ("total", "", "4"),
    ]
    for row in [
        ("kind", "concern", "1"),
        ("status", "declined", "1"),
        ("answered_in_time", "", "2"),
        ("answer_due", "", "3"),
        ("answered_in_time_share", "", "0.667"),
        ("median_days_to_first_answer", "", "2.0"),
        ("median_days_to_decision", "", "15.0"),
        ("value", VILL, "3"),
        ("value_answered_in_time", VILL, "2"),
        ("unit", "VOO Vård och omsorg", "4"),
        ("unit_decided", "VOO Vård och omsorg", "2"),
        ("implemented_per_month", f"2026-03 {VILL}", "1"),
        ("spread", "", "1"),
        ("spread_original", f"#{known.a.id} A", "1"),
    ]:
        assert row in rows


def test_csv_is_utf8_with_bom_and_defuses_formulas(known):
    known.a.title = '=HYPERLINK("http://example.com")'
    db.session.flush()
    data = stats.to_csv(stats.compute(known.org.boss))
    assert data.startswith("\ufeff".encode())
    text = data.decode("utf-8-sig")
    assert text.splitlines()[0] == "metric,key,value"
    assert "value,Vi är öppna,1\r\n" in text
    assert f'spread_original,"#{known.a.id} =HYPERLINK(""http://example.com"")",1' in text
    # A key that starts with a formula character is quoted as text.
    assert stats._cell("=1+1") == "'=1+1"


def test_the_months_of_a_chart_have_no_gaps():
    assert stats.month_span(["2026-03", "2025-11"]) == [
        "2025-11",
        "2025-12",
        "2026-01",
        "2026-02",
        "2026-03",
    ]
    assert stats.month_span([]) == []
