"""Test set-up: the schema is built once per session by running the migrations; each
test runs inside a transaction that is rolled back at the end.

``IDEAS_TEST_DATABASE_URL`` selects a real PostgreSQL database (CI sets it); without
it the suite runs on an SQLite file.
"""

from __future__ import annotations

import contextvars
import os
import re

import pytest
from flask.testing import FlaskClient
from flask_sqlalchemy.session import Session as FlaskSQLAlchemySession
from sqlalchemy import event, text

from ideas import clock, create_app
from ideas.extensions import db
from tests import factories

TEST_DATABASE_URL = os.environ.get("IDEAS_TEST_DATABASE_URL")
TEST_BROKER_URL = os.environ.get("IDEAS_TEST_BROKER_URL")


def _reset_postgres(url: str) -> None:
    from sqlalchemy import create_engine

    from ideas.config import normalize_database_url

    engine = create_engine(normalize_database_url(url))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


class ConnectionBoundSession(FlaskSQLAlchemySession):
    """Flask-SQLAlchemy's session picks an engine per model and so ignores a ``bind``
    given to the session; the test session must use the test's connection."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        return bind if bind is not None else self.bind


class IsolatedClient(FlaskClient):
    """Each request runs in a context of its own, as in a real server: its own app
    context, ``g`` and database session (sharing the test's transaction), so nothing
    cached in one request (the CSRF token, the logged-in user) leaks into the next."""

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    instance = tmp_path_factory.mktemp("instance")
    url = TEST_DATABASE_URL or f"sqlite:///{instance / 'test.sqlite3'}"
    if url.startswith(("postgres://", "postgresql")):
        _reset_postgres(url)
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(instance),
            "DATABASE_URL": url,
            "SECRET_KEY": "test-secret",
            "CHEAP_PASSWORD_HASHING": True,
            # Tasks stay in the outbox: the worker tests relay them for real.
            "OUTBOX_RELAY": False,
            # Real Redis where the environment has it (CI), the embedded transport else.
            "BROKER_URL": TEST_BROKER_URL or f"sqla+sqlite:///{instance / 'broker.sqlite3'}",
            "SERVER_NAME": None,
            # Each test rolls its transaction back: the numbers of page_versions come
            # again, which a real database never does. tests/web/test_page_cache.py
            # tests the cache on commits of its own.
            "PAGE_CACHE_URL": None,
            # For the same reason: the organisation's lists are not kept between
            # requests (ideas.page_cache.org_memo), whose versions do not move here.
            "ORG_MEMO": False,
        }
    )
    app.test_client_class = IsolatedClient
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


def _delete_everything() -> None:
    """Empty every table the tests write (the migration's values stay)."""
    keep = {"values", "behaviours", "alembic_version", "site_secrets", "page_versions"}
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(
                f'"{t.name}"' for t in db.metadata.sorted_tables if t.name not in keep
            )
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            # The append-only triggers are set aside, then put back as they were.
            triggers = conn.execute(
                text(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                    "AND tbl_name IN ('item_history', 'report_audit')"
                )
            ).all()
            for name, _sql in triggers:
                conn.execute(text(f'DROP TRIGGER "{name}"'))
            conn.execute(text("UPDATE units SET manager_id = NULL"))
            for table in reversed(db.metadata.sorted_tables):
                if table.name not in keep:
                    conn.execute(table.delete())
            for _name, sql in triggers:
                conn.execute(text(sql))


@pytest.fixture(autouse=True)
def _isolated(request, app):
    """Each test in a transaction rolled back at the end (SQLAlchemy's recipe for
    joining a session into an external transaction); commits become savepoints.

    Tests marked ``commits`` (a real worker, other processes) commit for real and
    find every table emptied afterwards."""
    if request.node.get_closest_marker("commits"):
        with app.app_context():
            try:
                yield
            finally:
                db.session.remove()
                _delete_everything()
                clock.reset()
        return
    with app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        original = db.session
        db.session = db._make_scoped_session(
            {
                "bind": connection,
                "join_transaction_mode": "create_savepoint",
                "class_": ConnectionBoundSession,
            }
        )
        try:
            yield
        finally:
            db.session.remove()
            transaction.rollback()
            connection.close()
            db.session = original
            clock.reset()


@pytest.fixture(autouse=True)
def _fresh_rate_limits(app):
    """Every test starts with no request counted against any rate limit."""
    from ideas.extensions import limiter

    with app.app_context():
        limiter.reset()


@pytest.fixture
def session(app):
    return db.session


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def org(app):
    """A small organisation: a förvaltning with two units, their managers, employees."""
    return factories.organisation()


@pytest.fixture
def count_queries(app):
    """Counts the SQL statements run inside a ``with count_queries() as q`` block."""

    class Counter:
        def __init__(self):
            self.statements: list[str] = []

        @property
        def count(self) -> int:
            return len(self.statements)

        def __enter__(self):
            event.listen(db.engine, "before_cursor_execute", self._on)
            return self

        def __exit__(self, *exc):
            event.remove(db.engine, "before_cursor_execute", self._on)

        def _on(self, conn, cursor, statement, parameters, context, executemany):
            if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
                self.statements.append(statement)

    return Counter


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Auth:
    """Log in and out, and post forms with their CSRF token, as a browser would."""

    def __init__(self, client):
        self.client = client

    def csrf(self, url: str = "/login") -> str:
        page = self.client.get(url).get_data(as_text=True)
        match = CSRF_RE.search(page)
        assert match, f"no CSRF token on {url}"
        return match.group(1)

    def login(self, email: str, password: str = factories.PASSWORD):
        response = self.client.post(
            "/login",
            data={"email": email, "password": password, "csrf_token": self.csrf("/login")},
        )
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return response

    def logout(self):
        return self.client.post("/logout", data={"csrf_token": self.csrf("/ideas")})

    def post(self, url: str, data: dict | None = None, *, token_from: str = "/ideas", **kw):
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf(token_from))
        return self.client.post(url, data=data, **kw)


@pytest.fixture
def auth(client):
    return Auth(client)


@pytest.fixture
def smtp(app, monkeypatch):
    """A real SMTP server for this test; the app sends its e-mail there."""
    from tests.smtp import SMTPServer

    server = SMTPServer().start()
    monkeypatch.setitem(app.config, "SMTP_URL", server.url)
    yield server.inbox
    server.stop()


@pytest.fixture
def outbox_tasks(session):
    """The tasks queued in the outbox during the test: ``[(task, args), ...]``."""
    from sqlalchemy import select

    from ideas.models import OutboxMessage

    def tasks():
        return [
            (m.task, m.args)
            for m in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        ]

    return tasks
