"""Celery bound to the Flask app (the pattern of Flask's own Celery example).

Reliability, chosen deliberately (the README explains each):
- JSON only, tasks carry ids only.
- ``acks_late`` with idempotent tasks, and ``reject_on_worker_lost``: a task whose
  worker dies is delivered again; the outbox row's attempt counter caps how often.
- Redis's visibility timeout (1 h) is longer than any retry countdown (10 min max),
  so a waiting retry is never handed to a second worker meanwhile.
- Time limits, so a hung SMTP server cannot hold a worker forever.
- Retries with exponential backoff and jitter for transient errors (SMTP, network,
  a database that is restarting).
"""

from __future__ import annotations

import os

from celery import Celery, Task
from celery.schedules import crontab
from flask import Flask

from ideas.extensions import db

MAX_RETRY_DELAY = 600


def celery_init_app(app: Flask) -> Celery:
    """Create the Celery app for ``app``; every task runs inside an app context."""

    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                try:
                    return self.run(*args, **kwargs)
                finally:
                    db.session.remove()

    broker = app.config.get("BROKER_URL") or (
        "sqla+sqlite:///" + os.path.join(app.instance_path, "broker.sqlite3")
    )
    celery_app = Celery(app.name, task_cls=FlaskTask, include=["worker.tasks"])
    celery_app.config_from_object(
        {
            "broker_url": str(broker),
            "task_ignore_result": True,
            "task_serializer": "json",
            "result_serializer": "json",
            "accept_content": ["json"],
            "timezone": "Europe/Stockholm",
            "enable_utc": True,
            "task_acks_late": True,
            "task_reject_on_worker_lost": True,
            "worker_prefetch_multiplier": 1,
            "task_time_limit": 300,
            "task_soft_time_limit": 240,
            "broker_connection_retry_on_startup": True,
            "broker_connection_timeout": 2,
            # Redis: longer than any retry countdown. (The SQLAlchemy transport hands
            # its options to create_engine, and has no visibility timeout.)
            "broker_transport_options": (
                {"visibility_timeout": 3600} if str(broker).startswith("redis") else {}
            ),
            "worker_hijack_root_logger": False,
            "beat_schedule_filename": os.path.join(app.instance_path, "celerybeat-schedule"),
            "beat_schedule": {
                "sweep-outbox": {
                    "task": "ideas.sweep_outbox",
                    # IDEAS_OUTBOX_SWEEP_INTERVAL_SECONDS: shorter in the scale tests.
                    "schedule": float(app.config.get("OUTBOX_SWEEP_INTERVAL_SECONDS", 60)),
                },
                "check-deadlines": {"task": "ideas.check_deadlines", "schedule": crontab(minute=5)},
                "purge-reports": {"task": "ideas.purge_reports", "schedule": crontab(minute=35)},
                "digests": {
                    "task": "ideas.run_digests",
                    "schedule": crontab(hour=int(app.config["DIGEST_HOUR"]), minute=0),
                },
            },
        }
    )
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app
