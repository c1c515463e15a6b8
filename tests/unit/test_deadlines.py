"""Deadlines: set, kept, reminded and escalated once; time comes from the moved clock."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from ideas import clock
from ideas.extensions import db
from ideas.models import Email, HistoryEntry
from ideas.services import deadlines, items, routing
from tests import factories

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def emails_to(user):
    return list(db.session.scalars(select(Email).where(Email.recipient == user.email)))


def routed_idea(org):
    clock.freeze(T0)
    idea = factories.idea(org.anna)
    routing.route_item(idea.id)
    return idea


def test_a_new_idea_gets_its_deadlines(org):
    idea = routed_idea(org)
    assert idea.first_answer_due == T0 + timedelta(days=14)
    assert idea.decision_due == T0 + timedelta(days=60)
    assert idea.evaluation_due is None


def test_deadlines_follow_the_configuration(app, org, monkeypatch):
    monkeypatch.setitem(app.config, "DEADLINE_FIRST_ANSWER_DAYS", 7)
    idea = routed_idea(org)
    assert idea.first_answer_due == T0 + timedelta(days=7)


def test_status_changes_keep_the_promises(org):
    idea = routed_idea(org)
    clock.advance(timedelta(days=3))
    items.transition(idea, org.boss, "acknowledged")
    assert idea.answered_at == T0 + timedelta(days=3) and idea.decided_at is None
    items.transition(idea, org.boss, "accepted", "Ja")
    assert idea.decided_at == T0 + timedelta(days=3)
    clock.advance(timedelta(days=30))
    items.transition(
        idea, org.boss, "implemented", learning=items.Learning(outcome="Gjort", lessons="Lärt")
    )
    assert idea.evaluation_due == T0 + timedelta(days=33 + 182)
    assert idea.open_deadlines() == [("evaluation", idea.evaluation_due)]


def test_reminder_before_the_first_answer_deadline_once(org):
    idea = routed_idea(org)
    clock.advance(timedelta(days=10))
    assert deadlines.check() == (0, 0)
    clock.advance(timedelta(days=1, hours=1))  # 3 days before the deadline
    assert deadlines.check() == (1, 0)
    assert deadlines.check() == (0, 0)
    reminders = [e for e in emails_to(org.boss) if e.event_key.startswith("reminder:")]
    assert len(reminders) == 1
    assert reminders[0].subject == f"Tidsgräns nära: {idea.title}"
    assert "första svar" in reminders[0].body_text


def test_escalation_after_the_deadline_once_and_in_the_history(org):
    idea = routed_idea(org)
    clock.advance(timedelta(days=15))
    assert deadlines.check() == (0, 1)  # the reminder window was missed: escalate only
    assert deadlines.check() == (0, 0)
    escalations = [e for e in emails_to(org.director) if e.event_key.startswith("escalation:")]
    assert len(escalations) == 1 and escalations[0].subject == f"Försenat: {idea.title}"
    entries = db.session.scalars(
        select(HistoryEntry).where(
            HistoryEntry.item_id == idea.id, HistoryEntry.action == "escalated"
        )
    ).all()
    assert len(entries) == 1
    assert idea.overdue


def test_an_answered_idea_gets_no_first_answer_reminder(org):
    idea = routed_idea(org)
    items.transition(idea, org.boss, "acknowledged")
    clock.advance(timedelta(days=12))
    assert deadlines.check() == (0, 0)


def test_overdue_items_are_marked_in_lists(client, auth, org):
    idea = routed_idea(org)
    auth.login(org.anna.email)
    assert "Försenat" not in client.get("/ideas").get_data(as_text=True)
    clock.advance(timedelta(days=15))
    page = client.get("/ideas").get_data(as_text=True)
    assert "Försenat" in page
    assert "(försenat)" in client.get(f"/ideas/{idea.id}").get_data(as_text=True)
