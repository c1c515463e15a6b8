"""Small helpers the web views share."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

from flask import abort, flash, request
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from markupsafe import Markup
from sqlalchemy import Select

from ideas.attachments import MAX_BYTES, MAX_FILES
from ideas.extensions import db
from ideas.services.errors import DomainError, NotAllowed, NotFound

# The requests that may carry files: 5 of 10 MB, and the form around them. The rest of
# the site keeps MAX_CONTENT_LENGTH.
FILE_ENDPOINTS = frozenset(
    {
        "ideas.new",
        "concerns.new",
        "ideas.comment",
        "concerns.comment",
        "api.create_idea",
        "api.create_concern",
        "api.add_comment",
        "api.add_idea_files",
        "api.add_concern_files",
    }
)
FILES_REQUEST_MAX = MAX_FILES * MAX_BYTES + 1024 * 1024


def allow_files() -> None:
    """Room for files on the pages and endpoints that take them (the reporting
    channel's, and those of ideas, concerns and comments). Runs before CSRF
    protection reads the form."""
    if request.blueprint == "report" or request.endpoint in FILE_ENDPOINTS:
        request.max_content_length = FILES_REQUEST_MAX


def show_domain_error(form: FlaskForm | None, err: DomainError) -> None:
    """Put a refused input's message next to its field, or at the top of the page."""
    if isinstance(err, NotFound):
        abort(404)
    if isinstance(err, NotAllowed):
        abort(403, description=str(err.message))
    field = getattr(form, err.field, None) if (form is not None and err.field) else None
    if field is not None:
        field.errors = [*field.errors, str(err.message)]
    else:
        flash(str(err.message), "error")


def page_arg() -> int:
    """The ``page`` query argument: a whole number from 1, or a clear 400."""
    raw = request.args.get("page", "1")
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1 or len(raw) > 9:
        abort(400, description=_("The page number must be a whole number from 1."))
    return int(raw)


def paginate_ids(ids: Select, rows: Callable[[list[int]], list], **kwargs):
    """``db.paginate`` over a select of ids (an index read, however deep the page), and
    then the rows of that page alone, loaded by ``rows(ids)`` in the same order."""
    page = db.paginate(ids, **kwargs)
    page.items = rows(list(page.items))
    return page


@lru_cache(maxsize=8)
def _options(choices: tuple[tuple, ...]) -> Markup:
    option = Markup('<option value="{}">{}</option>')
    return Markup("").join(option.format(value, label) for value, label, *_rest in choices)


def select_options(choices: Iterable[tuple], selected: str = "") -> Markup:
    """The ``<option>``s of a select of ``(value, label, ...)`` choices (rows), with
    ``selected`` marked. A list's unit filter has hundreds: their HTML is made once
    for the same choices (compared in full, so a renamed unit shows at once) and
    reused by every request."""
    html = _options(tuple(tuple(choice) for choice in choices))  # plain tuples compare fast
    if selected:
        start = Markup('<option value="{}"').format(selected)
        html = html.replace(start + Markup(">"), start + Markup(" selected>"), 1)
    return html


def attempt(
    action: Callable[[], object],
    *,
    form: FlaskForm | None = None,
    success: str | Callable[[Any], str] | None = None,
) -> bool:
    """Run one service call at the request edge: commit (and say ``success``) when it
    passes; when the rules refuse, roll back and show why, next to ``form``'s field."""
    return outcome(action, form=form, success=success)[0]


def outcome(
    action: Callable[[], Any],
    *,
    form: FlaskForm | None = None,
    success: str | Callable[[Any], str] | None = None,
) -> tuple[bool, Any]:
    """``attempt``, with what the action returned: ``(True, result)``, or ``(False,
    None)`` when refused. ``success`` may be a function of the result (a new row's
    name, say), called after the commit."""
    try:
        result = action()
    except DomainError as err:
        db.session.rollback()
        show_domain_error(form, err)
        return False, None
    db.session.commit()
    if success:
        flash(success(result) if callable(success) else success, "success")
    return True, result
