"""The case handlers' work: attachments, versioned minutes, API tokens that open cases.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 23:59:00

Plain ADD COLUMN on every database (see 0002 for why not batch mode on SQLite).
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("api_tokens", sa.Column("sealed_private_key", sa.LargeBinary(), nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        # SQLite adds a column with its reference in one statement, and alters no
        # constraint afterwards.
        op.execute(
            "ALTER TABLE report_entries ADD COLUMN supersedes_id INTEGER "
            "CONSTRAINT fk_report_entries_supersedes_id_report_entries "
            "REFERENCES report_entries (id)"
        )
    else:
        op.add_column("report_entries", sa.Column("supersedes_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            "fk_report_entries_supersedes_id_report_entries",
            "report_entries",
            "report_entries",
            ["supersedes_id"],
            ["id"],
        )
    op.add_column(
        "report_entries", sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.create_table(
        "report_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("content_type", sa.String(length=50), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("removed", sa.String(length=200), nullable=False),
        sa.Column("stored_name", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"],
            name=op.f("fk_report_attachments_report_id_reports"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["report_entries.id"],
            name=op.f("fk_report_attachments_entry_id_report_entries"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_attachments")),
    )
    op.create_index(
        op.f("ix_report_attachments_report_id"), "report_attachments", ["report_id"]
    )


def downgrade():
    op.drop_index(op.f("ix_report_attachments_report_id"), table_name="report_attachments")
    op.drop_table("report_attachments")
    with op.batch_alter_table("report_entries") as batch:
        batch.drop_column("approved_at")
        batch.drop_column("supersedes_id")
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("sealed_private_key")
