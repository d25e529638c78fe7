"""The secretariat's import of external activities from an uploaded file (IATI XML or CSV), run by the worker.

The upload is checked as every upload is (size, type from its bytes: app/uploads.py), then as the command-line
importer reads it (an IATI file starts with ``<iati-activities>``, a CSV file has the required columns), and
stored through the project's storage, so that a worker on another host reads it. The job is recorded with an
outbox row in the same transaction; the worker's handler runs the importer's own :func:`run_import` on a copy
of the file, committing after each batch with the counts so far (the progress page shows them), and keeps the
per-record summary when done.

A job whose worker died is taken up again when the outbox row comes due once more (``STALE_AFTER`` later);
the import is idempotent on each activity's identifier, so running it again changes nothing twice.
"""
from __future__ import annotations

import enum
import logging
import shutil
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app import events
from app.audit import record
from app.errors import NotAllowedError
from app.extensions import db
from app.overlaps import importing
from app.types import UTCDateTime, enum_type
from app.uploads import StoredFile, UploadRejected, extension_of, open_stored, stored_upload
from app.utils import utcnow

logger = logging.getLogger(__name__)

RUN = "imports.run"                 # outbox kind: run one import job
KINDS = {"xml": "iati", "csv": "csv"}   # file extension -> the importer's kind
SUMMARY_MAX = 2000                  # records listed on the progress page; the counts cover them all
STALE_AFTER = timedelta(hours=2)    # a job running this long without a word is taken up again
HEAD = 64 * 1024


