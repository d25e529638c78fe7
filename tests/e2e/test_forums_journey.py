"""The consultation journey in Chromium: a convener proposes 4 slots, three invitees answer (one through the
personal link in their e-mail, one in another time zone), the convener confirms the best slot, every invitee
gets an .ics invitation with the right UTC time, the meeting is in each invitee's personal feed, and a
reschedule sends an update with the same UID and a higher SEQUENCE.

Accounts: the demo convener of Supply Chains; focal@gasg (its time zone is changed here; no other browser test
uses it); focal@csc only through the personal link; member@mlswr signs in and answers.
"""
from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import icalendar
from playwright.sync_api import Page, expect

from .conftest import first_url, latest_email
from .test_journeys import DEMO_PASSWORD, assert_no_axe_violations, login_ok, logout

CONVENER = "focal@unodwp.example.org"
BY_LINK = "focal@csc.example.org"
ELSEWHERE = "focal@gasg.example.org"     # answers from Bangkok
SIGNED_IN = "member@mlswr.example.org"
INVITEES = [BY_LINK, ELSEWHERE, SIGNED_IN]
SLOT_TIMES = [time(7, 0), time(13, 0), time(17, 0), time(22, 0)]  # Zurich; 13:00 will win
BEST = 1


def _answer(page: Page, choices: list[str]) -> None:
    form = page.locator("#answer-form")
    for n, choice in enumerate(choices):
        form.locator("fieldset").nth(n).get_by_label(choice, exact=True).check()
    form.get_by_role("button", name="Save my answers").click()
    expect(page.get_by_role("status").filter(has_text="Your answers were saved")).to_be_visible()


def _calendar(message) -> icalendar.Calendar:
    parts = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert parts, f"no .ics in {message['Subject']!r}"
    return icalendar.Calendar.from_ical(parts[0].get_payload(decode=True))


def _event(cal: icalendar.Calendar):
    return next(iter(cal.walk("VEVENT")))


def _feed_url(page: Page) -> str:
    page.goto("/profile")
    if page.get_by_role("button", name="Create my calendar address").count():
        page.get_by_role("button", name="Create my calendar address").click()
    return page.locator("#calendar-address").input_value()


def test_poll_confirm_invitations_feeds_and_reschedule(page: Page, live_server):
    tag = uuid.uuid4().hex[:6]
    title = f"Cocoa due diligence {tag}"
    day = date.today() + timedelta(days=12)

    # The convener proposes four slots (Zurich time) to three people.
    login_ok(page, CONVENER, DEMO_PASSWORD)
    page.goto("/forums/consultations/new")
    page.get_by_label("Title").fill(title)
    page.get_by_label("Who is invited").select_option("people")
    page.get_by_label("Invite people by e-mail").fill("\n".join(INVITEES))
    page.get_by_label("Time zone of the slots").select_option("Europe/Zurich")
    for n, at in enumerate(SLOT_TIMES):
        page.locator(f"#slots-{n}-day").fill((day + timedelta(days=n // 2)).isoformat())
        page.locator(f"#slots-{n}-time").fill(at.strftime("%H:%M"))
    page.locator("#deadline_on").fill((date.today() + timedelta(days=5)).isoformat())
    page.locator("#deadline_time").fill("12:00")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Create and send the invitations").click()
    expect(page.get_by_role("status").filter(has_text="invitations were sent")).to_be_visible()
    consultation_url = page.url
    logout(page)

    # One answers through the personal link in their e-mail, without signing in.
    link = first_url(latest_email(live_server.outbox, BY_LINK, title))
    page.goto(link)
    expect(page.get_by_role("status").filter(has_text="through your personal link")).to_be_visible()
    _answer(page, ["If need be", "Yes", "No", "No"])

    # One lives in Bangkok: the slots are shown in their zone, with the nights marked.
    login_ok(page, ELSEWHERE, DEMO_PASSWORD)
    page.goto("/profile")
    page.get_by_label("Time zone").select_option("Asia/Bangkok")
    page.get_by_role("button", name="Save").first.click()
    page.goto(consultation_url)
    expect(page.get_by_text("Times are shown in Asia/Bangkok.")).to_be_visible()
    assert_no_axe_violations(page)
    _answer(page, ["No", "Yes", "Yes", "No"])
    logout(page)

    login_ok(page, SIGNED_IN, DEMO_PASSWORD)
    page.goto(consultation_url)
    _answer(page, ["Yes", "Yes", "If need be", "No"])
    logout(page)

    # The convener sees the best slot first and confirms it.
    login_ok(page, CONVENER, DEMO_PASSWORD)
    page.goto(consultation_url)
    expect(page.locator(".poll-grid")).to_contain_text("Asia/Bangkok")
    assert_no_axe_violations(page)
    page.locator("#ranking li").first.get_by_role("button", name="Confirm this slot").click()
    expect(page.get_by_role("status").filter(has_text="The meeting is scheduled")).to_be_visible()
    expected = datetime.combine(day, SLOT_TIMES[BEST], tzinfo=ZoneInfo("Europe/Zurich")).astimezone(timezone.utc)

    uids = set()
    for invitee in INVITEES:
        cal = _calendar(latest_email(live_server.outbox, invitee, f"Invitation: {title}"))
        event = _event(cal)
        assert str(cal["method"]) == "REQUEST"
        assert event.decoded("dtstart") == expected
        assert int(event["sequence"]) == 0
        uids.add(str(event["uid"]))
    assert len(uids) == 1
    uid = uids.pop()
    logout(page)

    # The meeting is in each invitee's personal calendar feed.
    for invitee in INVITEES:
        login_ok(page, invitee, DEMO_PASSWORD)
        feed = page.request.get(_feed_url(page))
        assert feed.status == 200
        events = {str(e["uid"]): e for e in icalendar.Calendar.from_ical(feed.body()).walk("VEVENT")}
        assert events[uid].decoded("dtstart") == expected
        logout(page)

    # The convener moves it by a day: the update keeps the UID and raises the SEQUENCE.
    login_ok(page, CONVENER, DEMO_PASSWORD)
    page.goto(consultation_url)
    page.get_by_role("link", name="Reschedule").click()
    page.get_by_label("New date").fill((day + timedelta(days=1)).isoformat())
    page.get_by_label("New start time").fill(SLOT_TIMES[BEST].strftime("%H:%M"))
    page.get_by_label("Time zone").select_option("Europe/Zurich")
    page.get_by_role("button", name="Move the meeting").click()
    expect(page.get_by_role("status").filter(has_text="The meeting was moved")).to_be_visible()
    for invitee in INVITEES:
        event = _event(_calendar(latest_email(live_server.outbox, invitee, f"Updated: {title}")))
        assert str(event["uid"]) == uid
        assert int(event["sequence"]) == 1
        assert event.decoded("dtstart") == expected + timedelta(days=1)


def test_forum_programme_and_agenda_have_no_wcag_violations(page: Page):
    page.goto("/forums/forum-2027")
    assert_no_axe_violations(page)
    page.goto("/forums/forum-2027?view=list")
    assert_no_axe_violations(page)
    login_ok(page, SIGNED_IN, DEMO_PASSWORD)
    page.goto("/forums/forum-2027/agenda")
    assert_no_axe_violations(page)
