"""Login required by default; an explicit allow-list of public views; response headers;
input no view can store (NUL characters); keys for rate limits; trusted proxies."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from werkzeug.middleware.proxy_fix import ProxyFix

from ideas import page_cache
from ideas.extensions import db, login_manager
from ideas.models import User


def public(view: Callable) -> Callable:
    """Mark a view as reachable without logging in. Everything else needs a login."""
    view.is_public = True
    return view


@login_manager.user_loader
def _load_user(session_id: str) -> User | None:
    """The session's user (``User.get_id``), while the account is active and its
    session epoch has not moved since the session began. A session from before
    migration 0012 holds the id alone: epoch 0, so an upgrade logs nobody out."""
    from ideas.blueprints.notifications import shown_unread
    from ideas.services.notifications import unread_columns

    user_id, _sep, epoch = session_id.partition(":")
    try:
        uid, epoch_number = int(user_id), int(epoch or 0)
    except ValueError:
        return None
    # The header's count of unread notifications comes with the user: no query of its own.
    row = db.session.execute(select(User, *unread_columns(uid)).where(User.id == uid)).first()
    if row is None:
        return None
    user, unread = row
    if not user.active or user.session_epoch != epoch_number:
        return None
    shown_unread(unread or 0)
    return user


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


CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def content_security_policy(app) -> str:
    """The policy, with the identity provider's origin among the form targets when
    single sign-on is on: the logout form's redirect to the provider's logout (RP-
    initiated logout) is a form navigation, which Chromium holds to form-action."""
    issuer = app.config.get("OIDC_ISSUER")
    if not issuer:
        return CONTENT_SECURITY_POLICY
    parts = urlsplit(issuer)
    origin = f"{parts.scheme}://{parts.netloc}"
    return CONTENT_SECURITY_POLICY.replace("form-action 'self'", f"form-action 'self' {origin}")


# The whistleblowing channel and the case pages: never cached, never named to another
# site in a Referer header (the path alone could tell that someone reported).
PRIVATE_PREFIXES = ("/report", "/cases")


def _is_private_path(path: str) -> bool:
    return any(path == p or path.startswith(p + "/") for p in PRIVATE_PREFIXES)


def _security_headers(response):
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    policy = response.headers.get("Content-Security-Policy")
    if policy is None:
        response.headers["Content-Security-Policy"] = current_app.extensions["ideas.csp"]
    elif "frame-ancestors" not in policy:
        # A view's own policy (a downloaded attachment's sandbox) still forbids framing.
        response.headers["Content-Security-Policy"] = policy + "; frame-ancestors 'none'"
    if _is_private_path(request.path):
        # Set here too, not only in the blueprints: a 404 under /report has no blueprint.
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


def _has_nul(value) -> bool:
    """Whether a NUL character hides in text, or anywhere in a JSON document (walked
    without recursion: a deeply nested document must not overflow the stack)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _refuse_nul_characters():
    """Nobody types a NUL character, and PostgreSQL cannot hold one in text: a request
    that carries one in its query, form, file names or JSON is a 400, never a 500 (and
    so is JSON nested deeper than the parser goes)."""
    texts: list = [*request.args.keys(), *request.args.listvalues()]
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        texts += [*request.form.keys(), *request.form.listvalues()]
        texts += [upload.filename or "" for _name, upload in request.files.items(multi=True)]
        if request.is_json:
            try:
                texts.append(request.get_json(silent=True))
            except RecursionError:  # json's parser gives up on deep nesting this way
                abort(400, description=_("The JSON document is nested too deeply."))
    if _has_nul(texts):
        abort(400, description=_("The request contains a character that is not allowed."))


def client_key(purpose: str) -> str:
    """Who is asking, for a rate limit only: a keyed hash of the client's address, never
    the address itself, kept in the limiter's store just for its window."""
    return keyed_hash(purpose, request.remote_addr or "")


def keyed_hash(purpose: str, value: str) -> str:
    """A keyed hash of ``value`` for rate-limit keys: the store never holds an address
    or an e-mail address, and the same value hashes apart for different purposes."""
    secret = current_app.config["SECRET_KEY"].encode()
    message = purpose.encode() + b":" + value.encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:32]


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

    app.before_request(_refuse_nul_characters)
    page_cache.init_app(app)  # a stored page, before the login check loads the user
    app.before_request(_require_login)
    app.extensions["ideas.csp"] = content_security_policy(app)
    app.after_request(_security_headers)

    # Behind reverse proxies that end TLS (IDEAS_TRUSTED_PROXIES: how many), their
    # X-Forwarded-For and -Proto tell the client's address (rate limits) and that it
    # came over https (HSTS). Without the setting, nobody can claim either by header.
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)


def safe_next_url(target: str | None) -> str:
    """Only same-site paths are followed after login, never another host."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("ideas.index")


__all__ = ["client_key", "keyed_hash", "public", "redirect", "safe_next_url"]
