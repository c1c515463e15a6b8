"""The embedded default (SQLite): a form that reads and then writes is not refused
because the worker wrote in between. Begun deferred, the request's transaction would
hold a read snapshot that SQLite cannot turn into a write once another connection has
committed ("database is locked", a 503); begun immediate, it waits its turn instead."""

from __future__ import annotations

import sqlite3
import threading

import pytest
from sqlalchemy import select

from ideas import create_app
from ideas.extensions import db
from ideas.models import Comment
from ideas.services import items
from tests import factories
from tests.conftest import Auth, IsolatedClient

pytestmark = pytest.mark.commits  # the real session: commits are commits


@pytest.fixture
def site(tmp_path):
    path = tmp_path / "ideas.sqlite3"
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path),
            "DATABASE_URL": f"sqlite:///{path}",
            "SECRET_KEY": "sqlite-writes-test",
            "CHEAP_PASSWORD_HASHING": True,
            "OUTBOX_RELAY": False,
            "BROKER_URL": f"sqla+sqlite:///{tmp_path / 'broker.sqlite3'}",
            "PAGE_CACHE_URL": None,
            "SERVER_NAME": None,
        }
    )
    app.test_client_class = IsolatedClient
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        org = factories.organisation()
        idea = items.submit_idea(
            org.anna,
            title="Fler cykelställ",
            description="De räcker inte till.",
            unit="VOO",
            values=["Vi vill"],
        )
        db.session.commit()
        idea_id = idea.id
    yield app, path, idea_id
    with app.app_context():
        db.engine.dispose()


def test_a_comment_is_saved_when_the_worker_writes_while_it_is_posted(site, monkeypatch):
    app, path, idea_id = site
    auth = Auth(app.test_client())
    auth.login("bo@example.se")
    url = f"/ideas/{idea_id}"
    token = auth.csrf(url)
    worker_wrote = threading.Event()

    def worker_writes():  # another process's connection, as the worker's is
        conn = sqlite3.connect(path, timeout=10)
        conn.execute("UPDATE units SET name = 'Vård och omsorg (VOO)' WHERE code = 'VOO'")
        conn.commit()
        conn.close()
        worker_wrote.set()

    real_add_comment = items.add_comment

    def add_comment_while_the_worker_writes(item, author, body):
        # The request has read the item: now the worker writes, and is given two
        # seconds, before the request writes in turn.
        writer = threading.Thread(target=worker_writes)
        writer.start()
        writer.join(timeout=2)
        return real_add_comment(item, author, body)

    monkeypatch.setattr(items, "add_comment", add_comment_while_the_worker_writes)
    response = auth.client.post(
        f"{url}/comments", data={"body": "Samma sak hos oss.", "csrf_token": token}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    assert worker_wrote.wait(10), "the worker's write waited for the request, then went in"
    with app.app_context():
        bodies = db.session.scalars(select(Comment.body).where(Comment.item_id == idea_id))
        assert "Samma sak hos oss." in list(bodies)
