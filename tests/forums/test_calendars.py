"""Calendars: the programme, a session, a meeting, the personal feed (secret address, reset, content, queries),
read back by icalendar and by vobject; times across the change to summer time."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import icalendar
import pytest
import vobject

from app.extensions import db
from app.forums import consultations, feeds, services
from tests.commitments.conftest import make_pledge  # noqa: F401  (fixture)
from tests.conftest import PASSWORD
from tests.forums.conftest import NOW


def parse(raw: bytes):
    """Both parsers must accept it; returns icalendar's events by UID."""
    cal = icalendar.Calendar.from_ical(raw)
    assert str(cal["version"]) == "2.0" and cal.get("prodid")
    other = vobject.readOne(raw.decode())
    by_uid = {}
    for event in cal.walk("VEVENT"):
        assert event.get("uid") and event.get("dtstamp") and event.get("dtstart")
        by_uid[str(event["uid"])] = event
    assert {e.uid.value for e in other.vevent_list} == set(by_uid) if hasattr(other, "vevent_list") else True
    for line in raw.split(b"\r\n"):
        assert len(line) <= 75, line  # folded
    return by_uid, other


def test_session_times_across_the_change_to_summer_time(client, forum, make_session):
    """10:00 in Zurich is 09:00 UTC on Saturday 27 March 2027 (CET) and 08:00 UTC on Monday 29 (CEST)."""
    before = make_session("Saturday", day=date(2027, 3, 27), start=time(10, 0), end=time(11, 0))
    after = make_session("Monday", day=date(2027, 3, 29), start=time(10, 0), end=time(11, 0))
    raw = client.get(f"/forums/{forum.slug}/programme.ics").data
    events, other = parse(raw)
    assert events[f"forum-session-{before.id}@hub.alliance87.org"].decoded("dtstart") == datetime(
        2027, 3, 27, 9, 0, tzinfo=timezone.utc)
    assert events[f"forum-session-{after.id}@hub.alliance87.org"].decoded("dtstart") == datetime(
        2027, 3, 29, 8, 0, tzinfo=timezone.utc)
    starts = {e.uid.value: e.dtstart.value for e in other.vevent_list}
    assert starts[f"forum-session-{after.id}@hub.alliance87.org"] == datetime(2027, 3, 29, 8, 0, tzinfo=timezone.utc)
    # And the page shows 10:00 both days, the zone named.
    page = client.get(f"/forums/{forum.slug}?view=list").text
    assert page.count("10:00") >= 2 and "Europe/Zurich" in page


def test_session_ics_has_the_link_back_speakers_and_location(client, forum, make_session):
    session = make_session()
    events, _other = parse(client.get(f"/forums/{forum.slug}/sessions/{session.id}.ics").data)
    event = events[f"forum-session-{session.id}@hub.alliance87.org"]
    url = f"http://127.0.0.1:5000/forums/{forum.slug}/sessions/{session.id}"
    assert str(event["url"]) == url and url in str(event["description"])
    assert "Dana Speaker (ILO)" in str(event["description"])
    assert "Room XVII" in str(event["location"])


def test_a_session_description_written_in_markdown_is_plain_text_in_calendars(client, forum, make_session):
    session = make_session(description="**Who** should come: _labour inspectors_.\n\n- one\n- two")
    events, other = parse(client.get(f"/forums/{forum.slug}/sessions/{session.id}.ics").data)
    description = str(events[f"forum-session-{session.id}@hub.alliance87.org"]["description"])
    assert "Who should come: labour inspectors.\n\n- one\n- two" in description
    assert "**" not in description and "_labour" not in description
    assert other.vevent.description.value == description


def test_a_draft_forum_has_no_public_feed(client, people):
    forum = services.create_forum(people.admin, __import__("tests.forums.conftest", fromlist=["forum_data"]).forum_data(
        slug="draft", is_published=False), now=NOW)
    db.session.commit()
    assert client.get(f"/forums/{forum.slug}/programme.ics").status_code == 404


def _feed_url(user):
    token = feeds.reset_feed(user)
    db.session.commit()
    return f"/forums/calendar/{user.id}/{token}.ics"


