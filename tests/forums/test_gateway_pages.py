"""The workspace's Meetings tab, the visitors' programme page (shared, with each visitor's own CSRF token), and
the query counts of the pages this work touches, with little and with much data."""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone

import pytest

from app.extensions import db
from app.forums import consultations, services
from app.forums.models import ForumSession
from tests.conftest import PASSWORD
from tests.forums.conftest import NOW, poll_data

MAX_QUERIES = 15  # DESIGN.md §8


def _past_meeting(people, group, title, day, *, minutes=""):
    created = datetime.combine(day - timedelta(days=20), time(9, 0), tzinfo=timezone.utc)
    meeting = consultations.create_consultation(people.convener, poll_data(
        group, title=title, slots=[(day, time(10, 0))], deadline_on=day - timedelta(days=10)), now=created)
    consultations.confirm_slot(people.convener, meeting, meeting.slots[0], now=created)
    if minutes:
        consultations.save_minutes(people.convener, meeting, minutes,
                                   now=datetime.combine(day, time(12, 0), tzinfo=timezone.utc))
    return meeting


# -- the Meetings tab -----------------------------------------------------------------------------------------
def test_the_meetings_tab_lists_what_is_coming_and_past_meetings_with_their_minutes(client, login, people, group, poll):
    past = _past_meeting(people, group, "Spring review", date(2026, 4, 14), minutes="We agreed the guidance.")
    _past_meeting(people, group, "Summer review", date(2026, 7, 14))
    db.session.commit()
    login(people.invitee)
    page = client.get("/forums/groups/supply-chains/meetings").text
    assert 'aria-current="page" href="/forums/groups/supply-chains/meetings">Meetings' in page   # the active tab
    coming, gone = page.split("Past meetings", 1)
    assert poll.title in coming and "answers wanted by" in coming
    assert "Spring review" in gone and "Summer review" in gone and gone.index("Summer") < gone.index("Spring")
    assert f'/forums/consultations/{past.id}#minutes' in gone and "No minutes yet" in gone
    assert "New consultation" not in page                                   # members do not convene
    convener = client.application.test_client()
    convener.post("/login", data={"email": people.convener.email, "password": PASSWORD})
    assert f"/forums/consultations/new?group={group.id}" in convener.get("/forums/groups/supply-chains/meetings").text


def test_the_meetings_tab_says_what_to_do_when_there_is_nothing(client, login, people, group):
    login(people.convener)
    page = client.get("/forums/groups/supply-chains/meetings").text
    assert "Nothing is planned." in page and "Start a consultation" in page and "No meeting has taken place yet." in page


def test_the_workspace_shows_the_meetings_tab(client, login, people, group):
    login(people.invitee)
    assert 'href="/forums/groups/supply-chains/meetings">Meetings</a>' in client.get(
        "/actiongroups/supply-chains/workspace").text


def test_past_meetings_are_paginated(client, login, people, group, app):
    for n in range(app.config["PAGE_SIZE"] + 2):
        _past_meeting(people, group, f"Review {n:02d}", date(2026, 1, 5) + timedelta(days=7 * n))
    db.session.commit()
    login(people.invitee)
    first = client.get("/forums/groups/supply-chains/meetings").text
    second = client.get("/forums/groups/supply-chains/meetings?page=2").text
    assert "Review 21" in first and "Review 00" not in first and "Review 00" in second
    assert "Page 2 of 2" in second


# -- the visitors' programme ----------------------------------------------------------------------------------
def _token(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_visitors_share_the_page_but_not_its_csrf_token(make_app, people, forum, make_session):
    make_session("Opening")
    app = make_app(WTF_CSRF_ENABLED=True)
    alice, bob = app.test_client(), app.test_client()
    page_a, page_b = alice.get(f"/forums/{forum.slug}").text, bob.get(f"/forums/{forum.slug}").text
    assert _token(page_a) != _token(page_b)
    assert page_a.replace(_token(page_a), "") == page_b.replace(_token(page_b), "")
    # Each visitor's token works for them (the footer's language switch), not for the other.
    assert bob.post("/language", data={"lang": "fr", "next": "/", "csrf_token": _token(page_a)}).status_code == 400
    assert alice.post("/language", data={"lang": "fr", "next": "/", "csrf_token": _token(page_a)}).status_code == 302
    assert "Programme" in alice.get(f"/forums/{forum.slug}").text or "Inscription" in alice.get(
        f"/forums/{forum.slug}").text


def test_a_visitor_with_a_message_waiting_sees_it(client, people, forum):
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "Zygomorphic notice")]
    assert "Zygomorphic notice" in client.get(f"/forums/{forum.slug}").text
    assert "Zygomorphic notice" not in client.get(f"/forums/{forum.slug}").text


