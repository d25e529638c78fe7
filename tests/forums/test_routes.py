"""Forum and consultation pages: who may do what (role × route), personal links, bad input through the forms."""
from __future__ import annotations

from datetime import date, time, timedelta
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.extensions import db
from app.forums import consultations, feeds, services
from tests.forums.conftest import NOW
from tests.strategies import fuzz

ROLES = ["anonymous", "partner", "invitee", "non_invitee", "convener", "secretariat"]
LOGIN = "login"


@pytest.fixture
def world(people, group, forum, make_session, poll):
    session = make_session()
    workshop = make_session("Workshop", start=time(14, 0), end=time(15, 0), capacity=10, kind="workshop")
    registration = services.register(people.invitee, forum, now=NOW)
    services.register(people.invitee, forum, workshop, now=NOW)
    services.add_to_agenda(people.invitee, session, now=NOW)
    meeting = consultations.create_consultation(people.convener, __import__(
        "tests.forums.conftest", fromlist=["poll_data"]).poll_data(group, title="Meeting"), now=NOW)
    consultations.confirm_slot(people.convener, meeting, meeting.slots[0], now=NOW)
    guest = consultations.add_guest(people.convener, poll, consultations.GuestData("Gita Guest", "gita@outside.example"),
                                    now=NOW)
    db.session.commit()
    roles = SimpleNamespace(anonymous=None, partner=people.partner, invitee=people.invitee, non_invitee=people.member,
                            convener=people.convener, secretariat=people.admin)
    invitee = next(i for i in poll.invitees if i.user_id == people.invitee.id)
    return SimpleNamespace(forum=forum, session=session, workshop=workshop, poll=poll, meeting=meeting,
                           invitee=invitee, guest=guest, roles=roles, people=people, registration=registration,
                           item=SimpleNamespace(id=0))


