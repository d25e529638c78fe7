"""Forms people can fill, in Chromium: the time-zone picker finds a zone by a city that is not its name, a long
country list narrows as one types, and a poll is answered with "Yes to all" and changed before the close.

Account: focal@efrb.example.org, a convener of Supply Chains in the demo data (invited to its open poll); no
other browser test signs in as it, and nothing it saves here is read by another test.
"""
from __future__ import annotations

from playwright.sync_api import Page, expect

from .test_journeys import DEMO_PASSWORD, assert_no_axe_violations, login_ok

PERSON = "focal@efrb.example.org"
POLL = "Due diligence guidance: next steps"  # app/forums/demo.py


def test_the_time_zone_picker_finds_geneva_and_the_country_list_narrows(page: Page, live_server):
    login_ok(page, PERSON, DEMO_PASSWORD)
    page.goto("/profile")
    zone = page.get_by_label("Time zone", exact=True)
    expect(zone.locator("optgroup[label='Europe']")).to_have_count(1)
    page.get_by_role("searchbox", name="Type to narrow the list").first.fill("Geneva")
    expect(zone).to_have_value("Europe/Zurich")
    expect(page.get_by_role("status").filter(has_text="Zurich")).to_be_visible()
    assert_no_axe_violations(page)

    page.goto("/pledges/new")
    countries = page.get_by_role("group", name="Countries", exact=True)
    countries.get_by_role("searchbox", name="Type to narrow the list").fill("ghan")
    expect(countries.get_by_label("Ghana", exact=True)).to_be_visible()
    expect(countries.get_by_label("Kenya", exact=True)).to_be_hidden()
    countries.get_by_label("Ghana", exact=True).check()
    # What was chosen stays listed when the filter changes.
    countries.get_by_role("searchbox", name="Type to narrow the list").fill("côte")
    expect(countries.get_by_label("Côte d’Ivoire", exact=True)).to_be_visible()
    expect(countries.locator(".picker-chosen")).to_have_text("Chosen: Ghana")
    assert_no_axe_violations(page)


def test_a_poll_is_answered_with_yes_to_all_and_changed_before_the_close(page: Page, live_server):
    login_ok(page, PERSON, DEMO_PASSWORD)
    page.goto("/forums/consultations")
    page.get_by_role("link", name=POLL).first.click()
    form = page.locator("#answer-form")
    form.get_by_role("button", name="Yes to all").click()
    expect(page.get_by_role("status").filter(has_text="Your answers were saved")).to_be_visible()
    slots = form.locator("fieldset")
    for n in range(slots.count()):
        expect(slots.nth(n).get_by_label("Yes", exact=True)).to_be_checked()
    expect(page.locator("#answered-note")).to_contain_text("You can change your answers until the poll closes")
    # Take one answer back, say "if need be" to another.
    slots.nth(0).get_by_label("No answer", exact=True).check()
    slots.nth(1).get_by_label("If need be", exact=True).check()
    form.get_by_role("button", name="Save my answers").click()
    expect(page.get_by_role("status").filter(has_text="Your answers were saved")).to_be_visible()
    expect(slots.nth(0).get_by_label("No answer", exact=True)).to_be_checked()
    expect(slots.nth(0).get_by_label("No", exact=True)).not_to_be_checked()
    expect(slots.nth(1).get_by_label("If need be", exact=True)).to_be_checked()
    assert_no_axe_violations(page)
