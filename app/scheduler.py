"""APScheduler wiring only: which job runs when. The jobs themselves live in app/jobs.py.

Run exactly one scheduler (``flask run-scheduler``) in production; web workers keep
``SCHEDULER_ENABLED`` off, otherwise each worker would run every job (flask-apscheduler #51).
"""
from __future__ import annotations

import logging

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from app import jobs

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


def init_scheduler(app: Flask) -> BaseScheduler:
    """Start a background scheduler inside this process (used by ``make run``)."""
    scheduler = build_scheduler(app)
    scheduler.start()
    app.extensions["scheduler"] = scheduler
    logger.info("Scheduler started with jobs: %s", ", ".join(job.id for job in scheduler.get_jobs()))
    return scheduler
