"""The news journey in Chromium: the secretariat posts news in English and gives it in French → a French
partner sees the French version on the home page → an English reader sees the English one.

(The newsletter preview step is walked in test_newsletter_journey.py.)"""
from __future__ import annotations

import uuid

from playwright.sync_api import Page, expect

from .test_journeys import ADMIN_EMAIL, DEMO_PASSWORD, FRENCH_MEMBER_EMAIL, login, login_ok, logout


def test_news_in_english_and_french(page: Page):
    tag = uuid.uuid4().hex[:8]
    english, french = f"Forum registration opens {tag}", f"Ouverture des inscriptions au Forum {tag}"

    # The secretariat writes the news in English; an empty text is refused next to its field.
    login_ok(page, ADMIN_EMAIL, DEMO_PASSWORD)
    page.goto("/news/new")
    page.get_by_label("Title").fill(english)
    page.get_by_label("Language it is written in").select_option("en")
    page.get_by_role("button", name="Publish").click()
    expect(page.locator("#error-summary")).to_contain_text("Write the news.")
    page.get_by_label("Text", exact=True).fill("Register for the **Partnership Forum** now.")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("status").filter(has_text="News published.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(english)

    # ... and gives it in French.
    page.get_by_role("link", name="Translate").click()
    page.get_by_role("main").get_by_label("Language", exact=True).select_option("fr")
    page.get_by_label("Title").fill(french)
    page.get_by_label("Text", exact=True).fill("Inscrivez-vous au **Forum des partenaires**.")
    page.get_by_role("button", name="Save translation").click()
    expect(page.get_by_role("status").filter(has_text="Translation saved.")).to_be_visible()
    logout(page)

    # A French partner sees the French version on the home page and on the post, marked as French.
    # (the account the language test signs in in French: French is its language whatever the order)
    login(page, FRENCH_MEMBER_EMAIL, DEMO_PASSWORD)
    page.goto("/")
    if page.locator("html").get_attribute("lang") != "fr":  # the footer switcher, in whichever language
        page.locator("#lang-switch").select_option("fr")
        page.locator("footer form button[type=submit]").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("link", name=french)).to_be_visible()
    expect(page.get_by_role("link", name=english)).to_have_count(0)
    page.get_by_role("link", name=french).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(french)
    expect(page.get_by_text("Inscrivez-vous au")).to_be_visible()

    # An English reader sees the English one, with a link to the French.
    page.context.clear_cookies()
    page.goto("/")
    expect(page.get_by_role("link", name=english)).to_be_visible()
    page.get_by_role("link", name=english).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(english)
    expect(page.locator('a[hreflang="fr"]')).to_be_visible()
