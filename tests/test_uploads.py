"""app/uploads.py: type checks from the bytes, safe names, storage, and files tied to transactions."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from app import uploads
from app.audit import AuditEntry
from app.extensions import db
from app.uploads import (
    UploadRejected, delete_stored, open_stored, path_of, safe_name, store_upload, stored_upload,
)
from tests.actiongroups.documents.conftest import PDF, PNG, docx_bytes, stored_files


@pytest.fixture
def app(make_app, tmp_path):
    return make_app(UPLOAD_DIR=str(tmp_path / "uploads"))


@pytest.fixture
def folder(app) -> Path:
    return Path(app.config["UPLOAD_DIR"])


def fs(content: bytes, name: str) -> FileStorage:
    return FileStorage(stream=io.BytesIO(content), filename=name)


def zipped(members: dict[str, bytes], *, first: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        if first:
            archive.writestr(zipfile.ZipInfo(first), members.pop(first))  # stored, like ODF's mimetype
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1016
XLSX = zipped({"[Content_Types].xml": b"<Types/>", "_rels/.rels": b"<R/>", "xl/workbook.xml": b"<workbook/>"})
ODT = zipped({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<c/>"}, first="mimetype")
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 100 + b"\xff\xd9"


@pytest.mark.parametrize("content, name, mime", [
    (PDF, "Annual report.pdf", "application/pdf"),
    (PNG, "chart.png", "image/png"),
    (JPEG, "photo.JPEG", "image/jpeg"),
    (JPEG, "photo.jpg", "image/jpeg"),
    (docx_bytes(), "minutes.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (XLSX, "data.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    (ODT, "note.odt", "application/vnd.oasis.opendocument.text"),
    (OLE2, "old.doc", "application/msword"),
    (OLE2, "old.xls", "application/vnd.ms-excel"),
    ("country,cases\nBrésil,12\n".encode(), "cases.csv", "text/csv"),
    (b"plain words\n", "readme.txt", "text/plain"),
    (b"BMW,2024\nGIF89a,1\n", "brands.csv", "text/csv"),        # text whose first bytes look like an image
    (b"%PDF-1.4 is the version\n", "notes.txt", "text/plain"),  # text is text, served as text/plain
])
def test_accepted_files_are_stored_under_a_random_name_with_their_checked_type(folder, content, name, mime):
    stored = store_upload(fs(content, name))
    assert stored.mime == mime and stored.size == len(content)
    assert len(stored.sha256) == 64
    path = path_of(stored.path_key)
    assert path.parent.parent == folder and path.parent.name == path.name[:2]
    assert name.rsplit(".", 1)[0].replace(" ", "_") not in str(path)  # the name people chose is not on disk
    with open_stored(stored.path_key) as f:
        assert f.read() == content
    assert stored_files(folder) == [path]  # no temporary file left behind


@pytest.mark.parametrize("content, name, words", [
    (PNG, "report.pdf", "does not match"),             # bytes of a PNG, named as a PDF
    (PDF, "picture.png", "does not match"),
    (docx_bytes(), "sheet.xlsx", "does not match"),    # a Word file named as Excel
    (zipped({"a.txt": b"hello"}), "fake.docx", "does not match"),
    (PDF, "notes.txt", "does not match"),
    ("café,1\n".encode("latin-1"), "data.csv", "not plain UTF-8"),
    (b"a,b\x00c\n", "data.csv", "not plain UTF-8"),
    (b"MZ\x90\x00" + b"\x00" * 200, "setup.exe", "cannot be uploaded"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "logo.svg", "cannot be uploaded"),
    (b"<html><script>alert(1)</script></html>", "page.html", "cannot be uploaded"),
    (b"<html><script>alert(1)</script></html>", "page.pdf", "does not match"),
    (PDF, "no-extension", "cannot be uploaded"),
    (b"", "empty.pdf", "empty"),
])
def test_refused_files_leave_nothing_on_disk(folder, content, name, words):
    with pytest.raises(UploadRejected) as error:
        store_upload(fs(content, name))
    assert words in str(error.value) and error.value.field == "file"
    assert stored_files(folder) == []


def test_a_file_over_the_limit_is_refused_with_the_limit_named(app, folder):
    app.config["UPLOAD_MAX_BYTES"] = 2048
    with pytest.raises(UploadRejected) as error:
        store_upload(fs(PDF + b"0" * 3000, "big.pdf"))
    assert "2 KB" in str(error.value)
    assert stored_files(folder) == []
    assert store_upload(fs(PDF, "small.pdf"), max_bytes=len(PDF)).size == len(PDF)  # exactly at the limit


def test_allowed_types_come_from_the_configuration_or_the_caller(app):
    app.config["UPLOAD_ALLOWED_TYPES"] = ("pdf",)
    with pytest.raises(UploadRejected, match=r"\.pdf"):
        store_upload(fs(PNG, "chart.png"))
    assert store_upload(fs(PNG, "chart.png"), allowed=["png"]).mime == "image/png"


def test_no_file_chosen(app):
    for empty in (None, FileStorage(stream=io.BytesIO(b""), filename="")):
        with pytest.raises(UploadRejected, match="Choose a file"):
            store_upload(empty)


@pytest.mark.parametrize("name, expected", [
    ("Annual report 2025.pdf", "Annual_report_2025.pdf"),
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("C:\\Users\\me\\Rapport été.PDF", "Rapport_ete.PDF"),
    ("<script>alert(1)</script>.pdf", "script.pdf"),
    ("报告.pdf", "document.pdf"),
    (".pdf", "document.pdf"),
    ("x" * 300 + ".pdf", "x" * 146 + ".pdf"),
])
def test_original_names_are_sanitised_with_a_readable_fallback(name, expected):
    assert safe_name(name, "pdf") == expected


def test_the_sanitised_name_is_what_is_stored(folder):
    assert store_upload(fs(PDF, "../../Rapport final.pdf")).original_name == "Rapport_final.pdf"


@pytest.mark.parametrize("key", ["../secret", "ab/../../etc/passwd", "/etc/passwd", "AB/" + "0" * 32, ""])
def test_only_keys_made_by_the_store_reach_the_disk(app, key):
    with pytest.raises(ValueError):
        path_of(key)


def test_delete_stored(folder):
    stored = store_upload(fs(PDF, "a.pdf"))
    assert delete_stored(stored.path_key) is True
    assert delete_stored(stored.path_key) is False
    with pytest.raises(FileNotFoundError):
        open_stored(stored.path_key)


def test_a_disk_that_refuses_the_write_gives_a_clear_error_and_leaves_nothing(folder, monkeypatch):
    def refuse(*args):
        raise OSError("disk full")

    monkeypatch.setattr(uploads.os, "replace", refuse)
    with pytest.raises(UploadRejected, match="could not be saved"):
        store_upload(fs(PDF, "a.pdf"))
    assert stored_files(folder) == []


# -- files and transactions -------------------------------------------------------------------------------
def _record(stored):
    db.session.add(AuditEntry(action="test.upload", object_type="File", object_label=stored.path_key))


def test_stored_upload_keeps_the_file_when_the_transaction_commits(folder):
    with stored_upload(fs(PDF, "a.pdf")) as stored:
        _record(stored)
        db.session.commit()
    assert path_of(stored.path_key).exists()


def test_stored_upload_removes_the_file_when_nothing_is_committed(folder):
    with stored_upload(fs(PDF, "a.pdf")) as stored:
        _record(stored)
        assert path_of(stored.path_key).exists()
        db.session.rollback()
    assert stored_files(folder) == []


def test_stored_upload_removes_the_file_when_the_block_raises(folder):
    with pytest.raises(RuntimeError):
        with stored_upload(fs(PDF, "a.pdf")) as stored:
            _record(stored)
            raise RuntimeError("service failed")
    db.session.rollback()
    assert stored_files(folder) == []


def test_stored_upload_removes_the_file_when_the_commit_fails(folder, monkeypatch):
    def broken_commit():
        raise sa.exc.OperationalError("COMMIT", {}, Exception("database is locked"))

    monkeypatch.setattr(db.session, "commit", broken_commit)
    with pytest.raises(sa.exc.OperationalError):
        with stored_upload(fs(PDF, "a.pdf")) as stored:
            _record(stored)
            db.session.commit()
    monkeypatch.undo()
    db.session.rollback()
    assert stored_files(folder) == []
    assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id))) == 0


def test_a_refused_file_never_enters_the_block(folder):
    entered = False
    with pytest.raises(UploadRejected):
        with stored_upload(fs(PNG, "x.pdf")):
            entered = True
    assert not entered and stored_files(folder) == []
