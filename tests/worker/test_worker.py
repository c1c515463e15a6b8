"""Nothing lost, nothing twice: the outbox, a real worker, a real SMTP server."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time

import pytest
from celery.contrib.testing.worker import start_worker
from sqlalchemy import func, select

from ideas import create_app
from ideas.extensions import db
from ideas.models import Email, Item, OutboxMessage
from ideas.services import outbox
from tests import factories
from tests.smtp import free_port
from tests.worker.conftest import wait_for
from worker.tasks import sweep_outbox

pytestmark = pytest.mark.commits


def assigned_mail(smtp, email):
    return [m for m in smtp.to(email) if m["Subject"].startswith("Nytt förslag")]


def test_a_committed_idea_is_routed_and_its_manager_told_once(app, worker, smtp):
    org = factories.organisation()
    idea = factories.idea(org.anna)
    db.session.commit()
    idea_id, boss_email = idea.id, org.boss.email

    def routed():
        """the idea is routed and the manager's e-mail sent"""
        item = db.session.get(Item, idea_id)
        return item.assignee_id is not None and assigned_mail(smtp, boss_email)

    wait_for(routed)
    assert db.session.get(Item, idea_id).assignee.email == boss_email
    wait_for(
        lambda: (
            db.session.scalar(
                select(func.count(OutboxMessage.id)).where(OutboxMessage.processed_at.is_(None))
            )
            == 0
        )
    )
    assert len(assigned_mail(smtp, boss_email)) == 1


def test_a_task_delivered_twice_sends_one_email(app, worker, smtp):
    org = factories.organisation()
    idea = factories.idea(org.anna)
    db.session.commit()
    celery = app.extensions["celery"]
    for _ in range(2):  # as if the broker redelivered, or the sweep re-sent it
        celery.send_task("ideas.route_item", kwargs={"item_id": idea.id})
    boss_email = org.boss.email
    wait_for(lambda: assigned_mail(smtp, boss_email))
    email_id = db.session.scalar(select(Email.id).where(Email.recipient == boss_email))
    for _ in range(2):
        celery.send_task("ideas.send_email", kwargs={"email_id": email_id})
    wait_for(
        lambda: (
            db.session.scalar(
                select(func.count(OutboxMessage.id)).where(OutboxMessage.processed_at.is_(None))
            )
            == 0
        )
    )
    time.sleep(1)  # give a wrong second e-mail the chance to arrive before counting
    assert len(assigned_mail(smtp, boss_email)) == 1


def test_a_rolled_back_submission_sends_nothing(app, celery_app, monkeypatch):
    published = []
    real_publish = outbox.publish
    monkeypatch.setattr(
        outbox, "publish", lambda msgs: published.extend(msgs) or real_publish(msgs)
    )
    org = factories.organisation()
    db.session.commit()
    factories.idea(org.anna, title="Ångrat förslag")
    db.session.rollback()
    assert published == []
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0
    factories.idea(org.anna, title="Sparat förslag")
    db.session.commit()
    assert [task for _id, task, _args in published] == ["ideas.route_item"]


def _redis_server(port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("redis-server did not start")


@pytest.mark.skipif(
    shutil.which("redis-server") is None,
    reason="needs the redis-server program to stop and start a broker",
)
def test_an_idea_submitted_while_the_broker_is_down_is_routed_when_it_is_back(app, smtp):
    """A private Redis, and an app of its own on the same database, so that stopping
    this broker disturbs nothing else."""
    port = free_port()
    broker = _redis_server(port)
    private = create_app(
        {
            **app.config,
            "BROKER_URL": f"redis://127.0.0.1:{port}/0",
            "INSTANCE_PATH": app.instance_path,
            "OUTBOX_RELAY": True,
            "OUTBOX_SWEEP_AFTER_SECONDS": 0,
        }
    )
    celery = private.extensions["celery"]
    try:
        with private.app_context():
            org = factories.organisation()
            db.session.commit()
            broker.kill()
            broker.wait()
            idea = factories.idea(org.anna)
            db.session.commit()  # the commit succeeds; handing on the task does not
            idea_id, boss_email = idea.id, org.boss.email
            pending = db.session.scalar(
                select(OutboxMessage).where(OutboxMessage.task == "ideas.route_item")
            )
            assert pending.processed_at is None and pending.relayed_at is None

            broker = _redis_server(port)
            with start_worker(celery, pool="solo", perform_ping_check=False, shutdown_timeout=30):
                assert sweep_outbox.run() == 1  # what beat does every minute
                wait_for(lambda: db.session.get(Item, idea_id).assignee_id is not None)
                wait_for(lambda: assigned_mail(smtp, boss_email))
            assert len(assigned_mail(smtp, boss_email)) == 1
            db.session.remove()
    finally:
        broker.kill()
        broker.wait()
        app.extensions["celery"].set_default()
        with private.app_context():
            db.engine.dispose()


def test_a_savepoint_does_not_hand_on_tasks_before_the_real_commit(app, celery_app, monkeypatch):
    published = []
    monkeypatch.setattr(outbox, "publish", lambda msgs: published.extend(msgs) or len(msgs))
    org = factories.organisation()
    db.session.commit()
    idea = factories.idea(org.anna)
    with db.session.begin_nested():  # e.g. the e-mail record's savepoint
        db.session.flush()
    assert published == []
    db.session.rollback()
    assert published == [] and db.session.get(Item, idea.id) is None
    factories.idea(org.anna)
    with db.session.begin_nested():
        db.session.flush()
    assert published == []
    db.session.commit()
    assert [task for _id, task, _args in published] == ["ideas.route_item"]