def _personal_world(people, forum, make_session, group=None):
    services.register(people.invitee, forum, now=NOW)
    session = make_session()
    services.add_to_agenda(people.invitee, session, now=NOW)
    from tests.forums.conftest import poll_data

    poll = consultations.create_consultation(people.convener, poll_data(None, emails=people.invitee.email), now=NOW)
    meeting = consultations.create_consultation(people.convener, poll_data(None, emails=people.invitee.email,
                                                                           title="Board meeting"), now=NOW)
    consultations.confirm_slot(people.convener, meeting, meeting.slots[0], now=NOW)
    consultations.respond(next(i for i in meeting.invitees if i.user_id == people.invitee.id), "tentative", now=NOW)
    db.session.commit()
    return session, poll, meeting


def test_the_personal_feed_has_agenda_forum_meetings_deadlines_and_pledge_dates(client, people, group, forum, make_session,
                                                                                 make_pledge):
    session, poll, meeting = _personal_world(people, forum, make_session, group)
    pledge = make_pledge(people.invitee.organisation, coordinator=people.invitee,
                         deliverables=[("Inspection manual", date(2027, 6, 30))])
    url = _feed_url(people.invitee)
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    events, _other = parse(response.data)
    assert f"forum-session-{session.id}@hub.alliance87.org" in events
    whole = events[f"forum-{forum.id}@hub.alliance87.org"]
    assert whole.decoded("dtstart") == date(2027, 3, 27) and whole.decoded("dtend") == date(2027, 3, 30)  # one event
    assert str(events[f"consultation-{poll.id}-deadline@hub.alliance87.org"]["summary"]).startswith("Poll closes")
    attendee = events[f"consultation-{meeting.id}@hub.alliance87.org"]["attendee"]
    assert attendee.params["PARTSTAT"] == "TENTATIVE"
    deliverable = pledge.deliverables[0]
    due = events[f"deliverable-{deliverable.id}-2027-06-30@hub.alliance87.org"]
    assert due.decoded("dtstart") == date(2027, 6, 30)
    assert any(uid.startswith(f"pledge-{pledge.id}-report-") for uid in events)


def test_a_wrong_or_reset_secret_is_404_like_an_unknown_feed(client, people):
    url = _feed_url(people.invitee)
    assert client.get(url).status_code == 200
    assert client.get(url.replace(".ics", "x.ics")).status_code == 404
    assert client.get(f"/forums/calendar/{people.invitee2.id}/{url.rsplit('/', 1)[1]}").status_code == 404
    assert client.get("/forums/calendar/999999/abc.ics").status_code == 404
    feeds.reset_feed(people.invitee)
    db.session.commit()
    assert client.get(url).status_code == 404


def test_a_private_meeting_is_only_in_its_invitees_feeds(client, people, group, forum, make_session):
    _session, _poll, meeting = _personal_world(people, forum, make_session, group)
    events, _ = parse(client.get(_feed_url(people.partner)).data)
    assert f"consultation-{meeting.id}@hub.alliance87.org" not in events
    assert client.get(f"/forums/consultations/{meeting.id}.ics").status_code in (302, 401)


def test_the_profile_page_offers_the_address_and_a_reset(client, login, people):
    login(people.invitee)
    page = client.get("/profile").text
    assert "Create my calendar address" in page
    client.post("/forums/calendar/reset")
    page = client.get("/profile").text
    assert "webcal://127.0.0.1:5000/forums/calendar/" in page and "Reset the address" in page


def _many_events(people, forum, make_user, n_sessions):
    from app.forums.models import AgendaEntry, ForumSession

    if services.active_registration(people.invitee, forum) is None:
        services.register(people.invitee, forum, now=NOW)
    start = datetime(2027, 3, 27, 8, 0, tzinfo=timezone.utc)
    sessions = [ForumSession(forum_id=forum.id, title=f"Session {i}", starts_at=start + timedelta(minutes=i),
                             ends_at=start + timedelta(minutes=i + 30), room_id=forum.rooms[i % 2].id,
                             track_id=forum.tracks[i % 2].id) for i in range(n_sessions)]
    db.session.add_all(sessions)
    db.session.flush()
    db.session.add_all(AgendaEntry(user_id=people.invitee.id, session_id=s.id) for s in sessions)
    db.session.commit()


