"""The outbox (app/events.py): recorded with the change, delivered by the worker at least once, with retries,
and never twice for one key; fault tests kill the worker (an exception that is not an Exception, as a signal
would) at each step of delivery and run it again."""
from __future__ import annotations

import smtplib
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app import events, mail
from app.events import OutboxEvent
from app.extensions import db
from app.forums import consultations
from app.jobs import remind_admins_of_pending_applications
from app.mail import queue_email
from app.members.models import OrganisationStatus
from app.utils import utcnow
from tests.conftest import run_outbox
from tests.forums.conftest import NOW, group, people, poll, poll_data  # noqa: F401 - the forums fixtures

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


class Killed(BaseException):
    """The worker dies here (SIGKILL): nothing after this line runs, its transaction never commits."""


def _sent(app) -> list:
    return app.extensions.setdefault("mail_outbox", [])


def _rows(state=None) -> list[OutboxEvent]:
    # Marks are no effect; search re-indexing (of the organisations the fixtures make, of consultations) is
    # tested in tests/knowledge.
    query = sa.select(OutboxEvent).where(OutboxEvent.kind.not_in((events.MARK, events.REINDEX))).order_by(OutboxEvent.id)
    if state:
        query = query.where(OutboxEvent.state == state)
    return list(db.session.scalars(query))


def _queue(users, **keys):
    for user in users:
        queue_email(user, _l("Your password was changed"), "password_changed", user=user, reset_url="http://x/",
                    **keys)
    db.session.commit()


def _restart_worker():
    """What a new worker process finds: the dead one's transaction rolled back (run_outbox closed its
    session; the test's own session, on the same connection, must not roll back what was committed since)."""
    db.session.expire_all()


def _kill_after(monkeypatch, n: int, *, before_send: bool):
    """Let the backend take ``n`` messages, then die before (or just after) handing over the next one."""
    real = mail.deliver
    taken = []

    def deliver(msg):
        if len(taken) == n:
            if before_send:
                raise Killed
            real(msg)
            raise Killed
        real(msg)
        taken.append(msg)

    monkeypatch.setattr(mail, "deliver", deliver)
    return lambda: monkeypatch.setattr(mail, "deliver", real)


def test_an_emitted_row_waits_for_the_commit_and_vanishes_with_a_rollback(app):
    assert events.emit("email", {"message": ""}, key="k:1")
    db.session.rollback()
    assert _rows() == []
    assert events.emit("email", {"message": ""}, key="k:1")
    assert not events.emit("email", {"message": ""}, key="k:1")  # the same key records nothing
    db.session.commit()
    assert [r.key for r in _rows()] == ["k:1"]


def test_claim_returns_only_the_keys_it_recorded(app):
    assert events.claim(["a", "b"]) == {"a", "b"}
    assert events.claim(["b", "c"]) == {"c"}
    assert events.recorded(["a", "c", "d"]) == {"a", "c"}
    assert _rows() == []  # marks are not deliveries


def test_killed_between_claim_and_send_loses_nothing_and_sends_nothing_twice(app, make_user, monkeypatch):
    people = [make_user() for _ in range(7)]
    _queue(people)
    restore = _kill_after(monkeypatch, 3, before_send=True)
    with pytest.raises(Killed):
        run_outbox(app)
    _restart_worker()
    assert len(_sent(app)) == 3 and len(_rows(events.PENDING)) == 4
    restore()
    assert run_outbox(app) == 4
    assert run_outbox(app) == 0
    assert sorted(str(m["To"]) for m in _sent(app)) == sorted(p.email for p in people)


def test_killed_after_sending_sends_again_with_the_same_message_id(app, make_user, monkeypatch):
    """At least once: the message handed over just before the kill goes again, as the same message (a
    reader's mail program, or the mail server, recognises the Message-ID)."""
    people = [make_user() for _ in range(3)]
    _queue(people)
    restore = _kill_after(monkeypatch, 1, before_send=False)
    with pytest.raises(Killed):
        run_outbox(app)
    _restart_worker()
    restore()
    run_outbox(app)
    ids = [str(m["Message-ID"]) for m in _sent(app)]
    assert len(ids) == 4 and len(set(ids)) == 3          # one copy, of the message being handed over
    assert sorted({str(m["To"]) for m in _sent(app)}) == sorted(p.email for p in people)
    assert _rows(events.PENDING) == []


