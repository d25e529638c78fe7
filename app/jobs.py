"""Scheduled jobs: plain functions that take ``now``, do one query, loop, and commit once."""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.commitments.reminders import send_pledge_reminders
from app.extensions import db
from app.mail import queue_email
from app.members.models import Organisation, OrganisationStatus, User, UserStatus
from app.members.services import admins
from app.notifications.services import queue_daily_digests
from app.urls import external_url
from app.utils import utcnow

PENDING_AFTER = timedelta(hours=48)


def remind_admins_of_pending_applications(now: datetime | None = None) -> int:
    """E-mail each admin, at most once a day, the applications waiting longer than 48 hours.

    :return: the number of e-mails recorded in the outbox (the worker sends them).
    """
    now = now or utcnow()
    cutoff = now - PENDING_AFTER
    waiting_orgs = db.session.scalars(sa.select(Organisation).where(
        Organisation.status == OrganisationStatus.pending, Organisation.created_at <= cutoff)).all()
    waiting_people = db.session.scalars(sa.select(User).join(User.organisation).where(
        User.status == UserStatus.pending, Organisation.status == OrganisationStatus.active,
        User.created_at <= cutoff)).all()
    if not waiting_orgs and not waiting_people:
        return 0
    sent = 0
    for admin in admins():
        key = f"pending-digest:{admin.id}:{now.date().isoformat()}"
        if queue_email(admin, _l("Applications waiting for you"), "admin_pending_digest", key=key,
                       orgs=waiting_orgs, people=waiting_people, queue_url=external_url("admin.queue")):
            sent += 1
    db.session.commit()
    return sent


def send_notification_digests(now: datetime | None = None) -> int:
    """E-mail each person one digest of their unread notifications of the kinds they get daily.

    Never sends a notification twice, even when run twice: each is marked e-mailed, and each
    digest has a key (one a person a day).

    :return: the number of e-mails recorded in the outbox (the worker sends them).
    """
    sent = queue_daily_digests(now or utcnow())
    db.session.commit()
    return sent


def remind_pledge_deadlines(now: datetime | None = None) -> int:
    """E-mail pledges' coordinating focal points about reports and deliverables due in 14 days, due
    today, or overdue (weekly); at most one e-mail per pledge a day, and each reminder only once.

    :return: the number of e-mails recorded in the outbox (the worker sends them).
    """
    sent = send_pledge_reminders(now or utcnow())
    db.session.commit()
    return sent


def close_poll_deadlines(now: datetime | None = None) -> int:
    """Close the consultation polls whose deadline has passed, and remind those who have not answered a
    poll closing within a day (each once). :return: polls closed plus reminders queued."""
    from app.forums.reminders import close_due_polls, remind_unanswered

    now = now or utcnow()
    done = close_due_polls(now) + remind_unanswered(now)
    db.session.commit()
    return done


def send_meeting_reminders(now: datetime | None = None) -> int:
    """E-mail meeting reminders whose time has come (per meeting: a day and an hour before by default) and
    reminders to the Forum's registrants; never twice, never for a cancelled meeting.

    :return: the number of e-mails recorded in the outbox (the worker sends them).
    """
    from app.forums import reminders

    now = now or utcnow()
    sent = reminders.send_meeting_reminders(now) + reminders.send_forum_reminders(now)
    db.session.commit()
    return sent


def scan_overlaps(now: datetime | None = None) -> dict[str, int]:
    """Rebuild the duplication detector's index, look again at the initiatives changed since the last run
    for overlapping pairs (the review queue), and tell the owners of new likely duplicates, once each.

    :return: counts (indexed, rescanned, flagged, told).
    """
    from app.overlaps.jobs import nightly

    result = nightly(now or utcnow())
    db.session.commit()
    return result


def send_newsletter(now: datetime | None = None) -> int:
    """Send this period's newsletter if it has not gone out (or finish one a stopped run left half-way): one
    e-mail per subscriber, recorded in batches, each batch committed; an issue with nothing new goes to nobody.
    Run twice, or again after being killed, it sends nobody anything twice (each e-mail's key names the issue
    and the person).

    :return: the number of e-mails recorded in the outbox by this run (the worker sends them).
    """
    from app.newsletter import services as newsletter

    now = now or utcnow()
    issue = newsletter.due_issue(now)
    db.session.commit()  # the issue (and its period) is recorded before any e-mail
    if issue is None:
        return 0
    sent = newsletter.send_issue(issue, now=now, after_batch=db.session.commit)
    db.session.commit()
    return sent
