"""Users, organisation units and API tokens."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    LargeBinary,
    String,
    false,
    func,
    select,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ideas import clock
from ideas.extensions import db
from ideas.models.types import UTCDateTime


class Role(StrEnum):
    EMPLOYEE = "employee"
    MANAGER = "manager"
    CASE_HANDLER = "case_handler"
    ADMIN = "admin"


ROLES = [r.value for r in Role]


class DigestFrequency(StrEnum):
    NONE = "none"
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


DIGEST_FREQUENCIES = [f.value for f in DigestFrequency]


class Unit(db.Model):
    """A node of the organisation tree (förvaltning, enhet, ...)."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    manager_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", use_alter=True, name="fk_units_manager_id_users"), index=True
    )

    parent: Mapped[Unit | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Unit]] = relationship(back_populates="parent", order_by="Unit.name")
    # A retired unit keeps its history; its open items were routed again up the tree.
    active: Mapped[bool] = mapped_column(default=True, server_default=true())

    manager: Mapped[User | None] = relationship(foreign_keys=[manager_id])

    def __repr__(self) -> str:
        return f"<Unit {self.code}>"


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(f"role IN {tuple(ROLES)!r}", name="role"),
        CheckConstraint(f"digest_frequency IN {tuple(DIGEST_FREQUENCIES)!r}", name="digest"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default=Role.EMPLOYEE.value)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    digest_frequency: Mapped[str] = mapped_column(
        String(10), default=DigestFrequency.WEEKLY.value, server_default="weekly"
    )
    # An absent manager's items go to their deputy (DESIGN.md section 6, rule 5).
    absent: Mapped[bool] = mapped_column(default=False, server_default=false())
    deputy_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Moved on logout and on a change of password: every session made before ends.
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0")
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Single sign-on: the identity provider's subject ("sub") for this person.
    oidc_subject: Mapped[str | None] = mapped_column(String(255), unique=True, index=True)
    # How each kind of notification reaches them besides the product ({event: delivery});
    # an event left out goes as ``services.notifications.DEFAULTS`` says.
    notification_choices: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")

    unit: Mapped[Unit | None] = relationship(foreign_keys=[unit_id])
    deputy: Mapped[User | None] = relationship(remote_side=[id], foreign_keys=[deputy_id])

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    def get_id(self) -> str:
        """What a session keeps of its user (Flask-Login's alternative token): the id
        and the session epoch. A session signed before the epoch moved, a copied
        cookie's too, no longer loads its user (``security._load_user``)."""
        return f"{self.id}:{self.session_epoch}"

    def has_role(self, *roles: str) -> bool:
        return self.role in roles

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class ApiToken(db.Model):
    """A personal API token. Only its SHA-256 is stored: the token itself is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A case handler's private key, sealed under the token itself, so that the API can
    # open their cases; the row alone opens nothing.
    sealed_private_key: Mapped[bytes | None] = mapped_column(LargeBinary)

    user: Mapped[User] = relationship()


def user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def unit_by_code(code: str) -> Unit | None:
    return db.session.scalar(select(Unit).where(Unit.code == code.strip()))
