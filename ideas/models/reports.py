"""The whistleblowing channel's records (WHISTLEBLOWING.md).

Kept apart from items on purpose: nothing here is ever joined into lists, search,
counts, dashboards or digests of the line organisation. Every text is ciphertext
(see ideas/crypto.py); what stays readable is what a public authority's register
needs: a case number, dates, status and outcome, never who or what.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ideas import clock
from ideas.extensions import db
from ideas.models.org import User
from ideas.models.types import UTCDateTime


class SiteSecret(db.Model):
    """Random values of this installation that live with its data (the salt of the
    receipt-code hashes), so that every web process and worker shares them."""

    __tablename__ = "site_secrets"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[bytes] = mapped_column(LargeBinary)


class HandlerKey(db.Model):
    """A case handler's key pair: the public key in the clear, the private key sealed
    under a key derived from their password, or from their key passphrase under single
    sign-on (``sealed_with``: "password" or "passphrase")."""

    __tablename__ = "handler_keys"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    sealed_private_key: Mapped[bytes] = mapped_column(LargeBinary)
    sealed_with: Mapped[str] = mapped_column(
        String(20), default="password", server_default="password"
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    user: Mapped[User] = relationship()


class Report(db.Model):
    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_number: Mapped[str] = mapped_column(String(20), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="received")
    receipt_hash: Mapped[bytes] = mapped_column(LargeBinary, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    acknowledge_due: Mapped[datetime] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    feedback_due: Mapped[datetime] = mapped_column(UTCDateTime)
    feedback_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(40), default="")
    # Personal data is deleted at this time (2 years after the first closing, by
    # default); reopening never moves it silently.
    delete_personal_data_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    personal_data_deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledgement_declined: Mapped[bool] = mapped_column(default=False)

    keys: Mapped[list[ReportKey]] = relationship(back_populates="report")
    entries: Mapped[list[ReportEntry]] = relationship(
        back_populates="report", order_by="ReportEntry.id"
    )


class ReportKey(db.Model):
    """The case key, sealed to one recipient: a case handler, or the reporter's code."""

    __tablename__ = "report_keys"
    __table_args__ = (UniqueConstraint("report_id", "handler_id", name="uq_report_keys_handler"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: reporter
    sealed_key: Mapped[bytes] = mapped_column(LargeBinary)

    report: Mapped[Report] = relationship(back_populates="keys")


class ReportExclusion(db.Model):
    """A case handler the reporter asked to keep out of the case."""

    __tablename__ = "report_exclusions"

    report_id: Mapped[int] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True
    )
    handler_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)


class ReportEntry(db.Model):
    """One entry of a case's mailbox: the report as filed, a message either way,
    minutes of a meeting (versioned), a measure, feedback. Ciphertext only; the
    reporter's side has no user id, ever."""

    __tablename__ = "report_entries"
    __table_args__ = (Index("ix_report_entries_report", "report_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))  # report|message|minutes|measure|feedback
    from_reporter: Mapped[bool] = mapped_column(default=False)
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)  # None once deleted
    redacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Minutes are versioned: a correction is a new entry pointing at the one it
    # replaces; the reporter approves a version (the earlier ones are kept).
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("report_entries.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    report: Mapped[Report] = relationship(back_populates="entries")
    handler: Mapped[User | None] = relationship()
    attachments: Mapped[list[ReportAttachment]] = relationship(
        back_populates="entry", order_by="ReportAttachment.id"
    )


class ReportAttachment(db.Model):
    """A file added to a mailbox entry: cleaned of metadata, encrypted with the case
    key, kept on disk under a random name. Its own name is not kept (it could name
    the reporter); it is called attachment-N."""

    __tablename__ = "report_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("report_entries.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(40))
    content_type: Mapped[str] = mapped_column(String(50))
    size: Mapped[int]
    removed: Mapped[str] = mapped_column(String(200), default="")  # what was stripped
    stored_name: Mapped[str | None] = mapped_column(String(32))  # None once deleted
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    entry: Mapped[ReportEntry] = relationship(back_populates="attachments")


class ReportAudit(db.Model):
    """Every view of and action on a case: who (a handler, or "reporter"), when, what.
    Append-only; it names no content."""

    __tablename__ = "report_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    report: Mapped[Report] = relationship()
    by_reporter: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    action: Mapped[str] = mapped_column(String(40))

    handler: Mapped[User | None] = relationship()


class FollowupSession(db.Model):
    """A reporter's short follow-up session, kept on the server.

    The browser holds only a random token (its own cookie, not Flask's session). The
    case key is stored encrypted under a key derived from that token, and the token
    only as a hash: the database alone opens nothing, and the session ends on its own
    after a few idle minutes."""

    __tablename__ = "followup_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    sealed_case_key: Mapped[bytes] = mapped_column(LargeBinary)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class KeySession(db.Model):
    """A logged-in case handler's private key, for the length of their session.

    Opened once with their password at login, it is kept encrypted under a random
    token that lives only in their session cookie; the row alone opens nothing, and
    logging out deletes it."""

    __tablename__ = "key_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    sealed_private_key: Mapped[bytes] = mapped_column(LargeBinary)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
