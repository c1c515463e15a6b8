"""The transactional outbox: tasks written with the change that needs them.

``enqueue`` adds a row to the current transaction. Right after that transaction
commits, the rows are handed to the broker (``relay``); if the broker is down or
the process dies first, ``sweep`` (run by beat every minute) hands them on later.
A task marks its row processed in the same transaction as its work, so a row is
re-sent until some worker has done it, and tasks are idempotent, so a second
delivery changes nothing. Under load a task may take on the rows of its kind still
waiting (``claim``): their own deliveries then find them processed.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app, has_app_context
from sqlalchemy import event, or_, select, update
from sqlalchemy.orm import Session

from ideas import clock
from ideas.extensions import db
from ideas.models import OutboxMessage

log = logging.getLogger(__name__)
_PENDING = "ideas.outbox.pending"
PUBLISH_RETRY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}


def enqueue(task: str, **args: int | str) -> OutboxMessage:
    """Queue ``task`` to run after the current transaction commits. Ids only."""
    message = OutboxMessage(task=task, args=dict(args), created_at=clock.now())
    db.session.add(message)
    return message


def mark_processed(*outbox_ids: int | None) -> None:
    """Called by a task, inside the transaction of its work."""
    ids = [i for i in outbox_ids if i is not None]
    if not ids:
        return
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), OutboxMessage.processed_at.is_(None))
        .values(processed_at=clock.now())
        .execution_options(synchronize_session=False)
    )


def touch(outbox_id: int) -> None:
    """A long task's sign of life: its row counts as relayed now, so the sweep leaves
    it alone for another OUTBOX_SWEEP_AFTER_SECONDS."""
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == outbox_id)
        .values(relayed_at=clock.now())
        .execution_options(synchronize_session=False)
    )


def claim(outbox_id: int, *, task: str, more: int = 0) -> list[tuple[int, dict, int]]:
    """Count an attempt on the row ``outbox_id`` and return ``(id, args, attempts)`` of it,
    unless some worker has processed it already; one statement.

    On PostgreSQL, also take up to ``more`` other rows of the same ``task`` that no
    worker has started yet (attempts 0; ``SKIP LOCKED``, so two workers never wait for
    or take the same row), so one task can do the work of several waiting behind it.
    Their own tasks then find them done, or wait for them to be (the work locks).
    The caller commits the claim before the work: an attempt that kills the worker still
    counts, and a row nobody processes is relayed again by the sweep.
    """
    mine = OutboxMessage.id == outbox_id
    if more > 0 and db.session.get_bind().dialect.name == "postgresql":
        waiting = (
            select(OutboxMessage.id)
            .where(
                OutboxMessage.processed_at.is_(None),
                OutboxMessage.task == task,
                OutboxMessage.attempts == 0,
                OutboxMessage.id != outbox_id,
            )
            .order_by(OutboxMessage.id)
            .limit(more)
            .with_for_update(skip_locked=True)
        )
        mine = or_(mine, OutboxMessage.id.in_(waiting.scalar_subquery()))
    rows = db.session.execute(
        update(OutboxMessage)
        .where(mine, OutboxMessage.processed_at.is_(None))
        .values(attempts=OutboxMessage.attempts + 1)
        .returning(OutboxMessage.id, OutboxMessage.args, OutboxMessage.attempts)
        .execution_options(synchronize_session=False)
    ).all()
    return sorted((row.id, dict(row.args), row.attempts) for row in rows)


def publish(messages: list[tuple[int, str, dict]]) -> int:
    """Hand ``(id, task, args)`` triples to the broker; returns how many went.

    A broker that cannot be reached is logged, not raised: the rows stay pending
    and the sweep tries again.
    """
    celery = current_app.extensions["celery"]
    sent = 0
    for outbox_id, task, args in messages:
        try:
            # One quick reconnect (a broker that restarted leaves a dead pooled
            # connection), then give up: the sweep will try again.
            celery.send_task(
                task,
                kwargs={**args, "outbox_id": outbox_id},
                retry=True,
                retry_policy=PUBLISH_RETRY,
            )
        except Exception as exc:  # kombu raises many kinds; all mean "not now"
            log.warning("broker unavailable, %s left for the sweep: %s", task, exc)
            break
        sent += 1
    return sent


def claim_stale(limit: int = 500) -> list[tuple[int, str, dict]]:
    """Mark what has waited too long for a worker as relayed now, and return it to be
    handed on once this transaction commits (``publish``).

    Publishing only after the commit matters on SQLite: a worker may finish the task
    at once, and a transaction that read before that commit could no longer write."""
    wait = timedelta(seconds=current_app.config["OUTBOX_SWEEP_AFTER_SECONDS"])
    cutoff = clock.now() - wait
    rows = db.session.scalars(
        select(OutboxMessage)
        .where(
            OutboxMessage.processed_at.is_(None),
            OutboxMessage.created_at <= cutoff,
            or_(OutboxMessage.relayed_at.is_(None), OutboxMessage.relayed_at <= cutoff),
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
    ).all()
    now = clock.now()
    for row in rows:
        row.relayed_at = now
        row.attempts += 1
    return [(r.id, r.task, dict(r.args)) for r in rows]


@event.listens_for(Session, "after_flush")
def _collect(session, flush_context):
    # Kept as plain values: after the commit the objects are expired, and reading
    # them would start a new transaction.
    for obj in session.new:
        if isinstance(obj, OutboxMessage):
            session.info.setdefault(_PENDING, []).append((obj.id, obj.task, dict(obj.args)))


@event.listens_for(Session, "after_commit")
def _relay(session):
    # Releasing a savepoint (begin_nested) also fires after_commit: the tasks must
    # wait for the real commit of the outer transaction.
    if session.in_nested_transaction():
        return
    pending = session.info.pop(_PENDING, None)
    if not pending or not has_app_context() or not current_app.config["OUTBOX_RELAY"]:
        return
    publish(pending)


@event.listens_for(Session, "after_rollback")
def _forget(session):
    # A savepoint rolled back keeps the outer transaction's tasks. Its own tasks
    # may then be relayed for rows that never existed: tasks find nothing and stop.
    if not session.in_nested_transaction():
        session.info.pop(_PENDING, None)
