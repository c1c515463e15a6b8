"""Task wrappers: they take ids, call a service, commit. No logic lives here."""

from __future__ import annotations

import logging
import smtplib
from collections import defaultdict
from datetime import datetime

from celery import shared_task
from flask import current_app
from sqlalchemy.exc import OperationalError

from ideas import clock
from ideas.extensions import db
from ideas.services import (
    deadlines,
    digest,
    idempotency,
    item_files,
    mail,
    outbox,
    password_reset,
    people_import,
    reports,
    routing,
)
from ideas.tasks import MAX_RETRY_DELAY

log = logging.getLogger(__name__)
TRANSIENT = (OperationalError, smtplib.SMTPException, OSError, mail.DeliveryFailed)
RETRY = {
    "autoretry_for": TRANSIENT,
    "retry_backoff": True,
    "retry_backoff_max": MAX_RETRY_DELAY,
    "retry_jitter": True,
    "max_retries": 8,
}
MAX_ATTEMPTS = 20


# How many waiting tasks of its kind one task takes on (PostgreSQL only): enough that a
# burst costs a few transactions, few enough that a batch holds its locks briefly.
ROUTE_BATCH = 50
EMAIL_BATCH = 50


class Busy(Exception):
    """Another worker holds the item (it is routing it in a batch): look again shortly."""


def _start(outbox_id: int, task: str, more: int = 0) -> list[tuple[int | None, dict]]:
    """Count this attempt (and take up to ``more`` waiting tasks of the same kind, see
    ``outbox.claim``); returns the ``(outbox id, args)`` to work on, committed. Refuses a
    task that has failed too often (a poison message that kills its worker would
    otherwise come back for ever)."""
    rows: list[tuple[int | None, dict]] = []
    for row_id, args, attempts in outbox.claim(outbox_id, task=task, more=more):
        if attempts > MAX_ATTEMPTS:
            log.error("outbox %s (%s) gave up after %d attempts", row_id, task, attempts)
            outbox.mark_processed(row_id)
        else:
            rows.append((row_id, args))
    db.session.commit()
    return rows


@shared_task(name="ideas.route_item", **{**RETRY, "autoretry_for": (*TRANSIENT, Busy)})
def route_item(item_id: int, outbox_id: int | None = None) -> None:
    if outbox_id is None:  # sent by hand, not through the outbox
        rows: list[tuple[int | None, dict]] = [(None, {"item_id": item_id})]
    else:
        rows = _start(outbox_id, routing.ROUTE_TASK, more=ROUTE_BATCH)
    if not rows:
        return
    by_item: dict[int, list[int | None]] = defaultdict(list)
    for row_id, args in rows:
        by_item[args["item_id"]].append(row_id)
    settled = routing.route_items(by_item)
    outbox.mark_processed(*(row_id for i in settled for row_id in by_item[i]))
    db.session.commit()
    mine = outbox_id is None or any(row_id == outbox_id for row_id, _args in rows)
    if mine and item_id not in settled:
        # Left pending: the holder marks it processed, or this retry routes it.
        raise Busy(f"item {item_id}")


@shared_task(name="ideas.send_email", **RETRY)
def send_email(email_id: int, outbox_id: int | None = None) -> None:
    if outbox_id is None:
        rows: list[tuple[int | None, dict]] = [(None, {"email_id": email_id})]
    else:
        rows = _start(outbox_id, mail.SEND_TASK, more=EMAIL_BATCH)
    if not rows:
        return
    mail.deliver([args["email_id"] for _row_id, args in rows])  # one SMTP connection
    outbox.mark_processed(*(row_id for row_id, _args in rows))
    db.session.commit()


@shared_task(name="ideas.sweep_outbox")
def sweep_outbox() -> int:
    """Hand on what the broker never got, and send e-mail left unsent."""
    stale = outbox.claim_stale()
    db.session.commit()
    # A message the broker refuses now waits for the sweep after next: it was marked
    # relayed, and is re-sent once it has waited OUTBOX_SWEEP_AFTER_SECONDS again.
    sent = outbox.publish(stale)
    from datetime import timedelta

    left = mail.pending_email_ids(
        older_than=timedelta(seconds=current_app.config["OUTBOX_SWEEP_AFTER_SECONDS"] * 5)
    )
    if left:
        try:
            mail.deliver(left)
        except mail.DeliveryFailed:
            log.warning("SMTP still failing; %d e-mail(s) wait for the next sweep", len(left))
    return sent


@shared_task(name="ideas.check_deadlines", **RETRY)
def check_deadlines() -> None:
    """Hourly: deadlines, and what expires (follow-up sessions, idempotency keys,
    forgotten-password links, HR files uploaded and never imported, files on disk that
    no idea, concern or comment names)."""
    deadlines.check()
    reports.check_deadlines()
    reports.purge_expired_followups()
    idempotency.forget_expired()
    password_reset.forget_expired()
    people_import.forget_stale()
    db.session.commit()
    item_files.sweep_orphans()


@shared_task(name="ideas.purge_reports", **RETRY)
def purge_reports() -> list[str]:
    """Delete the personal data of closed cases whose retention time has run out."""
    done = reports.purge_personal_data()
    db.session.commit()
    return done


DIGEST_PART_TASK = "ideas.run_digest_part"


@shared_task(name="ideas.run_digests", **RETRY)
def run_digests(frequency: str | None = None) -> int:
    """Beat's morning run: the digests due today (or those of ``frequency``, now). On
    PostgreSQL in DIGEST_PARTS parts, a task each, which the workers' processes run
    side by side; on SQLite (one writer at a time) here, whole. Returns how many
    digests were sent here."""
    now = clock.now()
    if frequency is not None:
        digest.period_of(frequency, now)  # an unknown one is refused here, not in the parts
    due = [frequency] if frequency else digest.frequencies_due(now)
    parts = int(current_app.config["DIGEST_PARTS"])
    if parts <= 1 or db.engine.dialect.name == "sqlite":
        return sum(digest.run(frequency, now) for frequency in due)
    for frequency in due:
        for part in range(parts):
            outbox.enqueue(
                DIGEST_PART_TASK, frequency=frequency, at=now.isoformat(), part=part, parts=parts
            )
    db.session.commit()
    return 0


@shared_task(name=DIGEST_PART_TASK, **RETRY)
def run_digest_part(
    frequency: str, at: str, part: int, parts: int, outbox_id: int | None = None
) -> int:
    """One part of a digest run (``digest.run``). While it runs, each batch tells the
    outbox it is alive, so the sweep does not hand the part to a second worker; a part
    whose worker died is handed on, and finishes what the dead one left."""
    progress = None
    if outbox_id is not None:
        if not _start(outbox_id, DIGEST_PART_TASK):
            return 0  # done already

        def progress():
            outbox.touch(outbox_id)
            db.session.commit()

    sent = digest.run(
        frequency, datetime.fromisoformat(at), part=part, parts=parts, progress=progress
    )
    outbox.mark_processed(outbox_id)
    db.session.commit()
    return sent
