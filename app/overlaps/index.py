"""The duplication detector inside the app: one per process, loaded from ``DEDUP_INDEX_DIR``, kept up to
date from the change log before every query.

How it stays fresh (see the protocol in :mod:`app.dedup`):

* Only the worker process builds: ``flask run-scheduler`` (its ``publish_overlap_index`` job, every
  minute, when the saved generation is missing, damaged or too far behind the change log; and the
  nightly scan), ``flask dedup-rebuild`` and ``flask seed-demo``. Each build is saved as a new
  *generation* under ``DEDUP_INDEX_DIR/<database token>/``; gunicorn workers that load it share its
  memory-mapped arrays. With an object store (``S3_BUCKET``) the worker uploads each generation there
  and every host fetches it into its own ``DEDUP_INDEX_DIR`` (:mod:`app.overlaps.published`; a web
  process reads the name of the live one at most every ``DEDUP_INDEX_POLL_SECONDS``); without one,
  ``DEDUP_INDEX_DIR`` is a folder every host mounts. Two workers never build at once: the job runs
  under its PostgreSQL advisory lock (app/scheduler.py), and two saves at once would still each
  publish a whole generation (app/dedup/storage.py), the later one winning.
* Every change to an initiative writes a row to the change log (:class:`InitiativeChange`) in the same
  transaction. Before each query a worker reads the rows after the last one it applied (one indexed
  query, usually empty), re-reads those initiatives and hands them to the detector: a change made by any
  process is seen by the next query in every process. No full rebuild happens on the request path.
* When a newer generation is saved, each worker loads it at its next query.
* A web process never builds. A missing, damaged or old-format index makes its queries answer "not
  ready yet" (never a server error) until the worker has published one; a saved index whose
  sentence-model vectors are missing, stale or damaged is used at once on its lexical part. A backlog
  of changes longer than :data:`CATCH_UP_BATCH` is applied a slice per query meanwhile.
* The sentence model's arrays are memory-mapped from ``DEDUP_MODEL_DIR`` (default: the user's cache
  directory), so the workers share them.

On PostgreSQL, change-log numbers can commit out of order (a transaction that took number 10 may commit
after the one that took 11). The reader therefore only advances its position over an unbroken run of
numbers; rows seen beyond a gap are applied and remembered, and a gap still open after
:data:`GAP_WAIT` is taken for a rolled-back transaction.

With ``DEDUP_INDEX_DIR`` unset (the tests), the index lives in memory only: each process builds it from
the database on first use (in the request for a small registry, else in a background thread), never saves
it. The worker process is a builder too (``OVERLAP_INDEX_BUILDER``, set by ``flask run-worker``).
"""
from __future__ import annotations

import contextlib
import logging
import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Flask, current_app

from app.dedup import DuplicateDetector, IndexCorruptError
from app.dedup.storage import GenerationReader
from app.extensions import db
from app.overlaps import initiatives
from app.overlaps.models import ChangeOp, InitiativeChange, OverlapState
from app.overlaps.published import fetch, index_store, local_current, publish, remote_current
from app.utils import utcnow

logger = logging.getLogger(__name__)

GAP_WAIT = timedelta(seconds=10)
# Changes applied before one query, at most. A longer backlog (a bulk import whose command did not
# rebuild, a worker that slept through a day of changes) starts a rebuild in the background instead of
# holding the request; meanwhile each query applies the next slice.
CATCH_UP_BATCH = 500


def get_index(app: Flask | None = None) -> OverlapIndex:
    """This process's index (one per application object)."""
    app = app or current_app._get_current_object()
    index = app.extensions.get("overlaps_index")
    if index is None:
        index = app.extensions["overlaps_index"] = OverlapIndex(app)
    return index


