"""Registration: places, waiting list, withdrawal and promotion, the database rule, and concurrency."""
from __future__ import annotations

import threading
from datetime import datetime, time, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.errors import NotAllowedError
from app.extensions import db
from app.forums import services
from app.forums.models import Forum, ForumSession, Registration, RegistrationState
from app.forums.services import AlreadyRegisteredError, RegistrationClosedError
from tests.forums.conftest import NOW, forum_data


def _small_forum(admin, capacity=2):
    forum = services.create_forum(admin, forum_data(slug="small", capacity=capacity), now=NOW)
    db.session.commit()
    return forum


def test_register_until_full_then_waiting_list(people, make_user):
    forum = _small_forum(people.admin)
    first = services.register(people.invitee, forum, now=NOW)
    second = services.register(people.invitee2, forum, now=NOW)
    third = services.register(people.partner, forum, now=NOW)
    db.session.commit()
    assert [first.state, second.state, third.state] == [RegistrationState.registered] * 2 + [RegistrationState.waiting]
    db.session.refresh(forum)
    assert forum.registered_count == 2 and forum.places_left == 0


def test_withdrawing_moves_the_first_waiting_person_up_and_tells_them(people, outbox):
    forum = _small_forum(people.admin, capacity=1)
    mine = services.register(people.invitee, forum, now=NOW)
    waiting = services.register(people.invitee2, forum, now=NOW)
    later = services.register(people.partner, forum, now=NOW)
    db.session.commit()
    outbox.clear()
    services.withdraw(people.invitee, mine, now=NOW)
    db.session.commit()
    assert mine.state is RegistrationState.withdrawn
    assert waiting.state is RegistrationState.registered and waiting.promoted_at is not None
    assert later.state is RegistrationState.waiting
    assert [m["To"] for m in outbox] == [people.invitee2.email]
    assert "place freed up" in outbox[0]["Subject"]


def test_one_active_registration_per_person(people):
    forum = _small_forum(people.admin)
    services.register(people.invitee, forum, now=NOW)
    db.session.commit()
    with pytest.raises(AlreadyRegisteredError):
        services.register(people.invitee, forum, now=NOW)
    db.session.rollback()


def test_the_database_refuses_a_second_active_registration(people):
    """Not only a check in the service: a unique partial index."""
    forum = _small_forum(people.admin)
    db.session.add(Registration(forum_id=forum.id, user_id=people.invitee.id, state=RegistrationState.registered))
    db.session.commit()
    db.session.add(Registration(forum_id=forum.id, user_id=people.invitee.id, state=RegistrationState.waiting))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    # A withdrawn registration does not count: the person can register again.
    db.session.add(Registration(forum_id=forum.id, user_id=people.invitee2.id, state=RegistrationState.withdrawn))
    db.session.add(Registration(forum_id=forum.id, user_id=people.invitee2.id, state=RegistrationState.registered))
    db.session.commit()


def test_registration_closes(people):
    forum = _small_forum(people.admin)
    with pytest.raises(RegistrationClosedError):
        services.register(people.invitee, forum, now=datetime(2027, 3, 21, tzinfo=timezone.utc))


def test_sessions_with_capacity_need_a_forum_registration_first(people, forum, make_session):
    workshop = make_session("Workshop", capacity=1, kind="workshop")
    with pytest.raises(NotAllowedError):
        services.register(people.invitee, forum, workshop, now=NOW)
    services.register(people.invitee, forum, now=NOW)
    services.register(people.invitee2, forum, now=NOW)
    assert services.register(people.invitee, forum, workshop, now=NOW).state is RegistrationState.registered
    assert services.register(people.invitee2, forum, workshop, now=NOW).state is RegistrationState.waiting
    db.session.commit()
    # Withdrawing from the Forum gives up the session place too, to the next in line.
    services.withdraw(people.invitee, services.active_registration(people.invitee, forum), now=NOW)
    db.session.commit()
    assert services.active_registration(people.invitee2, forum, workshop).state is RegistrationState.registered


def test_capacity_cannot_go_below_the_registered_count(people):
    from app.errors import DomainError

    forum = _small_forum(people.admin, capacity=2)
    services.register(people.invitee, forum, now=NOW)
    services.register(people.invitee2, forum, now=NOW)
    db.session.commit()
    with pytest.raises(DomainError) as error:
        services.update_forum(people.admin, forum, forum_data(slug="small", capacity=1))
    assert error.value.field == "capacity"
    db.session.rollback()


def test_a_larger_capacity_lets_the_waiting_list_in(people):
    forum = _small_forum(people.admin, capacity=1)
    services.register(people.invitee, forum, now=NOW)
    waiting = services.register(people.invitee2, forum, now=NOW)
    db.session.commit()
    services.update_forum(people.admin, forum, forum_data(slug="small", capacity=2), now=NOW)
    db.session.commit()
    assert waiting.state is RegistrationState.registered


def test_agenda_marks_overlaps(people, forum, make_session):
    services.register(people.invitee, forum, now=NOW)
    a = make_session("A", start=time(10, 0), end=time(11, 0))
    b = make_session("B", start=time(10, 30), end=time(11, 30), room_id=forum.rooms[1].id)
    c = make_session("C", start=time(14, 0), end=time(15, 0))
    for s in (a, b, c):
        services.add_to_agenda(people.invitee, s, now=NOW)
    db.session.commit()
    lines = {line.session.title: [o.title for o in line.overlaps_with]
             for line in services.agenda_of(people.invitee, forum)}
    assert lines == {"A": ["B"], "B": ["A"], "C": []}


