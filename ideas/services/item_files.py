"""Files on ideas, concerns and comments: up to five on each, ten megabytes apiece.

What a file may be, and what is taken out of it, is the reporting channel's cleaning
(``ideas.attachments``): JPEG, PNG, PDF and plain text, recognised by their content;
pictures re-encoded with their orientation applied and without EXIF, GPS or any other
metadata; PDFs rewritten with their pages only. These files are not reports: they are
stored as they are (not encrypted with a case key), and who may read one is who may
see the item it is shown on (``permissions.can_view_item``), so a concern's files are
exactly as private as the concern.

Where the files are, and how the disk keeps up with the database:

- In the upload folder's ``items/``, under random names, a picture's thumbnail beside
  it. Nothing is written before every file of the request is checked and cleaned.
- A file written for a transaction that rolls back is removed again at once; a file
  whose row is deleted (with its comment or item, by the ORM) is removed only after
  the deletion commits, so a rollback never takes a file an item still shows
  (``attachments.written_in``, ``attachments.remove_after_commit``).
- What neither catches (a crash between writing and committing, rows removed by the
  database's own cascade) the hourly sweep removes: files with no row, older than an
  hour (``sweep_orphans``).
- A merged item's files, its comments' with them, move to the original (``move_files``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, func, select, union_all, update
from sqlalchemy.orm import joinedload, object_session

from ideas import attachments, clock
from ideas.extensions import db
from ideas.models import Comment, Item, ItemFile, Kind, Status, User
from ideas.services.errors import DomainError, NotAllowed
from ideas.services.permissions import can_add_files, can_view_item
from ideas.services.uploads import MAX_FILES, Upload, clean_files

SUBFOLDER = "items"
# A file on disk with no row is left alone this long: it may belong to a transaction
# still running.
ORPHAN_AGE = timedelta(hours=1)
_NAMES = {
    "image/jpeg": "photo",
    "image/png": "picture",
    "application/pdf": "document",
    "text/plain": "text",
}


def folder() -> Path:
    """Where the files of ideas, concerns and comments are kept."""
    return Path(current_app.config["UPLOAD_FOLDER"]) / SUBFOLDER


def path_of(row: ItemFile, *, thumbnail: bool = False) -> Path:
    return attachments.stored_path(folder(), row.thumbnail_name if thumbnail else row.stored_name)


def room_on(item: Item) -> int:
    """How many more files the item itself can take (its comments have their own)."""
    if item.id is None:
        return MAX_FILES
    count = db.session.scalar(
        select(func.count(ItemFile.id)).where(
            ItemFile.item_id == item.id, ItemFile.comment_id.is_(None)
        )
    )
    return max(0, MAX_FILES - count)


def check(files: Sequence[Upload], *, room: int = MAX_FILES) -> list[attachments.Cleaned]:
    """Every file cleaned, or a ``DomainError`` on ``files`` naming the one refused."""
    return clean_files(files, room=room)


def attach(
    item: Item,
    user: User,
    cleaned: Sequence[attachments.Cleaned],
    *,
    comment: Comment | None = None,
) -> list[ItemFile]:
    """Store files already cleaned (``check``) on ``item`` (or one of its comments) and
    add their rows. Written now, and removed again if the transaction rolls back."""
    if not cleaned:
        return []
    session = db.session()
    target = folder()
    number = db.session.scalar(select(func.count(ItemFile.id)).where(ItemFile.item_id == item.id))
    rows = []
    for file in cleaned:
        number += 1
        shown = attachments.picture(file)
        stored = attachments.store_plain(target, file.data)
        attachments.written_in(session, target, stored)
        row = ItemFile(
            item_id=item.id,
            comment_id=comment.id if comment is not None else None,
            uploaded_by_id=user.id,
            name=f"{_NAMES[file.content_type]}-{number}{file.extension}",
            content_type=file.content_type,
            size=file.size,
            stored_name=stored,
            removed=",".join(file.removed),
            created_at=clock.now(),
        )
        if shown is not None:
            thumbnail = attachments.store_plain(target, shown.thumbnail)
            attachments.written_in(session, target, thumbnail)
            row.width, row.height = shown.width, shown.height
            row.thumbnail_name = thumbnail
            row.thumbnail_width = shown.thumbnail_width
            row.thumbnail_height = shown.thumbnail_height
        db.session.add(row)
        rows.append(row)
    db.session.flush()
    return rows


def add_files(item: Item, user: User, files: Sequence[Upload]) -> list[ItemFile]:
    """Add files to an item already submitted: its submitter may (a photo forgotten),
    and whoever may manage it (a photo of what was done). Up to five on the item."""
    if not can_add_files(user, item):
        raise NotAllowed(_l("Only the submitter or a manager of the item can add files to it."))
    if item.status == Status.DUPLICATE:
        raise DomainError(_l("Add the files to the original instead."), field="files")
    if not any(f.data for f in files):
        raise DomainError(_l("Choose at least one file."), field="files")
    cleaned = check(files, room=room_on(item))
    return attach(item, user, cleaned)


def file_for(user: User, file_id: int) -> ItemFile | None:
    """The file, if ``user`` may see the item it is shown on; None otherwise (a file
    one may not see is not said to exist)."""
    row = db.session.scalar(
        select(ItemFile).where(ItemFile.id == file_id).options(joinedload(ItemFile.item))
    )
    if row is None or row.item.kind == Kind.REPORT or not can_view_item(user, row.item):
        return None
    return row


def move_files(duplicate: Item, original: Item) -> None:
    """A merged item's files, its comments' with them, go to the original."""
    db.session.execute(
        update(ItemFile).where(ItemFile.item_id == duplicate.id).values(item_id=original.id)
    )


def sweep_orphans(older_than: timedelta = ORPHAN_AGE) -> int:
    """Remove the files in ``items/`` that no row names and that are older than
    ``older_than``; returns how many. Run hourly by the worker (``check_deadlines``)
    and by ``ideas files sweep``."""
    names = db.session.execute(
        union_all(
            select(ItemFile.stored_name),
            select(ItemFile.thumbnail_name).where(ItemFile.thumbnail_name.is_not(None)),
        )
    ).scalars()
    return attachments.sweep(
        folder(),
        set(names),
        older_than=older_than.total_seconds(),
        now=clock.now().timestamp(),
    )


@event.listens_for(ItemFile, "after_delete")
def _remove_after_commit(mapper, connection, row: ItemFile) -> None:
    session = object_session(row)
    if session is None:
        return
    target = folder()
    for name in (row.stored_name, row.thumbnail_name):
        if name:
            attachments.remove_after_commit(session, target, name)
