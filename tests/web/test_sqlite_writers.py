"""The embedded default: web requests and the worker write to one SQLite file. A form
sent while the worker writes is saved, not refused with "database is locked"."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select, text

from ideas.extensions import db
from ideas.models import Comment, User
from ideas.services import items as item_service
from tests import factories

pytestmark = pytest.mark.commits


def test_a_form_sent_while_the_worker_writes_is_saved(app, client, auth, monkeypatch):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's writers do not take turns over the whole file")
    org = factories.organisation()
    idea = factories.idea(org.anna)
    db.session.commit()
    idea_id, bo_id = idea.id, org.bo.id
    auth.login(org.bo.email)
    url = f"/ideas/{idea_id}"
    token_page = url
    worker_done = threading.Event()
    add_comment = item_service.add_comment

    def the_worker(engine):
        with engine.begin() as conn:  # the worker's own write, from another connection
            conn.execute(text("UPDATE users SET absent = 1 WHERE id = :id"), {"id": bo_id})
        worker_done.set()

    def add_comment_while_the_worker_writes(item, user, body, files=()):
        # The request has read (the user, the idea); now the worker writes and commits
        # before the request writes its comment.
        threading.Thread(target=the_worker, args=(db.engine,)).start()
        time.sleep(0.5)
        return add_comment(item, user, body, files)

    monkeypatch.setattr(item_service, "add_comment", add_comment_while_the_worker_writes)
    response = auth.post(f"{url}/comments", {"body": "Vi provar i vår"}, token_from=token_page)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    assert worker_done.wait(15)
    db.session.remove()
    assert db.session.scalar(select(func.count(Comment.id))) == 1
    assert db.session.get(User, bo_id).absent is True


def test_an_item_opened_while_the_worker_writes_is_read(app, client, auth, monkeypatch):
    """Opening an item reads its notifications: a write after the page is made, in a
    GET, which begins its transactions as a reader. The worker commits just before the
    write; the page still comes, and the notification is read."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's writers do not take turns over the whole file")
    from ideas.models import Notification
    from ideas.services import notifications

    org = factories.organisation()
    idea = factories.idea(org.anna)
    item_service.add_comment(idea, org.bo, "Bra idé!")
    db.session.commit()
    idea_id, anna_id, bo_id = idea.id, org.anna.id, org.bo.id
    auth.login(org.anna.email)
    mark_item_read = notifications.mark_item_read

    def the_worker(engine):
        with engine.begin() as conn:
            conn.execute(text("UPDATE users SET absent = 1 WHERE id = :id"), {"id": bo_id})

    def marked_after_the_worker_wrote(user_id, item_id):
        worker = threading.Thread(target=the_worker, args=(db.engine,))
        worker.start()
        worker.join(15)
        return mark_item_read(user_id, item_id)

    monkeypatch.setattr(notifications, "mark_item_read", marked_after_the_worker_wrote)
    response = client.get(f"/ideas/{idea_id}")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    db.session.remove()
    assert db.session.get(User, bo_id).absent is True
    read = db.session.scalar(select(Notification.read_at).where(Notification.user_id == anna_id))
    assert read is not None