# -- concurrency --------------------------------------------------------------------------------------------
THREADS = 16


def _race(app, work):
    """Run ``work(i)`` in THREADS threads at once, each with its own application context and session."""
    barrier = threading.Barrier(THREADS)
    errors = []

    def run(i):
        with app.app_context():
            try:
                barrier.wait()
                work(i)
                db.session.commit()
            except AlreadyRegisteredError:
                db.session.rollback()
            except Exception as exc:  # noqa: BLE001 - reported below
                db.session.rollback()
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors


@pytest.mark.commits  # threads, each on a connection of its own
def test_concurrent_registrations_never_exceed_the_capacity(app, people, make_user):
    """Sixteen people register at the same moment for 5 places (SQLite here; PostgreSQL in CI's second run)."""
    forum = _small_forum(people.admin, capacity=5)
    ids = [make_user(f"racer{i}@example.org").id for i in range(THREADS)]
    forum_id = forum.id

    def work(i):
        from app.members.models import User

        services.register(db.session.get(User, ids[i]), db.session.get(Forum, forum_id), now=NOW)

    _race(app, work)
    db.session.expire_all()
    states = db.session.scalars(sa.select(Registration.state).where(Registration.forum_id == forum_id)).all()
    assert states.count(RegistrationState.registered) == 5
    assert states.count(RegistrationState.waiting) == THREADS - 5
    assert db.session.get(Forum, forum_id).registered_count == 5


@pytest.mark.commits  # threads, each on a connection of its own
def test_the_same_person_registering_many_times_at_once_gets_one_registration(app, people):
    forum = _small_forum(people.admin, capacity=5)
    forum_id, user_id = forum.id, people.invitee.id

    def work(i):
        from app.members.models import User

        services.register(db.session.get(User, user_id), db.session.get(Forum, forum_id), now=NOW)

    _race(app, work)
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration).where(
        Registration.forum_id == forum_id)) == 1
    assert db.session.get(Forum, forum_id).registered_count == 1


@pytest.mark.commits  # threads, each on a connection of its own
def test_concurrent_session_registrations_never_exceed_its_capacity(app, people, forum, make_user, make_session):
    workshop = make_session("Workshop", capacity=3, kind="workshop")
    users = [make_user(f"w{i}@example.org") for i in range(THREADS)]
    for user in users:
        services.register(user, forum, now=NOW)
    db.session.commit()
    ids, forum_id, session_id = [u.id for u in users], forum.id, workshop.id

    def work(i):
        from app.members.models import User

        services.register(db.session.get(User, ids[i]), db.session.get(Forum, forum_id),
                          db.session.get(ForumSession, session_id), now=NOW)

    _race(app, work)
    db.session.expire_all()
    registered = db.session.scalar(sa.select(sa.func.count()).select_from(Registration).where(
        Registration.session_id == session_id, Registration.state == RegistrationState.registered))
    assert registered == 3 == db.session.get(ForumSession, session_id).registered_count


def _calendar(message):
    import icalendar

    parts = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    return [icalendar.Calendar.from_ical(p.get_payload(decode=True)) for p in parts]


def test_every_registration_is_confirmed_by_email_with_its_calendar_file(people, make_session, outbox):
    """A place at the Forum and at a session: an e-mail with the .ics; a waiting-list place: worded as the
    waiting list, without a calendar file (they are not registered); the move up: with the .ics."""
    forum = _small_forum(people.admin, capacity=1)
    outbox.clear()
    mine = services.register(people.invitee, forum, now=NOW)
    services.register(people.invitee2, forum, now=NOW)
    db.session.commit()
    registered, waiting = outbox
    assert registered["To"] == people.invitee.email and "You are registered" in registered["Subject"]
    [cal] = _calendar(registered)
    [event] = cal.walk("VEVENT")
    assert str(event["summary"]) == forum.title and event["dtstart"].dt.isoformat() == "2027-03-27"
    assert waiting["To"] == people.invitee2.email and "waiting list" in waiting["Subject"]
    assert "you are not registered yet" in waiting.get_body().get_content()
    assert _calendar(waiting) == []
    outbox.clear()
    services.withdraw(people.invitee, mine, now=NOW)
    db.session.commit()
    [promoted] = outbox  # one e-mail: the notification is only shown in the Hub
    assert promoted["To"] == people.invitee2.email and len(_calendar(promoted)) == 1

    session = make_session("Workshop", start=time(14, 0), end=time(15, 0), capacity=5, kind="workshop")
    services.register(people.partner, session.forum, now=NOW)
    db.session.commit()
    outbox.clear()
    services.register(people.partner, session.forum, session, now=NOW)
    db.session.commit()
    [message] = outbox
    [event] = _calendar(message)[0].walk("VEVENT")
    assert str(event["summary"]) == "Workshop"
    assert event["dtstart"].dt == datetime(2027, 3, 27, 13, 0, tzinfo=timezone.utc)  # 14:00 in Geneva


def test_the_confirmation_is_in_the_readers_language_and_zone(people, outbox):
    forum = _small_forum(people.admin)
    people.invitee.locale = "es"
    people.invitee.timezone = "America/New_York"
    outbox.clear()
    services.register(people.invitee, forum, now=NOW)
    db.session.commit()
    [message] = outbox
    assert message["Subject"].startswith("Está inscrito/a")
    assert message["Content-Language"] == "es"
    assert "Está inscrito/a en el Partnership Forum 2027." in message.get_body().get_content()
