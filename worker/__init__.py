"""The Celery entry module: ``celery -A worker worker`` and ``celery -A worker beat``.

It builds the Flask app once and exposes its Celery app; tasks themselves are written
with ``@shared_task`` and never import the app.
"""

from ideas import create_app

flask_app = create_app()
celery = flask_app.extensions["celery"]
