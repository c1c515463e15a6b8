"""Attachments in the whistleblowing channel: files that must not betray the reporter.

An anonymous reporter's photo carries more than its pixels: EXIF names the camera, its
serial number and the moment the picture was taken, GPS says where, an XMP packet keeps
the editing history and an ICC profile can name the device. A PDF names its author and
the program that wrote it, keeps its own dates, and can hold scripts, other files and
the names of whoever added comments. Any of these can identify the person the channel
promised to keep anonymous. So:

- Only JPEG, PNG, PDF and plain text are accepted, recognised by their content (magic
  bytes), never by their name or the content type the browser claims.
- Pictures are decoded and their pixels encoded anew, after the EXIF orientation has
  been applied (so they still look right) and the colours converted to sRGB (so that
  dropping the ICC profile does not change them). Nothing but pixels reaches the copy.
- PDFs are rewritten with their pages only: no document information, no XMP, no
  scripts, no embedded files, no authors of comments, no metadata inside the pictures.
  What the pages *show* stays: the reporter must still read what they send.
- Plain text has no hidden metadata and is kept as it is.
- The cleaned result is checked again, and the file's name is never kept.
- The reporting channel's files are stored encrypted with the case key
  (``crypto.encrypt``) under random names; the files of ideas, concerns and comments
  (``ideas.services.item_files``) are cleaned the same way and stored under random
  names too, but in plain form: they are not reports, and a concern's files are
  exactly as private as the concern, which the permission checks decide.
- HEIC, the format iPhones take pictures in, is recognised and refused with a reason
  that says how to send the picture as JPEG instead (decoding it needs a library of
  its own that the rest of the cleaning does not). A browser on an iPhone converts
  a picture to JPEG by itself when the form does not ask for HEIC, so our forms don't.

``clean`` tells what it removed as short codes (``Cleaned.removed``), and
``describe_removed`` turns them into sentences for the reporter.
"""

from __future__ import annotations

import io
import logging
import os
import re
import secrets
import tempfile
import time
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageCms, ImageOps
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, StreamObject
from sqlalchemy import event
from sqlalchemy.orm import Session

from ideas import crypto

logger = logging.getLogger(__name__)

MAX_BYTES = 10 * 1024 * 1024
MAX_FILES = 5
# Decoded pictures take 3-4 bytes a pixel, twice over while they are re-encoded; 50
# megapixels admits the largest phone cameras and refuses decompression bombs.
MAX_PIXELS = 50_000_000
JPEG_QUALITY = 90

ALLOWED = {
    "jpeg": ("image/jpeg", ".jpg"),
    "png": ("image/png", ".png"),
    "pdf": ("application/pdf", ".pdf"),
    "text": ("text/plain", ".txt"),
}
ALLOWED_DESCRIPTION = "JPEG, PNG, PDF or plain text (UTF-8)"

_JPEG_MAGIC = b"\xff\xd8\xff"
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_PDF_MAGIC = b"%PDF-"
# HEIF pictures: an ISO media file whose ``ftyp`` box names a HEIF brand.
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}
_KIND_NAMES = {"jpeg": "JPEG", "png": "PNG", "pdf": "PDF"}
_STORED_NAME = re.compile(r"[0-9a-f]{32}")


class AttachmentError(Exception):
    """A file the channel refuses. ``message`` is for the reporter (a lazy string in
    their language); ``code`` is stable for programs and tests. The exception's own text
    is the code only, so a log line never carries the reporter's file name."""

    status = 422

    def __init__(self, code: str, message, field: str = "attachments"):
        super().__init__(code)
        self.code = code
        self.message = message
        self.field = field


@dataclass
class Upload:
    """A file as it arrived: its bytes and the name it had (which is not kept)."""

    data: bytes
    filename: str = ""


@dataclass(frozen=True)
class Cleaned:
    data: bytes
    content_type: str
    extension: str
    removed: list[str]
    size: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "size", len(self.data))

    @property
    def is_image(self) -> bool:
        return self.content_type in ("image/jpeg", "image/png")


