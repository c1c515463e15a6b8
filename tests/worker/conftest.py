"""A real Celery worker, in a thread of the test process, on the test broker
(Redis when IDEAS_TEST_BROKER_URL is set, the embedded SQLAlchemy transport else)."""

from __future__ import annotations

import time

import pytest
from celery.contrib.testing.worker import start_worker

from ideas.extensions import db


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.1):
    """Poll until ``predicate()`` is true: waiting for another process, bounded."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.rollback()  # see the worker's commits
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"not within {timeout} s: {predicate.__doc__ or predicate}")


@pytest.fixture
def celery_app(app, monkeypatch):
    monkeypatch.setitem(app.config, "OUTBOX_RELAY", True)
    celery = app.extensions["celery"]
    celery.control.purge()  # nothing left over from an earlier run
    return celery


@pytest.fixture
def worker(celery_app):
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30) as w:
        yield w
