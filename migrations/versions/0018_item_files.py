"""Files on ideas, concerns and comments.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-10 10:00:00

One row per file: the item it is shown on (a merged item's files move to the
original), the comment it came with if any, who added it, its cleaned content's
type and size, a picture's size and thumbnail, and the random names the file and
the thumbnail have in the upload folder's ``items/``. The name the file came with
is not kept.
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "item_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("content_type", sa.String(length=50), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("stored_name", sa.String(length=32), nullable=False),
        sa.Column("thumbnail_name", sa.String(length=32), nullable=True),
        sa.Column("thumbnail_width", sa.Integer(), nullable=True),
        sa.Column("thumbnail_height", sa.Integer(), nullable=True),
        sa.Column("removed", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["items.id"],
            name=op.f("fk_item_files_item_id_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["comment_id"],
            ["comments.id"],
            name=op.f("fk_item_files_comment_id_comments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"], ["users.id"], name=op.f("fk_item_files_uploaded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item_files")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_item_files_stored_name")),
        sa.UniqueConstraint("thumbnail_name", name=op.f("uq_item_files_thumbnail_name")),
    )
    op.create_index(op.f("ix_item_files_item_id"), "item_files", ["item_id"])
    op.create_index(op.f("ix_item_files_comment_id"), "item_files", ["comment_id"])


def downgrade():
    op.drop_index(op.f("ix_item_files_comment_id"), table_name="item_files")
    op.drop_index(op.f("ix_item_files_item_id"), table_name="item_files")
    op.drop_table("item_files")
