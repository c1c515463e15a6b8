"""Friendly error pages in the user's language; JSON under /api/."""

from __future__ import annotations

import contextlib
import logging

from flask import Flask, g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import HTTPException, InternalServerError

from ideas.extensions import db, login_manager

log = logging.getLogger(__name__)
# How long a client is asked to wait before trying again while the database is away.
RETRY_AFTER_SECONDS = 10


def wants_json() -> bool:
    return request.path.startswith("/api/")


def json_error(status: int, message: str, field: str | None = None, **extra):
    body = {"error": message, "status": status}
    if field:
        body["field"] = field
    body.update(extra)
    response = jsonify(body)
    response.status_code = status
    return response


def register_errorhandlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        if error.code == 413:
            return _too_large(error)
        if wants_json():
            return json_error(error.code or 500, error.description or error.name)
        code = error.code or 500
        if code not in (400, 403, 404, 405, 413, 429):
            return error
        template = "errors/404.html" if code == 405 else f"errors/{code}.html"
        if code in (405, 413, 429):
            template = "errors/400.html"
        # A description given on purpose (abort(400, description=...)) is shown; the
        # generic English one of the exception class is not, nor the English of
        # Flask-WTF's CSRF check or Flask-Limiter's "5 per 1 minute": ours instead.
        detail = error.description if error.description != type(error).description else None
        if isinstance(error, CSRFError):
            detail = _(
                "The form was too old, or not sent from this site. Reload the page and try again."
            )
        elif code == 429 and not getattr(getattr(error, "limit", None), "error_message", None):
            detail = _("Too many attempts in a short time. Wait a minute and try again.")
        return render_template(template, error=error, detail=detail), code

    def _too_large(error: HTTPException):
        """A request over the size limit, refused before it was read: on the pages and
        endpoints that take files, the limits of the files; elsewhere, the body."""
        from ideas.attachments import MAX_BYTES, MAX_FILES
        from ideas.web import FILE_ENDPOINTS

        takes_files = request.blueprint == "report" or request.endpoint in FILE_ENDPOINTS
        if wants_json():
            if takes_files:
                message = (
                    f"The request is too large: at most {MAX_FILES} files of at most "
                    f"{MAX_BYTES // (1024 * 1024)} MB each."
                )
                return json_error(413, message, "files")
            return json_error(413, "The request body is too large.")
        if takes_files:
            detail = _(
                "The files were too large to send: at most %(n)d files of at most "
                "%(mb)d MB each. Choose fewer or smaller files and try again.",
                n=MAX_FILES,
                mb=MAX_BYTES // (1024 * 1024),
            )
        else:
            detail = _("What was sent is too large.")
        return render_template("errors/400.html", error=error, detail=detail), 413

    @app.errorhandler(InternalServerError)
    def _server_error(error):
        db.session.rollback()
        if wants_json():
            return json_error(500, "Internal server error.")
        return render_template("errors/500.html"), 500

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    @app.errorhandler(PoolTimeoutError)
    def _database_unavailable(error):
        """The database cannot be reached (restarting, failing over, overloaded): 503,
        not a 500 with a trace. The transaction is rolled back: nothing is written half-way."""
        log.warning("database unavailable: %s", type(error.__cause__ or error).__name__)
        with contextlib.suppress(Exception):  # the connection is gone; the pool drops it
            db.session.rollback()
        if wants_json():
            response = json_error(
                503, "The database is unavailable right now. Try again in a moment."
            )
        else:
            # The page must not ask the database who is logged in: it is the one away.
            g._login_user = login_manager.anonymous_user()
            detail = _("The database cannot be reached right now.")
            response = render_template("errors/500.html", detail=detail), 503
            response = app.make_response(response)
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
