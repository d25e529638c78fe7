"""Uploaded files: checked from their bytes, stored outside static/ under random names.

A file is accepted when its name's extension is allowed (``UPLOAD_ALLOWED_TYPES``), it is not empty
and not larger than ``UPLOAD_MAX_BYTES``, and its bytes are what the extension says: a PDF really
starts like a PDF, a .docx is a Word OOXML package, a .csv is UTF-8 text without NUL bytes. The bytes
are written to ``UPLOAD_DIR/<2-character shard>/<random token>`` through a temporary file and
``os.replace``, so a half-written file never has a final name; on more than one host they go to an
S3-compatible object store under the same key instead, once checked (app/objectstore.py). The original name is kept only as
metadata (sanitised with ``secure_filename``) for ``Content-Disposition`` when the file is served.

Files and database rows live in two places that cannot share a transaction. The rule, used by routes:

    with stored_upload(form.file.data) as stored:     # writes the file (or raises UploadRejected)
        services.add_document(actor, group, data, stored)
        db.session.commit()                            # commit once, inside the block

The file is deleted when the block is left without a successful commit of the session: a service
raised (DomainError or anything else), ``commit`` itself failed, or the view never committed. An
``after_commit`` listener on the session marks the pending files as kept. If writing the file fails,
``stored_upload`` raises before the block runs, so no row is ever written without its file.
"""
from __future__ import annotations

import codecs
import hashlib
import logging
import os
import re
import secrets
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import filetype
from flask import abort, current_app, send_file
from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage
from werkzeug.utils import secure_filename

from app import events
from app.errors import DomainError
from app.extensions import db
from app.objectstore import upload_storage

logger = logging.getLogger(__name__)

CHUNK = 64 * 1024
HEAD = 8192                      # what filetype needs to recognise a format
MAX_NAME = 150                   # longest original name kept (characters)
_PENDING = "pending_uploads"     # session.info key: path keys written but not yet committed
_KEY = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{32}$")
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy Office (.doc, .xls, .ppt) compound files
ZIP_MAGIC = b"PK\x03\x04"

# Every type the Hub knows how to check, by extension; UPLOAD_ALLOWED_TYPES picks among them.
MIME_TYPES = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "ppt": "application/vnd.ms-powerpoint",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "csv": "text/csv",
    "txt": "text/plain",
    "xml": "application/xml",   # IATI activity files (the secretariat's import)
}
# What filetype names a format -> the extensions a file of that format may carry.
_EXTENSIONS_OF_GUESS = {"jpg": {"jpg", "jpeg"}, "apng": {"png"}}
# The member that identifies an OOXML package, and the mimetype member's content of an ODF one.
_OOXML_MARKERS = {"docx": "word/", "xlsx": "xl/", "pptx": "ppt/"}
_ODF_MIMES = {MIME_TYPES[ext]: ext for ext in ("odt", "ods", "odp")}
_TEXT_EXTENSIONS = {"csv", "txt"}


class UploadRejected(DomainError):
    """The uploaded file cannot be accepted; the message says why and what to do."""

    def __init__(self, message: str, *, field: str | None = "file"):
        super().__init__(message, field=field)


@dataclass(frozen=True)
class StoredFile:
    """A file written under UPLOAD_DIR, and what the Hub knows about it."""

    path_key: str        # "<shard>/<token>", relative to UPLOAD_DIR; never shown to people
    original_name: str   # sanitised, for Content-Disposition
    size: int
    mime: str            # from the checked type, never from the browser
    sha256: str


