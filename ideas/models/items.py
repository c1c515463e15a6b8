"""Items (ideas now; concerns and reports share the table) and what hangs off them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    Column,
    Computed,
    ForeignKey,
    Index,
    Numeric,
    String,
    Table,
    Text,
    event,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ideas import clock
from ideas.extensions import db
from ideas.models.org import Unit, User
from ideas.models.types import UTCDateTime
from ideas.models.values import Value
from ideas.models.work import Category

TITLE_MAX = 160
DESCRIPTION_MAX = 10_000
BENEFIT_MAX = 5_000
COMMENT_MAX = 5_000
REASON_MAX = 2_000


class Kind(StrEnum):
    IDEA = "idea"
    CONCERN = "concern"
    REPORT = "report"


class Status(StrEnum):
    SUBMITTED = "submitted"
    ACKNOWLEDGED = "acknowledged"
    ASSESSING = "assessing"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    FORWARDED = "forwarded"
    DUPLICATE = "duplicate"
    IMPLEMENTED = "implemented"
    EVALUATED = "evaluated"


STATUSES = [s.value for s in Status]
KINDS = [k.value for k in Kind]

STATUS_LABELS = {
    Status.SUBMITTED: _l("Submitted"),
    Status.ACKNOWLEDGED: _l("Received"),
    Status.ASSESSING: _l("Being assessed"),
    Status.ACCEPTED: _l("Decided: will be done"),
    Status.DECLINED: _l("Declined"),
    Status.FORWARDED: _l("Forwarded"),
    Status.DUPLICATE: _l("Duplicate"),
    Status.IMPLEMENTED: _l("Implemented"),
    Status.EVALUATED: _l("Followed up"),
}

# The life of an item (DESIGN.md section 5). A decision can be taken at any point
# before it; a declined item can be taken up again; a forwarded one starts over in the
# unit that received it.
_DECISIONS = {Status.ACCEPTED, Status.DECLINED, Status.FORWARDED, Status.DUPLICATE}
ALLOWED_TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.SUBMITTED: frozenset({Status.ACKNOWLEDGED, Status.ASSESSING} | _DECISIONS),
    Status.ACKNOWLEDGED: frozenset({Status.ASSESSING} | _DECISIONS),
    Status.ASSESSING: frozenset(_DECISIONS),
    Status.FORWARDED: frozenset({Status.ACKNOWLEDGED, Status.ASSESSING} | _DECISIONS),
    Status.DECLINED: frozenset({Status.ASSESSING}),
    Status.ACCEPTED: frozenset({Status.IMPLEMENTED, Status.ASSESSING}),
    Status.DUPLICATE: frozenset(),
    Status.IMPLEMENTED: frozenset({Status.EVALUATED}),
    Status.EVALUATED: frozenset(),
}
# Statuses after which no decision is pending any more.
_FINAL = frozenset({"accepted", "declined", "forwarded", "duplicate", "implemented", "evaluated"})
# ``Item.next_due`` as PostgreSQL computes it (LEAST skips NULLs).
NEXT_DUE_SQL = (
    "LEAST(CASE WHEN answered_at IS NULL THEN first_answer_due END, "
    "CASE WHEN decided_at IS NULL AND status NOT IN ('accepted', 'declined', 'forwarded', "
    "'duplicate', 'implemented', 'evaluated') THEN decision_due END, "
    "CASE WHEN evaluated_at IS NULL THEN evaluation_due END)"
)
# A move to these statuses must say why.
REASON_REQUIRED = frozenset({Status.ACCEPTED, Status.DECLINED, Status.FORWARDED, Status.DUPLICATE})


def allowed_next(status: str) -> list[Status]:
    """The statuses an item in ``status`` may move to, in the order of its life."""
    nexts = ALLOWED_TRANSITIONS[Status(status)]
    return [s for s in Status if s in nexts]


item_values = Table(
    "item_values",
    db.metadata,
    Column("item_id", ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
    Column("value_id", ForeignKey("values.id"), primary_key=True, index=True),
)


class Item(db.Model):
    __tablename__ = "items"
    __table_args__ = (
        CheckConstraint(f"kind IN {tuple(KINDS)!r}", name="kind"),
        CheckConstraint(f"status IN {tuple(STATUSES)!r}", name="status"),
        Index("ix_items_kind_status_created", "kind", "status", "created_at"),
        Index("ix_items_kind_created", "kind", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default=Kind.IDEA.value)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    description: Mapped[str] = mapped_column(Text)
    benefit: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default=Status.SUBMITTED.value)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    # Routing: the unit whose manager has the item, and when the worker routed it.
    handling_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    routed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Deadlines (DESIGN.md section 5), and when each promise was kept.
    first_answer_due: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_due: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    implemented_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    evaluation_due: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    evaluated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The nearest deadline not kept yet (``next_deadline``, in SQL), computed by the
    # database from the row itself, so no write can leave it behind: the inbox sorts
    # and counts on it. Migration 0017 has each dialect's expression.
    next_due: Mapped[datetime | None] = mapped_column(
        UTCDateTime, Computed(NEXT_DUE_SQL, persisted=True), deferred=True
    )
    # Concerns: the submitter's name is shown only to the manager who has it, and a
    # concern about one's own manager goes one level above that manager.
    confidential: Mapped[bool] = mapped_column(default=False, server_default=false())
    about_manager: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Medledarskap: the employee a manager delegated the item to drives it forward,
    # while the assignee (the manager) stays accountable.
    driver_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # A duplicate points to the original; an adopted idea to the one it came from.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"), index=True)
    adopted_from_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"), index=True)
    # What was learned: recorded when implemented, the effect when evaluated.
    outcome: Mapped[str] = mapped_column(Text, default="", server_default="")
    lessons: Mapped[str] = mapped_column(Text, default="", server_default="")
    effect: Mapped[str] = mapped_column(Text, default="", server_default="")
    hours_saved: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))  # per year
    money_saved: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))  # kronor per year
    support_count: Mapped[int] = mapped_column(default=0)
    comment_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    unit: Mapped[Unit] = relationship(foreign_keys=[unit_id])
    handling_unit: Mapped[Unit | None] = relationship(foreign_keys=[handling_unit_id])
    category: Mapped[Category | None] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    driver: Mapped[User | None] = relationship(foreign_keys=[driver_id])
    merged_into: Mapped[Item | None] = relationship(foreign_keys=[merged_into_id], remote_side=[id])
    adopted_from: Mapped[Item | None] = relationship(
        foreign_keys=[adopted_from_id], remote_side=[id]
    )
    values: Mapped[list[Value]] = relationship(secondary=item_values, order_by=Value.position)
    history: Mapped[list[HistoryEntry]] = relationship(
        back_populates="item", order_by="HistoryEntry.id"
    )
    comments: Mapped[list[Comment]] = relationship(back_populates="item", order_by="Comment.id")
    # Every file shown on the item's page: its own, and its comments' (``comment_id``).
    files: Mapped[list[ItemFile]] = relationship(
        back_populates="item", order_by="ItemFile.id", cascade="all, delete-orphan"
    )

    @property
    def own_files(self) -> list[ItemFile]:
        return [f for f in self.files if f.comment_id is None]

    def comment_files(self, comment_id: int) -> list[ItemFile]:
        return [f for f in self.files if f.comment_id == comment_id]

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[Status(self.status)])

    def open_deadlines(self) -> list[tuple[str, datetime]]:
        """The promises not yet kept: ``(deadline name, due)``, nearest first."""
        pending = []
        if self.first_answer_due and self.answered_at is None:
            pending.append(("first_answer", self.first_answer_due))
        if self.decision_due and self.decided_at is None and self.status not in _FINAL:
            pending.append(("decision", self.decision_due))
        if self.evaluation_due and self.evaluated_at is None:
            pending.append(("evaluation", self.evaluation_due))
        return sorted(pending, key=lambda d: d[1])

    @property
    def next_deadline(self) -> datetime | None:
        pending = self.open_deadlines()
        return pending[0][1] if pending else None

    @property
    def overdue(self) -> bool:
        due = self.next_deadline
        return due is not None and due < clock.now()

    def __repr__(self) -> str:
        return f"<Item {self.id} {self.kind} {self.status}>"


# The columns ``Item.open_deadlines`` reads: a plain row that has them can call it too
# (the digest's queue, the web's list rows).
DEADLINE_COLUMNS = (
    Item.status,
    Item.first_answer_due,
    Item.answered_at,
    Item.decision_due,
    Item.decided_at,
    Item.evaluation_due,
    Item.evaluated_at,
)


class HistoryEntry(db.Model):
    """One step in an item's life. Append-only: the database refuses updates and deletes."""

    __tablename__ = "item_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    action: Mapped[str] = mapped_column(String(20), default="status")
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    comment: Mapped[str] = mapped_column(Text, default="")

    item: Mapped[Item] = relationship(back_populates="history")
    actor: Mapped[User | None] = relationship()

    @property
    def to_label(self) -> str:
        return str(STATUS_LABELS[Status(self.to_status)]) if self.to_status else ""

    @property
    def from_label(self) -> str:
        return str(STATUS_LABELS[Status(self.from_status)]) if self.from_status else ""