def preload_model(app: Flask) -> bool:
    """Load the sentence model in this process now (``DEDUP_PRELOAD_MODEL``): with ``gunicorn --preload``
    the app is created once, before the workers fork, and they then share the model's tokenizer instead of
    building one each (its arrays are memory-mapped and shared either way). Nothing is encoded here (no
    BLAS thread is started before the fork). A model that fails to load is logged, never fatal: the workers
    try again at their first query."""
    from app.dedup import semantic

    if not semantic.available():
        return False
    if app.config.get("DEDUP_MODEL_DIR"):
        semantic.set_weights_dir(app.config["DEDUP_MODEL_DIR"])
    started = time.perf_counter()
    try:
        semantic.model()
    except Exception:  # noqa: BLE001 - a missing or damaged model must not stop the app from starting
        logger.exception("sentence model not preloaded: each worker loads it at its first query")
        return False
    logger.info("sentence model preloaded in %.1f s", time.perf_counter() - started)
    return True


def detector() -> DuplicateDetector | None:
    """The detector, up to date with every committed change; None while a rebuild runs in the background."""
    return get_index().detector()


@contextlib.contextmanager
def reader():
    """A session of its own, which sees only what is committed (not the request's unsaved changes).

    An in-memory SQLite database exists only on its connection: there the request's session is used.
    """
    url = db.engine.url
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        yield db.session
        return
    with so.Session(db.engine) as session:
        yield session


def db_token(session: so.Session) -> str | None:
    return session.scalar(sa.select(OverlapState.db_token).where(OverlapState.id == 1))


def ensure_state(session: so.Session | None = None) -> OverlapState:
    """The overlap state row, created with a new database token if missing (flush; the caller commits)."""
    session = session or db.session
    state = session.get(OverlapState, 1)
    if state is None:
        state = OverlapState(id=1, db_token=uuid.uuid4().hex, scanned_through=0)
        session.add(state)
        session.flush()
    return state


