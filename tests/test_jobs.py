"""Scheduled jobs, called directly with an injected `now`."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.jobs import remind_admins_of_pending_applications
from app.members.models import OrganisationStatus, UserStatus
from app.scheduler import build_scheduler
from app.utils import utcnow


def test_admins_get_one_digest_a_day_of_applications_waiting_two_days(app, make_user, make_org, outbox):
    admin = make_user("admin@example.org", admin=True)
    now = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # early in the day: "three hours later" is the same day
    old = make_org("Old Application", status=OrganisationStatus.pending, created_at=now - timedelta(days=3))
    make_org("Fresh Application", status=OrganisationStatus.pending, created_at=now - timedelta(hours=1))
    make_user(status=UserStatus.pending, created_at=now - timedelta(days=5), full_name="Waiting Person")

    assert remind_admins_of_pending_applications(now=now) == 1
    body = outbox[-1].get_content()
    assert outbox[-1]["To"] == admin.email
    assert old.name in body and "Fresh Application" not in body and "Waiting Person" in body
    # Running again the same day (a restart, a second scheduler) sends nothing more.
    assert remind_admins_of_pending_applications(now=now + timedelta(hours=3)) == 0
    assert len(outbox) == 1
    assert remind_admins_of_pending_applications(now=now + timedelta(days=1)) == 1


def test_no_digest_when_nothing_waits(app, make_user, outbox):
    make_user(admin=True)
    assert remind_admins_of_pending_applications(now=utcnow()) == 0
    assert outbox == []


def test_the_scheduler_knows_every_job(app):
    scheduler = build_scheduler(app)
    assert [job.id for job in scheduler.get_jobs()] == ["remind_admins_of_pending_applications",
                                                       "send_notification_digests", "remind_pledge_deadlines",
                                                       "close_poll_deadlines", "send_meeting_reminders",
                                                       "scan_overlaps", "send_newsletter", "publish_overlap_index"]
