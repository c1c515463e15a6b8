"""Files as a form or an API request brings them, checked for whichever service takes
them: the reporting channel (``reports``) and ideas, concerns and comments
(``item_files``). The cleaning itself is ``ideas.attachments``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ideas.attachments import MAX_BYTES, MAX_FILES, AttachmentError, Cleaned, Upload, clean_uploads
from ideas.services.errors import DomainError

__all__ = ["MAX_BYTES", "MAX_FILES", "Upload", "clean_files", "read_uploads"]


def clean_files(files: Sequence[Upload], *, room: int = MAX_FILES) -> list[Cleaned]:
    """Check and clean every file before anything is written (all or nothing); a file
    refused is a ``DomainError`` on the field ``files``, saying which and why."""
    try:
        return clean_uploads(files, room=room)
    except AttachmentError as err:
        raise DomainError(err.message, field="files") from None


def read_uploads(storages: Iterable) -> list[Upload]:
    """Werkzeug's uploaded files, read into memory (each at most one byte over the
    limit: enough for ``clean`` to refuse it by size); inputs left empty are skipped."""
    return [
        Upload(data=f.read(MAX_BYTES + 1), filename=f.filename or "")
        for f in storages or []
        if getattr(f, "filename", None)
    ]
