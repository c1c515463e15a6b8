"""A manager's triage: forward, merge, delegate, hand on, adopt, learn; and the inbox."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from ideas import clock
from ideas.extensions import db
from ideas.models import Comment, Email, Follow, HistoryEntry, Support
from ideas.services import items, routing, triage
from ideas.services.errors import DomainError, NotAllowed
from tests import factories

LEARNED = items.Learning(outcome="Skåpen sitter uppe.", lessons="Fråga brukarna först.")


def routed(item):
    routing.route_item(item.id)
    return item


def history(item):
    return [
        (h.action, h.to_status, h.comment)
        for h in db.session.scalars(
            select(HistoryEntry).where(HistoryEntry.item_id == item.id).order_by(HistoryEntry.id)
        )
    ]


def test_forward_routes_again_in_the_other_unit_and_says_why(org, outbox_tasks):
    idea = routed(factories.idea(org.anna, unit="VOO"))
    assert idea.assignee == org.boss
    triage.forward(idea, org.boss, "IT", "Det gäller IT-systemen.")
    assert idea.status == "forwarded" and idea.unit == org.it and idea.routed_at is None
    assert ("ideas.route_item", {"item_id": idea.id}) in outbox_tasks()
    routing.route_item(idea.id)  # as the worker does after the commit
    assert idea.assignee == org.it_boss
    told = db.session.scalars(select(Email.recipient).where(Email.event_key.like("assigned:%")))
    assert org.it_boss.email in set(told)  # the new side is told at once
    assert ("status", "forwarded", "IT-enheten: Det gäller IT-systemen.") in history(idea)
    # The new manager can act on it; the submitter saw why.
    items.transition(idea, org.it_boss, "acknowledged")


@pytest.mark.parametrize(
    ("unit", "comment", "field"),
    [
        ("", "Därför", "unit"),
        ("NOPE", "Därför", "unit"),
        ("VOO", "Därför", "unit"),
        ("IT", "", "comment"),
    ],
)
def test_a_bad_forward_changes_nothing(org, unit, comment, field):
    idea = routed(factories.idea(org.anna, unit="VOO"))
    with pytest.raises(DomainError) as err:
        triage.forward(idea, org.boss, unit, comment)
    assert err.value.field == field


def test_only_managers_of_the_item_forward_merge_or_delegate(org):
    idea = routed(factories.idea(org.anna, unit="VOO"))
    other = factories.idea(org.bo, unit="VOO", title="Annan")
    for user in (org.bo, org.it_boss, org.handler):
        for action in (
            lambda u: triage.forward(idea, u, "IT", "x"),
            lambda u: triage.merge(idea, u, other.id),
            lambda u: triage.delegate(idea, u, org.bo.email),
        ):
            with pytest.raises(NotAllowed):
                action(user)
    assert idea.status == "submitted" and idea.driver_id is None


def test_merge_moves_supports_followers_and_comments_and_tells_the_followers(org):
    original = routed(factories.idea(org.anna, unit="VOO", title="Nyckelskåp"))
    twin = routed(factories.idea(org.bo, unit="VOO", title="Kodlås för nycklar"))
    items.support(original, org.bo)
    items.support(twin, org.bo)  # counted once after the merge
    items.support(twin, org.director)
    items.add_comment(twin, org.director, "Bra tanke!")
    triage.merge(twin, org.boss, original.id)
    assert twin.status == "duplicate" and twin.merged_into == original
    assert original.support_count == 2 and twin.support_count == 0
    supporters = set(
        db.session.scalars(select(Support.user_id).where(Support.item_id == original.id))
    )
    assert supporters == {org.bo.id, org.director.id}
    followers = set(db.session.scalars(select(Follow.user_id).where(Follow.item_id == original.id)))
    assert {org.anna.id, org.bo.id} <= followers
    assert (
        db.session.scalar(select(Comment.item_id).where(Comment.body == "Bra tanke!"))
        == original.id
    )
    assert original.comment_count == 1
    assert ("merged", None, f"#{twin.id} Kodlås för nycklar") in history(original)
    told = db.session.scalars(select(Email.recipient).where(Email.event_key == f"merged:{twin.id}"))
    assert set(told) == {org.bo.email}  # the twin's follower: its author


@pytest.mark.parametrize("target", ["self", "missing", "duplicate"])
def test_merge_refuses_what_makes_no_sense(org, target):
    a = routed(factories.idea(org.anna))
    b = routed(factories.idea(org.bo, title="B"))
    c = routed(factories.idea(org.bo, title="C"))
    triage.merge(c, org.boss, b.id)
    into = {"self": a.id, "missing": 999_999, "duplicate": c.id}[target]
    with pytest.raises(DomainError) as err:
        triage.merge(a, org.boss, into)
    assert err.value.field == "into" and a.status == "submitted"


def test_delegate_gives_the_employee_the_mandate_for_that_item_only(org):
    idea = routed(factories.idea(org.anna, unit="VOO"))
    other = routed(factories.idea(org.anna, unit="VOO", title="Annan"))
    triage.delegate(idea, org.boss, org.bo.email)
    assert idea.driver == org.bo
    assert ("delegated", None, "Bo Berg") in history(idea)
    mail = db.session.scalar(select(Email).where(Email.event_key.like("delegated:%")))
    assert mail.recipient == org.bo.email and "Carl Chef" in mail.body_text
    followers = set(db.session.scalars(select(Follow.user_id).where(Follow.item_id == idea.id)))
    assert {org.bo.id, org.boss.id} <= followers  # the manager sees every change
    items.transition(idea, org.bo, "assessing")
    items.transition(idea, org.bo, "accepted", "Vi kör")
    with pytest.raises(NotAllowed):
        items.transition(other, org.bo, "assessing")  # only that item
    with pytest.raises(NotAllowed):
        triage.delegate(idea, org.bo, org.anna.email)  # the mandate is not passed on
    with pytest.raises(NotAllowed):
        triage.forward(idea, org.bo, "IT", "x")
    assert idea.assignee == org.boss  # the manager stays accountable


@pytest.mark.parametrize("email", ["", "nobody@example.se", "handlaggare@example.se"])
def test_delegate_to_someone_who_cannot_take_it_is_refused(org, email):
    idea = routed(factories.idea(org.anna))
    with pytest.raises(DomainError) as err:
        triage.delegate(idea, org.boss, email)
    assert err.value.field == "email" and idea.driver_id is None


def test_hand_to_a_colleague(org):
    idea = routed(factories.idea(org.anna))
    triage.assign(idea, org.boss, org.it_boss.email)
    assert idea.assignee == org.it_boss
    assert db.session.scalar(
        select(Email.recipient).where(
            Email.event_key.like("assigned:%"), Email.recipient == org.it_boss.email
        )
    )
    with pytest.raises(DomainError):
        triage.assign(idea, org.it_boss, org.bo.email)  # an employee is not a manager


def test_implemented_needs_outcome_and_lessons_and_evaluated_the_effect(org):
    idea = routed(factories.idea(org.anna))
    items.transition(idea, org.boss, "accepted", "Ja")
    with pytest.raises(DomainError) as err:
        items.transition(idea, org.boss, "implemented", learning=items.Learning(outcome="Gjort"))
    assert err.value.field == "lessons" and idea.status == "accepted"
    with pytest.raises(DomainError) as err:
        items.transition(
            idea,
            org.boss,
            "implemented",
            learning=items.Learning(outcome="a", lessons="b", hours_saved="många"),
        )
    assert err.value.field == "hours_saved"
    items.transition(
        idea,
        org.boss,
        "implemented",
        learning=items.Learning(outcome="a", lessons="b", hours_saved="120,5", money_saved=30000),
    )
    assert (idea.outcome, idea.lessons, idea.hours_saved, idea.money_saved) == (
        "a",
        "b",
        Decimal("120.50"),
        Decimal("30000.00"),
    )
    with pytest.raises(DomainError) as err:
        items.transition(idea, org.boss, "evaluated")
    assert err.value.field == "effect"
    items.transition(idea, org.boss, "evaluated", learning=items.Learning(effect="Färre larm."))
    assert idea.effect == "Färre larm."


def test_adopt_creates_a_linked_idea_and_the_original_shows_where_it_spread(org):
    idea = routed(factories.idea(org.anna, unit="VOO"))
    with pytest.raises(DomainError) as err:
        items.adopt(idea, org.it_boss, "IT")  # not implemented yet
    assert err.value.field == "status"
    items.transition(idea, org.boss, "accepted", "Ja")
    items.transition(idea, org.boss, "implemented", learning=LEARNED)
    copy = items.adopt(idea, org.it_boss, "IT")
    assert copy.adopted_from == idea and copy.unit == org.it and copy.status == "submitted"
    assert copy.title == idea.title and [v.name for v in copy.values] == [
        v.name for v in idea.values
    ]
    assert [c.id for c in items.spread_of(idea)] == [copy.id]
    assert ("spread", None, "IT-enheten") in history(idea)
    for unit in ("IT", "VOO", "NOPE", ""):
        with pytest.raises(DomainError) as err:
            items.adopt(idea, org.bo, unit)
        assert err.value.field == "unit"


def test_the_inbox_has_what_waits_nearest_deadline_first(org, app):
    clock.freeze(datetime(2026, 3, 2, 9, tzinfo=UTC))
    old = routed(factories.idea(org.anna, unit="VOO", title="Gammal"))
    clock.advance(timedelta(days=13))
    new = routed(factories.idea(org.anna, unit="VOO", title="Ny"))
    concern = items.submit_concern(
        org.bo, title="Risk", description="x", unit="VOO", values=["Vi vill"]
    )
    routed(concern)
    elsewhere = routed(factories.idea(org.anna, unit="IT", title="IT"))
    clock.advance(timedelta(days=2))  # "Gammal" is now overdue
    rows = db.session.scalars(triage.inbox_query(org.boss, triage.InboxFilters())).unique().all()
    assert [i.title for i in rows] == ["Gammal", "Ny", "Risk"]
    assert elsewhere not in rows
    counts = triage.inbox_counts(org.boss, triage.InboxFilters())
    assert counts == {"total": 3, "overdue": 1, "due_soon": 0, "ideas": 2, "concerns": 1}
    only = triage.InboxFilters(kind="concern")
    assert db.session.scalars(triage.inbox_query(org.boss, only)).unique().all() == [concern]
    # The director sees their whole tree; a deputy sees an absent manager's items.
    director = (
        db.session.scalars(triage.inbox_query(org.director, triage.InboxFilters())).unique().all()
    )
    assert set(director) == {old, new, concern, elsewhere}
    org.boss.absent, org.boss.deputy = True, org.bo
    db.session.flush()
    stand_in = db.session.scalars(triage.inbox_query(org.bo, triage.InboxFilters())).unique().all()
    assert set(stand_in) == {old, new, concern}
    del app


def test_bulk_is_all_or_nothing(org):
    a = routed(factories.idea(org.anna, title="A"))
    b = routed(factories.idea(org.anna, title="B"))
    assert triage.bulk([a, b], org.boss, "acknowledge") == 2
    assert a.status == b.status == "acknowledged"
    c = routed(factories.idea(org.anna, unit="IT", title="C"))  # not the boss's
    with pytest.raises(NotAllowed):
        triage.bulk([a, c], org.boss, "assess")
    with pytest.raises(DomainError) as err:
        triage.bulk([a, b], org.boss, "forward", unit="IT")  # no comment
    assert err.value.field == "comment"
    with pytest.raises(DomainError):
        triage.bulk([a], org.boss, "explode")
