"""GET /healthz: is this process able to serve? For load balancers and operators."""

from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import text

from ideas.extensions import db
from ideas.security import public

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@public
def healthz():
    checks = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # any failure means "not healthy", and says which kind
        db.session.rollback()
        checks["database"] = f"error: {type(exc).__name__}"
    healthy = all(v == "ok" for v in checks.values())
    response = jsonify({"status": "ok" if healthy else "unavailable", "checks": checks})
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response