# -- Entry points -------------------------------------------------------------------


def check_count(count: int) -> None:
    if count > MAX_FILES:
        raise AttachmentError("too_many", _l("At most %(n)d files at a time.", n=MAX_FILES))


def clean_all(files: Sequence[tuple[bytes, str]]) -> list[Cleaned]:
    """Clean every ``(data, filename)`` of one submission, refusing too many files."""
    check_count(len(files))
    return [clean(data, filename) for data, filename in files]


def clean_uploads(files: Sequence[Upload], *, room: int = MAX_FILES) -> list[Cleaned]:
    """Clean every file of one submission before anything is written (all or none);
    an empty file input is no file. ``room``: how many more files the thing they go
    on can take. Raises ``AttachmentError`` naming the field ``files``."""
    files = [f for f in files if f.data]
    if len(files) > room:
        if room >= MAX_FILES:
            raise AttachmentError(
                "too_many", _l("At most %(n)d files at a time.", n=MAX_FILES), "files"
            )
        raise AttachmentError(
            "too_many",
            _l(
                "At most %(n)d files each: there is room for %(room)d more.",
                n=MAX_FILES,
                room=room,
            ),
            "files",
        )
    cleaned = []
    for f in files:
        try:
            cleaned.append(clean(f.data, f.filename))
        except AttachmentError as err:
            err.field = "files"
            raise
    return cleaned


