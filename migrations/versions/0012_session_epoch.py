"""Sessions that end: a user's session epoch, moved on logout and on a change of password.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-27 11:30:00

A session cookie is signed, not stored: before this, logging out cleared the cookie in
the browser, but a copy of it (a shared computer, a stolen cookie) stayed valid until
it expired. A session now names the epoch it began in (``User.get_id``), and loads its
user only while the epoch is the same. Existing sessions hold the id alone, which
counts as epoch 0: the upgrade logs nobody out.
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("session_epoch", sa.Integer(), server_default="0", nullable=False))


def downgrade():
    with op.batch_alter_table("users") as batch:
        batch.drop_column("session_epoch")
