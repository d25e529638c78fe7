"""The overlap step never hides a validation error, and never asks twice about what the live panel showed.

Nothing here depends on timing. "Before the panel answered" is made certain by refusing the panel's
questions (as a slow network would leave them unanswered); "after" is the panel's own ``data-state``.
"""
from __future__ import annotations

import uuid
from datetime import date, timedelta

from playwright.sync_api import Page, expect

from .conftest import complete_cocoa_pledge, panel_answered
from .test_journeys import DEMO_PASSWORD, login_ok

AUTHOR = "focal@dwun.example.org"       # an English-speaking focal point no other browser test signs in as
CONVENER = "focal@imsa.example.org"     # convenes Migration in the demo data (no other browser test uses it)
EXISTING = "Child labour monitoring and remediation for 50,000 cocoa farmers"  # another organisation's pledge
COCOA = ("Community facilitators visit cocoa farmers' households, find children in hazardous work and give each "
         "child remediation support: a child labour monitoring and remediation system.")


PANEL_QUESTIONS = "**/overlaps/check**"


def panel_unanswered(page: Page) -> None:
    """From now on the panel's questions get no answer: whatever is submitted, the panel showed nothing."""
    page.route(PANEL_QUESTIONS, lambda route: route.abort())


def panel_back(page: Page) -> None:
    page.unroute(PANEL_QUESTIONS)


def test_an_invalid_pledge_submitted_at_once_shows_its_errors_not_the_compare_step(page: Page):
    login_ok(page, AUTHOR, DEMO_PASSWORD)
    panel_unanswered(page)
    page.goto("/pledges/new")
    title = f"Child labour monitoring for cocoa farming households {uuid.uuid4().hex[:6]}"
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("What will be done").fill(COCOA)
    page.get_by_role("group", name="Countries", exact=True).get_by_label("Côte d’Ivoire", exact=True).check()
    page.get_by_role("group", name="Countries", exact=True).get_by_label("Ghana", exact=True).check()
    page.get_by_label("Child labour", exact=True).check()
    # Before the panel answered: no indicator, no dates, no deliverable.
    page.get_by_role("button", name="Save and submit for review").click()
    summary = page.locator("#error-summary")
    expect(summary).to_contain_text("Measurable: add at least one indicator")
    expect(summary).to_contain_text("Time-bound: give a start date.")
    expect(page.locator("#compare-step")).to_have_count(0)
    expect(page.get_by_label("Title", exact=True)).to_have_value(title)

    # Fixed, once the panel has shown the matches: saved with one click, no compare step.
    panel_back(page)
    start = date.today() - timedelta(days=30)
    complete_cocoa_pledge(page, start)
    panel_answered(page)
    expect(page.locator("#overlaps-panel li.overlap-match").filter(has_text=EXISTING)).to_be_visible()
    page.get_by_role("button", name="Save and submit for review").click()
    expect(page.get_by_role("status").filter(has_text="The pledge was submitted")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text(title)


def test_a_work_item_saves_with_one_save_and_an_invalid_one_shows_its_error(page: Page):
    login_ok(page, CONVENER, DEMO_PASSWORD)
    panel_unanswered(page)
    page.goto("/actiongroups/migration/workplan/new")
    title = f"Cocoa child labour monitoring and remediation {uuid.uuid4().hex[:6]}"
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("Description").fill(COCOA)
    page.get_by_role("group", name="Countries", exact=True).get_by_label("Côte d’Ivoire", exact=True).check()
    page.get_by_role("group", name="Countries", exact=True).get_by_label("Ghana", exact=True).check()
    page.get_by_label("Start date").fill("2027-06-01")
    page.get_by_label("Due date").fill("2027-01-01")
    # Before the panel answered: the date error, not the compare step.
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#error-summary")).to_contain_text("The due date cannot be before the start date.")
    expect(page.locator("#compare-step")).to_have_count(0)

    panel_back(page)
    page.get_by_label("Due date").fill("2027-12-31")
    panel_answered(page)
    expect(page.locator("#overlaps-panel li.overlap-match").filter(has_text=EXISTING)).to_be_visible()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="The work item was added.")).to_be_visible()
    expect(page.get_by_role("heading", name=title)).to_be_visible()
