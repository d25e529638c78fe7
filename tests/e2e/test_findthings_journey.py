"""Finding things in Chromium: the search finds places and respells a typo; on a 360 px phone every main page
keeps its navigation collapsed behind "Menu" (no script needed) and never scrolls sideways."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .conftest import PAGE_TIMEOUT_MS
from .test_journeys import (
    ADMIN_EMAIL, DEMO_PASSWORD, apply_for_organisation, assert_no_axe_violations, login_ok, logout, new_applicant,
    open_secretariat_queue, queued_organisation,
)

# A member of the demo data whom no other browser test signs in as (this test only reads pages).
READER = "member@cfc.example.org"
PUBLIC_PAGES = ["/", "/organisations", "/actiongroups/", "/pledges/", "/pledges/?country=GHA", "/forums/",
                "/library/", "/dashboard", "/overlaps/gaps", "/countries/", "/countries/GHA", "/search?q=Ghana",
                "/activities/", "/login", "/apply"]
SIGNED_IN_PAGES = ["/account", "/pledges/mine", "/notifications", "/library/mine"]


def test_the_search_finds_places_and_respells_a_typo(page: Page):
    page.goto("/")
    box = page.get_by_role("navigation", name="Main").get_by_role("searchbox", name="Search the Hub")
    box.fill("Ghana")
    box.press("Enter")
    first = page.locator(".search-hit").first
    expect(first).to_have_attribute("data-kind", "country")
    expect(first.get_by_role("link", name="Ghana")).to_have_attribute("href", "/countries/GHA")
    expect(page.locator('.search-hit[data-kind="pledge"]').first).to_be_visible()  # pledges about Ghana too
    assert "**" not in page.locator(".search-results").inner_text()
    assert_no_axe_violations(page)

    for q in ("ivoire", "côte d'ivoire"):
        page.goto(f"/search?q={q}")
        expect(page.locator(".search-hit").first.get_by_role("link")).to_have_attribute("href", "/countries/CIV")

    page.goto("/search?q=cocao")
    expect(page.get_by_text("0 results")).to_be_visible()
    page.locator(".search-suggestion").get_by_role("link", name="cocoa").click()
    expect(page.locator(".search-hit").first).to_be_visible()
    expect(page.get_by_role("searchbox", name="Words to find", exact=False)).to_have_value("cocoa")


def _check_narrow(page: Page, url: str) -> None:
    page.goto(url)
    nav = page.get_by_role("navigation", name="Main")
    menu = nav.locator("#nav-menu")
    expect(menu).to_be_hidden()
    width = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert width[0] <= width[1], f"{url} scrolls sideways at 360 px: {width[0]} > {width[1]}"
    # The header takes little of the first screen while the menu is closed.
    assert nav.bounding_box()["height"] < 120, url
    nav.get_by_text("Menu").click()
    expect(nav.get_by_role("link", name="Pledges", exact=True)).to_be_visible()
    expect(nav.get_by_role("searchbox", name="Search the Hub")).to_be_visible()
    width = page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    assert width, f"{url} scrolls sideways at 360 px with the menu open"


@pytest.fixture
def phone(browser, live_server):
    # Without JavaScript: the menu must open with CSS alone.
    context = browser.new_context(base_url=live_server.url, viewport={"width": 360, "height": 740},
                                  locale="en-GB", java_script_enabled=False)
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    phone = context.new_page()
    yield phone
    context.close()


def _first_link(page: Page, list_url: str, pattern: str) -> str:
    """The address of the first link on ``list_url`` whose address matches ``pattern`` (a detail page)."""
    page.goto(list_url)
    links = page.locator("main a[href]")
    hrefs = [links.nth(i).get_attribute("href") for i in range(min(links.count(), 80))]
    found = next((h for h in hrefs if re.fullmatch(pattern, h or "")), None)
    assert found, f"no link like {pattern} on {list_url}"
    return found


def test_every_main_page_at_360_px_collapses_its_navigation_and_never_scrolls_sideways(phone: Page):
    details = [_first_link(phone, "/pledges/", r"/pledges/\d+"),
               _first_link(phone, "/actiongroups/", r"/actiongroups/[\w-]+"),
               _first_link(phone, "/library/", r"/library/\d+"), _first_link(phone, "/forums/", r"/forums/[\w-]+"),
               _first_link(phone, "/organisations", r"/organisations/\d+")]
    for url in PUBLIC_PAGES + details:
        _check_narrow(phone, url)
    phone.goto("/login")
    phone.get_by_label("E-mail address").fill(READER)
    phone.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    phone.get_by_role("main").get_by_role("button", name="Sign in").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Your account")
    for url in SIGNED_IN_PAGES:
        _check_narrow(phone, url)


def test_the_menu_opens_from_the_keyboard_on_a_phone(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 360, "height": 740}, locale="en-GB")
    page = context.new_page()
    try:
        page.goto("/")
        page.locator("#nav-toggle").focus()
        assert_no_axe_violations(page)
        page.keyboard.press("Space")
        expect(page.locator("#nav-menu").get_by_role("link", name="Library")).to_be_visible()
        assert_no_axe_violations(page)
        page.keyboard.press("Space")
        expect(page.locator("#nav-menu")).to_be_hidden()
    finally:
        context.close()


def test_an_organisation_page_and_the_getting_started_guide(page: Page):
    # A visitor: the home page says what is happening; an organisation's page lists what it does, no contacts.
    page.goto("/")
    happening = page.locator(".happening")
    expect(happening.get_by_role("heading", name="Newest pledges")).to_be_visible()
    expect(happening.locator('[data-item="pledge"]').first).to_be_visible()
    page.goto("/organisations")
    page.get_by_role("link", name="Children First Coalition (demo)").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Children First Coalition")
    pledges = page.locator("#org-pledges")
    expect(pledges.locator(".org-pledge").first).to_be_visible()
    expect(pledges.locator(".traffic-light").first).to_be_visible()
    expect(page.locator("#org-groups").get_by_role("link").first).to_be_visible()
    expect(page.locator("#org-focal-points")).to_contain_text("Partners who sign in see who to contact here.")
    expect(page.locator("#org-focal-points")).not_to_contain_text("@cfc.example.org")
    assert_no_axe_violations(page)
    org_url = page.url

    # A member of that organisation signs in: now the page shows its focal points.
    login_ok(page, READER, DEMO_PASSWORD)
    page.goto(org_url)
    expect(page.locator("#org-focal-points")).to_contain_text("focal@cfc.example.org")
    expect(page.locator(".next-steps")).to_have_count(0)       # (that is the home page's)
    page.goto("/")
    expect(page.locator(".next-steps")).to_be_visible()
    logout(page)


def test_a_new_partner_is_guided_until_they_hide_the_guide(page: Page, live_server):
    who = new_applicant("Guided")
    apply_for_organisation(page, who)      # with a description and a website: the profile step is done
    login_ok(page, ADMIN_EMAIL, DEMO_PASSWORD)
    open_secretariat_queue(page)
    queued_organisation(page, who.org_name).get_by_role("button", name="Approve").click()
    expect(page.get_by_role("status").filter(has_text=f"{who.org_name} was approved.")).to_be_visible()
    logout(page)

    login_ok(page, who.email, who.password)            # lands on the account page, with the guide
    guide = page.locator(".getting-started")
    expect(guide).to_contain_text("1 of 3 steps done.")
    expect(guide.locator('[data-step="profile"]')).to_have_attribute("data-done", "yes")
    expect(guide.locator('[data-step="group"]')).to_have_attribute("data-done", "no")
    expect(guide.locator('[data-step="pledge"]')).to_have_attribute("data-done", "no")
    assert_no_axe_violations(page)
    guide.get_by_role("link", name="Join an action group").click()
    expect(page).to_have_url(re.compile(r"/actiongroups/$"))

    # Their organisation's page says what to do where it has nothing yet.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My organisation").click()
    expect(page.locator("#org-pledges").get_by_role("link", name="Make a pledge")).to_be_visible()
    expect(page.locator("#org-groups").get_by_role("link", name="See the action groups")).to_be_visible()
    expect(page.locator("#org-focal-points")).to_contain_text(who.email)

    page.goto("/")
    expect(page.locator(".getting-started")).to_be_visible()
    expect(page.locator(".next-steps")).to_contain_text("Nothing is waiting for you")
    page.locator(".getting-started").get_by_role("button", name="Hide this guide").click()
    expect(page.get_by_role("status").filter(has_text="The guide is hidden.")).to_be_visible()
    expect(page.locator(".getting-started")).to_have_count(0)
    page.goto("/")
    expect(page.locator(".getting-started")).to_have_count(0)
