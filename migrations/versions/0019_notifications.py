"""Notifications inside the product, and each person's choice of how they come.

Revision ID: 0019
Revises: 0017
Create Date: 2026-12-09 09:00:00

- ``notifications``: one row per event and person (assigned, delegated, a status
  change or an answer, a merge, a comment on what they follow, a deadline near, an
  escalation), written in the event's own transaction; ``read_at`` once read.
- ``ix_notifications_user`` (user_id, id): a person's list, newest first.
- ``ix_notifications_unread`` (user_id, id) WHERE read_at IS NULL: the header's count
  and the unread list read only the unread rows, from the index.
- ``users.notification_choices``: {event: "email" | "digest" | "here"}; an event left
  out keeps what it did before (``ideas.services.notifications.DEFAULTS``).
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

EVENTS = (
    "assigned",
    "delegated",
    "status_changed",
    "answered",
    "merged",
    "commented",
    "deadline_near",
    "escalated",
)
UNREAD = sa.text("read_at IS NULL")


def upgrade():
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=20), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("detail", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(f"event IN {EVENTS!r}", name=op.f("ck_notifications_event")),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["items.id"],
            name=op.f("fk_notifications_item_id_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notifications_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    op.create_index("ix_notifications_user", "notifications", ["user_id", "id"])
    op.create_index(
        "ix_notifications_unread",
        "notifications",
        ["user_id", "id"],
        postgresql_where=UNREAD,
        sqlite_where=UNREAD,
    )
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("notification_choices", sa.JSON(), server_default="{}", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("users") as batch:
        batch.drop_column("notification_choices")
    op.drop_index("ix_notifications_unread", table_name="notifications")
    op.drop_index("ix_notifications_user", table_name="notifications")
    op.drop_table("notifications")
