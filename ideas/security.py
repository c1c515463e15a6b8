"""Login required by default; an explicit allow-list of public views; response headers."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ideas.extensions import db, login_manager
from ideas.models import User


def public(view: Callable) -> Callable:
    """Mark a view as reachable without logging in. Everything else needs a login."""
    view.is_public = True
    return view


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    try:
        user = db.session.get(User, int(user_id))
    except ValueError:
        return None
    return user if user is not None and user.active else None


def _require_login():
    if request.endpoint is None:  # 404 and 405: let the error handlers answer
        return None
    if request.blueprint == "api":  # bearer tokens, checked by the API itself
        return None
    if request.endpoint == "static":  # the login page needs its stylesheet
        return None
    view = current_app.view_functions.get(request.endpoint)
    if getattr(view, "is_public", False):
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


def _security_headers(response):
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    )
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Log in to continue.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @app.before_request
    def _sessions_expire():
        # A permanent session expires PERMANENT_SESSION_LIFETIME after the last request.
        # The API has no session: it sets no cookie.
        if request.blueprint != "api":
            session.permanent = True

    app.before_request(_require_login)
    app.after_request(_security_headers)


def safe_next_url(target: str | None) -> str:
    """Only same-site paths are followed after login, never another host."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("ideas.index")


__all__ = ["public", "redirect", "safe_next_url"]
