"""The inbox's order and counts read from an index: ``items.next_due``.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 10:00:00

``next_due`` is the nearest deadline an item has not kept yet (``Item.next_deadline``
in Python): the first answer until answered, the decision until decided (or until a
status that ends the decision), the evaluation until evaluated; NULL when none. The
database computes it from the row itself (a generated column), so no write path can
forget it: every change of a deadline, a date or the status moves it in the same
statement. PostgreSQL stores it; SQLite computes it when read.

PostgreSQL only, the indexes the inbox reads (partial: the open items of the line):

- ``ix_items_inbox_unit`` (handling unit, next_due, id): the counts of a manager's
  units (all, overdue, due soon, per kind) from the index alone;
- ``ix_items_inbox_due`` (next_due, id): the first page of a large inbox, in the
  inbox's order, stopping after 40 rows instead of sorting thousands.
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

DECISION_ENDED = "('accepted', 'declined', 'forwarded', 'duplicate', 'implemented', 'evaluated')"
PENDING = (
    "CASE WHEN answered_at IS NULL THEN first_answer_due END",
    f"CASE WHEN decided_at IS NULL AND status NOT IN {DECISION_ENDED} THEN decision_due END",
    "CASE WHEN evaluated_at IS NULL THEN evaluation_due END",
)
# SQLite keeps UTC datetimes as text; its min() is NULL when any argument is.
SQLITE_NEVER = "'9999-12-31 00:00:00.000000'"
NEXT_DUE = {
    "postgresql": "LEAST({})".format(", ".join(PENDING)),  # LEAST skips NULLs
    "sqlite": "NULLIF(MIN({}), {})".format(
        ", ".join(f"COALESCE({p}, {SQLITE_NEVER})" for p in PENDING), SQLITE_NEVER
    ),
}
OPEN = (
    "kind IN ('idea', 'concern') AND status IN ('submitted', 'acknowledged', 'assessing', "
    "'forwarded', 'accepted', 'implemented')"
)


def upgrade():
    dialect = op.get_bind().dialect.name
    op.add_column(
        "items",
        sa.Column(
            "next_due",
            sa.DateTime(timezone=True),
            sa.Computed(NEXT_DUE[dialect], persisted=dialect == "postgresql"),
            nullable=True,
        ),
    )
    if dialect == "postgresql":
        op.create_index(
            "ix_items_inbox_unit",
            "items",
            ["handling_unit_id", "next_due", "id"],
            postgresql_include=["kind", "status"],
            postgresql_where=sa.text(OPEN),
        )
        op.create_index(
            "ix_items_inbox_due",
            "items",
            ["next_due", "id"],
            postgresql_include=["kind", "status", "handling_unit_id", "assignee_id", "driver_id"],
            postgresql_where=sa.text(OPEN),
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_items_inbox_due", table_name="items")
        op.drop_index("ix_items_inbox_unit", table_name="items")
    op.drop_column("items", "next_due")