@event.listens_for(HistoryEntry, "before_update")
@event.listens_for(HistoryEntry, "before_delete")
def _history_is_append_only(mapper, connection, target):
    raise RuntimeError("item history is append-only")


class Support(db.Model):
    __tablename__ = "supports"

    item_id: Mapped[int] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class Follow(db.Model):
    __tablename__ = "follows"
    __table_args__ = (Index("ix_follows_user_item", "user_id", "item_id"),)

    item_id: Mapped[int] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class Comment(db.Model):
    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    item: Mapped[Item] = relationship(back_populates="comments")
    author: Mapped[User] = relationship()
    files: Mapped[list[ItemFile]] = relationship(
        back_populates="comment", order_by="ItemFile.id", cascade="all, delete"
    )


class ItemFile(db.Model):
    """A file on an idea or concern, or on one of its comments: cleaned of metadata
    (``ideas.attachments``), stored in the upload folder's ``items/`` under a random
    name, with a thumbnail for a picture. Seen by whoever may see the item it is shown
    on (``item_id``: a merged item's files move to the original with its comments).
    The name it came with is not kept: it is shown as "photo-1.jpg" and the like."""

    __tablename__ = "item_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    comment_id: Mapped[int | None] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), index=True
    )
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(String(40))
    content_type: Mapped[str] = mapped_column(String(50))
    size: Mapped[int]
    width: Mapped[int | None]
    height: Mapped[int | None]
    stored_name: Mapped[str] = mapped_column(String(32), unique=True)
    thumbnail_name: Mapped[str | None] = mapped_column(String(32), unique=True)
    thumbnail_width: Mapped[int | None]
    thumbnail_height: Mapped[int | None]
    removed: Mapped[str] = mapped_column(String(200), default="")  # what was stripped
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    item: Mapped[Item] = relationship(back_populates="files")
    comment: Mapped[Comment | None] = relationship(back_populates="files")

    @property
    def is_image(self) -> bool:
        return self.content_type in ("image/jpeg", "image/png")

    def __repr__(self) -> str:
        return f"<ItemFile {self.id} {self.name} on item {self.item_id}>"