# (method, path, expected per ROLES order)
MATRIX = {
    "index": ("GET", "/forums/", (200, 200, 200, 200, 200, 200)),
    "create": ("GET", "/forums/new", (LOGIN, 403, 403, 403, 403, 200)),
    "programme": ("GET", "/forums/{w.forum.slug}", (200, 200, 200, 200, 200, 200)),
    "edit": ("GET", "/forums/{w.forum.slug}/edit", (LOGIN, 403, 403, 403, 403, 200)),
    "session_detail": ("GET", "/forums/{w.forum.slug}/sessions/{w.session.id}", (200,) * 6),
    "session_create": ("GET", "/forums/{w.forum.slug}/sessions/new", (LOGIN, 403, 403, 403, 403, 200)),
    "session_edit": ("GET", "/forums/{w.forum.slug}/sessions/{w.session.id}/edit", (LOGIN, 403, 403, 403, 403, 200)),
    "session_delete": ("POST", "/forums/{w.forum.slug}/sessions/{w.session.id}/delete",
                       (LOGIN, 403, 403, 403, 403, 302)),
    "register": ("POST", "/forums/{w.forum.slug}/register", (LOGIN, 302, 302, 302, 302, 302)),
    "withdraw": ("POST", "/forums/{w.forum.slug}/withdraw", (LOGIN, 404, 302, 404, 404, 404)),
    "session_register": ("POST", "/forums/{w.forum.slug}/sessions/{w.workshop.id}/register",
                         (LOGIN, 302, 302, 302, 302, 302)),
    "session_withdraw": ("POST", "/forums/{w.forum.slug}/sessions/{w.workshop.id}/withdraw",
                         (LOGIN, 404, 302, 404, 404, 404)),
    "agenda_add": ("POST", "/forums/{w.forum.slug}/sessions/{w.session.id}/agenda", (LOGIN, 302, 302, 302, 302, 302)),
    "agenda_remove": ("POST", "/forums/{w.forum.slug}/sessions/{w.session.id}/agenda/remove",
                      (LOGIN, 302, 302, 302, 302, 302)),
    "agenda": ("GET", "/forums/{w.forum.slug}/agenda", (LOGIN, 200, 200, 200, 200, 200)),
    "participants": ("GET", "/forums/{w.forum.slug}/participants", (LOGIN, 403, 403, 403, 403, 200)),
    "participants_csv": ("GET", "/forums/{w.forum.slug}/participants.csv", (LOGIN, 403, 403, 403, 403, 200)),
    "participant_attended": ("POST", "/forums/{w.forum.slug}/participants/{w.registration.id}/attended",
                             (LOGIN, 403, 403, 403, 403, 302)),
    "consultation_list": ("GET", "/forums/consultations", (200,) * 6),
    "consultation_create": ("GET", "/forums/consultations/new", (LOGIN, 403, 403, 403, 200, 200)),
    "consultation": ("GET", "/forums/consultations/{w.poll.id}", (LOGIN, 404, 200, 404, 200, 200)),
    "consultation_answer": ("POST", "/forums/consultations/{w.poll.id}/answer", (LOGIN, 404, 302, 404, 302, 403)),
    "consultation_respond": ("POST", "/forums/consultations/{w.meeting.id}/respond",
                             (LOGIN, 404, 302, 404, 302, 403)),
    "personal_link": ("GET", "/forums/c/{w.invitee.id}/{token}", (200,) * 6),
    "invitee_revoke": ("POST", "/forums/consultations/{w.poll.id}/invitees/{w.invitee.id}/revoke",
                       (LOGIN, 404, 403, 404, 302, 302)),
    "invitee_new_link": ("POST", "/forums/consultations/{w.poll.id}/invitees/{w.invitee.id}/new-link",
                         (LOGIN, 404, 403, 404, 302, 302)),
    "guest_add": ("GET", "/forums/consultations/{w.poll.id}/guests/new", (LOGIN, 404, 403, 404, 200, 200)),
    # The convener removes the guest; the secretariat, after them, finds no such guest any more.
    "guest_remove": ("POST", "/forums/consultations/{w.poll.id}/guests/{w.guest.id}/remove",
                     (LOGIN, 404, 403, 404, 302, 404)),
    "consultation_invite": ("POST", "/forums/consultations/{w.poll.id}/invite", (LOGIN, 404, 403, 404, 302, 302)),
    "consultation_close": ("POST", "/forums/consultations/{w.poll.id}/close", (LOGIN, 404, 403, 404, 302, 302)),
    "consultation_remind": ("POST", "/forums/consultations/{w.poll.id}/remind", (LOGIN, 404, 403, 404, 302, 302)),
    "consultation_confirm": ("POST", "/forums/consultations/{w.poll.id}/confirm", (LOGIN, 404, 403, 404, 302, 302)),
    "slot_add": ("GET", "/forums/consultations/{w.poll.id}/slots/new", (LOGIN, 404, 403, 404, 200, 200)),
    "slot_remove": ("GET", "/forums/consultations/{w.poll.id}/slots/{w.poll.slots[0].id}/remove",
                    (LOGIN, 404, 403, 404, 200, 200)),
    "consultation_reschedule": ("GET", "/forums/consultations/{w.meeting.id}/reschedule",
                                (LOGIN, 404, 403, 404, 200, 200)),
    "consultation_cancel": ("POST", "/forums/consultations/{w.meeting.id}/cancel", (LOGIN, 404, 403, 404, 302, 302)),
    "consultation_countries": ("POST", "/forums/consultations/{w.meeting.id}/countries",
                               (LOGIN, 404, 403, 404, 302, 302)),
    "consultation_reminders": ("POST", "/forums/consultations/{w.meeting.id}/reminders",
                               (LOGIN, 404, 403, 404, 302, 302)),
    "consultation_minutes": ("POST", "/forums/consultations/{w.meeting.id}/minutes", (LOGIN, 404, 403, 404, 302, 302)),
    "consultation_action_add": ("POST", "/forums/consultations/{w.meeting.id}/actions",
                                (LOGIN, 404, 403, 404, 302, 302)),
    "consultation_action_done": ("POST", "/forums/consultations/{w.meeting.id}/actions/999/done",
                                 (LOGIN, 404, 403, 404, 404, 404)),
    "consultation_ics": ("GET", "/forums/consultations/{w.meeting.id}.ics", (LOGIN, 404, 200, 404, 200, 200)),
    "programme_ics": ("GET", "/forums/{w.forum.slug}/programme.ics", (200,) * 6),
    "session_ics": ("GET", "/forums/{w.forum.slug}/sessions/{w.session.id}.ics", (200,) * 6),
    "group_meetings_ics": ("GET", "/forums/groups/supply-chains/meetings.ics", (200,) * 6),
    "group_meetings": ("GET", "/forums/groups/supply-chains/meetings", (LOGIN, 403, 200, 403, 200, 200)),
    "personal_feed": ("GET", "/forums/calendar/{w.people.invitee.id}/{feed}.ics", (200,) * 6),
    "reset_feed": ("POST", "/forums/calendar/reset", (LOGIN, 302, 302, 302, 302, 302)),
}
FORMS = {"consultation_confirm": {"slot_id": "{w.poll.slots[0].id}"}, "consultation_invite": {"emails": "{w.people.partner.email}"},
         "consultation_reminders": {"first_hours": "24"},
         "consultation_countries": {"countries": "KEN"}, "consultation_respond": {"response": "accepted"}}


