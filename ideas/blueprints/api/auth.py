"""Who is calling: a personal API token in ``Authorization: Bearer ...``, nothing else.

The session cookie never authenticates an API call, so a page on another site cannot
make a logged-in browser act through the API (that is why the API needs no CSRF token).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, g, request

from ideas.blueprints.api import bp
from ideas.blueprints.api.errors import ApiError
from ideas.extensions import db
from ideas.models import User
from ideas.services import accounts


def public(view: Callable) -> Callable:
    """Mark an API view as answering without a token (the OpenAPI document)."""
    view.is_public = True
    return view


def api_user() -> User:
    """The user the current request's token belongs to."""
    return g.api_user


def api_token() -> str:
    """The token the current request presented (to open a case handler's key)."""
    return g.api_token


@bp.before_request
def _authenticate():
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "is_public", False):
        return None
    credentials = request.authorization
    if credentials is None or credentials.type != "bearer" or not credentials.token:
        raise ApiError(
            401,
            "Authentication required: send 'Authorization: Bearer <token>'.",
            headers={"WWW-Authenticate": 'Bearer realm="api"'},
        )
    user = accounts.user_for_token(credentials.token)
    g.api_token = credentials.token
    if user is None:
        raise ApiError(
            401,
            "The API token is unknown, revoked or belongs to a deactivated account.",
            headers={"WWW-Authenticate": 'Bearer realm="api", error="invalid_token"'},
        )
    if db.session.dirty:
        # The token's last use (recorded at most hourly) is kept whatever the request
        # itself comes to: it is committed on its own, before anything else is done.
        db.session.commit()
    g.api_user = user
    return None
