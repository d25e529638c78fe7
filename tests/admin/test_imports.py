"""The secretariat's import page: a checked upload, queued for the worker, followed on a progress page."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import events
from app.admin import imports
from app.admin.imports import ImportJob, ImportState
from app.audit import AuditEntry
from app.errors import NotAllowedError
from app.extensions import db
from app.overlaps.models import ExternalActivity
from app.uploads import UploadRejected, open_stored
from tests.conftest import reload, run_outbox

DATA = Path(__file__).resolve().parents[1] / "overlaps" / "data"


class Upload:
    """What a form gives the service: a file name and a stream (as werkzeug's FileStorage)."""

    def __init__(self, name: str, data: bytes):
        self.filename, self.stream = name, io.BytesIO(data)


def sample(name: str) -> bytes:
    return (DATA / name).read_bytes()


@pytest.fixture
def admin(make_user):
    return make_user("admin@example.org", admin=True, full_name="Ada Admin")


def identifiers() -> set[str]:
    return set(db.session.scalars(sa.select(ExternalActivity.identifier)))


# -- services ----------------------------------------------------------------------------------------------
def test_an_upload_is_stored_queued_and_run_by_the_worker(app, admin):
    job = imports.start_import(admin, Upload("iati-sample.xml", sample("iati-sample.xml")))
    assert job.state is ImportState.queued and job.kind == "iati" and job.file_size == len(sample("iati-sample.xml"))
    with open_stored(job.file_path_key) as stored:   # through the project's storage: any host's worker reads it
        assert stored.read() == sample("iati-sample.xml")
    assert db.session.scalar(sa.select(events.OutboxEvent.kind).where(
        events.OutboxEvent.key == f"imports.run:{job.id}")) == imports.RUN
    assert identifiers() == set()                    # nothing happens inside the request
    assert db.session.scalar(sa.select(AuditEntry.action).where(AuditEntry.object_type == "ImportJob")) == \
        "import.queued"
    run_outbox(app)
    job = reload(job)
    assert job.state is ImportState.done and job.started_at and job.finished_at and job.percent == 100
    assert (job.created, job.updated, job.unchanged, job.skipped) == (7, 0, 0, 3)
    assert "XM-TEST-1" in identifiers()
    # The per-record summary: the skipped ones first, with their reason, then each stored record.
    assert job.summary[0]["outcome"] == "skipped"
    reasons = {row["where"]: row["reason"] for row in job.summary if row["outcome"] == "skipped"}
    assert reasons["iati-sample.xml, activity 3 (XM-TEST-NO-TITLE)"] == "no title"
    created = [row["identifier"] for row in job.summary if row["outcome"] == "created"]
    assert len(created) == 7 and created[0] == "XM-TEST-1"
    assert ["iati-sample.xml, activity 4 (XM-TEST-2)", "unknown country code 'ZZ' left out"] in job.warnings


def test_importing_again_updates_and_leaves_the_rest_unchanged(app, admin):
    imports.start_import(admin, Upload("iati-sample.xml", sample("iati-sample.xml")))
    run_outbox(app)
    job = imports.start_import(admin, Upload("iati-sample.xml", sample("iati-sample.xml")))
    run_outbox(app)
    job = reload(job)
    assert (job.created, job.updated, job.unchanged) == (0, 0, 7)
    assert {row["outcome"] for row in job.summary} == {"skipped", "unchanged"}


def test_a_csv_file_is_imported_too(app, admin):
    job = imports.start_import(admin, Upload("activities.csv", sample("activities.csv")))
    assert job.kind == "csv"
    run_outbox(app)
    job = reload(job)
    assert job.state is ImportState.done and job.created >= 2 and {"CSV-1", "CSV-2"} <= identifiers()


def test_the_job_runs_once_even_if_its_row_is_delivered_again(app, admin):
    job = imports.start_import(admin, Upload("iati-sample.xml", sample("iati-sample.xml")))
    run_outbox(app)
    finished_at = reload(job).finished_at
    imports._run_import({"job": job.id}, None)      # a second delivery of the same row
    assert reload(job).finished_at == finished_at and reload(job).created == 7


def test_a_file_the_worker_cannot_read_fails_with_its_error(app, admin, monkeypatch):
    job = imports.start_import(admin, Upload("iati-sample.xml", sample("iati-sample.xml")))

    def broken(*args, **kwargs):
        raise OSError("the disk went away")

    monkeypatch.setattr(imports, "open_stored", broken)
    run_outbox(app)
    job = reload(job)
    assert job.state is ImportState.failed and "the disk went away" in job.error and job.finished_at


@pytest.mark.parametrize("name, data, message", [
    ("notes.xml", b"this is not XML at all", "not a .xml file"),
    ("page.xml", b"<?xml version='1.0'?><html><body>Hello</body></html>", "not an IATI activity file"),
    ("data.csv", b"name,description\nA,B\n", "no column identifier, title"),
    ("data.csv", b"identifier;summary\nX-1;B\n", "no column title"),
    ("data.csv", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "it is not a .csv file"),
    ("data.csv", b"identifier,title\nX-1,Caf\xe9\x00\n", "not plain UTF-8 text"),
    ("report.pdf", b"%PDF-1.4 a pdf", "Accepted types: .csv, .xml"),
    ("empty.csv", b"", "The file is empty"),
])
def test_bad_files_are_refused_before_anything_is_queued(app, admin, name, data, message):
    with pytest.raises(UploadRejected) as refused:
        imports.start_import(admin, Upload(name, data))
    assert message in str(refused.value) and refused.value.field == "file"
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(ImportJob.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(events.OutboxEvent.id)).where(
        events.OutboxEvent.kind == imports.RUN)) == 0