@pytest.mark.parametrize("n", [5, 120])
def test_the_personal_feed_runs_the_same_few_queries_at_any_size(client, people, group, forum, make_user, make_session,
                                                                  count_queries, n):
    _personal_world(people, forum, make_session, group)
    _many_events(people, forum, make_user, n)
    url = _feed_url(people.invitee)
    count_queries.clear()
    response = client.get(url)
    assert response.status_code == 200
    assert len(icalendar.Calendar.from_ical(response.data).walk("VEVENT")) >= n
    assert len(count_queries) <= 5, "\n".join(count_queries)


@pytest.mark.parametrize("n", [5, 150])
def test_the_programme_feed_runs_the_same_few_queries_at_any_size(client, people, forum, make_user, count_queries, n):
    _many_events(people, forum, make_user, n)
    url = f"/forums/{forum.slug}/programme.ics"
    count_queries.clear()
    assert client.get(url).status_code == 200
    assert len(count_queries) <= 5, "\n".join(count_queries)


@pytest.mark.parametrize("n", [5, 150])
def test_the_programme_page_runs_the_same_few_queries_at_any_size(client, login, people, forum, make_user,
                                                                   count_queries, n):
    _many_events(people, forum, make_user, n)
    login(people.invitee)
    slug = forum.slug
    for view in ("timetable", "list"):
        count_queries.clear()
        assert client.get(f"/forums/{slug}?view={view}").status_code == 200
        assert len(count_queries) <= 10, "\n".join(count_queries)


def test_add_to_google_and_outlook_links(client, forum, make_session):
    session = make_session()
    page = client.get(f"/forums/{forum.slug}/sessions/{session.id}").text
    assert "https://calendar.google.com/calendar/render?action=TEMPLATE" in page
    assert "dates=20270327T090000Z%2F20270327T103000Z" in page
    assert "https://outlook.office.com/calendar/deeplink/compose?" in page


def test_a_changed_session_is_changed_in_the_feed(client, people, forum, make_session):
    """Feeds reuse each event's bytes while nothing changed; a change shows at once."""
    session = make_session()
    url = f"/forums/{forum.slug}/programme.ics"
    assert b"Opening plenary" in client.get(url).data
    services.update_session(people.admin, session, services.SessionData(
        title="Opening plenary, moved", day=date(2027, 3, 27), start=time(12, 0), end=time(13, 0), kind="plenary"),
        now=NOW + timedelta(minutes=1))
    db.session.commit()
    events, _other = parse(client.get(url).data)
    event = events[f"forum-session-{session.id}@hub.alliance87.org"]
    assert str(event["summary"]) == "Opening plenary, moved" and int(event["sequence"]) == 1
    assert event.decoded("dtstart") == datetime(2027, 3, 27, 11, 0, tzinfo=timezone.utc)


def test_feeds_and_calendar_links_ignore_the_host_header(client, login, people, forum, make_session):
    session = make_session()
    evil = {"Host": "evil.example"}
    for url in (f"/forums/{forum.slug}/programme.ics", f"/forums/{forum.slug}/sessions/{session.id}.ics",
                f"/forums/{forum.slug}", f"/forums/{forum.slug}/sessions/{session.id}"):
        body = client.get(url, headers=evil).text
        assert "evil.example" not in body, url
    assert f"http://127.0.0.1:5000/forums/{forum.slug}/sessions/{session.id}" in client.get(
        f"/forums/{forum.slug}/sessions/{session.id}.ics", headers=evil).text
    assert f"webcal://127.0.0.1:5000/forums/{forum.slug}/programme.ics" in client.get(
        f"/forums/{forum.slug}", headers=evil).text
    client.post("/login", data={"email": people.invitee.email, "password": PASSWORD}, headers=evil)
    client.post("/forums/calendar/reset", headers=evil)
    page = client.get("/profile", headers=evil).text
    assert "webcal://127.0.0.1:5000/forums/calendar/" in page and "evil.example" not in page