# -- names ---------------------------------------------------------------------------------------------
def extension_of(filename: str | None) -> str:
    """The lowercase extension of a file name without the dot ("" when it has none)."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and ext.isalnum() else ""


def safe_name(filename: str | None, extension: str) -> str:
    """A name safe for Content-Disposition, e.g. "../Rapport été.PDF" -> "Rapport_ete.PDF".

    Names with nothing readable left (say "报告.pdf") become "document.<extension>".
    """
    # Some browsers send the whole path ("C:\\Users\\me\\report.pdf"): keep the last part only.
    name = secure_filename((filename or "").replace("\\", "/").rsplit("/", 1)[-1])
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem.strip("._-") or ext.lower() != extension:
        return f"document.{extension}"
    return f"{stem[:MAX_NAME - len(ext) - 1]}.{ext}"


def size_text(size: int) -> str:
    """A file size for people, in their language: "850 bytes", "12.5 KB", "3.2 MB"."""
    if size >= 1024 * 1024:
        return _("%(num)s MB", num=format_decimal(round(size / (1024 * 1024), 1)))
    if size >= 1024:
        return _("%(num)s KB", num=format_decimal(round(size / 1024, 1)))
    return _("%(num)s bytes", num=format_decimal(size))


# -- detection -----------------------------------------------------------------------------------------
def _zip_kind(path: Path) -> str | None:
    """Which OOXML or ODF format a ZIP file is, looking at its members (never decompressing content,
    except the few bytes of an ODF "mimetype" member)."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            if "mimetype" in names and archive.getinfo("mimetype").file_size < 200:
                mime = archive.read("mimetype").decode("ascii", "replace").strip()
                if mime in _ODF_MIMES:
                    return _ODF_MIMES[mime]
            if "[Content_Types].xml" in names:
                for ext, prefix in _OOXML_MARKERS.items():
                    if any(n.startswith(prefix) for n in names):
                        return ext
    except (zipfile.BadZipFile, OSError, KeyError, RuntimeError, ValueError):
        return None
    return None


_XML_START = re.compile(r"<(\?xml\b|!--|[A-Za-z_])")