def clean(data: bytes, filename: str) -> Cleaned:
    """The file without what could identify its sender; ``filename`` only names it in
    error messages. Raises ``AttachmentError`` for a file the channel refuses."""
    name = _display_name(filename)
    if len(data) > MAX_BYTES:
        raise AttachmentError(
            "too_large",
            _l("%(name)s is larger than %(mb)d MB.", name=name, mb=MAX_BYTES // (1024 * 1024)),
        )
    if not data:
        raise AttachmentError("empty", _l("%(name)s is empty.", name=name))
    kind = detect(data)
    if kind == "heic":
        raise AttachmentError(
            "heic",
            _l(
                "%(name)s is a HEIC picture, a format we cannot take. Send it as JPEG: "
                "on an iPhone, choose Settings > Camera > Formats > Most Compatible, "
                "or attach the picture straight from the Photos library, which sends "
                "it as JPEG.",
                name=name,
            ),
        )
    if kind is None:
        raise AttachmentError(
            "type",
            _l("%(name)s is not a type we accept: JPEG, PNG, PDF or plain text.", name=name),
        )
    if kind in ("jpeg", "png"):
        cleaned, removed = _clean_image(data, kind, name)
    elif kind == "pdf":
        cleaned, removed = _clean_pdf(data, name)
    else:
        cleaned, removed = data, []
    content_type, extension = ALLOWED[kind]
    return Cleaned(cleaned, content_type, extension, removed)


def detect(data: bytes) -> str | None:
    """The kind of file by its content: "jpeg", "png", "pdf", "text", "heic" (which
    ``clean`` refuses with its own reason), or None."""
    if _is_heif(data):
        return "heic"
    if data.startswith(_JPEG_MAGIC):
        return "jpeg"
    if data.startswith(_PNG_MAGIC):
        return "png"
    if data.startswith(_PDF_MAGIC):
        return "pdf"
    if _is_text(data):
        return "text"
    return None


def safe_name(index: int, cleaned: Cleaned) -> str:
    """The name a file is shown and downloaded under: never the one it came with."""
    return f"attachment-{index}{cleaned.extension}"


def _is_heif(data: bytes) -> bool:
    """An ISO base media file (``size``, ``ftyp``, major brand, version, compatible
    brands) whose major or a compatible brand is one of HEIF's."""
    if len(data) < 16 or data[4:8] != b"ftyp":
        return False
    size = int.from_bytes(data[:4], "big")
    box = data[8 : max(16, min(size, 256))]
    brands = {box[:4]} | {box[i : i + 4] for i in range(8, len(box) - 3, 4)}
    return bool(brands & _HEIF_BRANDS)


def _is_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _display_name(filename: str) -> str:
    """The last part of the name the browser sent, short: only for error messages."""
    base = re.split(r"[\\/]", filename or "")[-1].strip()
    return base[:80] or "?"


def _refuse_leftovers(left: list[str], name: str, kind: str) -> None:
    """The cleaned file is checked again; what is left is a bug here, never the
    reporter's doing, and the file is refused rather than let through."""
    if left:
        logger.warning("cleaned %s file still carries %s; refused", kind, left)
        raise _unreadable(name, kind)


def _unreadable(name: str, kind: str) -> AttachmentError:
    return AttachmentError(
        "unreadable",
        _l("%(name)s could not be read as a %(kind)s file.", name=name, kind=_KIND_NAMES[kind]),
    )


# -- Pictures -----------------------------------------------------------------------

_PIL_FORMATS = {"jpeg": ("JPEG",), "png": ("PNG",)}
_PNG_MODES = {"1", "L", "LA", "I", "I;16", "RGB", "RGBA"}
_XMP_KEYS = ("xmp", "XML:com.adobe.xmp")


def _clean_image(data: bytes, kind: str, name: str) -> tuple[bytes, list[str]]:
    image = _open_image(data, kind, name)
    try:
        removed = _image_metadata(image)
        ImageOps.exif_transpose(image, in_place=True)
        image = _to_srgb(image)
        image = _pixels_only(_savable(image, kind))
        out = io.BytesIO()
        if kind == "jpeg":
            image.save(out, format="JPEG", quality=JPEG_QUALITY)
        else:
            image.save(out, format="PNG")
    except Exception as exc:  # any failure on a hostile file means "refuse"
        logger.info("picture could not be re-encoded: %s", type(exc).__name__)
        raise _unreadable(name, kind) from None
    cleaned = out.getvalue()
    with Image.open(io.BytesIO(cleaned), formats=_PIL_FORMATS[kind]) as check:
        _refuse_leftovers(_image_metadata(check), name, kind)
    return cleaned, removed


def _open_image(data: bytes, kind: str, name: str) -> Image.Image:
    """The decoded picture; a decompression bomb or a broken file is refused."""
    too_many_pixels = AttachmentError(
        "too_many_pixels",
        _l(
            "%(name)s has too many pixels: at most %(mp)d megapixels.",
            name=name,
            mp=MAX_PIXELS // 1_000_000,
        ),
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=_PIL_FORMATS[kind])
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise too_many_pixels
            image.load()
    except AttachmentError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_many_pixels from None
    except Exception as exc:  # not a picture, truncated, or made to break decoders
        logger.info("picture could not be decoded: %s", type(exc).__name__)
        raise _unreadable(name, kind) from None
    return image


def _image_metadata(image: Image.Image) -> list[str]:
    """Codes of what the picture carries besides its pixels."""
    info = image.info
    found = []
    exif = image.getexif()
    if info.get("exif") or len(exif):
        found.append("exif")
        try:
            if exif.get_ifd(0x8825) or 0x8825 in exif:
                found.append("gps")
        except (KeyError, ValueError, TypeError, OSError):
            found.append("gps")  # a GPS pointer we cannot read: assume the worst
    if any(info.get(key) for key in _XMP_KEYS):
        found.append("xmp")
    if info.get("icc_profile"):
        found.append("icc")
    if info.get("photoshop") or any(marker == "APP13" for marker, _ in _applist(image)):
        found.append("iptc")
    if info.get("comment"):
        found.append("comment")
    text = {k: v for k, v in getattr(image, "text", {}).items() if k not in _XMP_KEYS}
    if text:
        found.append("png_text")
    return found


def _applist(image: Image.Image) -> list[tuple[str, bytes]]:
    return list(getattr(image, "applist", []))


def _to_srgb(image: Image.Image) -> Image.Image:
    """The colours in sRGB, so that the picture looks the same without its profile."""
    icc = image.info.get("icc_profile")
    if not icc or image.mode not in ("RGB", "RGBA", "CMYK"):
        return image
    out_mode = "RGBA" if image.mode == "RGBA" else "RGB"
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        return ImageCms.profileToProfile(
            image, source, ImageCms.createProfile("sRGB"), outputMode=out_mode
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image  # a broken profile: the colours as they are


def _savable(image: Image.Image, kind: str) -> Image.Image:
    """A mode the output format takes, keeping transparency for PNG."""
    if kind == "jpeg":
        return image if image.mode in ("L", "RGB") else image.convert("RGB")
    if image.mode in ("P", "PA") or "transparency" in image.info:
        return image.convert("RGBA")
    return image if image.mode in _PNG_MODES else image.convert("RGBA")


def _pixels_only(image: Image.Image) -> Image.Image:
    """A new picture with the same pixels and nothing else: no ``info`` can follow."""
    fresh = Image.new(image.mode, image.size)
    fresh.paste(image)
    return fresh


THUMBNAIL_SIZE = 320  # the longest side of a thumbnail, in pixels


@dataclass(frozen=True)
class Picture:
    """A cleaned picture's size, and its thumbnail (a JPEG, or a PNG for a PNG)."""

    width: int
    height: int
    thumbnail: bytes
    thumbnail_width: int
    thumbnail_height: int


def picture(cleaned: Cleaned) -> Picture | None:
    """The size and a thumbnail of a cleaned picture; None for other files. The
    thumbnail is made from the cleaned pixels (orientation applied, nothing else)."""
    if not cleaned.is_image:
        return None
    kind = "png" if cleaned.content_type == "image/png" else "jpeg"
    with Image.open(io.BytesIO(cleaned.data), formats=_PIL_FORMATS[kind]) as image:
        width, height = image.size
        image.load()
        small = image.copy()
    small.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE))
    out = io.BytesIO()
    if kind == "jpeg":
        _savable(small, "jpeg").save(out, format="JPEG", quality=80)
    else:
        small.save(out, format="PNG", optimize=True)
    return Picture(width, height, out.getvalue(), *small.size)


