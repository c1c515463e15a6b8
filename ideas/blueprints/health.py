"""GET /healthz: can this process serve? For load balancers and operators.

The database is required: without it the answer is 503. The broker is reported but
not required: while it is down, submissions are still committed and their tasks wait
in the outbox, so the web stays in service and the answer is 200, "degraded".
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from ideas.extensions import db
from ideas.security import public

bp = Blueprint("health", __name__)


def _database() -> str:
    try:
        db.session.execute(text("SELECT 1"))
        return "ok"
    except Exception as exc:  # any failure means "not healthy", and says which kind
        db.session.rollback()
        return f"error: {type(exc).__name__}"


def _broker() -> str:
    celery = current_app.extensions["celery"]
    try:
        with celery.connection_for_read() as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, timeout=2)
        return "ok"
    except Exception as exc:
        return f"error: {type(exc).__name__}"


@bp.get("/healthz")
@public
def healthz():
    checks = {"database": _database(), "broker": _broker()}
    if checks["database"] != "ok":
        status, code = "unavailable", 503
    elif checks["broker"] != "ok":
        status, code = "degraded", 200
    else:
        status, code = "ok", 200
    response = jsonify({"status": status, "checks": checks})
    response.status_code = code
    response.headers["Cache-Control"] = "no-store"
    return response
