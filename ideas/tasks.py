"""Celery bound to the Flask app (the pattern of Flask's own Celery example)."""

from __future__ import annotations

import os

from celery import Celery, Task
from flask import Flask


def celery_init_app(app: Flask) -> Celery:
    """Create the Celery app for ``app``; every task runs inside an app context."""

    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    broker = app.config.get("BROKER_URL") or (
        "sqla+sqlite:///" + os.path.join(app.instance_path, "broker.sqlite3")
    )
    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.config_from_object(
        {
            "broker_url": str(broker),
            "task_ignore_result": True,
            "task_serializer": "json",
            "result_serializer": "json",
            "accept_content": ["json"],
            "timezone": "Europe/Stockholm",
        }
    )
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app
