"""Countries of sessions and consultations (regions expanded, a group's focus countries by default), and the
country pages' "upcoming consultations and Forum sessions" section."""
from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.errors import DomainError
from app.extensions import db
from app.forums import consultations, gateway, services
from app.knowledge.countries import CountryContext
from app.taxonomy import region_countries
from tests.forums.conftest import NOW, forum_data, poll_data
from tests.strategies import fuzz


def test_countries_are_checked_and_regions_expanded():
    assert services.clean_countries(["ken", " UGA ", "KEN", ""]) == ["KEN", "UGA"]
    assert services.clean_countries(["002"]) == sorted(region_countries()["002"])
    with pytest.raises(DomainError) as error:
        services.clean_countries(["KEN", "XXX"])
    assert error.value.field == "countries" and "XXX" in str(error.value)


def test_a_sessions_countries_are_saved(people, forum, make_session):
    session = make_session("Cocoa", countries=["GHA", "CIV"])
    assert session.countries == ["CIV", "GHA"]
    with pytest.raises(DomainError):
        make_session("Nowhere", countries=["ZZZ"])


def test_a_consultation_is_about_its_groups_focus_countries_unless_told_otherwise(people, group):
    group.focus_countries = ["UGA", "KEN"]
    db.session.commit()
    default = consultations.create_consultation(people.convener, poll_data(group, title="Default"), now=NOW)
    chosen = consultations.create_consultation(people.convener, poll_data(group, title="Chosen", countries=["GHA"]),
                                               now=NOW)
    no_group = consultations.create_consultation(people.convener, poll_data(title="Alone", emails=people.partner.email),
                                                 now=NOW)
    assert default.countries == ["KEN", "UGA"] and chosen.countries == ["GHA"] and no_group.countries == []
    consultations.set_countries(people.convener, default, ["019"])
    assert "BRA" in default.countries and "KEN" not in default.countries
    with pytest.raises(DomainError):
        consultations.set_countries(people.invitee, default, ["KEN"])


def test_the_country_section_lists_upcoming_sessions_of_published_editions(people, forum, make_session):
    kenya = make_session("Kenyan tea estates", countries=["KEN"])
    africa = make_session("African cocoa", countries=["002"], start=time(14, 0), end=time(15, 0))
    make_session("Peruvian mines", countries=["PER"], start=time(16, 0), end=time(17, 0))
    draft = services.create_forum(people.admin, forum_data(slug="draft-2027", is_published=False), now=NOW)
    services.create_session(people.admin, draft, services.SessionData(
        title="Draft session", day=date(2027, 3, 27), start=time(9, 0), end=time(10, 0), countries=["KEN"]), now=NOW)
    db.session.commit()
    data = gateway.load_country_events(CountryContext("KEN", None, NOW.date()))
    assert [s.title for s in data["sessions"]] == [kenya.title, africa.title] and data["sessions_total"] == 2
    after = gateway.load_country_events(CountryContext("KEN", None, date(2027, 3, 28)))
    assert after["sessions"] == []                                      # the Forum's first day is over


def test_the_country_section_shows_consultations_to_whom_may_see_them(client, login, people, group):
    group.focus_countries = ["KEN"]
    db.session.commit()
    poll = consultations.create_consultation(people.convener, poll_data(group, title="Tea pickers' poll"), now=NOW)
    meeting = consultations.create_consultation(people.convener, poll_data(group, title="Tea public meeting",
                                                                           is_public=True), now=NOW)
    consultations.confirm_slot(people.convener, meeting, meeting.slots[0], now=NOW)
    db.session.commit()

    def shown(user):
        return [c.title for c in gateway.load_country_events(CountryContext("KEN", user, NOW.date()))["consultations"]]

    assert shown(None) == ["Tea public meeting"]
    assert shown(people.partner) == ["Tea public meeting"]
    assert shown(people.invitee) == ["Tea pickers' poll", "Tea public meeting"]     # poll deadline first
    assert shown(people.admin) == ["Tea pickers' poll", "Tea public meeting"]
    assert gateway.load_country_events(CountryContext("UGA", people.admin, NOW.date()))["consultations"] == []
    later = NOW.date() + timedelta(days=30)                               # every slot and the meeting are over
    assert gateway.load_country_events(CountryContext("KEN", people.admin, later))["consultations"] == []