def looks_like_xml(head: bytes) -> bool:
    """Whether a file's first bytes start an XML document (UTF-8, or UTF-16 with its byte-order mark; what
    comes next is the parser's business)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = head[:512].decode("utf-16", errors="ignore")
    else:
        text = head[:512].removeprefix(b"\xef\xbb\xbf").decode("latin-1")
    return bool(_XML_START.match(text.lstrip()))


def detect_extensions(head: bytes, path: Path, *, is_text: bool) -> set[str]:
    """The extensions the file's bytes allow (empty when the format is unknown).

    :param head: the first bytes of the file (at least HEAD of them when the file is that long).
    :param path: the file on disk, for ZIP-based formats whose identity lies in the member list.
    :param is_text: whether the whole file is UTF-8 text without NUL bytes.
    """
    # UTF-8 text without NUL bytes is text, whatever its first bytes look like ("BMW,2024" is not a
    # bitmap); it is always served as text/plain or text/csv, as an attachment.
    text = set(_TEXT_EXTENSIONS) if is_text else set()
    if looks_like_xml(head):
        return text | {"xml"}
    guess = filetype.guess(head)
    name = guess.extension if guess else None
    if name in ("docx", "xlsx", "pptx", "odt", "ods", "odp", "zip", "epub") or (
            name is None and head.startswith(ZIP_MAGIC)):
        kind = _zip_kind(path)
        return ({kind} if kind else {name} if name else set()) | text
    if name is not None:
        return _EXTENSIONS_OF_GUESS.get(name, {name}) | text
    if head.startswith(OLE2_MAGIC):
        # filetype recognises only some legacy Office files; the compound-file magic is enough for
        # these three, and the type served is the one the extension names.
        return {"doc", "xls", "ppt"}
    return text


# -- storing -------------------------------------------------------------------------------------------
def upload_dir() -> Path:
    return Path(current_app.config["UPLOAD_DIR"])


def _checked(path_key: str) -> str:
    """:raises ValueError: for anything but a key made by store_upload."""
    if not isinstance(path_key, str) or not _KEY.match(path_key):
        raise ValueError(f"Not an upload key: {path_key!r}")
    return path_key


def path_of(path_key: str) -> Path:
    """Where a stored file lives on the local disk. :raises ValueError: for anything but a key made by
    store_upload."""
    return upload_dir() / _checked(path_key)


def open_stored(path_key: str) -> BinaryIO:
    """Open a stored file for reading (local disk or object store). :raises FileNotFoundError: if it is gone."""
    return upload_storage().open(_checked(path_key))


def send_stored(path_key: str, *, mime: str, name: str, etag: str | None = None, what: object = None):
    """A response serving a stored file as an attachment under its (sanitised) original name, never cached
    by shared caches; 404 when the file is gone. Call it after the permission check.

    :param what: the object the file belongs to, named in the log when the file is missing.
    """
    storage = upload_storage()
    try:
        if storage.local_root is not None:
            source = storage.local_root / _checked(path_key)
        else:
            # streamed from the object store as it arrives, never held whole in memory
            source = storage.open(_checked(path_key))
        response = send_file(source, mimetype=mime, as_attachment=True, download_name=name,
                             etag=etag or False, max_age=0, conditional=storage.local_root is not None)
    except (FileNotFoundError, ValueError):
        logger.error("File of %r is missing (%s)", what, path_key)
        abort(404)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def delete_stored(path_key: str) -> bool:
    """Remove a stored file; return whether there was one."""
    if not upload_storage().delete(_checked(path_key)):
        return False
    logger.info("Upload %s deleted", path_key)
    return True


DELETE = "uploads.delete"   # outbox kind: remove a file that a committed change dropped


def delete_later(path_key: str) -> None:
    """Remove a replaced or dropped file once the change that dropped it is committed, never before: an
    outbox row in the same transaction, so a rolled-back change keeps its file. Flush, no commit."""
    events.emit(DELETE, {"path_key": _checked(path_key)}, key=f"{DELETE}:{path_key}")


@events.handler(DELETE)
def _delete_dropped(payload: dict, event) -> None:
    delete_stored(payload["path_key"])      # a file already gone is fine: a retry deletes nothing twice


def _still_text(decoder, chunk: bytes) -> bool:
    """Feed a chunk to an incremental UTF-8 decoder: is the file still text without NUL bytes?"""
    if b"\x00" in chunk:
        return False
    try:
        decoder.decode(chunk)
    except UnicodeDecodeError:
        return False
    return True


def _other_text(head: bytes) -> bool:
    """Whether a file no known format claims reads as text: UTF-16 with its byte-order mark, or 8-bit text
    without NUL bytes."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    return b"\x00" not in head


