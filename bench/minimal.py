"""The web ceiling: the smallest Flask app, one route answering a short text.

Served by ``bench.serve`` with the same gunicorn command and worker count as the
application (``python -m bench.serve PORT WORKERS minimal``), so that what separates a
page from this ceiling is the application's own work: its middleware, session, database
and templates, not the server or Flask itself.
"""

from __future__ import annotations

from flask import Flask

app = Flask(__name__)


@app.get("/")
def ok() -> str:
    return "ok"
