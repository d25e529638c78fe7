"""The overlap journey in Chromium: a focal point types a pledge that overlaps an existing one, the live
panel shows it with the reasons, she saves anyway; the secretariat finds the pair in the review queue,
decides "related — coordinate", and both focal points are told, each with the other's contact."""
from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

from playwright.sync_api import Page, expect

from .conftest import complete_cocoa_pledge, email_text, latest_email, panel_answered
from .test_journeys import ADMIN_EMAIL, DEMO_PASSWORD, assert_no_axe_violations, login_ok, logout

AUTHOR = "focal@ndca.example.org"       # Nordic Development Cooperation Agency (demo): no other browser test uses it
OTHER = "focal@csc.example.org"         # coordinates the demo pledge below (only read by the other tests)
EXISTING = "Child labour monitoring and remediation for 50,000 cocoa farmers"
QUEUE_VISITS = 20


def test_a_pledge_that_overlaps_is_flagged_reviewed_and_both_focal_points_told(page: Page, live_server):
    tag = uuid.uuid4().hex[:6]
    title = f"Child labour monitoring for cocoa farming households {tag}"
    start = date.today() - timedelta(days=30)

    # The focal point types: the panel answers while she types, with the reasons.
    login_ok(page, AUTHOR, DEMO_PASSWORD)
    page.goto("/pledges/new")
    panel = page.locator("#overlaps-panel")
    expect(panel.get_by_role("heading", name="Possible overlaps")).to_be_visible()
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("What will be done").fill(
        "Community facilitators visit cocoa farmers' households, find children in hazardous work and give each "
        "child remediation support: a child labour monitoring and remediation system.")
    countries = page.get_by_role("group", name="Countries", exact=True)
    countries.get_by_label("Côte d’Ivoire", exact=True).check()
    countries.get_by_label("Ghana", exact=True).check()
    page.get_by_label("Child labour", exact=True).check()
    match = panel.locator("li.overlap-match").filter(has_text=EXISTING)
    expect(match).to_be_visible()
    expect(match).to_contain_text("Countries in common: Côte d’Ivoire, Ghana")
    expect(match).to_contain_text("Cocoa Sourcing Collective (demo)")
    expect(match.get_by_role("link", name=re.compile("Contact its focal point"))).to_be_visible()
    expect(page.locator("#overlaps-status")).to_contain_text("look like this one")
    assert_no_axe_violations(page)
    match.get_by_label("Link as related when I save").check()

    # She saves anyway: nothing stops her (the panel was seen, so there is no compare step).
    complete_cocoa_pledge(page, start)
    panel_answered(page)  # it has answered for everything typed: what it shows is what she saw
    page.get_by_role("button", name="Save and submit for review").click()
    expect(page.get_by_role("status").filter(has_text="The pledge was submitted")).to_be_visible()
    overlaps = page.locator("#overlaps")
    expect(overlaps.get_by_role("heading", name="Linked initiatives")).to_be_visible()
    expect(overlaps).to_contain_text(EXISTING)
    logout(page)

    # The secretariat sees the pair in the review queue, new since the last visit, and decides.
    login_ok(page, ADMIN_EMAIL, DEMO_PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Overlap review").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Overlap review")
    row = page.locator("li.overlap-flag").filter(has_text=title).filter(has_text=EXISTING)
    # Other browser tests on this server flag pledges too: she pages through the queue, as a reviewer would.
    # The worker scans the saved pledge (not the request): until it has, she comes back to the queue
    # (bounded by a number of visits, not by a sleep).
    for _visit in range(QUEUE_VISITS):
        for number in range(2, 12):
            if row.count() or not page.locator(".pagination").get_by_role("link", name="Next").count():
                break
            page.locator(".pagination").get_by_role("link", name="Next").click()
            expect(page).to_have_url(re.compile(rf"[?&]page={number}\b"))
        if row.count():
            break
        page.goto("/overlaps/review")
    expect(row).to_contain_text("New")
    assert_no_axe_violations(page)
    row.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Do these describe the same work?")
    expect(page.get_by_role("heading", name="Why they were flagged")).to_be_visible()
    expect(page.locator("main")).to_contain_text(AUTHOR)
    expect(page.locator("main")).to_contain_text(OTHER)
    assert_no_axe_violations(page)
    page.get_by_label("Related — coordinate").check()
    page.get_by_label("Note (kept with the decision)").fill("Same cooperatives: please plan visits together.")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_role("status").filter(has_text="Recorded: related")).to_be_visible()
    expect(page.get_by_role("button", name="Undo this decision")).to_be_visible()
    logout(page)

    # Both focal points are told, each with the other's contact, by e-mail and in the Hub.
    mine = latest_email(live_server.outbox, AUTHOR, "Please coordinate")
    theirs = latest_email(live_server.outbox, OTHER, "Please coordinate")
    assert OTHER in email_text(mine) and title in mine["Subject"] and len(mine["Subject"]) <= 90
    assert AUTHOR in email_text(theirs) and EXISTING in theirs["Subject"]
    # A reply reaches the other side's focal point.
    assert mine["Reply-To"].addresses[0].addr_spec == OTHER and theirs["Reply-To"].addresses[0].addr_spec == AUTHOR
    login_ok(page, AUTHOR, DEMO_PASSWORD)
    page.goto("/notifications")
    expect(page.locator("main")).to_contain_text(f"“{title}” and “{EXISTING}”")