def store_upload(file_storage: FileStorage | None, *, allowed: Iterable[str] | None = None,
                 max_bytes: int | None = None, field: str | None = "file",
                 any_text_encoding: bool = False) -> StoredFile:
    """Check an uploaded file and write it under UPLOAD_DIR.

    :param allowed: extensions accepted (default ``UPLOAD_ALLOWED_TYPES``), among :data:`MIME_TYPES`.
    :param max_bytes: the largest file accepted (default ``UPLOAD_MAX_BYTES``).
    :param field: the form field that errors belong to.
    :param any_text_encoding: accept a .csv or .txt file that is text in another encoding than UTF-8
        (UTF-16 with its byte-order mark, Windows-1252...: a reader that decodes it, as the activity
        import does): one that no known binary format claims.
    :return: the stored file; the caller records it in the database (see :func:`stored_upload`).
    :raises UploadRejected: no file, a type not allowed, an empty or too large file, bytes that do
        not match the extension, or a disk that refused the write. Nothing is left on disk then.
    """
    config = current_app.config
    allowed = {ext.lower() for ext in (allowed if allowed is not None else config["UPLOAD_ALLOWED_TYPES"])
               if ext.lower() in MIME_TYPES}
    max_bytes = config["UPLOAD_MAX_BYTES"] if max_bytes is None else max_bytes
    if file_storage is None or not getattr(file_storage, "filename", None):
        raise UploadRejected(_("Choose a file to upload."), field=field)
    extension = extension_of(file_storage.filename)
    if extension not in allowed:
        raise UploadRejected(_("Files of this type cannot be uploaded. Accepted types: %(types)s.",
                               types=", ".join(f".{ext}" for ext in sorted(allowed))), field=field)

    token = secrets.token_hex(16)
    storage = upload_storage()
    # Checked in a temporary file next to its final place (on the local disk), or in the system's
    # temporary folder before it goes to the object store.
    shard_dir = storage.local_root / token[:2] if storage.local_root is not None else Path(tempfile.gettempdir())
    temp_name = None
    try:
        shard_dir.mkdir(parents=True, exist_ok=True)
        fd, temp_name = tempfile.mkstemp(prefix=".upload-", suffix=".part", dir=shard_dir)
        digest, size, head = hashlib.sha256(), 0, b""
        decoder = codecs.getincrementaldecoder("utf-8")()
        is_text = True
        with os.fdopen(fd, "wb") as out:
            while chunk := file_storage.stream.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise UploadRejected(_("The file is larger than the %(limit)s allowed. Upload a smaller "
                                           "file, or split it in parts.", limit=size_text(max_bytes)), field=field)
                if len(head) < HEAD:
                    head += chunk[:HEAD - len(head)]
                digest.update(chunk)
                if is_text:
                    is_text = _still_text(decoder, chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if is_text:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                is_text = False
        if size == 0:
            raise UploadRejected(_("The file is empty. Choose the right file and upload it again."), field=field)
        detected = detect_extensions(head, Path(temp_name), is_text=is_text)
        if any_text_encoding and extension in _TEXT_EXTENSIONS and not detected and _other_text(head):
            detected = {extension}
        if extension not in detected:
            if extension in _TEXT_EXTENSIONS and not detected:
                message = _("The file is not plain UTF-8 text. Save it as UTF-8 text (for a spreadsheet: "
                            "“CSV UTF-8”) and upload it again.")
            else:
                message = _("The file's content does not match its name: it is not a .%(ext)s file. Save it "
                            "again in that format, or rename it to its real type.", ext=extension)
            raise UploadRejected(message, field=field)
        path_key = f"{token[:2]}/{token}"
        storage.put(Path(temp_name), path_key, mime=MIME_TYPES[extension])
        temp_name = None
    except OSError:
        logger.exception("Could not store an upload in %s", storage.local_root or "the object store")
        raise UploadRejected(_("The file could not be saved. Please try again later."), field=field) from None
    finally:
        if temp_name is not None:
            try:
                os.unlink(temp_name)
            except FileNotFoundError:
                pass
    stored = StoredFile(path_key=path_key, original_name=safe_name(file_storage.filename, extension), size=size,
                        mime=MIME_TYPES[extension], sha256=digest.hexdigest())
    logger.info("Upload %s stored (%s, %d bytes, %s)", stored.path_key, stored.mime, size, stored.original_name)
    return stored


# -- files and transactions ------------------------------------------------------------------------------
@contextmanager
def stored_upload(file_storage: FileStorage | None, **options) -> Iterator[StoredFile]:
    """Store a file for one transaction: it is kept only if the session commits inside the block.

    Commit once, inside the block, after the service that records the file (a commit made before
    the row exists would keep the file without a row). Options are those of :func:`store_upload`.

    :raises UploadRejected: before the block runs, when the file is refused.
    """
    stored = store_upload(file_storage, **options)
    session = db.session()
    session.info.setdefault(_PENDING, set()).add(stored.path_key)
    try:
        yield stored
    finally:
        pending = session.info.get(_PENDING, set())
        if stored.path_key in pending:
            pending.discard(stored.path_key)
            delete_stored(stored.path_key)
            logger.info("Upload %s removed: its transaction did not commit", stored.path_key)


@event.listens_for(Session, "after_commit")
def _keep_committed_uploads(session: Session) -> None:
    session.info.pop(_PENDING, None)