# -- PDF ----------------------------------------------------------------------------

# Actions that only move within the document or open a link it shows; others go.
_HARMLESS_ACTIONS = {"/GoTo", "/URI"}
# Annotations that play or hold other files.
_DROPPED_ANNOTATIONS = {"/FileAttachment", "/Sound", "/Movie", "/Screen", "/RichMedia"}
_PDF_LEFTOVERS = re.compile(
    rb"/(JavaScript|EmbeddedFiles?|OpenAction|Launch|Author|Creator|Producer|PieceInfo)(?![A-Za-z])"
)


def _clean_pdf(data: bytes, name: str) -> tuple[bytes, list[str]]:
    found: set[str] = set()
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise _unreadable(name, "pdf")
        found |= _pdf_document_metadata(reader)
        writer = PdfWriter()
        for page in reader.pages:
            found |= _clean_pdf_page(page)
            writer.add_page(page)
        writer.metadata = None  # no /Info at all, not even "Producer: pypdf"
        out = io.BytesIO()
        writer.write(out)
    except AttachmentError:
        raise
    except Exception as exc:  # any failure on a hostile file means "refuse"
        logger.info("PDF could not be rewritten: %s", type(exc).__name__)
        raise _unreadable(name, "pdf") from None
    cleaned = out.getvalue()
    _refuse_leftovers(_pdf_leftovers(cleaned), name, "pdf")
    return cleaned, sorted(found, key=_CODE_ORDER.index)


def _pdf_document_metadata(reader: PdfReader) -> set[str]:
    """What the document as a whole carries; none of it is copied to the new file."""
    found = set()
    if reader.metadata:
        found.add("pdf_info")
    root = reader.trailer["/Root"].get_object()
    if "/Metadata" in root:
        found.add("pdf_xmp")
    names = _resolve(root.get("/Names")) or {}
    if "/JavaScript" in names or _has_javascript(root.get("/OpenAction")):
        found.add("pdf_javascript")
    if _has_javascript(root.get("/AA")):
        found.add("pdf_javascript")
    if "/EmbeddedFiles" in names:
        found.add("pdf_embedded_files")
    return found


