"""Guests in Chromium (issue 16): a convener invites someone without a Hub account by e-mail address; the
guest opens the personal link of their e-mail (in French) without signing in, on a page in French, reads the
times in a zone they choose, answers; the convener sees the guest's answers in the grid, marked as a guest.

Account: focal@imsa.example.org, the demo convener of Migration (the overlap step signs in as it too, for
pledges only); the poll is its own (a new title each run), with focal@seafm (no other browser test uses it),
who is not signed in here.
"""
from __future__ import annotations

import uuid
from datetime import date, timedelta

from playwright.sync_api import Page, expect

from .conftest import email_text, first_url, latest_email
from .test_journeys import DEMO_PASSWORD, assert_no_axe_violations, login_ok, logout

CONVENER = "focal@imsa.example.org"
MEMBER = "focal@seafm.example.org"


def test_a_guest_answers_through_the_link_of_their_email_and_the_convener_sees_it(page: Page, live_server):
    tag = uuid.uuid4().hex[:6]
    title = f"Recruitment fees with guests {tag}"
    guest = f"guest-{tag}@outside.example"
    day = date.today() + timedelta(days=15)

    login_ok(page, CONVENER, DEMO_PASSWORD)
    page.goto("/forums/consultations/new")
    page.get_by_label("Title").fill(title)
    page.get_by_label("Who is invited").select_option("people")
    page.get_by_label("Invite people by e-mail").fill(MEMBER)
    page.get_by_label("Time zone of the slots").select_option("Europe/Zurich")
    for n, at in enumerate(("09:00", "16:00")):
        page.locator(f"#slots-{n}-day").fill(day.isoformat())
        page.locator(f"#slots-{n}-time").fill(at)
    page.locator("#deadline_on").fill((date.today() + timedelta(days=5)).isoformat())
    page.locator("#deadline_time").fill("12:00")
    page.get_by_role("button", name="Create and send the invitations").click()
    expect(page.get_by_role("status").filter(has_text="invitations were sent")).to_be_visible()
    consultation_url = page.url

    # A mistake first: shown by the field, with what was typed kept.
    form = page.locator("#guest-form")
    form.get_by_label("Guest's name").fill("Amina Outside")
    form.get_by_label("Guest's e-mail address").fill(f"guest-{tag}@@outside")
    form.get_by_label("Language of the guest's e-mails").select_option("fr")
    form.get_by_role("button", name="Invite the guest").click()
    form = page.locator("#guest-form")
    expect(form.get_by_text("Enter an e-mail address such as name@example.org.").first).to_be_visible()
    expect(form.get_by_label("Guest's name")).to_have_value("Amina Outside")
    expect(form.get_by_label("Language of the guest's e-mails")).to_have_value("fr")
    assert_no_axe_violations(page)
    form.get_by_label("Guest's e-mail address").fill(guest)
    form.get_by_role("button", name="Invite the guest").click()
    expect(page.get_by_role("status").filter(has_text="Amina Outside was invited as a guest")).to_be_visible()
    expect(page.locator("#invitee-list")).to_contain_text(f"Amina Outside (guest) <{guest}>")
    logout(page)

    # The guest's e-mail is in French; its first link is their personal link.
    mail = latest_email(live_server.outbox, guest, title)
    assert mail["Subject"].startswith("Vos disponibilités") and "Bonjour Amina Outside," in email_text(mail)
    link = first_url(mail)
    assert link.startswith(live_server.url + "/forums/c/")
    page.goto(link)
    # The page is in the guest's language (their browser asks for English: they did not choose it on the Hub).
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("status").filter(has_text="grâce à votre lien personnel")).to_be_visible()
    expect(page.get_by_text("Les horaires sont affichés dans le fuseau Europe/Zurich.")).to_be_visible()
    page.get_by_label("Afficher les horaires dans le fuseau").select_option("America/Sao_Paulo")
    page.get_by_role("button", name="Afficher", exact=True).click()
    expect(page.get_by_text("Les horaires sont affichés dans le fuseau America/Sao Paulo.")).to_be_visible()
    assert_no_axe_violations(page)
    answers = page.locator("#answer-form")
    answers.locator("fieldset").nth(0).get_by_label("Oui", exact=True).check()
    answers.locator("fieldset").nth(1).get_by_label("Non", exact=True).check()
    answers.get_by_label("Commentaire pour l'organisateur (facultatif)").fill("Morning works best for me.")
    answers.get_by_role("button", name="Enregistrer mes réponses").click()
    expect(page.get_by_role("status").filter(has_text="Vos réponses ont été enregistrées")).to_be_visible()
    # The link signed nobody in: the consultation's own page asks to sign in.
    page.goto(consultation_url)
    assert "/login" in page.url

    # The convener sees the guest's answers in the grid.
    login_ok(page, CONVENER, DEMO_PASSWORD)
    page.goto(consultation_url)
    row = page.locator(".poll-grid tbody tr").filter(has_text="Amina Outside (guest)")
    expect(row).to_contain_text(guest)
    expect(row).to_contain_text("America/Sao Paulo")
    expect(row.locator("td").nth(0)).to_contain_text("Yes")
    expect(row.locator("td").nth(1)).to_contain_text("No")
    expect(row.locator(".poll-comment")).to_have_text("Morning works best for me.")
    logout(page)