class OverlapIndex:
    """One detector for this process and the bookkeeping that keeps it in step with the database."""

    def __init__(self, app: Flask):
        self.app = app
        self.root = Path(app.config["DEDUP_INDEX_DIR"]) if app.config.get("DEDUP_INDEX_DIR") else None
        self.sync_limit = int(app.config.get("DEDUP_SYNC_REBUILD_LIMIT", 5000))
        self._lock = threading.RLock()
        self._detector: DuplicateDetector | None = None
        self._directory: Path | None = None
        self._beyond: set[int] = set()  # change numbers applied beyond a gap (see the module docstring)
        self._background: threading.Thread | None = None
        # Who builds: every process when the index is kept in memory; with saved generations, only the
        # worker (and commands, which call rebuild() themselves). A web process loads what it published.
        self.builds = self.root is None or bool(app.config.get("OVERLAP_INDEX_BUILDER"))
        self._unusable: str | None = None  # why the saved index could not be loaded (logged once)
        # With an object store, generations are published there and each host keeps a local copy in
        # DEDUP_INDEX_DIR (app/overlaps/published.py); a web process looks for a newer one now and then.
        self.store = index_store(app) if self.root is not None else None
        self.poll_seconds = float(app.config.get("DEDUP_INDEX_POLL_SECONDS", 10))
        self._polled: float | None = None
        self._fetching: threading.Thread | None = None
        if app.config.get("DEDUP_MODEL_DIR"):
            from app.dedup import semantic
            semantic.set_weights_dir(app.config["DEDUP_MODEL_DIR"])
        self.rebuilds = 0  # how many times this process built the index (tests and benchmarks read it)

    # -- the query path -------------------------------------------------------------------------------
    def detector(self) -> DuplicateDetector | None:
        with self._lock:
            if self.store is not None and not self.builds:
                self._poll_store()
            if self._detector is None:
                if self._background is not None and self._background.is_alive():
                    return None
                self._open()
                if self._detector is None:
                    return None
            elif self._directory is not None and self._is_stale():
                self._reload()
            self._catch_up()
            return self._detector

    @property
    def ready(self) -> bool:
        return self._detector is not None

    def _is_stale(self) -> bool:
        try:
            return self._detector.is_stale(self._directory)
        except IndexCorruptError:
            return True

    def _reload(self) -> None:
        try:
            fresh = DuplicateDetector.load(self._directory, embed_missing=False)
        except IndexCorruptError as exc:
            logger.warning("A newer overlap index could not be loaded (%s): keeping the current one", exc)
            return
        self._set(fresh)
        logger.info("Overlap index reloaded: generation %s", fresh.base_name)

    def _set(self, fresh: DuplicateDetector) -> None:
        self._detector = fresh
        self._beyond = set()

    def _open(self) -> None:
        """Load the saved index, or build one when it is missing or damaged."""
        with reader() as session:
            if self.root is not None:
                self._directory = self.root / (db_token(session) or "untracked")
                try:
                    self._set(DuplicateDetector.load(self._directory, embed_missing=False))
                    self._unusable = None
                    logger.info("Overlap index loaded from %s (%d initiatives)", self._directory, len(self._detector))
                    if self._detector.needs_embedding:  # lexical answers meanwhile
                        logger.warning("Overlap index has no usable sentence-model vectors (%s)%s",
                                       self._detector.semantic_error,
                                       ": rebuilding it in the background" if self.builds else "")
                        if self.builds:
                            self._rebuild_in_background()
                    return
                except IndexCorruptError as exc:
                    if not self.builds:
                        # "not ready yet" until the worker publishes a generation; tried again next query
                        if str(exc) != self._unusable:
                            logger.warning("Overlap index not published yet or unusable (%s): waiting for the "
                                           "worker's publish_overlap_index job", exc)
                        self._unusable = str(exc)
                        return
                    logger.warning("Overlap index unusable, rebuilding it: %s", exc)
            size = initiatives.count_compared(session)
        if size > self.sync_limit:
            self._rebuild_in_background()
        else:
            self.rebuild()

    def _poll_store(self) -> None:
        """Fetch (in a thread) the generation the object store names, when this host does not have it."""
        now = time.monotonic()
        if (self._polled is not None and now - self._polled < self.poll_seconds) or (
                self._fetching is not None and self._fetching.is_alive()):
            return
        self._polled = now
        with reader() as session:
            token = db_token(session) or "untracked"
        directory = self.root / token
        try:
            remote = remote_current(self.store, token)
        except Exception as exc:  # the store unreachable: keep answering from what is loaded
            logger.warning("Overlap index: could not read the published generation's name: %s", exc)
            return
        if remote is None or remote == local_current(directory):
            return
        app = self.app

        def run():
            with app.app_context():
                try:
                    fetch(self.store, directory, token, remote)
                except Exception:  # the next poll tries again
                    logger.exception("Fetching overlap index generation %s failed", remote)

        self._fetching = threading.Thread(target=run, name="overlap-index-fetch", daemon=True)
        self._fetching.start()

    def _rebuild_in_background(self) -> None:
        app = self.app

        def run():
            with app.app_context():
                try:
                    self.rebuild()
                except Exception:  # the next query tries again
                    logger.exception("Background rebuild of the overlap index failed")
                finally:
                    db.session.remove()

        self._background = threading.Thread(target=run, name="overlap-index-rebuild", daemon=True)
        self._background.start()
        logger.info("Overlap index is being rebuilt in the background")

    # -- change log ---------------------------------------------------------------------------------------
    def _catch_up(self) -> None:
        detector = self._detector
        position = detector.applied_through or 0
        with reader() as session:
            rows = session.execute(
                sa.select(InitiativeChange.seq, InitiativeChange.initiative_id, InitiativeChange.op,
                          InitiativeChange.created_at)
                .where(InitiativeChange.seq > position).order_by(InitiativeChange.seq).limit(CATCH_UP_BATCH)).all()
            if not rows:
                return
            if (len(rows) == CATCH_UP_BATCH and self.builds
                    and not (self._background and self._background.is_alive())):
                logger.info("Overlap index is %d+ changes behind: rebuilding it in the background", len(rows))
                self._rebuild_in_background()
            latest: dict[str, ChangeOp] = {}
            for row in rows:
                if row.seq not in self._beyond:
                    latest[row.initiative_id] = row.op
            upserts, removals = [], []
            if latest:
                wanted = [i for i, op in latest.items() if op is ChangeOp.upsert]
                found = initiatives.load(wanted, session) if wanted else {}
                for initiative_id in latest:
                    obj = found.get(initiative_id)
                    if obj is not None and obj.is_compared:
                        upserts.append(obj.to_initiative())
                    else:
                        removals.append(initiative_id)
        new_position = advance(position, [(r.seq, r.created_at) for r in rows], utcnow())
        detector.apply_changes(upserts, removals, through=new_position)
        self._beyond = {seq for seq in ({r.seq for r in rows} | self._beyond) if seq > new_position}

    # -- building -----------------------------------------------------------------------------------------
    def rebuild(self, progress: Callable[[int], None] | None = None, save: bool | None = None,
                session: so.Session | None = None,
                embedding_progress: Callable[[int, int], None] | None = None) -> DuplicateDetector:
        """Build the index from the database (and save it when ``DEDUP_INDEX_DIR`` is set); swap it in.

        :param session: read through this session (a CLI command or job that has just written data and
            not committed yet); by default a session of its own, which sees only what is committed.

        Only builders call it (see the module docstring): the worker's jobs, commands, and each process
        when the index is kept in memory.
        """
        save = self.root is not None if save is None else save
        with reader() as own:
            token = db_token(session or own)
        directory = self.root / (token or "untracked") if self.root is not None else None
        started = time.perf_counter()
        with (contextlib.nullcontext(session) if session is not None else reader()) as source:
            # Start from a position every earlier change has committed by (see GAP_WAIT): the
            # changes after it are replayed, which is harmless (each re-reads the initiative).
            through = source.scalar(sa.select(sa.func.max(InitiativeChange.seq))
                                    .where(InitiativeChange.created_at < utcnow() - GAP_WAIT)) or 0
            # the vectors of unchanged texts are taken from the index in use; a build stopped half-way
            # resumes from the vectors checkpointed beside the saved generations
            fresh = DuplicateDetector.build(
                initiatives.iter_compared(source), progress=progress, applied_through=through,
                reuse=self._detector, embedding_progress=embedding_progress,
                embedding_cache=directory / ".embedding-checkpoints" if directory is not None else None)
        if save and directory is not None:
            fresh.save(directory)
            if self.store is not None:  # every host fetches it from there
                publish(self.store, directory, token or "untracked")
        with self._lock:
            self._directory = directory if save else self._directory
            self._set(fresh)
            self.rebuilds += 1
        logger.info("Overlap index built: %d initiatives in %.1f s", len(fresh), time.perf_counter() - started)
        return fresh


