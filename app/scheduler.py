"""APScheduler wiring and the worker: which job runs when, and the outbox drain beside them. The jobs
themselves live in app/jobs.py, the outbox in app/events.py.

The worker process (``flask run-worker``) runs the jobs in a background scheduler and drains the outbox
in its main thread. Web workers keep ``SCHEDULER_ENABLED`` off, otherwise each would run every job
(flask-apscheduler #51); with it on (one process doing everything), the drain is a job every few seconds.
"""
from __future__ import annotations

import logging
import signal
import threading

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from app import events, jobs

logger = logging.getLogger(__name__)

JOBS = [
    # (function, trigger arguments)
    (jobs.remind_admins_of_pending_applications, {"trigger": "cron", "hour": 7, "minute": 0}),
    (jobs.send_notification_digests, {"trigger": "cron", "hour": 6, "minute": 0}),
    (jobs.remind_pledge_deadlines, {"trigger": "cron", "hour": 6, "minute": 30}),
    (jobs.close_poll_deadlines, {"trigger": "interval", "minutes": 5}),
    (jobs.send_meeting_reminders, {"trigger": "interval", "minutes": 5}),
    (jobs.scan_overlaps, {"trigger": "cron", "hour": 2, "minute": 30}),
]


def _wrap(app: Flask, func):
    def run():
        with app.app_context():
            try:
                result = func()
                logger.info("Job %s done: %s", func.__name__, result)
            except Exception:
                logger.exception("Job %s failed", func.__name__)
    return run


def build_scheduler(app: Flask, *, blocking: bool = False) -> BaseScheduler:
    scheduler = (BlockingScheduler if blocking else BackgroundScheduler)(timezone="UTC")
    for func, trigger in JOBS:
        scheduler.add_job(_wrap(app, func), id=func.__name__, name=func.__name__, replace_existing=True,
                          coalesce=True, max_instances=1, **trigger)
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
