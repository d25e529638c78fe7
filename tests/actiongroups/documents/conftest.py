"""Documents tests: an app whose UPLOAD_DIR is a temporary folder, sample files, a document factory."""
from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from werkzeug.datastructures import FileStorage

from app.actiongroups.documents import services
from app.extensions import db
from app.uploads import store_upload
from tests.conftest import FreshContextClient

# Like real PDFs, a binary comment on the second line (so it is not mistaken for text).
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def png_bytes() -> bytes:
    """A real 1x1 PNG image."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


PNG = png_bytes()


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships/>')
        archive.writestr("word/document.xml", '<?xml version="1.0"?><w:document/>')
    return buffer.getvalue()


class BufferedClient(FreshContextClient):
    """Read each response whole and close it, as a server does after sending a file: downloads are
    streamed from an open file, which an unread test response would otherwise leave open."""

    def open(self, *args, **kwargs):
        kwargs.setdefault("buffered", True)
        return super().open(*args, **kwargs)


@pytest.fixture
def app(make_app, tmp_path):
    """Every documents test stores its files in its own temporary folder."""
    app = make_app()
    app.config["UPLOAD_DIR"] = str(tmp_path / "uploads")
    app.test_client_class = BufferedClient
    return app


@pytest.fixture
def upload_dir(app) -> Path:
    return Path(app.config["UPLOAD_DIR"])


def stored_files(folder: Path) -> list[Path]:
    """Every file under the upload folder (temporary ones too)."""
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def file_storage(content: bytes = PDF, name: str = "report.pdf") -> FileStorage:
    return FileStorage(stream=io.BytesIO(content), filename=name)


@pytest.fixture
def make_document(app):
    """Share a document through the service, with a real stored file, and commit."""

    def _make_document(group, actor, title="Annual report", *, content=PDF, name="report.pdf", public=False,
                       areas=(), language="en", now=None):
        stored = store_upload(file_storage(content, name))
        document = services.add_document(actor, group, services.DocumentData(
            title=title, areas=list(areas), language=language, is_public=public), stored, now=now)
        db.session.commit()
        return document

    return _make_document
