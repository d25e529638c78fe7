"""One date format per language everywhere (issue 16): the same moment is written the same way on every page
and e-mail of a language, and an event that keeps a 24-hour clock (Geneva) shows 24-hour times in English."""
from __future__ import annotations

import re
from datetime import date, datetime, time, timezone

import pytest

from app.extensions import db
from app.forums import consultations
from app.i18n import format_day, format_moment, format_time_of_day, iso_moment
from tests.forums.conftest import NOW, poll_data

# Far enough ahead for pages that list "what is to come" by the real clock.
SLOTS = [(date(2030, 6, 4), time(15, 0)), (date(2030, 6, 5), time(9, 0))]
PAGES = ["/forums/consultations/{id}", "/forums/consultations", "/forums/", "/forums/groups/supply-chains/meetings"]
# Formats the Hub no longer uses: "6/4/30, 3:00 PM" (short), "June 4, 2030" (long), "3:00:00 PM" (seconds).
OTHER_FORMATS = re.compile(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b|June 4, 2030|mardi 4 juin|de junio de|\d:\d\d:\d\d")


@pytest.fixture
def meeting(people, group):
    consultation = consultations.create_consultation(
        people.convener, poll_data(group, slots=SLOTS, deadline_on=date(2030, 6, 1)), now=NOW)
    consultations.confirm_slot(people.convener, consultation, consultation.slots[0], now=NOW)
    db.session.commit()
    return consultation


def _pages(client, consultation):
    return {url: client.get(url.format(id=consultation.id)) for url in PAGES}


def test_the_functions_write_one_format_per_language(app):
    moment = datetime(2030, 6, 4, 13, 0, tzinfo=timezone.utc)
    expected = {"en": ("Jun 4, 2030", "Tue, Jun 4, 2030", "3:00\u202fPM", "Jun 4, 2030, 3:00\u202fPM (Europe/Zurich)"),
                "fr": ("4 juin 2030", "mar. 4 juin 2030", "15:00", "4 juin 2030, 15:00 (Europe/Zurich)"),
                "es": ("4 jun 2030", "mar, 4 jun 2030", "15:00", "4 jun 2030, 15:00 (Europe/Zurich)")}
    from flask_babel import force_locale

    for lang, (day, weekday, clock, full) in expected.items():
        with app.test_request_context("/"), force_locale(lang):
            assert format_day(date(2030, 6, 4)) == day
            assert format_day(moment, zone="Europe/Zurich", weekday=True) == weekday
            assert format_time_of_day(moment, "Europe/Zurich") == clock
            assert format_moment(moment, "Europe/Zurich") == full
            assert format_time_of_day(moment, "Europe/Zurich", h24=True) == "15:00"
    assert iso_moment(moment) == "2030-06-04 13:00" and iso_moment(None) == ""


def test_the_same_moment_reads_the_same_on_every_page(client, login, people, meeting):
    login(people.convener)  # Europe/Zurich, English
    pages = _pages(client, meeting)
    for url, response in pages.items():
        assert response.status_code == 200, url
        assert "Jun 4, 2030, 3:00\u202fPM" in response.text, url
        assert not OTHER_FORMATS.search(response.text), (url, OTHER_FORMATS.search(response.text).group(0))


def test_a_meeting_on_a_24_hour_clock_shows_24_hour_times_in_english(client, login, people, meeting):
    meeting.has_24h_clock = True
    db.session.commit()
    login(people.convener)
    for url, response in _pages(client, meeting).items():
        assert "Jun 4, 2030, 15:00" in response.text, url
        assert "3:00\u202fPM" not in response.text, url


def test_french_pages_write_the_french_way(client, login, people, meeting):
    people.convener.locale = "fr"
    db.session.commit()
    login(people.convener)
    for url, response in _pages(client, meeting).items():
        assert "4 juin 2030, 15:00" in response.text, url
        assert not OTHER_FORMATS.search(response.text), url


def test_the_invitation_e_mail_writes_the_moment_as_the_pages_do(people, group, outbox):
    consultation = consultations.create_consultation(
        people.convener, poll_data(group, slots=SLOTS, deadline_on=date(2030, 6, 1), has_24h_clock=True), now=NOW)
    db.session.commit()
    outbox.clear()
    consultations.confirm_slot(people.convener, consultation, consultation.slots[0], now=NOW)
    db.session.commit()
    to_invitee = [m for m in outbox if m["To"] == people.invitee.email]  # in New York
    body = to_invitee[0].get_body(("plain",)).get_content()
    assert "Tue, Jun 4, 2030, 09:00 (America/New York) – 10:00" in body
    assert not OTHER_FORMATS.search(body)


def test_the_participants_csv_writes_iso_times(client, login, people, forum):
    from app.forums import services

    services.register(people.partner, forum, now=NOW)
    db.session.commit()
    login(people.admin)
    response = client.get(f"/forums/{forum.slug}/participants.csv")
    assert response.status_code == 200
    assert "2026-12-01 09:00" in response.text
