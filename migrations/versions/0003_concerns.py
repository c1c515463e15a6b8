"""Concerns: confidential, and about one's own manager.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 21:25:00

Plain ADD COLUMN on every database (see 0002 for why not batch mode on SQLite).
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    for name in ("confidential", "about_manager"):
        op.add_column("items", sa.Column(name, sa.Boolean(), server_default=sa.false(),
                                         nullable=False))


def downgrade():
    for name in ("about_manager", "confidential"):
        op.drop_column("items", name)