def test_the_matrix_covers_every_forum_route(app):
    ours = {name for name in app.view_functions if name.startswith("forums.")}
    assert ours == {f"forums.{name}" for name in MATRIX}


@pytest.mark.parametrize("name", list(MATRIX))
def test_access(app, world, name):
    """Each route walked by each role in turn (one world per route keeps the suite fast)."""
    from tests.conftest import PASSWORD

    method, path, expectations = MATRIX[name]
    token = world.invitee.link_token()
    feed = feeds.reset_feed(world.people.invitee)
    db.session.commit()
    url = path.format(w=world, token=token, feed=feed)
    data = {k: v.format(w=world) for k, v in FORMS.get(name, {}).items()}
    for role, expected in zip(ROLES, expectations):
        client = app.test_client()
        person = getattr(world.roles, role)
        if person is not None:
            assert client.post("/login", data={"email": person.email, "password": PASSWORD}).status_code == 302
        response = client.get(url) if method == "GET" else client.post(url, data=data)
        if expected == LOGIN:
            assert response.status_code == 302 and "/login" in response.headers["Location"], (role, response.status_code)
        else:
            assert response.status_code == expected, f"{role} {method} {url}: {response.status_code}"
            if expected == 302:
                assert "/login" not in response.headers["Location"], role


def test_a_tampered_or_revoked_personal_link_is_404(client, world):
    token = world.invitee.link_token()
    assert client.get(f"/forums/c/{world.invitee.id}/{token}").status_code == 200
    tampered = token[:-1] + ("1" if token.endswith("0") else "0")  # a token ending in 0 stayed the same
    assert client.get(f"/forums/c/{world.invitee.id}/{tampered}").status_code == 404
    other = next(i for i in world.poll.invitees if i.user_id == world.people.invitee2.id)
    assert client.get(f"/forums/c/{other.id}/{token}").status_code == 404   # someone else's id
    consultations.revoke_link(world.people.convener, world.invitee)
    db.session.commit()
    assert client.get(f"/forums/c/{world.invitee.id}/{token}").status_code == 404


def test_answering_through_the_personal_link_changes_only_ones_own_answers(client, world):
    token = world.invitee.link_token()
    slot = world.poll.slots[1]
    response = client.post(f"/forums/c/{world.invitee.id}/{token}", data={"action": "answer", f"slot-{slot.id}": "yes"})
    assert response.status_code == 302
    db.session.expire_all()
    answers = {i.user_id: {a.slot_id: a.choice.value for a in i.answers} for i in world.poll.invitees}
    assert answers[world.people.invitee.id] == {slot.id: "yes"}
    assert answers[world.people.invitee2.id] == {}
    page = client.get(f"/forums/c/{world.invitee.id}/{token}").text
    assert "You are answering as Ines Invitee" in page


def test_the_grid_shows_each_invitees_local_time_and_nights(client, login, world):
    login(world.people.convener)
    page = client.get(f"/forums/consultations/{world.poll.id}").text
    assert "America/New York" in page and "Asia/Bangkok" in page
    assert "Night" in page
    assert "Europe/Zurich" in page  # the viewer's zone named


