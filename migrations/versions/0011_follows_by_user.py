"""The follows of a batch of readers from one index (the digest's news): indexes only.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 09:00:00

``follows (user_id, item_id)`` replaces ``follows (user_id)``: covering, so the
digest's "what happened to what you follow" for 500 readers is 500 probes of one
index. With only ``(user_id)``, PostgreSQL preferred to read the whole primary key
``(item_id, user_id)`` in parallel for every batch (bench/RESULTS.md).
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_follows_user_item", "follows", ["user_id", "item_id"])
    op.drop_index("ix_follows_user_id", table_name="follows")


def downgrade():
    op.create_index("ix_follows_user_id", "follows", ["user_id"])
    op.drop_index("ix_follows_user_item", table_name="follows")