class ImportState(str, enum.Enum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"


STATE_LABELS = {
    ImportState.queued: _l("Waiting for the worker"),
    ImportState.running: _l("Importing"),
    ImportState.done: _l("Done"),
    ImportState.failed: _l("Failed"),
}
OUTCOME_LABELS = {
    "created": _l("Created"),
    "updated": _l("Updated"),
    "unchanged": _l("Unchanged"),
    "skipped": _l("Skipped"),
}


class ImportJob(db.Model):
    """One uploaded file of activities and what importing it did."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(10))                 # "iati" or "csv"
    state: so.Mapped[ImportState] = so.mapped_column(enum_type(ImportState, 10), default=ImportState.queued)
    file_path_key: so.Mapped[str] = so.mapped_column(sa.String(40), default="")   # app/uploads.py key
    file_name: so.Mapped[str] = so.mapped_column(sa.String(255))
    file_size: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)
    bytes_read: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)
    created: so.Mapped[int] = so.mapped_column(default=0)
    updated: so.Mapped[int] = so.mapped_column(default=0)
    unchanged: so.Mapped[int] = so.mapped_column(default=0)
    skipped: so.Mapped[int] = so.mapped_column(default=0)
    links: so.Mapped[int] = so.mapped_column(default=0)
    # [{"where", "outcome", "identifier", "reason"}], at most SUMMARY_MAX; and what was left out of records.
    summary: so.Mapped[list[dict[str, Any]]] = so.mapped_column(sa.JSON, default=list)
    warnings: so.Mapped[list[list[str]]] = so.mapped_column(sa.JSON, default=list)
    error: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow, index=True)
    started_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    finished_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())

    created_by: so.Mapped["User | None"] = so.relationship("User")  # noqa: F821

    def __repr__(self) -> str:
        return f"<ImportJob {self.id} {self.kind} {self.state.value}>"

    def __str__(self) -> str:
        return self.file_name

    @property
    def is_finished(self) -> bool:
        return self.state in (ImportState.done, ImportState.failed)

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.state])

    @property
    def percent(self) -> int:
        """How much of the file was read (0-100)."""
        if self.state is ImportState.done:
            return 100
        return min(100, int(100 * self.bytes_read / self.file_size)) if self.file_size else 0

    @property
    def read(self) -> int:
        return self.created + self.updated + self.unchanged + self.skipped

    @property
    def listed_all(self) -> bool:
        return len(self.summary or []) >= self.read


# -- checking and queuing ------------------------------------------------------------------------------------
def _check_content(stored: StoredFile, kind: str) -> None:
    """The importer's own checks on the file's first bytes. :raises UploadRejected: the file cannot be imported."""
    with open_stored(stored.path_key) as source:
        head = source.read(HEAD)
    if kind == "iati":
        if b"iati-activities" not in head and "iati-activities".encode("utf-16-le") not in head \
                and "iati-activities".encode("utf-16-be") not in head:
            raise UploadRejected(_("This XML file is not an IATI activity file: it has no <iati-activities> "
                                   "element at its start. Export the activities from your IATI publisher as XML "
                                   "(version 2.0x)."))
        return
    header = importing.csv_header(head, stored.original_name)
    if header is None:
        raise UploadRejected(_("The first line of the file is not readable CSV. Save it as CSV UTF-8 and upload "
                               "it again."))
    missing = importing.missing_columns(header)
    if missing:
        raise UploadRejected(_("The file has no column %(missing)s. Its first line names the columns: %(columns)s.",
                               missing=", ".join(missing), columns=", ".join(importing.CSV_COLUMNS)))


def start_import(actor, upload, *, now: datetime | None = None) -> ImportJob:
    """Check an uploaded file, store it, record the job and its outbox row, and commit; the file is removed
    again when anything fails.

    :raises NotAllowedError: the actor is not the secretariat.
    :raises UploadRejected: no file, a type other than .xml or .csv, too large, or not what the importer reads.
    """
    if not (actor.is_authenticated and actor.is_admin):
        raise NotAllowedError(_("Only the secretariat imports activities."))
    with stored_upload(upload, allowed=KINDS, max_bytes=current_app.config["IMPORT_MAX_BYTES"],
                       any_text_encoding=True) as stored:  # the importer reads CSV in UTF-16 and Windows-1252 too
        kind = KINDS[extension_of(upload.filename)]  # stored_upload refused any other type
        _check_content(stored, kind)
        now = now or utcnow()
        job = ImportJob(kind=kind, file_path_key=stored.path_key, file_name=stored.original_name,
                        file_size=stored.size, created_by_id=actor.id, created_at=now)
        db.session.add(job)
        db.session.flush()
        events.emit(RUN, {"job": job.id}, key=f"{RUN}:{job.id}", now=now)
        record(actor, "import.queued", job, file=stored.original_name)
        db.session.commit()
    logger.info("Import %r queued by %s", job, actor)
    return job


# -- running (the worker) ------------------------------------------------------------------------------------
def _save_progress(job: ImportJob, report: importing.ImportReport) -> None:
    job.created, job.updated, job.unchanged = report.created, report.updated, report.unchanged
    job.skipped, job.links = len(report.skipped), report.links


def _summary(report: importing.ImportReport) -> list[dict[str, str]]:
    rows = [{"where": where, "outcome": outcome, "identifier": identifier, "reason": ""}
            for where, outcome, identifier in report.outcomes or []]
    rows += [{"where": where, "outcome": "skipped", "identifier": "", "reason": why} for where, why in report.skipped]
    # Skipped records first: they are what the secretariat has to look at.
    rows.sort(key=lambda row: row["outcome"] != "skipped")
    return rows[:SUMMARY_MAX]


def run_job(job: ImportJob, *, now: datetime | None = None) -> None:
    """Import the job's file with the command line's importer, committing the progress after each batch."""
    now = now or utcnow()
    job.state, job.started_at, job.error = ImportState.running, now, ""
    job.bytes_read = 0
    db.session.commit()
    report = importing.ImportReport(outcomes=[])
    folder = Path(tempfile.mkdtemp(prefix="hub-import-"))
    try:
        # A copy under the file's own name: the importer names records "<file>, activity 3" (and on another
        # host the file is in the object store, not on this disk).
        copy = folder / job.file_name
        with open_stored(job.file_path_key) as source, copy.open("wb") as target:
            shutil.copyfileobj(source, target)

        def on_read(n: int) -> None:
            job.bytes_read += n

        def on_batch() -> None:
            _save_progress(job, report)
            db.session.commit()

        importing.run_import([copy], kind=job.kind, on_read=on_read, on_batch=on_batch, now=now, report=report)
    except Exception as exc:  # noqa: BLE001 - any failure is the job's, said on its page
        db.session.rollback()
        logger.exception("Import %r failed", job)
        job = db.session.get(ImportJob, job.id)
        job.state, job.finished_at = ImportState.failed, utcnow()
        job.error = f"{type(exc).__name__}: {exc}"[:2000]
        db.session.commit()
        return
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    _save_progress(job, report)
    job.summary, job.warnings = _summary(report), [list(w) for w in report.warnings[:SUMMARY_MAX]]
    job.state, job.finished_at = ImportState.done, utcnow()
    if report.created:
        importing.refresh_statistics()
    logger.info("Import %r done: %d created, %d updated, %d unchanged, %d skipped", job, job.created, job.updated,
                job.unchanged, job.skipped)


@events.handler(RUN)
def _run_import(payload: dict, event) -> None:
    """The worker's side: run the job once (a finished one is left as it is; one running elsewhere too,
    unless its worker has said nothing for STALE_AFTER)."""
    job = db.session.get(ImportJob, payload.get("job"))
    if job is None or job.is_finished:
        return
    now = utcnow()
    if job.state is ImportState.running and job.started_at and now - job.started_at < STALE_AFTER:
        return
    # run_job commits as it goes, which releases this row: keep other workers off it meanwhile. If this
    # worker dies, the row comes due again after STALE_AFTER and the job is taken up again.
    event.next_attempt_at = now + STALE_AFTER
    run_job(job, now=now)


def recent_jobs(limit: int = 20) -> list[ImportJob]:
    return list(db.session.scalars(sa.select(ImportJob).options(so.joinedload(ImportJob.created_by))
                                   .order_by(ImportJob.created_at.desc(), ImportJob.id.desc()).limit(limit)))
