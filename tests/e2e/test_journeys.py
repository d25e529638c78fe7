"""Journeys through the real app in Chromium: applying, approval, sign-in, passwords, accessibility."""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect

from .a11y import axe_violations, format_violations
from .conftest import email_text, first_url, latest_email

DEMO_PASSWORD = "hub-demo-2026!"  # app/demo_data.py
ADMIN_EMAIL = "admin@hub.example.org"
FOCAL_EMAIL = "focal@mlswr.example.org"
MEMBER_EMAIL = "member@mlswr.example.org"
FRENCH_MEMBER_EMAIL = "member@std.example.org"
# The password-reset journey changes this account's password on the shared live server: no other test uses it.
RESET_EMAIL = "focal@irle.example.org"


@dataclass(frozen=True)
class Applicant:
    org_name: str
    full_name: str
    email: str
    password: str


def new_applicant(label: str) -> Applicant:
    tag = uuid.uuid4().hex[:8]
    return Applicant(org_name=f"E2E {label} Trust {tag}", full_name=f"Wanjiru {label} {tag}",
                     email=f"{label.lower()}-{tag}@e2e.example.org", password=f"Long rains over Nyeri {tag}")


# -- helpers --------------------------------------------------------------------------------------------
def login(page: Page, email: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()


def login_ok(page: Page, email: str, password: str) -> None:
    login(page, email, password)
    expect(page.get_by_role("status").filter(has_text="Welcome,")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")


def logout(page: Page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status").filter(has_text="You are signed out.")).to_be_visible()


def fill_organisation_form(page: Page, who: Applicant, *, confirm: str | None = None) -> None:
    page.get_by_label("Organisation name").fill(who.org_name)
    page.get_by_label("Acronym").fill("E2E")
    page.get_by_label("Stakeholder type").select_option("civil_society")
    page.get_by_label("Headquarters country").select_option("KEN")
    page.get_by_label("Website").fill("https://e2e.example.org")
    page.get_by_label("Short description").fill("Works on **child labour** in Kenya.")
    page.get_by_label("Your full name").fill(who.full_name)
    page.get_by_label("Job title").fill("Programme lead")
    page.get_by_label("E-mail address").fill(who.email)
    page.get_by_label("Time zone").select_option("Europe/London")
    page.get_by_label("Preferred language").select_option("en")
    page.get_by_label("Password", exact=True).fill(who.password)
    page.get_by_label("Repeat the password").fill(who.password if confirm is None else confirm)


def submit_application(page: Page) -> None:
    page.get_by_role("button", name="Send the application").click()


def apply_for_organisation(page: Page, who: Applicant) -> None:
    page.goto("/apply")
    page.get_by_role("link", name="Register an organisation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Register an organisation")
    fill_organisation_form(page, who)
    submit_application(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you, your application was sent")


def open_secretariat_queue(page: Page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Secretariat", exact=True).click()
    expect(page.get_by_role("heading", name="New organisations")).to_be_visible()


def queued_organisation(page: Page, org_name: str):
    card = page.locator(".card").filter(has=page.get_by_role("heading", name=re.compile(re.escape(org_name))))
    expect(card).to_have_count(1)
    return card


def definition(page: Page, term: str):
    """The <dd> that follows the <dt> with this text on a description-list page."""
    return page.locator("dt", has_text=re.compile(f"^{re.escape(term)}$")).locator("xpath=following-sibling::dd[1]")


def assert_no_axe_violations(page: Page) -> None:
    violations = axe_violations(page)
    assert not violations, f"axe found WCAG violations on {page.url}:\n{format_violations(violations)}"


# -- journeys -------------------------------------------------------------------------------------------
def test_apply_approve_sign_in_and_edit_profile(page: Page, live_server):
    who = new_applicant("Approved")
    apply_for_organisation(page, who)
    received = latest_email(live_server.outbox, who.email, "We received your application")
    assert who.org_name in email_text(received)

    login_ok(page, ADMIN_EMAIL, DEMO_PASSWORD)
    open_secretariat_queue(page)
    queued_organisation(page, who.org_name).get_by_role("button", name="Approve").click()
    expect(page.get_by_role("status").filter(has_text=f"{who.org_name} was approved.")).to_be_visible()
    expect(page.locator(".card").filter(has_text=who.org_name)).to_have_count(0)
    logout(page)

    approved = latest_email(live_server.outbox, who.email, "Welcome to the Alliance 8.7 Hub")
    assert first_url(approved).endswith("/login")
    login_ok(page, who.email, who.password)
    expect(definition(page, "Status")).to_have_text("Active")
    expect(definition(page, "Time zone")).to_have_text("Europe/London")

    page.get_by_role("link", name="Edit your profile").click()
    page.get_by_label("Job title").fill("Director of programmes")
    page.get_by_label("Time zone").select_option("Africa/Nairobi")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="Your profile was saved.")).to_be_visible()
    expect(page.get_by_label("Job title")).to_have_value("Director of programmes")

    page.get_by_role("navigation", name="Main").get_by_role("link", name=who.full_name).click()
    expect(definition(page, "Time zone")).to_have_text("Africa/Nairobi")


def test_password_reset_through_the_emailed_link(page: Page, live_server):
    new_password = f"Harmattan wind {uuid.uuid4().hex[:8]}"
    page.goto("/login")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("E-mail address").fill(RESET_EMAIL)
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("status").filter(has_text="we have sent it a link")).to_be_visible()

    reset_link = first_url(latest_email(live_server.outbox, RESET_EMAIL, "Reset your Alliance 8.7 Hub password"))
    assert reset_link.startswith(live_server.url + "/password/reset/")
    page.goto(reset_link)
    page.get_by_label("Password", exact=True).fill(new_password)
    page.get_by_label("Repeat the password").fill(new_password)
    page.get_by_role("button", name="Save the new password").click()
    expect(page.get_by_role("status").filter(has_text="Your password was changed.")).to_be_visible()

    login_ok(page, RESET_EMAIL, new_password)

    response = page.goto(reset_link)
    assert response is not None and response.status == 400
    expect(page.get_by_role("main")).to_contain_text("This link has already been used")


def test_bad_input_keeps_what_the_user_typed(page: Page):
    who = new_applicant("Typo")
    page.goto("/apply/organisation")
    fill_organisation_form(page, who, confirm=who.password + " not the same")
    submit_application(page)

    confirm = page.get_by_label("Repeat the password")
    expect(confirm).to_have_attribute("aria-invalid", "true")
    expect(confirm).to_have_attribute("aria-describedby", re.compile(r"\bconfirm-error\b"))
    # The message sits in the field's own group, right under it.
    expect(confirm.locator("xpath=..").locator("#confirm-error")).to_have_text(
        "The two passwords are not the same.")
    expect(page.get_by_role("alert")).to_contain_text("Repeat the password")

    expect(page.get_by_label("Organisation name")).to_have_value(who.org_name)
    expect(page.get_by_label("E-mail address")).to_have_value(who.email)
    expect(page.get_by_label("Headquarters country")).to_have_value("KEN")
    expect(page.get_by_label("Password", exact=True)).to_have_value("")
    expect(confirm).to_have_value("")


def test_declined_application(page: Page, live_server):
    who = new_applicant("Declined")
    reason = f"We could not verify the organisation's registration ({uuid.uuid4().hex[:6]})."
    apply_for_organisation(page, who)

    login_ok(page, ADMIN_EMAIL, DEMO_PASSWORD)
    open_secretariat_queue(page)
    card = queued_organisation(page, who.org_name)
    card.get_by_label("Reason (sent to the person)").fill(reason)
    card.get_by_role("button", name="Decline").click()
    expect(page.get_by_role("status").filter(has_text=f"{who.org_name} was declined")).to_be_visible()
    logout(page)

    declined = latest_email(live_server.outbox, who.email, "Your application to the Alliance 8.7 Hub")
    assert reason in email_text(declined)

    login(page, who.email, who.password)
    expect(page.get_by_role("alert")).to_contain_text("declined")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")


@pytest.mark.parametrize("path", ["/", "/login"])
def test_no_horizontal_scroll_at_360_px(page: Page, path: str):
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(path)
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 360, f"{path} is {scroll_width} px wide at a 360 px viewport"


def test_csrf_token_is_required_in_a_real_browser(page: Page):
    response = page.request.post("/login", form={"email": FOCAL_EMAIL, "password": DEMO_PASSWORD},
                                 max_redirects=0)
    assert response.status == 400
    page.goto("/account")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Faccount$"))


# -- accessibility --------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/", "/organisations", "/login", "/apply/organisation"])
def test_public_pages_have_no_wcag_violations(page: Page, path: str):
    page.goto(path)
    assert_no_axe_violations(page)


def test_organisation_form_with_errors_has_no_wcag_violations(page: Page):
    page.goto("/apply/organisation")
    submit_application(page)
    expect(page.get_by_role("alert")).to_contain_text("Please correct the following")
    assert_no_axe_violations(page)


def test_organisation_page_has_no_wcag_violations(page: Page):
    page.goto("/organisations")
    page.get_by_role("main").get_by_role("listitem").first.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/organisations/\d+$"))
    assert_no_axe_violations(page)


@pytest.mark.parametrize("path", ["/admin/", "/admin/users"])
def test_admin_pages_have_no_wcag_violations(page: Page, path: str):
    login_ok(page, ADMIN_EMAIL, DEMO_PASSWORD)
    page.goto(path)
    expect(page.get_by_role("heading", level=1)).to_have_text("Secretariat")
    assert_no_axe_violations(page)


def test_axe_catches_a_broken_page(page: Page):
    # Guards the checks above: an axe that failed to load or run must not pass them silently.
    page.set_content("<html><body><img src='x.png'><input type='text'></body></html>")
    ids = {v["id"] for v in axe_violations(page)}
    assert {"image-alt", "label", "html-has-lang", "document-title"} <= ids


# -- languages ------------------------------------------------------------------------------------------
def test_switch_to_french_on_the_home_page_and_sign_in_in_french(page: Page):
    """The footer switcher works without JavaScript, is remembered, and the whole sign-in follows."""
    page.goto("/")
    footer = page.get_by_role("contentinfo")
    footer.get_by_label("Language").select_option("fr")
    footer.get_by_role("button", name="Change").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("link", name="Parcourir les partenaires")).to_be_visible()
    page.goto("/login")  # remembered by the cookie on the next page
    expect(page.get_by_role("heading", level=1)).to_have_text("Se connecter")
    # Signing in in French makes French this account's language: an account no other browser test uses
    # (the forums journey signs member@mlswr in and expects English, in whatever order the tests run).
    page.get_by_label("Adresse e-mail").fill(FRENCH_MEMBER_EMAIL)
    page.get_by_label("Mot de passe").fill("not the password at all")
    page.get_by_role("main").get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("alert")).to_contain_text("L'adresse e-mail ou le mot de passe est incorrect")
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Votre compte")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
