"""The worker's events are notifications too, committed with the work that made them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from ideas import clock
from ideas.extensions import db
from ideas.models import DeadlineNotice, Item, Notification
from tests import factories
from tests.worker.conftest import wait_for

pytestmark = pytest.mark.commits


def told(user_id: int) -> list[tuple[str, int]]:
    return [
        (n.event, n.item_id)
        for n in db.session.scalars(
            select(Notification).where(Notification.user_id == user_id).order_by(Notification.id)
        )
    ]


def test_routing_and_deadlines_in_the_worker_notify_with_their_own_commit(app, worker, smtp):
    clock.freeze(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    org = factories.organisation()
    idea = factories.idea(org.anna)
    db.session.commit()
    idea_id, boss_id = idea.id, org.boss.id
    assert told(boss_id) == []  # not routed yet: nothing to tell

    wait_for(lambda: db.session.get(Item, idea_id).assignee_id == boss_id)
    assert told(boss_id) == [("assigned", idea_id)]  # in the routing's own commit

    clock.advance(timedelta(days=11, hours=1))  # three days before the first answer
    app.extensions["celery"].send_task("ideas.check_deadlines")

    def reminded():
        """the deadline notice is committed"""
        return db.session.scalar(select(DeadlineNotice.id).where(DeadlineNotice.item_id == idea_id))

    wait_for(reminded)
    assert told(boss_id) == [("assigned", idea_id), ("deadline_near", idea_id)]