def _clean_pdf_page(page: DictionaryObject) -> set[str]:
    """Strip a page (in the reader, before it is copied) of what it must not carry."""
    found = set()
    for key, code in (("/Metadata", "pdf_xmp"), ("/PieceInfo", "pdf_private_data")):
        if key in page:
            del page[key]
            found.add(code)
    if "/AA" in page:
        if _has_javascript(page["/AA"]):
            found.add("pdf_javascript")
        del page["/AA"]
    if "/Annots" in page:
        kept = ArrayObject()
        for ref in _resolve(page["/Annots"]) or []:
            annotation = _resolve(ref)
            if isinstance(annotation, DictionaryObject) and _clean_annotation(annotation, found):
                kept.append(ref)
        page[NameObject("/Annots")] = kept
    _clean_xobjects(_resolve(page.get("/Resources")), found, set())
    return found


def _clean_annotation(annotation: DictionaryObject, found: set[str]) -> bool:
    """Strip one annotation; False when it must go altogether."""
    subtype = annotation.get("/Subtype")
    if subtype in _DROPPED_ANNOTATIONS:
        if subtype == "/FileAttachment":
            found.add("pdf_embedded_files")
        return False
    for key in ("/A", "/AA"):
        action = annotation.get(key)
        if action is None:
            continue
        if _has_javascript(action):
            found.add("pdf_javascript")
        if key == "/AA" or not _is_harmless(action):
            del annotation[key]
    if subtype != "/Widget" and "/T" in annotation:  # on a widget, /T is the field's name
        del annotation["/T"]
        found.add("pdf_annotation_authors")
    for key in ("/M", "/CreationDate"):
        annotation.pop(key, None)
    return True


def _clean_xobjects(resources, found: set[str], seen: set[int]) -> None:
    """Drop the metadata of pictures and forms drawn on a page, at any depth."""
    if not isinstance(resources, DictionaryObject):
        return
    xobjects = _resolve(resources.get("/XObject"))
    if not isinstance(xobjects, DictionaryObject):
        return
    for ref in xobjects.values():
        xobject = _resolve(ref)
        if not isinstance(xobject, StreamObject) or id(xobject) in seen:
            continue
        seen.add(id(xobject))
        for key, code in (("/Metadata", "pdf_xmp"), ("/PieceInfo", "pdf_private_data")):
            if key in xobject:
                del xobject[key]
                found.add(code)
        if xobject.get("/Subtype") == "/Image":
            _strip_embedded_jpeg(xobject, found)
        else:
            _clean_xobjects(_resolve(xobject.get("/Resources")), found, seen)


def _strip_embedded_jpeg(image: StreamObject, found: set[str]) -> None:
    filters = _resolve(image.get("/Filter"))
    if filters not in ("/DCTDecode", ["/DCTDecode"]):
        return
    stripped, had_metadata = strip_jpeg_segments(image.get_data())
    if had_metadata:
        # The raw bytes of a DCT stream are the JPEG file; pypdf's EncodedStreamObject
        # only re-encodes Flate streams, so the plain setter writes them as they are.
        StreamObject.set_data(image, stripped)
        image.decoded_self = None
        found.add("pdf_image_metadata")


def _is_harmless(action) -> bool:
    action = _resolve(action)
    return (
        isinstance(action, DictionaryObject)
        and action.get("/S") in _HARMLESS_ACTIONS
        and "/Next" not in action
    )


def _has_javascript(action, depth: int = 0) -> bool:
    """Whether an action (or an /AA dictionary of actions, or a chain) runs a script."""
    action = _resolve(action)
    if depth > 20 or action is None:
        return False
    if isinstance(action, list):
        return any(_has_javascript(item, depth + 1) for item in action)
    if not isinstance(action, DictionaryObject):
        return False
    if action.get("/S") == "/JavaScript" or "/JS" in action:
        return True
    if "/S" in action:
        return _has_javascript(action.get("/Next"), depth + 1)
    return any(_has_javascript(value, depth + 1) for value in action.values())  # an /AA


