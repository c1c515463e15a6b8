"""Indexes the benchmark asked for (bench/RESULTS.md): indexes only.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 02:00:00

- ``items (kind, created_at, id)``: the lists' order (newest first, id to break ties)
  read from one index, without sorting every idea of the list.
- ``users (deputy_id)``: whose items a deputy stands in for, asked on every inbox
  request (it was a scan of every user).
- PostgreSQL only: ``items (unit_id, kind)`` carrying the columns the dashboard counts
  (``INCLUDE``), so that its aggregates read a narrow index instead of the wide table
  (descriptions and the stored search vector). SQLite has no ``INCLUDE``.
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

STATS_INCLUDE = [
    "id",
    "status",
    "created_at",
    "answered_at",
    "first_answer_due",
    "decided_at",
    "implemented_at",
    "author_id",
    "assignee_id",
    "driver_id",
    "handling_unit_id",
    "adopted_from_id",
]


def upgrade():
    op.create_index("ix_items_kind_created_id", "items", ["kind", "created_at", "id"])
    op.create_index("ix_users_deputy_id", "users", ["deputy_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.create_index(
            "ix_items_stats", "items", ["unit_id", "kind"], postgresql_include=STATS_INCLUDE
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_items_stats", table_name="items")
    op.drop_index("ix_users_deputy_id", table_name="users")
    op.drop_index("ix_items_kind_created_id", table_name="items")
