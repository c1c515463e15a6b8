"""The idea bank's order from an index: indexes only.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 10:00:00

The bank lists implemented and evaluated ideas most recently implemented first. With
no index in that order, every request sorted all of them (26,000 at the benchmark's
100,000 items) to show 20. A partial index holds just the bank's ideas, in its order
(``implemented_at DESC NULLS LAST, id DESC``): a page, and the count up to 1,000 the
bank shows, are read from it. SQLite sorts NULLs first, so its plain DESC is the same
order.
"""

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

IN_THE_BANK = "kind = 'idea' AND status IN ('implemented', 'evaluated')"


def upgrade():
    nulls_last = " NULLS LAST" if op.get_bind().dialect.name == "postgresql" else ""
    op.execute(
        f"CREATE INDEX ix_items_bank ON items (implemented_at DESC{nulls_last}, id DESC) "
        f"WHERE {IN_THE_BANK}"
    )


def downgrade():
    op.drop_index("ix_items_bank", table_name="items")
