"""Friendly error pages in the user's language; JSON under /api/."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from ideas.extensions import db


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
        if wants_json():
            return json_error(error.code or 500, error.description or error.name)
        code = error.code or 500
        if code not in (400, 403, 404, 405, 413, 429):
            return error
        template = "errors/404.html" if code == 405 else f"errors/{code}.html"
        if code in (405, 413, 429):
            template = "errors/400.html"
        # A description given on purpose (abort(400, description=...)) is shown; the
        # generic English one of the exception class is not.
        detail = error.description if error.description != type(error).description else None
        return render_template(template, error=error, detail=detail), code

    @app.errorhandler(InternalServerError)
    def _server_error(error):
        db.session.rollback()
        if wants_json():
            return json_error(500, "Internal server error.")
        return render_template("errors/500.html"), 500
