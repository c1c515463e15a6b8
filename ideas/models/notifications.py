"""Notifications inside the product: what happened that concerns one person."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ideas import clock
from ideas.extensions import db
from ideas.models.items import Item
from ideas.models.types import UTCDateTime


class Event(StrEnum):
    """What a notification tells; each is also a choice in a person's settings."""

    ASSIGNED = "assigned"  # an item is given to you to answer (routing, a colleague)
    DELEGATED = "delegated"  # you drive an item forward for its manager (medledarskap)
    STATUS_CHANGED = "status_changed"  # on what you follow, without a word
    ANSWERED = "answered"  # a status change on what you follow, with the manager's words
    MERGED = "merged"  # what you follow was merged into an earlier item
    COMMENTED = "commented"  # a comment on what you follow
    DEADLINE_NEAR = "deadline_near"  # an item you have must be answered soon
    ESCALATED = "escalated"  # a colleague's item is overdue and comes to you


EVENTS = [e.value for e in Event]

EVENT_LABELS = {
    Event.ASSIGNED: _l("An item is assigned to me"),
    Event.DELEGATED: _l("An item is delegated to me"),
    Event.STATUS_CHANGED: _l("A status changes on what I follow"),
    Event.ANSWERED: _l("An answer on what I follow"),
    Event.MERGED: _l("What I follow is merged into an earlier item"),
    Event.COMMENTED: _l("A comment on what I follow"),
    Event.DEADLINE_NEAR: _l("A deadline of mine is near"),
    Event.ESCALATED: _l("An overdue item is escalated to me"),
}


class Delivery(StrEnum):
    """Where a notification goes besides the product's own list."""

    EMAIL = "email"  # an e-mail right away
    DIGEST = "digest"  # in the next digest
    HERE = "here"  # only on the notifications page


DELIVERIES = [d.value for d in Delivery]
DELIVERY_LABELS = {
    Delivery.EMAIL: _l("E-mail right away"),
    Delivery.DIGEST: _l("Only in the digest"),
    Delivery.HERE: _l("Only here in the product"),
}


class Notification(db.Model):
    """One event for one person, written in the transaction of the event itself: shown
    on their notifications page and counted in the header until they have read it."""

    __tablename__ = "notifications"
    __table_args__ = (
        CheckConstraint(f"event IN {tuple(EVENTS)!r}", name="event"),
        # A person's list, newest first.
        Index("ix_notifications_user", "user_id", "id"),
        # The header's count and the unread list: only the unread rows, from the index.
        Index(
            "ix_notifications_unread",
            "user_id",
            "id",
            postgresql_where=text("read_at IS NULL"),
            sqlite_where=text("read_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(20))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    # A word more: the new status, the deadline, who wrote. Never the item's content.
    detail: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    item: Mapped[Item] = relationship()