def test_a_file_larger_than_the_limit_is_refused(make_app, make_user):
    app = make_app(IMPORT_MAX_BYTES=1000)
    admin = make_user("admin@example.org", admin=True)
    with pytest.raises(UploadRejected) as refused:
        imports.start_import(admin, Upload("iati-sample.xml", sample("iati-sample.xml")))
    assert "larger than" in str(refused.value)
    assert app.config["IMPORT_MAX_BYTES"] == 1000


def test_files_in_other_encodings_are_accepted_as_the_command_line_accepts_them(app, admin):
    for name in ("iati-utf16.xml", "iati-latin1.xml", "activities-cp1252.csv"):
        imports.start_import(admin, Upload(name, sample(name)))
    run_outbox(app)
    assert {"XM-LATIN1-1", "CP-1"} <= identifiers()
    assert all(job.state is ImportState.done for job in db.session.scalars(sa.select(ImportJob)))


def test_only_the_secretariat_imports(app, make_user):
    partner = make_user("partner@example.org")
    with pytest.raises(NotAllowedError):
        imports.start_import(partner, Upload("iati-sample.xml", sample("iati-sample.xml")))


# -- pages -------------------------------------------------------------------------------------------------
ROLES = ["anonymous", "partner", "admin"]


@pytest.mark.parametrize("role, expected", [("anonymous", 302), ("partner", 403), ("admin", 200)])
def test_who_may_use_the_import_pages(client, login, make_user, admin, role, expected):
    job = imports.start_import(admin, Upload("iati-sample.xml", sample("iati-sample.xml")))
    if role == "partner":
        login(make_user("partner@example.org"))
    elif role == "admin":
        login(admin)
    assert client.get("/admin/imports").status_code == expected
    assert client.get(f"/admin/imports/{job.id}").status_code == expected
    posted = client.post("/admin/imports", data={"file": (io.BytesIO(sample("activities.csv")), "activities.csv")},
                         content_type="multipart/form-data")
    assert posted.status_code == (302 if role == "admin" else expected)
    assert db.session.scalar(sa.select(sa.func.count(ImportJob.id))) == (2 if role == "admin" else 1)


def test_the_upload_page_leads_to_a_progress_page_that_reloads_until_done(app, client, login, admin):
    login(admin)
    response = client.post("/admin/imports", data={"file": (io.BytesIO(sample("iati-sample.xml")), "iati-sample.xml")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    job_url = response.headers["Location"]
    page = client.get(job_url)
    assert page.headers.get("Refresh") == "3"
    text = page.get_data(as_text=True)
    assert 'data-state="queued"' in text and "Waiting for the worker" in text and "Reload now" in text
    run_outbox(app)
    page = client.get(job_url)
    text = page.get_data(as_text=True)
    assert "Refresh" not in page.headers and 'data-state="done"' in text
    assert "no title" in text and "XM-TEST-NO-TITLE" in text and "Created" in text
    listing = client.get("/admin/imports").get_data(as_text=True)
    assert "iati-sample.xml" in listing and job_url in listing


def test_a_bad_upload_is_said_next_to_the_field(client, login, admin):
    login(admin)
    response = client.post("/admin/imports", data={"file": (io.BytesIO(b"name,description\nA,B\n"), "x.csv")},
                           content_type="multipart/form-data")
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="file-error"' in text and "no column identifier, title" in text
    response = client.post("/admin/imports", data={}, content_type="multipart/form-data")
    assert "Choose a file to upload." in response.get_data(as_text=True)


def test_an_unknown_job_is_not_found(client, login, admin):
    login(admin)
    assert client.get("/admin/imports/999999").status_code == 404
