"""Administration: the organisation's own settings, the admin audit log, and the
single-use links of forgotten passwords."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ideas import clock
from ideas.extensions import db
from ideas.models.org import User
from ideas.models.types import UTCDateTime


class OrgSetting(db.Model):
    """A setting an admin changed in the browser (a deadline's days, say). It overrides
    the ``IDEAS_*`` default of the same name; a setting with no row keeps the default."""

    __tablename__ = "org_settings"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class AdminAudit(db.Model):
    """One change an admin made: who, when, what, before and after. Append-only: the
    database refuses updates and deletes, as it does for the item history."""

    __tablename__ = "admin_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
    # None: the command line or the system (an import run by an operator).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(40))
    target_type: Mapped[str] = mapped_column(String(30))
    target: Mapped[str] = mapped_column(String(254), default="")
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)

    actor: Mapped[User | None] = relationship()


@event.listens_for(AdminAudit, "before_update")
@event.listens_for(AdminAudit, "before_delete")
def _audit_is_append_only(mapper, connection, target):
    raise RuntimeError("the admin audit log is append-only")


class PasswordReset(db.Model):
    """A forgotten-password link: only the SHA-256 of its token is kept, it opens once
    and for an hour."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class PeopleImport(db.Model):
    """An uploaded HR file, kept between its preview and its import (by the admin who
    uploaded it only). Forgotten once imported, or by the hourly clean-up."""

    __tablename__ = "people_imports"

    id: Mapped[str] = mapped_column(String(43), primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