def test_a_refusing_mail_server_is_retried_with_backoff_until_it_accepts(make_app, make_user, monkeypatch):
    accepted, refusing = [], [True]

    class FlakySMTP:
        def __init__(self, host, port, timeout):
            if refusing[0]:
                raise smtplib.SMTPConnectError(421, b"try again later")

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def send_message(self, msg):
            accepted.append(msg)

    monkeypatch.setattr("smtplib.SMTP", FlakySMTP)
    app = make_app(MAIL_BACKEND="smtp", OUTBOX_RETRY_SECONDS=30)
    people = [make_user() for _ in range(2)]
    run_outbox(app)  # what the fixtures left (their organisations' search documents)
    _queue(people)
    t0 = utcnow() + timedelta(minutes=1)  # the rows are due from their recording, now
    assert run_outbox(app, now=t0 + timedelta(seconds=1)) == 0
    rows = _rows()
    assert [r.attempts for r in rows] == [1, 1] and all("try again later" in r.last_error for r in rows)
    assert rows[0].next_attempt_at == t0 + timedelta(seconds=31)
    # Still refusing a minute later: the wait doubles.
    assert run_outbox(app, now=t0 + timedelta(seconds=31)) == 0
    db.session.expire_all()
    assert [r.next_attempt_at for r in _rows()] == [t0 + timedelta(seconds=91)] * 2
    assert run_outbox(app, now=t0 + timedelta(seconds=60)) == 0  # not due yet: nobody is tried
    refusing[0] = False
    assert run_outbox(app, now=t0 + timedelta(seconds=91)) == 2
    assert sorted(str(m["To"]) for m in accepted) == sorted(p.email for p in people)
    assert run_outbox(app, now=t0 + timedelta(hours=1)) == 0 and len(accepted) == 2


def test_a_row_failing_every_attempt_is_failed_shown_and_retried(make_app, make_user, monkeypatch):
    app = make_app(OUTBOX_MAX_ATTEMPTS=2, OUTBOX_RETRY_SECONDS=1)

    def refuse(msg):
        raise smtplib.SMTPRecipientsRefused({})

    real = mail.deliver
    monkeypatch.setattr(mail, "deliver", refuse)
    _queue([make_user()])
    t0 = utcnow() + timedelta(minutes=1)
    run_outbox(app, now=t0)
    run_outbox(app, now=t0 + timedelta(minutes=1))
    db.session.expire_all()
    [row] = _rows()
    assert row.state == events.FAILED and row.attempts == 2
    assert run_outbox(app, now=t0 + timedelta(days=1)) == 0  # a failed row waits for a person
    status = events.status(now=t0 + timedelta(days=1))
    assert (status.failed, status.pending) == (1, 0)
    monkeypatch.setattr(mail, "deliver", real)
    result = app.test_cli_runner().invoke(args=["outbox-status", "--retry-failed"])
    assert "Retrying 1 failed row" in result.output and "failed 0" in result.output
    assert run_outbox(app) == 1 and len(_sent(app)) == 1


def test_the_secretariat_sees_the_outbox_and_retries_failed_rows(app, make_user, client):
    admin, person = make_user(admin=True), make_user()
    run_outbox(app)  # what the fixtures left (their organisations' search documents)
    _queue([person])
    row = _rows()[0]
    row.state, row.attempts, row.last_error = events.FAILED, 10, "SMTPConnectError: refused"
    db.session.commit()
    client.post("/login", data={"email": admin.email, "password": "correct horse battery"})
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert "SMTPConnectError: refused" in page
    response = client.post("/admin/outbox/retry", data={"event_id": row.id})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(OutboxEvent, row.id).state == events.PENDING
    assert run_outbox(app) == 1


def test_only_the_secretariat_sees_the_outbox(app, make_user, client):
    person = make_user()
    client.post("/login", data={"email": person.email, "password": "correct horse battery"})
    assert client.get("/admin/outbox").status_code == 403
    assert client.post("/admin/outbox/retry", data={"event_id": 1}).status_code == 403


def test_a_scheduled_job_killed_mid_delivery_and_run_again_sends_each_reminder_once(
        app, make_user, make_org, monkeypatch):
    """The issue's case: 7 reminders, the worker killed after 3; the job runs again, the worker restarts."""
    admins = [make_user(admin=True) for _ in range(7)]
    make_org("Old Application", status=OrganisationStatus.pending, created_at=T0 - timedelta(days=3))
    assert remind_admins_of_pending_applications(now=T0) == 7
    restore = _kill_after(monkeypatch, 3, before_send=True)
    with pytest.raises(Killed):
        run_outbox(app)
    _restart_worker()
    restore()
    assert remind_admins_of_pending_applications(now=T0 + timedelta(hours=1)) == 0  # recorded: not again
    run_outbox(app)
    assert remind_admins_of_pending_applications(now=T0 + timedelta(hours=2)) == 0
    run_outbox(app)
    assert sorted(str(m["To"]) for m in _sent(app)) == sorted(a.email for a in admins)


def test_a_job_whose_transaction_fails_records_neither_keys_nor_emails(app, make_user, make_org):
    make_user(admin=True)
    make_org("Old Application", status=OrganisationStatus.pending, created_at=T0 - timedelta(days=3))
    original = db.session.commit
    db.session.commit = lambda: (_ for _ in ()).throw(Killed())
    try:
        with pytest.raises(Killed):
            remind_admins_of_pending_applications(now=T0)
    finally:
        db.session.commit = original
    db.session.rollback()  # this session was the worker's
    assert remind_admins_of_pending_applications(now=T0) == 1  # the next run sends it
    run_outbox(app)
    assert len(_sent(app)) == 1


