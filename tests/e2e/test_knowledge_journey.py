"""The knowledge journey in Chromium: a partner submits a resource → a curator publishes it → the global
search finds it with a highlighted snippet → it is on its country page, next to that country's pledges."""
from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect

from .test_journeys import DEMO_PASSWORD, assert_no_axe_violations, login_ok, logout

PARTNER = "focal@ncatip.example.org"   # a focal point of a national commission (demo data); no other e2e test uses it
CURATOR = "focal@ilsr.example.org"     # the library's curator (demo data)
RELOADS = 50                           # the worker re-indexes within moments (it polls every 100 ms here)


def reload_until_found(page: Page, hit) -> None:
    """Reload the results until ``hit`` is there: the worker, not the request, re-indexes what was saved.
    Bounded by a number of page loads, not by a sleep."""
    for _ in range(RELOADS):
        if hit.count() == 1:
            return
        page.reload()
    expect(hit).to_have_count(1)


def test_submit_curate_find_and_see_it_on_the_country_page(page: Page):
    tag = uuid.uuid4().hex[:8]
    title = f"Brick kiln bondage survey {tag}"

    # A partner submits a resource about Ghana, as a link; a wrong address is refused next to its field.
    login_ok(page, PARTNER, DEMO_PASSWORD)
    page.goto("/library/")
    page.get_by_role("link", name="Add a resource").click()
    page.get_by_label("Title").fill(title)
    page.get_by_label("Type of resource").select_option("research")
    page.get_by_label("Summary").fill(f"Families in debt bondage at brick kilns: the {tag} findings on children "
                                      "working beside their parents.")
    page.get_by_label("Or a link to it").fill("ftp://example.org/kilns")
    page.get_by_label("Forced labour", exact=True).check()
    page.get_by_role("group", name="Countries it is about").get_by_label("Ghana", exact=True).check()
    page.get_by_label("Year of publication").fill("2025")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Submit the resource").click()
    expect(page.locator("#error-summary")).to_contain_text("Give a web address starting with https://")
    expect(page.get_by_label("Title")).to_have_value(title)
    page.get_by_label("Or a link to it").fill("https://resources.example.org/kilns")
    page.get_by_role("button", name="Submit the resource").click()
    expect(page.get_by_role("status").filter(has_text="the resource was submitted")).to_be_visible()
    resource_url = page.url
    logout(page)

    # Not public yet: the search does not find it.
    page.goto(f"/search?q={tag}")
    expect(page.get_by_text("0 results")).to_be_visible()

    # The curator publishes it from the queue.
    login_ok(page, CURATOR, DEMO_PASSWORD)
    page.goto("/library/review")
    assert_no_axe_violations(page)
    page.get_by_role("link", name=title).click()
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("status").filter(has_text="published in the library")).to_be_visible()
    logout(page)

    # Anyone finds it through the search box in the header, with the words highlighted in its snippet.
    page.goto("/")
    page.get_by_role("searchbox", name="Search the Hub").fill(f"kiln {tag}")
    page.get_by_role("searchbox", name="Search the Hub").press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?q=kiln"))
    hit = page.locator(".search-hit").filter(has_text=title)
    reload_until_found(page, hit)
    expect(hit.locator(".search-snippet mark").filter(has_text=tag)).to_be_visible()
    expect(hit.locator("mark").filter(has_text="kiln").first).to_be_visible()
    assert_no_axe_violations(page)
    hit.get_by_role("link", name=title).click()
    expect(page).to_have_url(resource_url)

    # It is on Ghana's page, next to Ghana's pledges with their traffic lights.
    page.get_by_role("link", name="Ghana").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ghana")
    resources = page.locator("#resources")
    expect(resources.get_by_role("link", name=title)).to_be_visible()
    pledges = page.locator("#pledges")
    expect(pledges.locator(".country-pledge").first).to_be_visible()
    expect(pledges.locator(".traffic-light").first).to_be_visible()
    expect(page.locator("#indicators")).to_contain_text("Illustrative values, not official statistics")
    assert page.evaluate("() => Object.keys(window.Chart.instances || {}).length") >= 1
    assert_no_axe_violations(page)

    # The dashboard's map links Ghana to the same page.
    page.goto("/dashboard")
    expect(page.locator('.world-map [data-country="GHA"]')).to_have_count(1)
    assert_no_axe_violations(page)