def test_the_country_page_shows_the_section(client, login, people, forum, make_session, group):
    make_session("Kenyan tea estates", countries=["KEN"])
    group.focus_countries = ["KEN"]
    db.session.commit()
    consultations.create_consultation(people.convener, poll_data(group, title="Tea pickers' poll"), now=NOW)
    db.session.commit()
    page = client.get("/countries/KEN").text
    assert "Upcoming consultations and Forum sessions" in page and "Kenyan tea estates" in page
    assert "Tea pickers&#39; poll" not in page and "Tea pickers' poll" not in page
    login(people.invitee)
    assert "Tea pickers&#39; poll" in client.get("/countries/KEN").text
    assert "No upcoming Forum session or consultation" in client.get("/countries/PER").text


# -- the forms --------------------------------------------------------------------------------------------------
def test_the_session_form_saves_countries_and_shows_a_bad_code_next_to_the_field(client, login, people, forum,
                                                                                    make_session):
    session = make_session("Tea")
    login(people.admin)
    url = f"/forums/{forum.slug}/sessions/{session.id}/edit"
    data = {"title": "Tea", "kind": "panel", "day": "2027-03-27", "start": "10:00", "end": "11:00",
            "speakers-0-name": "", "countries": ["KEN", "150"]}
    assert client.post(url, data=data).status_code == 302
    db.session.expire_all()
    assert "KEN" in session.countries and "FRA" in session.countries
    response = client.post(url, data={**data, "countries": ["KEN", "NOPE"]})
    assert response.status_code == 200 and "Unknown country code: NOPE." in response.text


def test_the_consultation_form_and_the_conveners_countries_form(client, login, people, group):
    login(people.convener)
    day = (NOW.date() + timedelta(days=400)).isoformat()
    response = client.post("/forums/consultations/new", data={
        "title": "About Ghana", "audience": "group", "group_id": str(group.id), "timezone": "Europe/Zurich",
        "slots-0-day": day, "slots-0-time": "10:00", "deadline_on": day, "deadline_time": "08:00",
        "countries": ["GHA"]})
    assert response.status_code == 302, response.text[:3000]
    consultation = db.session.scalar(db.select(consultations.Consultation).where(
        consultations.Consultation.title == "About Ghana"))
    assert consultation.countries == ["GHA"]
    client.post(f"/forums/consultations/{consultation.id}/countries", data={"countries": ["KEN", "UGA"]})
    db.session.expire_all()
    assert consultation.countries == ["KEN", "UGA"]
    page = client.post(f"/forums/consultations/{consultation.id}/countries", data={"countries": ["ZZZ"]},
                       follow_redirects=True).text
    assert "Unknown country code: ZZZ." in page
    db.session.expire_all()
    assert consultation.countries == ["KEN", "UGA"]                  # nothing half-saved


@fuzz(30)
@given(codes=st.lists(st.one_of(st.sampled_from(["KEN", "GHA", "002", "150", "ken", "", "XXX"]),
                                st.text(max_size=6)), max_size=6))
def test_the_session_form_survives_any_countries(client, login, people, forum, make_session, codes):
    session = make_session("Tea") if not hasattr(forum, "_tea") else forum._tea
    forum._tea = session
    login(people.admin)
    response = client.post(f"/forums/{forum.slug}/sessions/{session.id}/edit", data={
        "title": "Tea", "kind": "panel", "day": "2027-03-27", "start": "10:00", "end": "11:00", "countries": codes})
    assert response.status_code in (200, 302)
    db.session.expire_all()
    assert all(len(code) == 3 and code.isupper() for code in session.countries)
