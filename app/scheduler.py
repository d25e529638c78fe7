"""APScheduler wiring and the worker: which job runs when, and the outbox drain beside them. The jobs
themselves live in app/jobs.py, the outbox in app/events.py.

The worker process (``flask run-worker``) runs the jobs in a background scheduler and drains the outbox
in its main thread. Web workers keep ``SCHEDULER_ENABLED`` off, otherwise each would run every job
(flask-apscheduler #51); with it on (one process doing everything), the drain is a job every few seconds.
Worker processes may be more than one, on several
hosts: each job runs under :func:`job_lock`, a PostgreSQL advisory lock, so two workers never run the
same job at once; whichever comes first runs it and the other skips that turn. A worker that dies loses
its connection and with it the lock, so the other one runs the job at its next turn. On SQLite (one
host) the lock is a no-op: run one worker there.
"""
from __future__ import annotations

import hashlib
import logging
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone

import sqlalchemy as sa

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from app import events, jobs
from app.overlaps.jobs import publish_overlap_index

logger = logging.getLogger(__name__)

JOBS = [
    # (function, trigger arguments)
    (jobs.remind_admins_of_pending_applications, {"trigger": "cron", "hour": 7, "minute": 0}),
    (jobs.send_notification_digests, {"trigger": "cron", "hour": 6, "minute": 0}),
    (jobs.remind_pledge_deadlines, {"trigger": "cron", "hour": 6, "minute": 30}),
    (jobs.close_poll_deadlines, {"trigger": "interval", "minutes": 5}),
    (jobs.send_meeting_reminders, {"trigger": "interval", "minutes": 5}),
    (jobs.scan_overlaps, {"trigger": "cron", "hour": 2, "minute": 30}),
    # Daily: the first run of a new period sends its issue (app/newsletter), later runs find it sent.
    (jobs.send_newsletter, {"trigger": "cron", "hour": 7, "minute": 30}),
    (publish_overlap_index, {"trigger": "interval", "minutes": 1}),
]
# Run once as the worker starts too: a new deployment's web hosts wait for the first generation.
AT_START = {"publish_overlap_index"}


def lock_key(name: str) -> int:
    """The advisory-lock number of a job: a stable signed 64-bit number from its name."""
    return int.from_bytes(hashlib.sha256(f"hub-job:{name}".encode()).digest()[:8], "big", signed=True)


@contextmanager
def job_lock(name: str, engine: sa.Engine | sa.Connection | None = None) -> Iterator[bool]:
    """Hold the lock of job ``name`` across every worker while the block runs; yield whether we got it.

    On PostgreSQL a session-level advisory lock on a connection of its own, taken without waiting
    (``pg_try_advisory_lock``): False means another worker is running the job right now. The lock goes
    with the connection, so a worker killed mid-job frees it. On any other database it yields True.

    :param engine: the database (default: the app's); a connection stands for its engine.
    """
    from app.extensions import db

    engine = engine if engine is not None else db.engine
    if isinstance(engine, sa.Connection):
        engine = engine.engine
    if engine.dialect.name != "postgresql":
        yield True
        return
    key = lock_key(name)
    with engine.connect() as connection:
        held = bool(connection.scalar(sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": key}))
        connection.commit()  # the lock is the session's, not the transaction's: end the transaction
        try:
            yield held
        finally:
            if held:
                try:
                    connection.scalar(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                    connection.commit()
                except sa.exc.DBAPIError:
                    # the connection is gone, and the lock with it; never give it back to the pool
                    connection.invalidate()
                    logger.warning("Job lock %s: connection lost before unlocking", name)


def run_job(app: Flask, func, name: str | None = None):
    """Run one job inside an app context and under its :func:`job_lock`; return its result, or None when
    another worker holds the lock (or the job failed: logged)."""
    name = name or func.__name__
    with app.app_context():
        try:
            with job_lock(name) as held:
                if not held:
                    logger.info("Job %s skipped: another worker is running it", name)
                    return None
                result = func()
            logger.info("Job %s done: %s", name, result)
            return result
        except Exception:
            logger.exception("Job %s failed", name)
            return None


def _wrap(app: Flask, func):
    def run():
        run_job(app, func)
    return run


def build_scheduler(app: Flask, *, blocking: bool = False) -> BaseScheduler:
    # This process is the worker: it builds and publishes the overlap index (app/overlaps/index.py).
    app.config["OVERLAP_INDEX_BUILDER"] = True
    scheduler = (BlockingScheduler if blocking else BackgroundScheduler)(timezone="UTC")
    for func, trigger in JOBS:
        extra = {"next_run_time": datetime.now(timezone.utc)} if func.__name__ in AT_START else {}
        scheduler.add_job(_wrap(app, func), id=func.__name__, name=func.__name__, replace_existing=True,
                          coalesce=True, max_instances=1, **trigger, **extra)
    return scheduler


def drain_outbox() -> int:
    """Deliver what is due in the outbox (see :func:`app.events.deliver_due`)."""
    return events.deliver_due()


def init_scheduler(app: Flask) -> BaseScheduler:
    """Start a background scheduler inside this process, draining the outbox every few seconds too."""
    scheduler = build_scheduler(app)
    scheduler.add_job(_wrap(app, drain_outbox), id="drain_outbox", name="drain_outbox", trigger="interval",
                      seconds=3, coalesce=True, max_instances=1, replace_existing=True)
    scheduler.start()
    app.extensions["scheduler"] = scheduler
    logger.info("Scheduler started with jobs: %s", ", ".join(job.id for job in scheduler.get_jobs()))
    return scheduler


def run_worker(app: Flask, poll_seconds: float, *, jobs: bool = True) -> None:
    """The worker process: the scheduled jobs (unless ``jobs`` is false) in a background thread, the outbox
    drained in this one (waiting ``poll_seconds`` whenever nothing was due) until SIGTERM or SIGINT."""
    scheduler = build_scheduler(app)
    if not jobs:
        scheduler.remove_all_jobs()
    scheduler.start()
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    logger.info("Worker running: outbox drain every %.2f s and jobs %s", poll_seconds,
                ", ".join(job.id for job in scheduler.get_jobs()))
    try:
        with app.app_context():
            events.drain_forever(poll_seconds, stop=stopping.is_set, sleep=stopping.wait)
    finally:
        scheduler.shutdown(wait=False)