def _resolve(obj):
    return obj.get_object() if obj is not None and hasattr(obj, "get_object") else obj


def _pdf_leftovers(data: bytes) -> list[str]:
    """What a cleaned PDF should not carry and still does (nothing, unless a bug)."""
    reader = PdfReader(io.BytesIO(data))
    root = reader.trailer["/Root"].get_object()
    left = {"/Info", "/ID"} & set(reader.trailer)
    left |= {"/Metadata", "/Names", "/OpenAction", "/AA", "/AcroForm"} & set(root)
    # pypdf writes every dictionary as plain text, so a name left anywhere shows here.
    left |= {m.group(0).decode() for m in _PDF_LEFTOVERS.finditer(data)}
    return sorted(left)


def strip_jpeg_segments(data: bytes) -> tuple[bytes, bool]:
    """A JPEG without its APP1-APP13, APP15 and comment segments (EXIF, XMP, IPTC,
    ICC...), losslessly; APP0 (JFIF) and APP14 (Adobe, colour transform) stay.
    Returns the bytes and whether EXIF, XMP, IPTC or a comment was among them."""
    if not data.startswith(b"\xff\xd8"):
        return data, False
    out, i, had_metadata = [data[:2]], 2, False
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            return data, False  # not a segment where one should be: leave it alone
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker == 0xDA:  # start of scan: the picture itself, to the end
            out.append(data[i:])
            return b"".join(out), had_metadata
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        segment = data[i : i + 2 + length]
        if (0xE1 <= marker <= 0xEF and marker != 0xEE) or marker == 0xFE:
            had_metadata |= marker in (0xE1, 0xED, 0xFE)
        else:
            out.append(segment)
        i += 2 + length
    return data, False  # no scan found: not a JPEG worth touching


# -- Storage ------------------------------------------------------------------------
#
# Every stored file has a random name of 32 hex digits in its folder, is written to a
# temporary file, synced, and renamed into place (a crash leaves no half file under a
# stored name), and the folder is synced so that the name survives a crash too.


def store(folder: str | Path, key: bytes, context: str, data: bytes) -> str:
    """Encrypt ``data`` with the case key into a new file in ``folder``; its name."""
    return write_file(folder, crypto.encrypt(key, data, context))


def store_plain(folder: str | Path, data: bytes) -> str:
    """``data`` as it is, in a new file in ``folder`` (for files that are not reports:
    who may read them is the application's to decide); its name."""
    return write_file(folder, data)


def write_file(folder: str | Path, blob: bytes) -> str:
    """``blob`` in a new file under a random name in ``folder``; the name."""
    folder = Path(folder)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    name = secrets.token_hex(16)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=TEMPORARY_PREFIX)  # mode 0o600
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(blob)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, folder / name)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(folder)
    return name


TEMPORARY_PREFIX = ".tmp-"


def load(folder: str | Path, name: str, key: bytes, context: str) -> bytes:
    """The plaintext of a stored file; ``crypto.DecryptionError`` for a wrong key or
    context, ``FileNotFoundError`` for a file that is gone."""
    blob = stored_path(folder, name).read_bytes()
    return crypto.decrypt(key, blob, context)


def remove(folder: str | Path, name: str) -> None:
    """Overwrite a stored file with zeros, then delete it; a missing file is no error.

    On flash storage and copy-on-write file systems the overwrite may not reach the old
    blocks: the encryption is what protects the contents, this only removes the rest."""
    path = stored_path(folder, name)
    try:
        with open(path, "r+b") as f:
            remaining = os.fstat(f.fileno()).st_size
            chunk = bytes(min(remaining, 1024 * 1024))
            while remaining > 0:
                remaining -= f.write(chunk[:remaining])
            f.flush()
            os.fsync(f.fileno())
        path.unlink()
    except FileNotFoundError:
        return
    _fsync_dir(path.parent)


def stored_path(folder: str | Path, name: str) -> Path:
    """Where a stored file is; ``ValueError`` for anything but a stored name."""
    if not is_stored_name(name):
        raise ValueError("not the name of a stored attachment")
    return Path(folder) / name


