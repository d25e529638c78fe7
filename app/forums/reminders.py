"""The Forum's and consultations' scheduled work: closing polls at their deadline, reminding those who have not
answered, meeting reminders (by default a day and an hour before, per meeting), and reminders to the Forum's
registrants (a week and a day before). Each function flushes; the job in app/jobs.py commits.

Every reminder goes through :func:`app.reminders.claim` (one key per kind, object, recipient and due time).
"""
from __future__ import annotations

import logging
from datetime import datetime, time, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.forums import consultations, times
from app.forums.consultation_models import Consultation, ConsultationState, Invitee, Response
from app.forums.models import Forum, Registration, RegistrationState
from app.mail import queue_email
from app.reminders import Reminder, claim
from app.urls import external_url

logger = logging.getLogger(__name__)

# Invitees who have not answered are reminded once, a day before the poll closes.
ANSWER_REMINDER_BEFORE = timedelta(hours=24)
# The longest a meeting reminder may be set before the meeting (RemindersForm allows up to 168 hours).
LONGEST_REMINDER = timedelta(days=7)
FORUM_REMINDERS = (timedelta(days=7), timedelta(days=1))


def _reminder(kind: str, consultation: Consultation, invitee: Invitee, due: datetime) -> Reminder:
    """A member's reminder is keyed by their user id (as before guests existed); a guest's by the invitee."""
    if invitee.is_guest:
        return Reminder(f"{kind}-guest", "consultation", consultation.id, invitee.id, due)
    return Reminder(kind, "consultation", consultation.id, invitee.user_id, due)


def close_due_polls(now: datetime) -> int:
    """Close the polls whose deadline has passed. :return: how many."""
    due = list(db.session.scalars(sa.select(Consultation).where(
        Consultation.state == ConsultationState.polling, Consultation.deadline_at <= now)))
    for consultation in due:
        consultations.close_poll(None, consultation, now, reason="deadline")
    return len(due)


def remind_unanswered(now: datetime) -> int:
    """Remind invitees who have not answered a poll closing within a day (once per poll and deadline)."""
    polls = list(db.session.scalars(
        sa.select(Consultation).where(Consultation.state == ConsultationState.polling,
                                      Consultation.deadline_at > now,
                                      Consultation.deadline_at <= now + ANSWER_REMINDER_BEFORE)
        .options(so.selectinload(Consultation.invitees).joinedload(Invitee.user),
                 so.selectinload(Consultation.slots))))
    wanted = []
    for poll in polls:
        for invitee in poll.invitees:
            if invitee.answered_at is None and invitee.user_id != poll.convener_id and invitee.may_receive \
                    and invitee.link_nonce:
                wanted.append((_reminder("poll-answers", poll, invitee, poll.deadline_at - ANSWER_REMINDER_BEFORE),
                               poll, invitee))
    won = {r.key for r in claim([w[0] for w in wanted], now)}
    sent = 0
    for reminder, poll, invitee in wanted:
        if reminder.key in won:
            consultations._send_poll_email(poll, invitee, "reminder")
            invitee.reminded_at = now
            sent += 1
    db.session.flush()
    return sent


def meeting_reminders_due(consultation: Consultation, now: datetime) -> datetime | None:
    """The due time of the meeting's reminder to send now, if any: the latest reminder time that has passed
    before the start, and that was not already past when the time was set (the invitation just went out)."""
    if not consultation.is_scheduled or consultation.starts_at is None or consultation.starts_at <= now:
        return None
    due = [consultation.starts_at - timedelta(minutes=m) for m in consultation.reminder_minutes or []]
    due = [d for d in due if d <= now and (consultation.scheduled_at is None or d >= consultation.scheduled_at)]
    return max(due) if due else None


def send_meeting_reminders(now: datetime) -> int:
    """E-mail each invitee (but those who declined) of a meeting whose reminder time has come."""
    meetings = list(db.session.scalars(
        sa.select(Consultation).where(Consultation.state == ConsultationState.scheduled,
                                      Consultation.starts_at > now, Consultation.starts_at <= now + LONGEST_REMINDER)
        .options(so.selectinload(Consultation.invitees).joinedload(Invitee.user))))
    wanted = []
    for meeting in meetings:
        due = meeting_reminders_due(meeting, now)
        if due is None:
            continue
        for invitee in meeting.invitees:
            if invitee.response is not Response.declined and invitee.may_receive:
                wanted.append((_reminder("meeting", meeting, invitee, due), meeting, invitee))
    won = {r.key for r in claim([w[0] for w in wanted], now)}
    sent = 0
    for reminder, meeting, invitee in wanted:
        if reminder.key not in won:
            continue
        queue_email(invitee.recipient, _l("Reminder: %(title)s", title=meeting.title), "meeting_reminder",
                    zone=consultations.invitee_zone(invitee), consultation=meeting,
                    page_url=consultations.page_url_for(invitee))
        sent += 1
    return sent


def send_forum_reminders(now: datetime) -> int:
    """Remind the registrants of a published Forum a week and a day before it starts (venue time)."""
    forums = list(db.session.scalars(sa.select(Forum).where(
        Forum.is_published.is_(True), Forum.starts_on >= (now - timedelta(days=1)).date(),
        Forum.starts_on <= (now + FORUM_REMINDERS[0] + timedelta(days=1)).date())))
    wanted = []
    for forum in forums:
        opening = times.local_to_utc(forum.starts_on, time(0, 0), forum.timezone)
        due = [opening - before for before in FORUM_REMINDERS if opening - before <= now < opening]
        if not due:
            continue
        registrations = db.session.scalars(sa.select(Registration).where(
            Registration.forum_id == forum.id, Registration.session_id.is_(None),
            Registration.state == RegistrationState.registered).options(so.joinedload(Registration.user)))
        for registration in registrations:
            if registration.user.is_approved:
                wanted.append((Reminder("forum", "forum", forum.id, registration.user_id, max(due)), forum,
                               registration.user))
    won = {r.key for r in claim([w[0] for w in wanted], now)}
    sent = 0
    for reminder, forum, person in wanted:
        if reminder.key in won:
            queue_email(person, _l("Soon: %(title)s", title=forum.title), "forum_reminder", zone=forum.timezone,
                        forum=forum, page_url=external_url("forums.programme", slug=forum.slug))
            sent += 1
    return sent
