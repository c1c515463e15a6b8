"""The migrations: empty -> head -> base -> head, on SQLite and on PostgreSQL.

Each run uses a database of its own: a fresh SQLite file, and (when
IDEAS_TEST_DATABASE_URL points at PostgreSQL) a temporary database created on the
same server and dropped afterwards.
"""

from __future__ import annotations

import os
import secrets
import unicodedata

import pytest
from flask import current_app
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from ideas import create_app
from ideas.config import normalize_database_url
from ideas.extensions import db

TEST_DATABASE_URL = os.environ.get("IDEAS_TEST_DATABASE_URL", "")
ON_POSTGRES = TEST_DATABASE_URL.startswith(("postgres://", "postgresql"))

# The organisation's values (DESIGN.md section 4), spelled exactly as in its own text.
EXPECTED_VALUES = [
    ("Vi är öppna", ["ärliga", "håller vad vi lovar", "lyhörda", "visar varandra respekt",
                     "löser det tillsammans"]),
    ("Vi är framåt", ["modiga", "kreativa", "agerar", "lär av erfarenheter och vår omvärld",
                      "tänker långsiktigt"]),
    ("Vi vill", ["tar ansvar", "ser till helheten", "service i fokus",
                 "utvecklar och tillvaratar kompetens", "krånglar inte till det"]),
]  # fmt: skip


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    config = current_app.extensions["migrate"].migrate.get_config()
    return ScriptDirectory.from_config(config).get_current_head()


def tables() -> set[str]:
    return set(inspect(db.engine).get_table_names())


def check_schema_at_head() -> None:
    with db.engine.connect() as conn:
        assert conn.scalar(text("SELECT version_num FROM alembic_version")) == head_revision()
        values = conn.execute(text('SELECT id, name FROM "values" ORDER BY position')).all()
        found = []
        for value_id, name in values:
            behaviours = conn.scalars(
                text("SELECT text FROM behaviours WHERE value_id = :v ORDER BY position"),
                {"v": value_id},
            ).all()
            found.append((name, list(behaviours)))
    assert found == EXPECTED_VALUES
    for name, behaviours in found:
        for word in (name, *behaviours):
            assert unicodedata.is_normalized("NFC", word), word  # å, ä, ö as one character
    assert {"users", "units", "items", "item_history", "outbox", "emails"} <= tables()


def check_history_is_append_only_and_defaults() -> None:
    """Behaviour the migrations build: the append-only history, server defaults."""
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO units (code, name) VALUES ('U', 'Enhet')"))
        unit_id = conn.scalar(text("SELECT id FROM units WHERE code = 'U'"))
        conn.execute(
            text(
                "INSERT INTO users (email, name, role, active, created_at) "
                "VALUES ('a@example.se', 'A', 'employee', true, CURRENT_TIMESTAMP)"
            )
        )
        digest, absent, epoch = conn.execute(
            text("SELECT digest_frequency, absent, session_epoch FROM users")
        ).one()
        assert (digest, bool(absent), epoch) == ("weekly", False, 0)
        conn.execute(
            text(
                "INSERT INTO items (kind, title, description, benefit, status, unit_id, "
                "support_count, comment_count, created_at, updated_at) VALUES ('idea', "
                "'Förslag', 'Text', '', 'submitted', :u, 0, 0, CURRENT_TIMESTAMP, "
                "CURRENT_TIMESTAMP)"
            ),
            {"u": unit_id},
        )
        item_id = conn.scalar(text("SELECT id FROM items"))
        conn.execute(
            text(
                "INSERT INTO item_history (item_id, created_at, action, comment) "
                "VALUES (:i, CURRENT_TIMESTAMP, 'submitted', '')"
            ),
            {"i": item_id},
        )
    for statement in ("UPDATE item_history SET comment = 'changed'", "DELETE FROM item_history"):
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.execute(text(statement))
    # Leave the database as a downgrade expects to find it: no data in the way.
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE items, units, users CASCADE"))
        else:
            for table in ("item_history_no_delete",):
                conn.execute(text(f"DROP TRIGGER {table}"))
            for table in ("item_history", "items", "users", "units"):
                conn.execute(text(f"DELETE FROM {table}"))


def round_trip(app_under_test) -> None:
    with app_under_test.app_context():
        assert tables() == set()

        upgrade()
        check_schema_at_head()
        check_history_is_append_only_and_defaults()

        downgrade(revision="base")
        assert tables() == {"alembic_version"}
        with db.engine.connect() as conn:
            assert conn.scalar(text("SELECT count(*) FROM alembic_version")) == 0

        upgrade()
        check_schema_at_head()  # the values once, not twice
        check_history_is_append_only_and_defaults()


@pytest.fixture
def app_on(app, tmp_path):
    """An app of its own on the given database; the session app's Celery after."""
    made = []

    def make(url: str):
        new = create_app(
            {"TESTING": True, "INSTANCE_PATH": str(tmp_path), "DATABASE_URL": url,
             "SECRET_KEY": "test"}
        )  # fmt: skip
        made.append(new)
        return new

    yield make
    app.extensions["celery"].set_default()
    for new in made:
        with new.app_context():
            db.engine.dispose()


def test_round_trip_on_a_fresh_sqlite_file(app_on, tmp_path):
    round_trip(app_on(f"sqlite:///{tmp_path / 'migrations.sqlite3'}"))


def test_an_upgrade_keeps_the_accounts_made_before_it(app_on, tmp_path):
    """An operator's upgrade from before sessions had an epoch (0012) and the API kept
    answers (0013): the accounts stay, each at epoch 0 (its sessions go on)."""
    new = app_on(f"sqlite:///{tmp_path / 'upgrade.sqlite3'}")
    with new.app_context():
        upgrade(revision="0011")
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO users (email, name, role, active, created_at) "
                    "VALUES ('a@example.se', 'A', 'employee', true, CURRENT_TIMESTAMP)"
                )
            )
        upgrade()
        with db.engine.connect() as conn:
            users = conn.execute(text("SELECT email, session_epoch FROM users")).all()
            assert [tuple(u) for u in users] == [("a@example.se", 0)]
            assert conn.scalar(text("SELECT count(*) FROM idempotency_keys")) == 0


@pytest.mark.skipif(not ON_POSTGRES, reason="IDEAS_TEST_DATABASE_URL is not PostgreSQL")
def test_round_trip_on_a_fresh_postgresql_database(app_on):
    server = make_url(normalize_database_url(TEST_DATABASE_URL))
    name = f"ideas_migrations_{secrets.token_hex(6)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = server.set(database=name).render_as_string(hide_password=False)
        new = app_on(url)
        round_trip(new)
        with new.app_context():
            db.engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