def test_confirming_a_meeting_records_one_row_and_the_worker_fans_it_out_once(poll, people, app, monkeypatch):
    run_outbox(app)
    _sent(app).clear()
    consultations.confirm_slot(people.convener, poll, poll.slots[2], now=NOW)
    db.session.commit()
    assert [r.kind for r in _rows(events.PENDING)] == [consultations.MEETING_MAIL]  # no e-mail in the request
    restore = _kill_after(monkeypatch, 1, before_send=True)
    with pytest.raises(Killed):
        run_outbox(app)
    _restart_worker()
    restore()
    run_outbox(app)
    run_outbox(app)
    assert sorted(str(m["To"]) for m in _sent(app)) == sorted([people.invitee.email, people.invitee2.email])
    assert all(m.get_content_type() == "multipart/mixed" for m in _sent(app))


def test_a_worker_killed_in_the_middle_of_a_fan_out_leaves_it_whole_to_do_again(poll, people, app, monkeypatch):
    """Killed after recording the first invitee's e-mail, before the second's: the fan-out's transaction
    never commits, so that e-mail is not recorded either; the next worker fans out to everyone, once."""
    run_outbox(app)
    _sent(app).clear()
    consultations.confirm_slot(people.convener, poll, poll.slots[2], now=NOW)
    db.session.commit()
    real, recorded = consultations._send_meeting_email, []

    def record_then_die(*args, **kwargs):
        if recorded:
            raise Killed
        real(*args, **kwargs)
        recorded.append(kwargs["key"])

    monkeypatch.setattr(consultations, "_send_meeting_email", record_then_die)
    with pytest.raises(Killed):
        run_outbox(app)
    _restart_worker()
    assert len(recorded) == 1 and events.recorded(recorded) == set()  # gone with the dead worker's transaction
    assert [r.kind for r in _rows(events.PENDING)] == [consultations.MEETING_MAIL] and _sent(app) == []
    monkeypatch.setattr(consultations, "_send_meeting_email", real)
    run_outbox(app)
    assert run_outbox(app) == 0
    assert sorted(str(m["To"]) for m in _sent(app)) == sorted([people.invitee.email, people.invitee2.email])
    meeting_rows = [r for r in _rows() if r.key.startswith(consultations.MEETING_MAIL)]
    assert [(r.kind, r.state) for r in meeting_rows] == [(consultations.MEETING_MAIL, events.DONE),
                                                         ("email", events.DONE), ("email", events.DONE)]


def test_a_meeting_mail_overtaken_by_a_newer_one_is_not_sent(poll, people, app):
    run_outbox(app)
    _sent(app).clear()
    consultations.confirm_slot(people.convener, poll, poll.slots[0], now=NOW)
    consultations.cancel(people.convener, poll, "No longer needed.", now=NOW)
    db.session.commit()
    run_outbox(app)
    assert [str(m["Subject"]) for m in _sent(app)] == [f"Cancelled: {poll.title}"] * 2


def test_the_worker_loop_drains_and_waits_when_idle(app, make_user):
    _queue([make_user(), make_user()])
    waits, rounds = [], iter(range(3))
    with app.app_context():
        events.drain_forever(0.25, stop=lambda: next(rounds, None) is None, sleep=waits.append)
    assert len(_sent(app)) == 2 and waits == [0.25, 0.25]  # busy first, then idle twice


def test_run_scheduler_is_kept_as_a_deprecated_name_of_run_worker(app):
    commands = app.cli.list_commands(None)
    assert "run-worker" in commands and "run-scheduler" in commands and "outbox-status" in commands
    assert app.cli.get_command(None, "run-scheduler").deprecated
    result = app.test_cli_runner().invoke(args=["run-worker", "--help"])
    assert "--poll" in result.output and "--no-jobs" in result.output


@pytest.mark.commits
def test_two_workers_on_postgresql_never_hold_the_same_row(make_app, make_user):
    app = make_app()
    if db.engine.dialect.name != "postgresql":
        pytest.skip("FOR UPDATE SKIP LOCKED is PostgreSQL's; on SQLite one worker drains the outbox")
    users = [make_user(), make_user()]
    db.session.commit()
    run_outbox(app)                                    # what making the users queued (their search entries)
    _queue(users)
    held = events._claim_next(utcnow())               # worker A, its transaction still open
    with app.app_context():                            # worker B: another session, another connection
        assert events.deliver_one().id != held.id      # skips A's row, delivers the other
        assert events.deliver_one() is None            # A's row is locked: nothing else is due for B
        db.session.remove()
    db.session.rollback()                              # A dies: its row is free again
    assert events.deliver_one().id == held.id
    assert len(_sent(app)) == 2


def test_a_new_poll_records_one_row_and_the_worker_invites_everyone_once(people, group, app):
    run_outbox(app)  # what the fixtures left (their organisations' search documents)
    poll = consultations.create_consultation(people.convener, poll_data(group), now=NOW)
    db.session.commit()
    assert [r.kind for r in _rows(events.PENDING)] == [consultations.POLL_MAIL]
    # The fan-out and the consultation's search document, then one e-mail per invitee.
    assert run_outbox(app) == 4 and run_outbox(app) == 0
    assert sorted(str(m["To"]) for m in _sent(app)) == sorted([people.invitee.email, people.invitee2.email])
    assert all(poll.title in str(m["Subject"]) for m in _sent(app))
