"""Scheduled jobs: poll deadlines, reminders to non-respondents, meeting and Forum reminders; never twice (run
twice, or by two schedulers at once), recomputed when a meeting moves, never for a cancelled one."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest

from app import jobs
from app.extensions import db
from app.forums import consultations, services
from app.forums.consultation_models import ConsultationState
from app.scheduler import JOBS
from tests.conftest import reload
from tests.forums.conftest import NOW


def _meeting(poll, people):
    consultations.confirm_slot(people.convener, poll, poll.slots[0], now=NOW)  # 8 Dec 2026, 08:00 UTC
    db.session.commit()
    return poll


def _reminders(outbox):
    return sorted(m["To"] for m in outbox if m["Subject"].startswith("Reminder: Due"))


def test_the_scheduler_runs_the_forum_jobs_every_five_minutes():
    wired = {func.__name__: trigger for func, trigger in JOBS}
    assert wired["close_poll_deadlines"] == {"trigger": "interval", "minutes": 5}
    assert wired["send_meeting_reminders"] == {"trigger": "interval", "minutes": 5}


def test_polls_close_at_their_deadline(poll):
    assert jobs.close_poll_deadlines(now=poll.deadline_at - timedelta(minutes=1)) == 2  # reminders, not closing
    assert reload(poll).state is ConsultationState.polling
    jobs.close_poll_deadlines(now=poll.deadline_at)
    poll = reload(poll)
    assert poll.state is ConsultationState.closed and poll.closed_reason == "deadline"


def test_non_respondents_are_reminded_once_a_day_before_the_deadline(poll, people, outbox):
    consultations.answer_poll(next(i for i in poll.invitees if i.user_id == people.invitee.id),
                              {poll.slots[0].id: "yes"}, now=NOW)
    db.session.commit()
    outbox.clear()
    assert jobs.close_poll_deadlines(now=poll.deadline_at - timedelta(hours=25)) == 0
    assert jobs.close_poll_deadlines(now=poll.deadline_at - timedelta(hours=23)) == 1
    assert [m["To"] for m in outbox] == [people.invitee2.email]
    assert jobs.close_poll_deadlines(now=poll.deadline_at - timedelta(hours=22)) == 0


def test_meeting_reminders_a_day_and_an_hour_before_each_once(poll, people, outbox):
    meeting = _meeting(poll, people)
    outbox.clear()
    start = meeting.starts_at
    assert jobs.send_meeting_reminders(now=start - timedelta(hours=25)) == 0
    assert jobs.send_meeting_reminders(now=start - timedelta(hours=24)) == 3
    assert jobs.send_meeting_reminders(now=start - timedelta(hours=23)) == 0   # run again: nothing twice
    assert jobs.send_meeting_reminders(now=start - timedelta(minutes=59)) == 3
    assert jobs.send_meeting_reminders(now=start - timedelta(minutes=30)) == 0
    assert len(_reminders(outbox)) == 6


def test_declined_invitees_get_no_reminder_and_the_hours_are_per_meeting(poll, people, outbox):
    meeting = _meeting(poll, people)
    consultations.respond(next(i for i in meeting.invitees if i.user_id == people.invitee.id), "declined", now=NOW)
    consultations.set_reminders(people.convener, meeting, 48, None)
    db.session.commit()
    outbox.clear()
    assert jobs.send_meeting_reminders(now=meeting.starts_at - timedelta(hours=47)) == 2
    assert jobs.send_meeting_reminders(now=meeting.starts_at - timedelta(minutes=30)) == 0  # no hour reminder


def test_a_moved_meeting_gets_reminders_from_its_new_time(poll, people, outbox):
    meeting = _meeting(poll, people)
    old_start = meeting.starts_at
    jobs.send_meeting_reminders(now=old_start - timedelta(hours=23))
    outbox.clear()
    new_start = old_start + timedelta(days=2)
    consultations.reschedule(people.convener, meeting, new_start, now=old_start - timedelta(hours=22))
    db.session.commit()
    outbox.clear()
    assert jobs.send_meeting_reminders(now=old_start - timedelta(minutes=30)) == 0    # the old time: nothing
    assert jobs.send_meeting_reminders(now=new_start - timedelta(hours=24)) == 3      # the new day-before
    assert jobs.send_meeting_reminders(now=new_start - timedelta(hours=1)) == 3


def test_a_cancelled_meeting_gets_no_reminder(poll, people, outbox):
    meeting = _meeting(poll, people)
    consultations.cancel(people.convener, meeting, now=NOW)
    db.session.commit()
    outbox.clear()
    assert jobs.send_meeting_reminders(now=meeting.starts_at - timedelta(hours=1)) == 0
    assert outbox == []


@pytest.mark.commits  # threads, each on a connection of its own
def test_two_schedulers_at_once_send_each_reminder_once(app, poll, people, outbox):
    """Two threads, each with its own session, run the job at the same moment: 3 reminders in all."""
    meeting = _meeting(poll, people)
    outbox.clear()
    when = meeting.starts_at - timedelta(hours=24)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        with app.app_context():
            try:
                barrier.wait()
                results.append(jobs.send_meeting_reminders(now=when))
            except Exception as exc:  # noqa: BLE001
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert sum(results) == 3
    assert len(_reminders(outbox)) == 3


def test_forum_registrants_are_reminded_a_week_and_a_day_before(people, forum, outbox):
    services.register(people.invitee, forum, now=NOW)
    db.session.commit()
    outbox.clear()
    opening = datetime(2027, 3, 26, 23, 0, tzinfo=timezone.utc)  # midnight in Zurich (CET)
    assert jobs.send_meeting_reminders(now=opening - timedelta(days=8)) == 0
    assert jobs.send_meeting_reminders(now=opening - timedelta(days=7)) == 1
    assert jobs.send_meeting_reminders(now=opening - timedelta(days=6)) == 0
    assert jobs.send_meeting_reminders(now=opening - timedelta(hours=20)) == 1
    assert [m["To"] for m in outbox] == [people.invitee.email] * 2
