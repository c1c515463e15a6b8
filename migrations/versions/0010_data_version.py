"""The data version the page cache checks (ideas/page_cache.py).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27 05:00:00

One row, one number, changed by every transaction that changes what a page shows.
It starts at a random number: a database made again must not reuse the numbers of
the one before, whose pages may still be in Redis.
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        "data_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_version")),
    )
    op.bulk_insert(table, [{"id": 1, "value": secrets.randbelow(2**40)}])


def downgrade():
    op.drop_table("data_version")
