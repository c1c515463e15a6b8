"""What the worker keeps: the outbox of tasks, e-mails, deadline notices, digests."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ideas import clock
from ideas.extensions import db
from ideas.models.org import Unit, User
from ideas.models.types import UTCDateTime


class Category(db.Model):
    """An admin-editable category; one that names an owning unit routes there."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    owner_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    active: Mapped[bool] = mapped_column(default=True)

    owner_unit: Mapped[Unit | None] = relationship()


class OutboxMessage(db.Model):
    """A task to hand to the broker, written in the same transaction as the change that
    needs it. Relayed right after the commit; swept by beat until a worker marks it
    processed, so a broker that was down or a web process that died loses nothing."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "processed_at", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task: Mapped[str] = mapped_column(String(100))
    args: Mapped[dict] = mapped_column(JSON, default=dict)  # ids only, never content
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    relayed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0)


class Email(db.Model):
    """One e-mail to one recipient for one event: recorded before it is sent, marked
    once the SMTP server accepts it, never sent again after that."""

    __tablename__ = "emails"
    __table_args__ = (
        UniqueConstraint("event_key", "recipient", name="uq_emails_event_recipient"),
        Index("ix_emails_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_key: Mapped[str] = mapped_column(String(200))
    recipient: Mapped[str] = mapped_column(String(254))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    headers: Mapped[dict] = mapped_column(JSON, default=dict)
    # pending -> sending (claimed by one worker) -> sent; a claim older than a few
    # minutes belonged to a worker that died, and may be taken again.
    status: Mapped[str] = mapped_column(String(10), default="pending")
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User | None] = relationship()


class DeadlineNotice(db.Model):
    """A reminder or escalation sent for one deadline of one item: at most once each."""

    __tablename__ = "deadline_notices"
    __table_args__ = (
        UniqueConstraint(
            "item_id", "deadline", "action", "due_at", name="uq_deadline_notices_once"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    deadline: Mapped[str] = mapped_column(String(20))  # first_answer|decision|evaluation
    action: Mapped[str] = mapped_column(String(20))  # reminder|escalation
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class DigestDelivery(db.Model):
    """One digest for one user and period: the record that makes a rerun send nothing."""

    __tablename__ = "digest_deliveries"
    __table_args__ = (UniqueConstraint("user_id", "period", name="uq_digest_user_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    frequency: Mapped[str] = mapped_column(String(10))
    period: Mapped[str] = mapped_column(String(20))  # daily:2026-11-26, weekly:2026-W48, ...
    email_id: Mapped[int | None] = mapped_column(ForeignKey("emails.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    email: Mapped[Email | None] = relationship()


class IdempotencyKey(db.Model):
    """The answer to an API request that created something, kept under the key its
    client sent (``Idempotency-Key``) for a day: the same request sent again gets the
    same answer and creates nothing more (``ideas/services/idempotency.py``)."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_idempotency_user_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))  # SHA-256 of method, path, body
    status: Mapped[int]
    location: Mapped[str | None] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)


class PageVersion(db.Model):
    """How many times what a stored page shows has changed, one row per scope
    (``ideas/page_cache.py``): ``item:<id>`` (an item and what hangs on it), ``list:<n>``
    (the lists, in shards by item id), ``user:<id>`` (what only that person's own pages
    show), ``all`` (everything else: the organisation, its values, people's names).
    Moved in the same transaction as the change. The row ``db`` holds a random number
    made with the database and never changed: a database made again never repeats its
    predecessor's versions, whose pages may still be in Redis."""

    __tablename__ = "page_versions"

    scope: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)
