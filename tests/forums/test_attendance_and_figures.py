"""Check-in at the venue (the secretariat, on the participant list) and the dashboard's Forum figures: meetings
per month, registration and attendance per edition and per session, against numbers worked out by hand."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from app.audit import AuditEntry
from app.errors import InvalidTransitionError, NotAllowedError
from app.extensions import db
from app.forums import consultations, services
from app.forums.models import RegistrationState
from app.knowledge import dashboard
from app.knowledge.dashboard import DashboardFilters, FigureContext
from app.utils import utcnow
from tests.forums.conftest import NOW, forum_data, poll_data

# The 2026 edition: Geneva, 10-12 June 2026, registration closed on 1 June.
PAST = dict(title="Forum 2026", slug="forum-2026", starts_on=date(2026, 6, 10), ends_on=date(2026, 6, 12),
            registration_closes_on=date(2026, 6, 1), registration_closes_time=time(18, 0), capacity=3)
BEFORE = datetime(2026, 5, 1, 9, 0, tzinfo=timezone.utc)
AT_THE_VENUE = datetime(2026, 6, 10, 8, 30, tzinfo=timezone.utc)


@pytest.fixture
def past_forum(people, make_user):
    """Four people register for a Forum of three places (one waits) and for a workshop of two places."""
    forum = services.create_forum(people.admin, forum_data(**PAST), now=BEFORE)
    workshop = services.create_session(people.admin, forum, services.SessionData(
        title="Workshop", day=date(2026, 6, 10), start=time(10, 0), end=time(12, 0), kind="workshop", capacity=2),
        now=BEFORE)
    plenary = services.create_session(people.admin, forum, services.SessionData(
        title="Plenary", day=date(2026, 6, 10), start=time(9, 0), end=time(10, 0), kind="plenary"), now=BEFORE)
    who = [people.invitee, people.invitee2, people.partner, people.member]
    registrations = [services.register(person, forum, now=BEFORE + timedelta(minutes=n)) for n, person in enumerate(who)]
    sessions = [services.register(person, forum, workshop, now=BEFORE + timedelta(hours=1, minutes=n))
                for n, person in enumerate(who[:3])]
    db.session.commit()
    return SimpleNamespace(forum=forum, workshop=workshop, plenary=plenary, who=who, registrations=registrations,
                           sessions=sessions)


# -- check-in -------------------------------------------------------------------------------------------------
def test_checking_in_is_for_the_secretariat_from_the_first_day_and_only_for_people_with_a_place(people, past_forum):
    first = past_forum.registrations[0]
    with pytest.raises(NotAllowedError):
        services.mark_attended(people.convener, first, now=AT_THE_VENUE)
    with pytest.raises(InvalidTransitionError, match="first day"):
        services.mark_attended(people.admin, first, now=AT_THE_VENUE - timedelta(days=1))
    waiting = past_forum.registrations[3]
    assert waiting.state is RegistrationState.waiting
    with pytest.raises(InvalidTransitionError):
        services.mark_attended(people.admin, waiting, now=AT_THE_VENUE)
    assert waiting.attended_at is None and first.attended_at is None


def test_checking_in_twice_keeps_the_first_time_and_every_change_is_audited(people, past_forum):
    first = past_forum.registrations[0]
    assert services.mark_attended(people.admin, first, now=AT_THE_VENUE) is True
    assert services.mark_attended(people.admin, first, now=AT_THE_VENUE + timedelta(hours=1)) is False
    assert first.attended_at == AT_THE_VENUE
    assert services.mark_attended(people.admin, first, attended=False, now=AT_THE_VENUE) is True
    assert first.attended_at is None
    assert services.mark_attended(people.admin, first, attended=False, now=AT_THE_VENUE) is False
    db.session.commit()
    actions = list(db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.object_type == "Registration")
                                      .order_by(AuditEntry.id)))
    assert actions == ["registration_attended", "registration_attendance_undone"]


@pytest.fixture
def forum_today(people):
    """An edition that starts today (the check-in desk is open), with one registrant."""
    today = utcnow().date()
    forum = services.create_forum(people.admin, forum_data(
        title="Today's Forum", slug="today", starts_on=today, ends_on=today + timedelta(days=1), timezone="UTC",
        registration_closes_on=None, registration_closes_time=None), now=utcnow() - timedelta(days=30))
    registration = services.register(people.invitee, forum, now=utcnow() - timedelta(days=1))
    db.session.commit()
    return SimpleNamespace(forum=forum, registration=registration)


def test_the_participant_list_checks_people_in_one_post_at_a_time(client, login, people, forum_today):
    login(people.admin)
    url = f"/forums/{forum_today.forum.slug}/participants"
    page = client.get(url).text
    assert "1 registered, 0 checked in, 0 on the waiting list." in page and "Check in" in page
    response = client.post(f"{url}/{forum_today.registration.id}/attended", data={"attended": "1", "next": url})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{url}#registration-{forum_today.registration.id}")
    page = client.get(url).text
    assert "Ines Invitee is checked in." in page and "1 registered, 1 checked in" in page and "Undo" in page
    csv = client.get(f"{url}.csv").text
    assert csv.splitlines()[0].endswith("Checked in at (UTC)") and csv.splitlines()[1].count(":") == 2
    client.post(f"{url}/{forum_today.registration.id}/attended", data={"attended": "0"})
    db.session.expire_all()
    assert forum_today.registration.attended_at is None


def test_the_participant_list_finds_people_by_name_or_email(client, login, people, past_forum):
    login(people.admin)
    url = f"/forums/{past_forum.forum.slug}/participants"
    page = client.get(url, query_string={"find": "bangkok"}).text
    assert "Ivo Bangkok" in page and "Ines Invitee" not in page
    assert "Ines Invitee" in client.get(url, query_string={"find": "INVITEE@"}).text
    assert "Nobody registered matches" in client.get(url, query_string={"find": "100%_"}).text
    assert "Check-in opens" not in page                                    # the 2026 Forum has begun


def test_checking_in_needs_the_csrf_token(make_app, people, forum_today):
    from tests.conftest import PASSWORD

    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    page = client.get("/login").text
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post("/login", data={"email": people.admin.email, "password": PASSWORD, "csrf_token": token})
    response = client.post(f"/forums/today/participants/{forum_today.registration.id}/attended", data={"attended": "1"})
    assert response.status_code == 400
    db.session.expire_all()
    assert forum_today.registration.attended_at is None


def test_a_registration_of_another_edition_is_not_found(client, login, people, forum, past_forum):
    login(people.admin)
    other = past_forum.registrations[0]
    assert client.post(f"/forums/{forum.slug}/participants/{other.id}/attended").status_code == 404


# -- figures ------------------------------------------------------------------------------------------------------
def rows(key, now=NOW, **filters):
    return dashboard.FIGURES[key].compute(FigureContext(DashboardFilters(**filters), now)).rows


def columns(key, now=NOW, **filters):
    return dashboard.FIGURES[key].compute(FigureContext(DashboardFilters(**filters), now)).columns


def test_registration_and_attendance_per_edition(people, forum, past_forum):
    services.create_forum(people.admin, forum_data(slug="draft", title="Draft", is_published=False), now=NOW)
    for registration in past_forum.registrations[:2]:
        services.mark_attended(people.admin, registration, now=AT_THE_VENUE)
    services.register(people.convener, forum, now=NOW)
    db.session.commit()
    # By hand: 2026: places for 3 of 4 (one waits), 2 checked in. 2027: 1 registered, still to come. Drafts: none.
    assert rows("forum") == [["Forum 2026", 3, 2, 1], ["Partnership Forum 2027 (to come)", 1, 0, 0]]
    assert rows("forum", year=2026) == [["Forum 2026", 3, 2, 1]]
    assert rows("forum", year=2025) == []


def test_registration_and_attendance_per_session_of_the_latest_edition_begun(people, forum, past_forum, make_session):
    make_session("Workshop 2027", capacity=5, kind="workshop")
    services.mark_attended(people.admin, past_forum.sessions[1], now=AT_THE_VENUE)
    services.withdraw(people.invitee, past_forum.sessions[0], now=AT_THE_VENUE)   # the waiting one moves up
    db.session.commit()
    # By hand: the workshop had 2 places for 3 people; the first withdrew, the third moved up; one checked in.
    # The plenary needs no registration, so it is not listed. NOW is before the 2027 edition: 2026 is shown.
    assert rows("forum-sessions") == [["Workshop", 2, 1, 0]]
    assert rows("forum-sessions", now=datetime(2027, 4, 1, tzinfo=timezone.utc)) == [["Workshop 2027", 0, 0, 0]]
    assert rows("forum-sessions", year=2025) == []


def test_meetings_per_month_for_each_group(people, group):
    from app.actiongroups.models import ActionGroup, GroupRole, Membership

    migration = ActionGroup(slug="migration", name="Migration", areas=["trafficking"])
    db.session.add(migration)
    db.session.flush()
    db.session.add(Membership(group_id=migration.id, user_id=people.convener.id, role=GroupRole.convener))
    group.areas = ["forced_labour"]
    db.session.commit()

    def meeting(target, day, at, *, cancel=False, confirm=True):
        created = datetime.combine(day - timedelta(days=20), time(9, 0), tzinfo=timezone.utc)
        c = consultations.create_consultation(people.convener, poll_data(
            target, title=f"{target.name} {day}", slots=[(day, at)], deadline_on=day - timedelta(days=10),
            deadline_time=time(12, 0), emails=people.invitee.email), now=created)
        if confirm:
            consultations.confirm_slot(people.convener, c, c.slots[0], now=created)
        if cancel:
            consultations.cancel(people.convener, c, now=created)

    meeting(group, date(2026, 3, 10), time(10, 0))
    meeting(group, date(2026, 3, 24), time(10, 0))
    meeting(group, date(2026, 5, 1), time(1, 30))       # 23:30 UTC on 30 April: April
    meeting(migration, date(2026, 5, 12), time(10, 0))
    meeting(migration, date(2026, 5, 19), time(10, 0), cancel=True)   # cancelled: not counted
    meeting(migration, date(2026, 6, 2), time(10, 0), confirm=False)  # still a poll: not counted
    meeting(group, date(2025, 11, 5), time(10, 0))      # before the twelve months shown
    db.session.commit()
    assert columns("meetings") == ["Month", "Migration", "Supply Chains"]
    by_month = {row[0]: row[1:] for row in rows("meetings")}
    assert len(by_month) == 12                           # December 2025 to November 2026
    assert by_month["Mar 2026"] == [0, 2] and by_month["Apr 2026"] == [0, 1] and by_month["May 2026"] == [1, 0]
    assert sum(sum(v) for v in by_month.values()) == 4
    assert {row[0]: row[1:] for row in rows("meetings", year=2025)}["Nov 2025"] == [0, 1]
    only = rows("meetings", area="trafficking")          # the area filter keeps the Migration group
    assert columns("meetings", area="trafficking") == ["Month", "Migration"]
    assert sum(row[1] for row in only) == 1


def test_the_dashboard_shows_the_forum_figures_with_their_csv(client, people, forum, past_forum):
    page = client.get("/dashboard").text
    for title in ("Action group meetings per month", "Forum registration and attendance",
                  "Forum sessions: registered and checked in"):
        assert title in page
    csv = client.get("/dashboard/forum.csv").text
    assert csv.splitlines()[0].lstrip("\ufeff") == "Edition,Registered,Checked in,Waiting list"
    assert "Forum 2026,3,0,1" in csv