def is_stored_name(name) -> bool:
    return isinstance(name, str) and bool(_STORED_NAME.fullmatch(name))


def sweep(folder: str | Path, keep: set[str], older_than: float, now: float | None = None) -> int:
    """Remove the stored (and temporary) files in ``folder`` that are not in ``keep``
    and were last written more than ``older_than`` seconds before ``now``: what a
    crash between writing a file and committing its row left, or a row deleted by
    the database's own cascade. Younger files may belong to a transaction still
    running. Returns how many were removed."""
    folder = Path(folder)
    if not folder.is_dir():
        return 0
    cutoff = (time.time() if now is None else now) - older_than
    removed = 0
    for path in folder.iterdir():
        name = path.name
        stored = is_stored_name(name)
        if not (stored or name.startswith(TEMPORARY_PREFIX)) or name in keep:
            continue
        try:
            if path.stat().st_mtime > cutoff:
                continue
        except FileNotFoundError:
            continue
        if stored:
            remove(folder, name)
        else:
            path.unlink(missing_ok=True)
        removed += 1
    return removed


# -- Files and transactions ---------------------------------------------------------
#
# A file on disk and its row in the database cannot change in one transaction, so:
# a file written for a transaction is removed if that transaction rolls back (its
# row never existed), and a file whose row is deleted is removed only after the
# deletion commits (a rollback leaves it where the database still points).

_WRITTEN = "ideas.attachments.written"
_WIPE = "ideas.attachments.wipe"


def written_in(session: Session, folder: str | Path, name: str) -> None:
    """``name`` was written for the session's transaction: removed if it rolls back."""
    session.info.setdefault(_WRITTEN, []).append((str(folder), name))


def remove_after_commit(session: Session, folder: str | Path, name: str) -> None:
    """Remove ``name`` from ``folder`` once the session's transaction commits."""
    session.info.setdefault(_WIPE, []).append((str(folder), name))


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    session.info.pop(_WRITTEN, None)
    for folder, name in session.info.pop(_WIPE, []):
        try:
            remove(folder, name)
        except OSError:  # the sweep takes it later; the commit stands
            logger.warning("a deleted file could not be removed now; the sweep will")


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous_transaction) -> None:
    if previous_transaction.nested or previous_transaction.parent is not None:
        return  # a savepoint: the transaction the files belong to goes on
    session.info.pop(_WIPE, None)
    for folder, name in session.info.pop(_WRITTEN, []):
        try:
            remove(folder, name)
        except OSError:
            logger.warning("a file of a rolled back transaction stays for the sweep")


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# -- For the reporter ---------------------------------------------------------------

_DESCRIPTIONS = {
    "exif": _l("camera data such as the date, the camera and its settings (EXIF)"),
    "gps": _l("the place where the picture was taken (GPS)"),
    "xmp": _l("editing history and other descriptive data (XMP)"),
    "icc": _l("the colour profile, which can name the device (the colours are kept)"),
    "iptc": _l("captions, names and keywords added by editing programs (IPTC)"),
    "comment": _l("comments stored in the picture"),
    "png_text": _l("text stored in the picture, such as the program or the author"),
    "pdf_info": _l("the document's author, program and dates"),
    "pdf_xmp": _l("the document's descriptive data (XMP), which can name the author"),
    "pdf_javascript": _l("scripts that would run when the document is opened"),
    "pdf_embedded_files": _l("files attached inside the document"),
    "pdf_annotation_authors": _l("the names of whoever wrote comments in the document"),
    "pdf_private_data": _l("data the editing program kept for itself"),
    "pdf_image_metadata": _l("camera data in the pictures inside the document"),
}
_CODE_ORDER = list(_DESCRIPTIONS)


def describe_removed(codes: Iterable[str]) -> list[LazyString]:
    """Sentences (lazy strings) for the reporter about what was removed, in a stable
    order; codes this version does not know are left out."""
    wanted = set(codes)
    return [text for code, text in _DESCRIPTIONS.items() if code in wanted]
