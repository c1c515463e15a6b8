"""Administration on the web (``/admin``, admins only; 403 for everyone else): people,
units, values, deadlines, case handlers, categories and the admin audit log. One module
a subject; every change is logged through ``ideas.services.audit``."""

from __future__ import annotations

from flask import Blueprint, abort
from flask_login import current_user

from ideas.models import Role

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def _admins_only():
    if current_user.is_authenticated and current_user.role != Role.ADMIN:
        abort(403)


# The views register themselves on ``bp`` when imported.
from ideas.blueprints.admin import (  # noqa: E402, F401
    audit,
    categories,
    deadlines,
    handlers,
    home,
    people,
    units,
    values,
)
