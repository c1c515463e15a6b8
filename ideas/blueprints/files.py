"""The files of ideas, concerns and comments, for whoever may see the item they are on.

A file is served with the type its cleaned content was recognised as (never one
guessed from a name), ``nosniff``, and a policy that runs nothing: pictures and PDFs
open in the browser, plain text is downloaded, and nothing is ever served as HTML or
SVG (neither is accepted in the first place). A concern's files are not kept by any
cache the browser shares, and asked for again each time (``no-cache``): whether one
may still see the concern is checked on every request.
"""

from __future__ import annotations

from flask import Blueprint, abort, send_file
from flask_login import current_user

from ideas.models import ItemFile, Kind
from ideas.services import item_files

bp = Blueprint("files", __name__, url_prefix="/files")

INLINE_TYPES = frozenset({"image/jpeg", "image/png", "application/pdf"})
# Nothing in a served file runs or loads anything. A PDF is not sandboxed: a sandboxed
# document cannot use the browser's PDF viewer. (Scripts were removed from it anyway.)
_POLICY = "default-src 'none'; sandbox"
_PDF_POLICY = "default-src 'none'; object-src 'self'"


def send_item_file(row: ItemFile, *, thumbnail: bool = False):
    """The file (or its thumbnail) as a response with the headers above."""
    if thumbnail and row.thumbnail_name is None:
        abort(404)
    inline = thumbnail or row.content_type in INLINE_TYPES
    mimetype = row.content_type
    if thumbnail and row.content_type != "image/png":
        mimetype = "image/jpeg"
    # (Flask adds "; charset=utf-8" to a text/plain type of its own accord.)
    name = row.name if not thumbnail else f"thumbnail-{row.name.rsplit('.', 1)[0]}.jpg"
    if thumbnail and row.content_type == "image/png":
        name = name[:-4] + ".png"
    try:
        response = send_file(
            item_files.path_of(row, thumbnail=thumbnail),
            mimetype=mimetype,
            as_attachment=not inline,
            download_name=name,
            conditional=True,
            etag=True,
            max_age=None,
        )
    except FileNotFoundError:
        abort(404)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = (
        _PDF_POLICY if mimetype == "application/pdf" else _POLICY
    )
    if row.item.kind == Kind.CONCERN:
        response.headers["Cache-Control"] = "private, no-cache"
    else:
        response.headers["Cache-Control"] = "private, max-age=3600"
    return response


def _visible(file_id: int) -> ItemFile:
    row = item_files.file_for(current_user, file_id)
    if row is None:
        abort(404)
    return row


@bp.get("/<int:file_id>")
def original(file_id: int):
    return send_item_file(_visible(file_id))


@bp.get("/<int:file_id>/thumbnail")
def thumbnail(file_id: int):
    return send_item_file(_visible(file_id), thumbnail=True)
