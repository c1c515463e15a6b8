"""The production worker (``celery -A worker worker``) with one more task: a no-op on
the same broker, the ceiling for routing. It counts itself in Redis, so the bench
knows when the last one is done.

    celery -A bench.celery_app worker
"""

from __future__ import annotations

import os

import redis

from worker import celery as app  # noqa: F401 - the Celery app the worker serves

_counter = None


@app.task(name="bench.noop", ignore_result=True)
def noop() -> None:
    global _counter
    if _counter is None:
        _counter = redis.Redis.from_url(os.environ["IDEAS_BROKER_URL"])
    _counter.incr("bench:noop")


celery = app
