"""Task wrappers: they take ids, call a service, commit. No logic lives here."""

from __future__ import annotations

import logging
import smtplib

from celery import shared_task
from flask import current_app
from sqlalchemy import update
from sqlalchemy.exc import OperationalError

from ideas import clock
from ideas.extensions import db
from ideas.models import OutboxMessage
from ideas.services import deadlines, digest, mail, outbox, reports, routing
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


def _start(outbox_id: int | None) -> bool:
    """Count this attempt; refuse a task that has failed too often (a poison message
    that kills its worker would otherwise come back for ever)."""
    if outbox_id is None:
        return True
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == outbox_id)
        .values(attempts=OutboxMessage.attempts + 1)
    )
    row = db.session.get(OutboxMessage, outbox_id)
    if row is None or row.processed_at is not None:
        db.session.commit()
        return False
    if row.attempts > MAX_ATTEMPTS:
        log.error("outbox %s (%s) gave up after %d attempts", row.id, row.task, row.attempts)
        row.processed_at = clock.now()
        db.session.commit()
        return False
    db.session.commit()
    return True


@shared_task(name="ideas.route_item", **RETRY)
def route_item(item_id: int, outbox_id: int | None = None) -> None:
    if not _start(outbox_id):
        return
    routing.route_item(item_id)
    outbox.mark_processed(outbox_id)
    db.session.commit()


@shared_task(name="ideas.send_email", **RETRY)
def send_email(email_id: int, outbox_id: int | None = None) -> None:
    if not _start(outbox_id):
        return
    mail.deliver([email_id])
    outbox.mark_processed(outbox_id)
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
    deadlines.check()
    reports.check_deadlines()
    reports.purge_expired_followups()
    db.session.commit()


@shared_task(name="ideas.purge_reports", **RETRY)
def purge_reports() -> list[str]:
    """Delete the personal data of closed cases whose retention time has run out."""
    done = reports.purge_personal_data()
    db.session.commit()
    return done


@shared_task(name="ideas.run_digests", **RETRY)
def run_digests() -> int:
    total = 0
    for frequency in digest.frequencies_due(clock.now()):
        total += digest.run(frequency)
    return total