def test_visitors_see_new_registrations_for_the_forum_at_once(client, people, forum):
    forum.capacity = 10
    db.session.commit()
    assert "10 places left" in client.get(f"/forums/{forum.slug}").text
    services.register(people.invitee, forum, now=NOW)
    db.session.commit()
    assert "9 places left" in client.get(f"/forums/{forum.slug}").text


# -- query counts -------------------------------------------------------------------------------------------
def _grow(people, group, forum, n):
    """n sessions and consultations about Kenya, n registrations... (the second call adds more)."""
    start = datetime(2027, 3, 27, 7, 0, tzinfo=timezone.utc)
    db.session.add_all(ForumSession(forum_id=forum.id, title=f"Session {i}", countries=["KEN"], capacity=50,
                                    starts_at=start + timedelta(minutes=5 * i), ends_at=start + timedelta(minutes=5 * i + 30),
                                    room_id=forum.rooms[i % 2].id, track_id=forum.tracks[i % 2].id)
                       for i in range(n))
    for i in range(n):
        consultations.create_consultation(people.convener, poll_data(group, title=f"Poll {i}", countries=["KEN"]),
                                          now=NOW)
        _past_meeting(people, group, f"Past {i}", date(2026, 6, 1) + timedelta(days=i))
    db.session.commit()


PAGES = ["/countries/KEN", "/forums/groups/supply-chains/meetings", "/forums/forum-2027/participants",
         "/forums/forum-2027", "/forums/forum-2027?view=list", "/dashboard"]


def _measure(client, count_queries, pages):
    counts = []
    for url in pages:
        client.get(url)
        count_queries.clear()
        response = client.get(url)
        assert response.status_code == 200, url
        counts.append(len(count_queries))
    return counts


@pytest.mark.parametrize("role", ["invitee", "admin"])
def test_pages_run_the_same_queries_with_little_and_much_data(client, login, count_queries, people, group, forum,
                                                             role):
    login(getattr(people, role))
    _grow(people, group, forum, 3)
    small = _measure(client, count_queries, PAGES if role == "admin" else [p for p in PAGES if "participants" not in p])
    _grow(people, group, forum, 40)
    large = _measure(client, count_queries, PAGES if role == "admin" else [p for p in PAGES if "participants" not in p])
    assert small == large, list(zip(PAGES, small, large))
    assert max(large) <= MAX_QUERIES, list(zip(PAGES, large))


def test_a_visitors_programme_page_takes_one_query(client, count_queries, forum, make_session):
    make_session("Opening")
    client.get(f"/forums/{forum.slug}")
    count_queries.clear()
    client.get(f"/forums/{forum.slug}")
    assert len(count_queries) == 1


def test_a_registrants_buttons_on_the_shared_timetable_are_those_of_each_session(app, client, login, people, forum,
                                                                                  make_session):
    """The timetable is shared and each person's buttons are put in afterwards: they must be exactly what the
    buttons' template makes for each session."""
    from flask import render_template
    from flask_login import login_user

    from app.forms import EmptyForm
    from app.forums import routes

    sessions = [make_session("Plenary <b>bold</b> & co"),
                make_session("Panel", start=time(12, 0), end=time(13, 0), kind="panel"),
                make_session("Workshop", start=time(14, 0), end=time(15, 0), capacity=5, kind="workshop"),
                make_session("Full workshop", start=time(16, 0), end=time(17, 0), capacity=1, kind="workshop"),
                make_session("Open workshop", start=time(17, 0), end=time(18, 0), capacity=3, kind="workshop")]
    plenary, panel, workshop, full, _open = sessions
    services.register(people.partner, forum, now=NOW)
    services.register(people.partner, forum, full, now=NOW)
    services.register(people.invitee, forum, now=NOW)
    services.register(people.invitee, forum, workshop, now=NOW)
    services.register(people.invitee, forum, full, now=NOW)           # waiting
    services.add_to_agenda(people.invitee, panel, now=NOW)
    db.session.commit()
    login(people.invitee)

    def tokenless(html):
        return re.sub(r"\s+", " ", re.sub(r'name="csrf_token" type="hidden" value="[^"]*"', "", html))

    for query in ("", "?view=list"):
        page = tokenless(client.get(f"/forums/{forum.slug}{query}").text)
        with app.test_request_context(f"/forums/{forum.slug}{query}"):
            login_user(people.invitee)
            mine, agenda, my_sessions = routes._my_forum_state(forum)
            for session in sessions:
                expected = tokenless(render_template("forums/_session_actions.html", forum=forum, session=session,
                                                     mine=mine, agenda=agenda, my_sessions=my_sessions,
                                                     form=EmptyForm())).strip()
                assert expected and expected in page, (session.title, expected)
    assert "Plenary &lt;b&gt;bold&lt;/b&gt; &amp; co" in page and "<b>bold</b>" not in page
    assert "987654321987" not in page and "<!--actions:" not in page
