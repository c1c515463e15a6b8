"""Errors the API answers with: JSON naming the field at fault; nothing stays written."""

from __future__ import annotations

from ideas.blueprints.api import bp
from ideas.errors import json_error
from ideas.extensions import db
from ideas.services.errors import DomainError


class ApiError(Exception):
    """A request the API refuses before (or instead of) calling a service."""

    def __init__(
        self,
        status: int,
        message: str,
        field: str | None = None,
        *,
        fields: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field
        self.fields = fields if fields is not None else ({field: message} if field else None)
        self.headers = headers or {}


def _answer(status: int, message: str, field: str | None, fields: dict[str, str] | None):
    extra = {"fields": fields} if fields else {}
    return json_error(status, message, field, **extra)


@bp.errorhandler(ApiError)
def _api_error(err: ApiError):
    db.session.rollback()
    response = _answer(err.status, err.message, err.field, err.fields)
    response.headers.update(err.headers)
    return response


@bp.errorhandler(DomainError)
def _domain_error(err: DomainError):
    # The service flushed nothing the caller should keep: undo it all.
    db.session.rollback()
    message = str(err.message)
    return _answer(err.status, message, err.field, {err.field: message} if err.field else None)
