"""Slots and the timetable in Chromium (issue 16): a convener adds a slot in another time zone to an open poll,
answers with a comment and sees both in the grid; the Forum's timetable by room shows two parallel sessions side
by side at 1280 px and the list at 360 px.

Account: focal@uncpf.example.org, the demo convener of Conflict & Humanitarian Settings; no other browser test
signs in as it. The poll it makes here is its own (a new title each run, invitees by e-mail: itself and
member@cfc, who is not signed in by this test).
"""
from __future__ import annotations

import uuid
from datetime import date, timedelta

from playwright.sync_api import Browser, Page, expect

from .test_journeys import DEMO_PASSWORD, assert_no_axe_violations, login_ok

CONVENER = "focal@uncpf.example.org"
OTHER = "member@cfc.example.org"
PAST_FORUM = "/forums/forum-2025"   # app/forums/demo.py: two sessions at 10:30 on its first day, rooms 1 and 2
PARALLEL = ("Workshop: living incomes for cocoa farmers in Ghana", "Panel: fair recruitment from Nepal to the Gulf")


def test_a_slot_in_another_zone_is_added_answered_with_a_comment_and_shown_in_the_grid(page: Page, live_server):
    title = f"Slots across zones {uuid.uuid4().hex[:6]}"
    day = date.today() + timedelta(days=20)
    login_ok(page, CONVENER, DEMO_PASSWORD)
    page.goto("/forums/consultations/new")
    page.get_by_label("Title").fill(title)
    page.get_by_label("Who is invited").select_option("people")
    page.get_by_label("Invite people by e-mail").fill(OTHER)
    page.get_by_label("Time zone of the slots").select_option("Europe/Zurich")
    page.locator("#slots-0-day").fill(day.isoformat())
    page.locator("#slots-0-time").fill("15:00")
    page.locator("#deadline_on").fill((date.today() + timedelta(days=5)).isoformat())
    page.locator("#deadline_time").fill("12:00")
    page.get_by_role("button", name="Create and send the invitations").click()
    expect(page.get_by_role("status").filter(has_text="invitations were sent")).to_be_visible()
    consultation_url = page.url

    # A second slot, 09:00 in New York (15:00 in Geneva in summer and winter alike: both change their clocks).
    page.get_by_role("link", name="Add a slot").click()
    page.get_by_label("Date").fill((day + timedelta(days=1)).isoformat())
    page.get_by_label("Start time").fill("09:00")
    page.get_by_label("Time zone of this slot").select_option("America/New_York")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Add the slot").click()
    expect(page.get_by_role("status").filter(has_text="The slot was added")).to_be_visible()
    expect(page.locator("#slot-list li")).to_have_count(2)
    expect(page.locator("#slot-list")).to_contain_text("America/New York")

    # The convener answers both, with a comment, and sees it in the grid next to their name.
    form = page.locator("#answer-form")
    form.locator("fieldset").nth(0).get_by_label("Yes", exact=True).check()
    form.locator("fieldset").nth(1).get_by_label("If need be", exact=True).check()
    form.get_by_label("Comment for the convener (optional)").fill("The New York slot only if the agenda is short.")
    form.get_by_role("button", name="Save my answers").click()
    expect(page.get_by_role("status").filter(has_text="Your answers were saved")).to_be_visible()
    grid = page.locator(".poll-grid")
    expect(grid).to_contain_text("proposed as 9:00\u202fAM (America/New York)")
    expect(grid.locator(".poll-comment").filter(has_text="The New York slot only if the agenda is short.")
           ).to_have_count(1)
    assert page.url == consultation_url
    assert_no_axe_violations(page)


def test_the_timetable_is_a_grid_on_wide_screens_and_a_list_on_phones(browser: Browser, live_server):
    for width, height in ((1280, 900), (360, 740)):
        context = browser.new_context(base_url=live_server.url, viewport={"width": width, "height": height})
        page = context.new_page()
        page.goto(PAST_FORUM)
        table = page.locator("table.timetable-grid").first
        if width == 1280:
            expect(table).to_be_visible()
            row = table.locator("tbody tr").filter(has_text=PARALLEL[0])
            expect(row).to_contain_text(PARALLEL[1])          # the same row: side by side
            first, second = (row.get_by_role("link", name=name).bounding_box() for name in PARALLEL)
            assert abs(first["y"] - second["y"]) < 2 and first["x"] != second["x"]
        else:
            expect(table).to_be_hidden()
            expect(page.locator(".timetable-list").first.get_by_role("link", name=PARALLEL[0])).to_be_visible()
            assert page.evaluate("document.documentElement.scrollWidth") <= 360
        assert_no_axe_violations(page)
        context.close()
