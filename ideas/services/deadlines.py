"""Deadlines: the promise of an answer, kept by reminders and escalation."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload

from ideas import clock
from ideas.extensions import db
from ideas.models import DeadlineNotice, Event, HistoryEntry, Item, Kind, Status
from ideas.services import notifications, org_settings
from ideas.services.routing import next_manager_above

DECISIONS = {Status.ACCEPTED, Status.DECLINED, Status.FORWARDED, Status.DUPLICATE}
DEADLINE_LABELS = {
    "first_answer": _l("first answer"),
    "decision": _l("decision"),
    "evaluation": _l("evaluation"),
}


def _days(name: str) -> timedelta:
    # The admin's setting where there is one (/admin/deadlines), else the IDEAS_* default.
    return timedelta(days=org_settings.deadline_days(name))


def start(item: Item) -> None:
    """Set the first-answer and decision deadlines of a new item."""
    days = org_settings.all_deadline_days()  # one query for both
    item.first_answer_due = item.created_at + timedelta(days=days["DEADLINE_FIRST_ANSWER_DAYS"])
    item.decision_due = item.created_at + timedelta(days=days["DEADLINE_DECISION_DAYS"])


def on_transition(item: Item, old: Status, new: Status, at: datetime) -> None:
    """Record which promises a status change keeps, and start the evaluation clock."""
    if old == Status.SUBMITTED and item.answered_at is None:
        item.answered_at = at
    if new in DECISIONS and item.decided_at is None:
        item.decided_at = at
        item.answered_at = item.answered_at or at
    if new == Status.IMPLEMENTED:
        item.implemented_at = at
        item.evaluation_due = at + _days("DEADLINE_EVALUATION_DAYS")
    if new == Status.EVALUATED:
        item.evaluated_at = at


def check(now: datetime | None = None) -> tuple[int, int]:
    """Remind assignees of deadlines a few days ahead; escalate passed ones to the next
    manager up, once per deadline, in the history. Each is a notification, written with
    its notice (``notifications.notify``). Returns (reminders, escalations)."""
    now = now or clock.now()
    ahead = now + _days("REMINDER_DAYS_BEFORE")
    items = (
        db.session.scalars(
            select(Item)
            .where(
                Item.kind != Kind.REPORT.value,
                or_(
                    and_(Item.answered_at.is_(None), Item.first_answer_due <= ahead),
                    and_(Item.decided_at.is_(None), Item.decision_due <= ahead),
                    and_(Item.evaluated_at.is_(None), Item.evaluation_due <= ahead),
                ),
            )
            .options(
                joinedload(Item.assignee), joinedload(Item.unit), joinedload(Item.handling_unit)
            )
            .order_by(Item.id)
        )
        .unique()
        .all()
    )
    if not items:
        return 0, 0
    done = {
        (n.item_id, n.deadline, n.action, n.due_at)
        for n in db.session.scalars(
            select(DeadlineNotice).where(DeadlineNotice.item_id.in_([i.id for i in items]))
        )
    }
    reminders = escalations = 0
    for item in items:
        for deadline, due in item.open_deadlines():
            if due > ahead:
                continue
            action = "escalation" if due <= now else "reminder"
            if (item.id, deadline, action, due) in done:
                continue
            db.session.add(
                DeadlineNotice(
                    item_id=item.id, deadline=deadline, action=action, due_at=due, created_at=now
                )
            )
            label = DEADLINE_LABELS[deadline]
            if action == "reminder":
                notifications.notify(
                    Event.DEADLINE_NEAR,
                    item,
                    [item.assignee],
                    key=f"reminder:{item.id}:{deadline}:{due:%Y%m%d}",
                    detail=deadline,
                    template="reminder",
                    due=due,
                    deadline=label,
                    subject=lambda item=item: _l("Deadline near: %(title)s", title=item.title),
                )
                reminders += 1
            else:
                target = next_manager_above(item)
                db.session.add(
                    HistoryEntry(
                        item=item,
                        actor=None,
                        action="escalated",
                        created_at=now,
                        comment=f"{deadline}:{target.name if target else ''}",
                    )
                )
                notifications.notify(
                    Event.ESCALATED,
                    item,
                    [target],
                    key=f"escalation:{item.id}:{deadline}:{due:%Y%m%d}",
                    detail=deadline,
                    template="escalation",
                    due=due,
                    deadline=label,
                    subject=lambda item=item: _l("Overdue: %(title)s", title=item.title),
                )
                escalations += 1
    db.session.flush()
    return reminders, escalations
