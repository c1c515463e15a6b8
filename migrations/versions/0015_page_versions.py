"""Page versions by scope, in place of the one data version (ideas/page_cache.py).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 09:30:00

The single ``data_version`` row was updated by every writing transaction: every write
waited on its lock, and any write made every stored page stale. ``page_versions``
holds one number per scope (an item, a shard of the lists, a person, everything else),
moved only by the changes that concern it. The row ``db`` is a random number made
here and never changed, so that a database made again does not repeat the versions of
the one before, whose pages may still be in Redis.
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        "page_versions",
        sa.Column("scope", sa.String(length=40), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("scope", name=op.f("pk_page_versions")),
    )
    op.bulk_insert(table, [{"scope": "db", "version": secrets.randbelow(2**40)}])
    op.drop_table("data_version")


def downgrade():
    table = op.create_table(
        "data_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_version")),
    )
    op.bulk_insert(table, [{"id": 1, "value": secrets.randbelow(2**40)}])
    op.drop_table("page_versions")
