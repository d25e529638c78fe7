"""The newsletter journey in Chromium: the secretariat posts news in English and gives it in French → previews
the next newsletter in French and sees the French title, in English and sees the English one; a partner opts in
on the notification settings page."""
from __future__ import annotations

import uuid

from playwright.sync_api import Page, expect

from .test_journeys import ADMIN_EMAIL, DEMO_PASSWORD, FRENCH_MEMBER_EMAIL, login, login_ok, logout


def test_the_secretariat_previews_the_newsletter_in_french(page: Page):
    tag = uuid.uuid4().hex[:8]
    english, french = f"Pledging week {tag}", f"Semaine des engagements {tag}"

    login_ok(page, ADMIN_EMAIL, DEMO_PASSWORD)
    page.goto("/news/new")
    page.get_by_label("Title").fill(english)
    page.get_by_label("Language it is written in").select_option("en")
    page.get_by_label("Text", exact=True).fill("Bring your **pledges**.")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("status").filter(has_text="News published.")).to_be_visible()
    page.get_by_role("link", name="Translate").click()
    page.get_by_role("main").get_by_label("Language", exact=True).select_option("fr")
    page.get_by_label("Title").fill(french)
    page.get_by_label("Text", exact=True).fill("Apportez vos **engagements**.")
    page.get_by_role("button", name="Save translation").click()
    expect(page.get_by_role("status").filter(has_text="Translation saved.")).to_be_visible()

    # The newsletter page links to a preview in each language.
    page.goto("/admin/newsletter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Newsletter")
    page.get_by_role("link", name="Français").click()
    preview = page.locator('section[lang="fr"]')
    expect(preview).to_contain_text(french)
    expect(preview).to_contain_text("Apportez vos engagements.")
    expect(preview).not_to_contain_text(english)
    expect(preview).to_contain_text("Lettre d'information du Hub de l'Alliance 8.7")

    page.get_by_role("link", name="English").click()
    preview = page.locator('section[lang="en"]')
    expect(preview).to_contain_text(english)
    expect(preview).not_to_contain_text(french)
    logout(page)

    # A partner opts in on their notification settings (and the choice stays ticked).
    login(page, FRENCH_MEMBER_EMAIL, DEMO_PASSWORD)
    page.goto("/notifications/preferences")
    box = page.locator("input[name=newsletter]")
    box.check()
    page.locator("main form button[type=submit]").click()
    expect(page.locator("input[name=newsletter]")).to_be_checked()
    page.locator("input[name=newsletter]").uncheck()
    page.locator("main form button[type=submit]").click()
    expect(page.locator("input[name=newsletter]")).not_to_be_checked()
