"""Under load a task takes up the waiting tasks of its kind (PostgreSQL), and still
every item is routed once and every e-mail sent once."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select, text

from ideas import clock
from ideas.extensions import db
from ideas.models import DigestDelivery, Email, HistoryEntry, Item, OutboxMessage, User
from ideas.services import digest, items, outbox
from tests import factories
from worker import tasks

pytestmark = pytest.mark.commits


def postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"


def pending(task: str) -> list[tuple[int, dict]]:
    db.session.rollback()
    return [
        (row.id, row.args)
        for row in db.session.execute(
            select(OutboxMessage.id, OutboxMessage.args)
            .where(OutboxMessage.task == task, OutboxMessage.processed_at.is_(None))
            .order_by(OutboxMessage.id)
        )
    ]


def assignments(item_id: int) -> int:
    return db.session.scalar(
        select(func.count(HistoryEntry.id)).where(
            HistoryEntry.item_id == item_id, HistoryEntry.action == "assigned"
        )
    )


def three_ideas() -> list[int]:
    org = factories.organisation()
    ideas = [factories.idea(org.anna, title=f"Idé {n}") for n in range(3)]
    db.session.commit()
    return [idea.id for idea in ideas]


def test_a_route_task_routes_the_ideas_waiting_behind_it(app, smtp):
    ids = three_ideas()
    (first, args), *_rest = pending("ideas.route_item")
    tasks.route_item.run(args["item_id"], first)
    db.session.remove()
    routed = [db.session.get(Item, i).routed_at is not None for i in ids]
    # SQLite has no row locks to share the work safely: one task, one item.
    assert routed == ([True, True, True] if postgresql() else [True, False, False])
    for row_id, args in pending("ideas.route_item"):  # the tasks of the others come too
        tasks.route_item.run(args["item_id"], row_id)
        db.session.remove()
    assert pending("ideas.route_item") == []
    assert [assignments(i) for i in ids] == [1, 1, 1]
    assert db.session.scalar(select(func.count(Email.id))) == 3


def test_an_item_another_worker_holds_is_left_to_it(app):
    if not postgresql():
        pytest.skip("row locks are PostgreSQL's")
    ids = three_ideas()
    rows = pending("ideas.route_item")
    with db.engine.connect() as other:  # another worker, half-way through routing ids[1]
        other.execute(text("SELECT id FROM items WHERE id = :id FOR UPDATE"), {"id": ids[1]})
        tasks.route_item.run(rows[0][1]["item_id"], rows[0][0])
        db.session.remove()
        assert [row_id for row_id, _args in pending("ideas.route_item")] == [rows[1][0]]
        with pytest.raises(tasks.Busy):  # its own task: held, so it looks again later
            tasks.route_item.run(rows[1][1]["item_id"], rows[1][0])
        db.session.remove()
        other.rollback()  # that worker died: nothing of its work stays
    tasks.route_item.run(rows[1][1]["item_id"], rows[1][0])  # the retry
    db.session.remove()
    assert pending("ideas.route_item") == []
    assert [assignments(i) for i in ids] == [1, 1, 1]


def test_a_send_task_sends_the_emails_waiting_behind_it_once(app, smtp):
    three_ideas()
    for row_id, args in pending("ideas.route_item"):
        tasks.route_item.run(args["item_id"], row_id)
        db.session.remove()
    sends = pending("ideas.send_email")
    assert len(sends) == 3
    tasks.send_email.run(sends[0][1]["email_id"], sends[0][0])
    db.session.remove()
    assert len(smtp.messages) == (3 if postgresql() else 1)
    for row_id, args in sends:  # every task comes, some of them late or twice
        tasks.send_email.run(args["email_id"], row_id)
        db.session.remove()
    assert pending("ideas.send_email") == []
    assert len(smtp.messages) == 3
    assert db.session.scalar(select(func.count(Email.id)).where(Email.status == "sent")) == 3


def test_a_task_that_failed_too_often_is_given_up(app):
    (item_id,) = three_ideas()[:1]
    row_id, args = pending("ideas.route_item")[0]
    db.session.execute(
        text("UPDATE outbox SET attempts = :n WHERE id = :id"),
        {"n": tasks.MAX_ATTEMPTS, "id": row_id},
    )
    db.session.commit()
    tasks.route_item.run(args["item_id"], row_id)
    db.session.remove()
    assert row_id not in [r for r, _a in pending("ideas.route_item")]
    assert assignments(item_id) == 0


MONDAY = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)  # 07:00 in Stockholm: daily and weekly


def everyone_has_news():
    """An organisation whose every member's digest has something on Monday: an idea
    implemented the day before. Returns it and its active members."""
    org = factories.organisation()
    clock.freeze(MONDAY - timedelta(days=1))
    done = factories.idea(org.it_boss, unit="IT", title="Digital signering")
    items.transition(done, org.director, "accepted", "Bra")
    learning = items.Learning(outcome="Gjort", lessons="Lärt")
    items.transition(done, org.director, "implemented", learning=learning)
    return org, db.session.scalars(select(User).where(User.active.is_(True))).all()


def test_a_digest_run_is_shared_out_in_parts_each_digest_sent_once(app, smtp, monkeypatch):
    org, people = everyone_has_news()
    for n, user in enumerate(people):
        user.digest_frequency = "daily" if n % 3 == 0 else "weekly"
    expected = sorted(user.email for user in people)
    share = Counter((user.digest_frequency, user.id % 3) for user in people)
    db.session.commit()
    assert len(expected) >= 6, org
    clock.freeze(MONDAY)
    monkeypatch.setitem(app.config, "DIGEST_PARTS", 3)
    monkeypatch.setitem(app.config, "DIGEST_BATCH_SIZE", 1)  # every part has batches
    sent_here = tasks.run_digests.run()
    db.session.remove()
    parts = pending(tasks.DIGEST_PART_TASK)
    if postgresql():
        assert sent_here == 0
        assert sorted((args["frequency"], args["part"], args["parts"]) for _id, args in parts) == [
            (frequency, part, 3) for frequency in ("daily", "weekly") for part in range(3)
        ]
        # Every part comes, and two of them twice (a sweep's re-send, a broker's redelivery).
        sent = []
        for row_id, args in parts + parts[:2]:
            sent.append(tasks.run_digest_part.run(**args, outbox_id=row_id))
            db.session.remove()
        # Each part sent its own share; the second time round, nothing.
        assert sent == [share[a["frequency"], a["part"]] for _id, a in parts] + [0, 0]
        assert pending(tasks.DIGEST_PART_TASK) == []
    else:  # one writer at a time: the whole run, here
        assert parts == [] and sent_here == len(expected)
    received = sorted(to for message in smtp.messages for to in [message["To"]])
    assert received == expected


def test_a_running_part_is_not_handed_to_a_second_worker(app):
    clock.freeze(MONDAY)
    row = outbox.enqueue(tasks.DIGEST_PART_TASK, frequency="weekly", at=MONDAY.isoformat())
    db.session.commit()
    clock.freeze(MONDAY + timedelta(seconds=app.config["OUTBOX_SWEEP_AFTER_SECONDS"] + 1))
    outbox.touch(row.id)  # a batch done a moment ago
    db.session.commit()
    assert outbox.claim_stale() == []
    clock.freeze(MONDAY + timedelta(seconds=2 * app.config["OUTBOX_SWEEP_AFTER_SECONDS"] + 2))
    assert [task for _id, task, _args in outbox.claim_stale()] == [tasks.DIGEST_PART_TASK]
    db.session.rollback()


def test_the_marks_connection_goes_back_to_the_pool_as_it_came(app, smtp):
    if not postgresql():
        pytest.skip("SQLite commits marks through the session: no connection of their own to check")
    three_ideas()
    for row_id, args in pending("ideas.route_item"):
        tasks.route_item.run(args["item_id"], row_id)
        db.session.remove()
    sends = pending("ideas.send_email")
    tasks.send_email.run(sends[0][1]["email_id"], sends[0][0])
    db.session.remove()
    assert db.session.scalar(select(func.count(Email.id)).where(Email.status == "sent")) == 3
    db.session.remove()
    # Every pooled connection, the marks' one among them, waits for its commits again.
    connections = [db.engine.connect() for _ in range(db.engine.pool.checkedin() + 1)]
    try:
        settings = {c.exec_driver_sql("SHOW synchronous_commit").scalar() for c in connections}
    finally:
        for connection in connections:
            connection.close()
    assert settings == {"on"}


def test_a_batch_another_run_recorded_first_is_left_to_it(app, smtp, monkeypatch):
    if not postgresql():
        pytest.skip("SQLite's writers take turns: a run's read and its write cannot be split")
    org, people = everyone_has_news()
    for user in people:
        user.digest_frequency = "weekly"
    first = min(user.id for user in people)
    others = sorted(user.email for user in people if user.id != first)
    db.session.commit()
    clock.freeze(MONDAY)
    compose = digest.compose

    def another_run_records_the_first_reader(users, facts):
        with db.engine.begin() as other:  # between this run's read of its readers and its write
            other.execute(
                insert(DigestDelivery).values(
                    user_id=first, frequency="weekly", period="weekly:2026-W49", created_at=MONDAY
                )
            )
        monkeypatch.setattr(digest, "compose", compose)
        return compose(users, facts)

    monkeypatch.setattr(digest, "compose", another_run_records_the_first_reader)
    assert digest.run("weekly") == 0  # its one batch was the other run's: nothing written
    db.session.remove()
    assert smtp.messages == [] and db.session.scalar(select(func.count(Email.id))) == 0, org
    assert digest.run("weekly") == len(others)  # the next run sends the rest, once each
    assert sorted(message["To"] for message in smtp.messages) == others
