"""Administration from the browser: retired units and behaviours, last login, single
sign-on subjects, the organisation's settings, the admin audit log, and forgotten-
password links.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 17:20:00

The admin audit log is append-only, as the item history is: the database itself
refuses to change or delete a row.
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

AUDIT_APPEND_ONLY = {
    "postgresql": [
        """CREATE FUNCTION admin_audit_append_only() RETURNS trigger AS $$
           BEGIN RAISE EXCEPTION 'admin_audit is append-only'; END $$ LANGUAGE plpgsql""",
        """CREATE TRIGGER admin_audit_no_change BEFORE UPDATE OR DELETE ON admin_audit
           FOR EACH ROW EXECUTE FUNCTION admin_audit_append_only()""",
    ],
    "sqlite": [
        """CREATE TRIGGER admin_audit_no_update BEFORE UPDATE ON admin_audit
           BEGIN SELECT RAISE(ABORT, 'admin_audit is append-only'); END""",
        """CREATE TRIGGER admin_audit_no_delete BEFORE DELETE ON admin_audit
           BEGIN SELECT RAISE(ABORT, 'admin_audit is append-only'); END""",
    ],
}


def upgrade():
    with op.batch_alter_table("units") as batch:
        batch.add_column(
            sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
    with op.batch_alter_table("behaviours") as batch:
        batch.add_column(
            sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("oidc_subject", sa.String(length=255), nullable=True))
    # A unique index, not a constraint: SQLite would rebuild the users table for one.
    op.create_index(op.f("ix_users_oidc_subject"), "users", ["oidc_subject"], unique=True)

    op.create_table(
        "org_settings",
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_org_settings")),
    )
    op.create_table(
        "admin_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("target_type", sa.String(length=30), nullable=False),
        sa.Column("target", sa.String(length=254), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_admin_audit_actor_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_audit")),
    )
    op.create_index(op.f("ix_admin_audit_created_at"), "admin_audit", ["created_at"])
    op.create_index(op.f("ix_admin_audit_actor_id"), "admin_audit", ["actor_id"])
    for statement in AUDIT_APPEND_ONLY.get(op.get_bind().dialect.name, []):
        op.execute(statement)

    op.create_table(
        "password_resets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_password_resets_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_resets")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_password_resets_token_hash")),
    )
    op.create_index(op.f("ix_password_resets_user_id"), "password_resets", ["user_id"])
    # An uploaded HR file between its preview and its import (a few minutes; the
    # hourly clean-up forgets what was never imported).
    op.create_table(
        "people_imports",
        sa.Column("id", sa.String(length=43), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_people_imports_actor_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people_imports")),
    )
    # What seals a case handler's private key: their password, or (single sign-on,
    # where they have none) a key passphrase of its own.
    with op.batch_alter_table("handler_keys") as batch:
        batch.add_column(
            sa.Column(
                "sealed_with", sa.String(length=20), nullable=False, server_default="password"
            )
        )


def downgrade():
    with op.batch_alter_table("handler_keys") as batch:
        batch.drop_column("sealed_with")
    op.drop_table("people_imports")
    op.drop_index(op.f("ix_password_resets_user_id"), table_name="password_resets")
    op.drop_table("password_resets")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER admin_audit_no_change ON admin_audit")
        op.execute("DROP FUNCTION admin_audit_append_only()")
    op.drop_index(op.f("ix_admin_audit_actor_id"), table_name="admin_audit")
    op.drop_index(op.f("ix_admin_audit_created_at"), table_name="admin_audit")
    op.drop_table("admin_audit")
    op.drop_table("org_settings")
    op.drop_index(op.f("ix_users_oidc_subject"), table_name="users")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("oidc_subject")
        batch.drop_column("last_login_at")
    with op.batch_alter_table("behaviours") as batch:
        batch.drop_column("active")
    with op.batch_alter_table("units") as batch:
        batch.drop_column("active")
