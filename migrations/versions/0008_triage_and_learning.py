"""Triage and the learning organisation: delegation, merging, adoption, outcomes.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 00:20:00

Plain ADD COLUMN on every database (see 0002 for why not batch mode on SQLite). On
PostgreSQL, pg_trgm gives the similar-title suggestions a trigram index.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

REFERENCES = (
    ("adopted_from_id", "items"),
    ("merged_into_id", "items"),
    ("driver_id", "users"),
)
TEXTS = ("outcome", "lessons", "effect")
NUMBERS = ("hours_saved", "money_saved")


def upgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    for column, table in REFERENCES:
        name = f"fk_items_{column}_{table}"
        if sqlite:
            op.execute(
                f"ALTER TABLE items ADD COLUMN {column} INTEGER "
                f"CONSTRAINT {name} REFERENCES {table} (id)"
            )
        else:
            op.add_column("items", sa.Column(column, sa.Integer(), nullable=True))
            op.create_foreign_key(name, "items", table, [column], ["id"])
        op.create_index(f"ix_items_{column}", "items", [column])
    for column in TEXTS:
        op.add_column("items", sa.Column(column, sa.Text(), server_default="", nullable=False))
    for column in NUMBERS:
        op.add_column("items", sa.Column(column, sa.Numeric(12, 2), nullable=True))
    if not sqlite:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute(
            "CREATE INDEX ix_items_title_trgm ON items USING gin (lower(title) gin_trgm_ops)"
        )


def downgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    if not sqlite:
        op.execute("DROP INDEX ix_items_title_trgm")
    for column, _table in REFERENCES:
        op.drop_index(f"ix_items_{column}", table_name="items")
    for column in (*NUMBERS, *TEXTS, *(c for c, _t in REFERENCES)):
        if sqlite:
            op.execute(f"ALTER TABLE items DROP COLUMN {column}")
        else:
            op.drop_column("items", column)