def advance(position: int, rows: list[tuple[int, datetime]], now: datetime) -> int:
    """The new change-log position: past every number read that follows ``position`` without a gap.

    A gap is a number not (yet) visible: a transaction still running, or one that rolled back. It is
    waited for until the row after it is :data:`GAP_WAIT` old, then skipped.
    """
    for seq, created_at in sorted(rows):
        if seq <= position:
            continue
        if seq == position + 1 or (created_at is not None and now - created_at > GAP_WAIT):
            position = seq
        else:
            break
    return position


def published_position(index: OverlapIndex) -> tuple[int | None, int]:
    """The change-log position of the generation published for this database (None when there is none
    or it is unusable), and how many changes came after it."""
    with reader() as session:
        directory = index.root / (db_token(session) or "untracked")
        try:
            generation = GenerationReader(directory)
            # every array whole (what loading checks first), without loading any
            for name, spec in generation.arrays.items():
                if (generation.path / f"{name}.npy").stat().st_size != spec["bytes"]:
                    raise IndexCorruptError(f"{generation.path / name}.npy is damaged")
            through = generation.info.get("applied_through") or 0
        except (IndexCorruptError, OSError, KeyError, TypeError):
            through = None
        behind = session.scalar(sa.select(sa.func.count()).select_from(InitiativeChange)
                                .where(InitiativeChange.seq > (through or 0)))
    return through, behind or 0
