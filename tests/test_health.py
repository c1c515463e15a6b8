"""GET /healthz: 200 when the database answers, 503 (JSON) when it does not."""

from __future__ import annotations

import pytest

from ideas import create_app
from ideas.extensions import db


def test_healthy(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["checks"]["database"] == "ok"
    assert body["status"] in ("ok", "degraded")  # a broker that is down is reported only
    assert response.headers["Cache-Control"] == "no-store"


@pytest.fixture
def app_with_database(app, tmp_path, monkeypatch):
    """An app of its own on the given database URL, with a session of its own (the
    test session is bound to the healthy test database)."""
    made = []
    monkeypatch.setattr(db, "session", db._make_scoped_session({}))

    def make(url: str):
        new = create_app(
            {"TESTING": True, "INSTANCE_PATH": str(tmp_path), "DATABASE_URL": url,
             "SECRET_KEY": "test"}
        )  # fmt: skip
        made.append(new)
        return new

    yield make
    db.session.remove()
    app.extensions["celery"].set_default()
    for new in made:
        with new.app_context():
            db.engine.dispose()


@pytest.mark.parametrize(
    "url",
    [
        # A PostgreSQL server that is not there (nothing listens on port 1).
        "postgresql://ideas@127.0.0.1:1/ideas?connect_timeout=3",
        # An SQLite file in a folder that does not exist.
        "sqlite:////nonexistent-folder-for-ideas-tests/ideas.sqlite3",
    ],
)
def test_database_unreachable(app_with_database, url):
    response = app_with_database(url).test_client().get("/healthz")

    assert response.status_code == 503
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"].startswith("error: OperationalError")
