"""``items.next_due``, the column the inbox sorts and counts on, is the deadline the
item's page shows (``Item.next_deadline``) after every kind of change."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from ideas import clock
from ideas.extensions import db
from ideas.models import Item
from ideas.services import items, routing, triage
from tests import factories

LEARNED = items.Learning(outcome="Skåpen sitter uppe.", lessons="Fråga brukarna först.")


def stored_next_due(item: Item):
    db.session.flush()
    return db.session.scalar(select(Item.next_due).where(Item.id == item.id))


def test_next_due_follows_every_change(org):
    clock.freeze(datetime(2026, 3, 2, 9, tzinfo=UTC))
    idea = factories.idea(org.anna, unit="VOO")
    seen = [stored_next_due(idea)]
    assert seen[0] == idea.next_deadline == idea.first_answer_due  # submitted
    routing.route_item(idea.id)
    steps = [
        lambda: items.transition(idea, org.boss, "acknowledged", "Tack!"),  # answered
        lambda: items.transition(idea, org.boss, "assessing"),
        lambda: items.transition(idea, org.boss, "accepted", "Vi gör det."),  # decided
        lambda: items.transition(idea, org.boss, "implemented", learning=LEARNED),
        lambda: items.transition(
            idea, org.boss, "evaluated", learning=items.Learning(effect="Bra")
        ),
    ]
    for step in steps:
        clock.advance(timedelta(days=1))
        step()
        seen.append(stored_next_due(idea))
        assert seen[-1] == idea.next_deadline
    assert seen[-1] is None  # every promise kept: nothing left to sort by
    assert len(set(seen)) > 2  # the deadline moved on as promises were kept


def test_next_due_follows_forward_merge_and_concerns(org, outbox_tasks):
    clock.freeze(datetime(2026, 3, 2, 9, tzinfo=UTC))
    idea = factories.idea(org.anna, unit="VOO")
    routing.route_item(idea.id)
    triage.forward(idea, org.boss, "IT", "Det gäller IT.")
    assert stored_next_due(idea) == idea.next_deadline
    original = factories.idea(org.anna, unit="VOO", title="Original")
    duplicate = factories.idea(org.bo, unit="VOO", title="Samma")
    routing.route_item(original.id)
    routing.route_item(duplicate.id)
    triage.merge(duplicate, org.boss, original.id)
    assert stored_next_due(duplicate) == duplicate.next_deadline
    concern = items.submit_concern(
        org.bo, title="Risk", description="x", unit="VOO", values=["Vi vill"]
    )
    routing.route_item(concern.id)
    assert stored_next_due(concern) == concern.next_deadline is not None
    del outbox_tasks