def test_creating_a_consultation_through_the_form(client, login, world, outbox):
    login(world.people.convener)
    outbox.clear()
    data = {"title": "Bangkok round", "audience": "people", "emails": world.people.invitee2.email,
            "timezone": "Asia/Bangkok", "duration_minutes": "45",
            "slots-0-day": (NOW.date() + timedelta(days=10)).isoformat(), "slots-0-time": "09:00",
            "slots-1-day": (NOW.date() + timedelta(days=10)).isoformat(), "slots-1-time": "15:00",
            "deadline_on": (NOW.date() + timedelta(days=5)).isoformat(), "deadline_time": "12:00"}
    response = client.post("/forums/consultations/new", data=data)
    assert response.status_code == 302, response.text[:2000]
    assert [m["To"] for m in outbox] == [world.people.invitee2.email]


def test_a_bad_consultation_form_keeps_what_was_typed(client, login, world):
    login(world.people.convener)
    response = client.post("/forums/consultations/new", data={
        "title": "Kept title", "audience": "people", "emails": world.people.invitee2.email, "timezone": "Asia/Bangkok",
        "slots-0-day": "2020-01-01", "slots-0-time": "09:00", "deadline_on": "2020-01-01", "deadline_time": "08:00"})
    assert response.status_code == 200
    assert "This slot is in the past." in response.text and 'value="Kept title"' in response.text


@fuzz(25)
@given(title=st.text(max_size=250), zone=st.sampled_from(["Europe/Zurich", "Mars/Base", "", "UTC"]),
       day=st.sampled_from(["", "2030-01-01", "not a date", "2020-02-30"]), hour=st.sampled_from(["", "09:00", "25:99"]),
       duration=st.sampled_from(["", "0", "60", "-5", "x"]), emails=st.text(max_size=80))
def test_the_consultation_form_survives_random_input(client, login, world, title, zone, day, hour, duration, emails):
    login(world.people.convener)
    response = client.post("/forums/consultations/new", data={
        "title": title, "audience": "people", "emails": emails, "timezone": zone, "duration_minutes": duration,
        "slots-0-day": day, "slots-0-time": hour, "deadline_on": day, "deadline_time": hour})
    assert response.status_code in (200, 302)


def test_the_public_group_page_lists_upcoming_public_meetings(client, world):
    world.meeting.is_public = True
    db.session.commit()
    page = client.get("/actiongroups/supply-chains").text
    assert "Upcoming public meetings" in page and "Meeting" in page


def test_visitors_see_a_changed_programme_at_once(client, people, forum, make_session):
    """The visitors' timetable is remembered between requests; any change to a session shows at once."""
    session = make_session("Zeta opening")
    url = f"/forums/{forum.slug}"
    assert "Zeta opening" in client.get(url).text
    services.update_session(people.admin, session, services.SessionData(
        title="Zeta opening, moved", day=date(2027, 3, 28), start=time(12, 0), end=time(13, 0), kind="plenary"),
        now=NOW + timedelta(minutes=5))
    db.session.commit()
    assert "Zeta opening, moved" in client.get(url).text
    workshop = make_session("Zeta workshop", capacity=1, kind="workshop")
    assert "1 place left" in client.get(url).text
    services.register(people.invitee, forum, now=NOW)
    services.register(people.invitee, forum, workshop, now=NOW)
    db.session.commit()
    assert "0 places left" in client.get(url).text


def test_the_poll_form_preselects_nothing_and_yes_to_all_saves_yes_everywhere(client, login, world):
    """No slot has "No" checked before the invitee answers; "Yes to all" answers every slot."""
    login(world.people.invitee)
    page = client.get(f"/forums/consultations/{world.poll.id}").text
    for slot in world.poll.slots:
        assert f'id="slot-{slot.id}-no" value="no" >' in page  # not checked
        assert f'id="slot-{slot.id}-none" value="" checked' in page
    response = client.post(f"/forums/consultations/{world.poll.id}/answer", data={"all": "yes"})
    assert response.status_code == 302
    db.session.expire_all()
    assert {a.choice.value for a in world.invitee.answers} == {"yes"}
    assert len(world.invitee.answers) == len(world.poll.slots)
    page = client.get(f"/forums/consultations/{world.poll.id}").text
    assert "You can change your answers until the poll closes" in page


def test_people_are_shown_with_their_organisation_in_the_poll_grid(client, login, world):
    login(world.people.convener)
    page = client.get(f"/forums/consultations/{world.poll.id}").text
    assert "Ines Invitee (Other Organisation)" in page and "Ivo Bangkok (Other Organisation)" in page
