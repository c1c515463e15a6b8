"""Errors the domain raises; the web shows them on the form, the API as JSON."""

from __future__ import annotations


class DomainError(Exception):
    """Input the rules refuse. ``field`` names the input at fault, when there is one."""

    status = 422

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message  # may be a lazy string, rendered in the user's language
        self.field = field


class NotAllowed(DomainError):
    status = 403

    def __init__(self, message="You are not allowed to do that.", field=None):
        super().__init__(message, field)


class NotFound(DomainError):
    status = 404

    def __init__(self, message="Not found.", field=None):
        super().__init__(message, field)


def flush_unique(message, field: str) -> None:
    """Flush, and turn a unique constraint that another request won meanwhile (the same
    e-mail address or code created at the same moment) into the refusal the check
    before it would have given. The caller rolls back, as after any DomainError."""
    from sqlalchemy.exc import IntegrityError

    from ideas.extensions import db

    try:
        db.session.flush()
    except IntegrityError:
        raise DomainError(message, field=field) from None
