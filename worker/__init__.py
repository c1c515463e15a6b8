"""The Celery entry module: ``celery -A worker worker`` and ``celery -A worker beat``.

The Flask app (and with it the Celery app) is built when the ``celery`` command asks
for ``worker.celery``, not when this package is imported: importing ``worker.tasks``
from an app that already exists (the embedded server, the tests) must not build a
second app with other settings.
"""

from __future__ import annotations

from functools import cache


@cache
def _flask_app():
    from ideas import create_app

    return create_app()


def __getattr__(name: str):
    if name == "flask_app":
        return _flask_app()
    if name in ("celery", "app"):
        return _flask_app().extensions["celery"]
    raise AttributeError(name)
