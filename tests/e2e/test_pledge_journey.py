"""The pledge journey in Chromium: SMART form → review → registry → progress report → return → approve.

The live server runs on the demo data with the real clock, so the pledge starts eight months ago: its
first report (every six months) is then two months overdue, and the light is amber until one is approved.
"""
from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

from playwright.sync_api import Page, expect

from .conftest import panel_answered
from .test_journeys import ADMIN_EMAIL, DEMO_PASSWORD, assert_no_axe_violations, login_ok, logout

AUTHOR = "focal@mlswr.example.org"  # a focal point of the Ministry of Labour (demo data)


def _fill_pledge(page: Page, title: str) -> None:
    start = date.today() - timedelta(days=240)
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("What will be done").fill("Train 200 labour inspectors to find children working on farms.")
    page.get_by_label("How it contributes to target 8.7").fill(
        "Inspections take children out of hazardous work and back to school.")
    page.get_by_label("Child labour", exact=True).check()
    page.get_by_label("Type of action").select_option("programme_services")
    page.get_by_role("group", name="Countries", exact=True).get_by_label("Kenya", exact=True).check()
    page.get_by_label("Children aged 5–17").check()
    page.get_by_label("Start date").fill(start.isoformat())
    page.get_by_label("End date").fill((start + timedelta(days=730)).isoformat())
    page.locator("#deliverables-0-title").fill("Inspection manual")
    page.locator("#deliverables-0-due_date").fill((start + timedelta(days=300)).isoformat())
    page.get_by_label("Amount committed").fill("25000")
    page.get_by_label("Currency").select_option("USD")


def _light(page: Page):
    return page.locator(".traffic-light").first


def test_pledge_review_registry_report_and_traffic_light(page: Page):
    tag = uuid.uuid4().hex[:6]
    title = f"Farm inspections {tag}"

    # The author forgets the indicator: the SMART check says so next to the field, and keeps the rest
    # (whatever the overlaps panel is doing: a validation error always comes before the compare step).
    login_ok(page, AUTHOR, DEMO_PASSWORD)
    page.goto("/pledges/new")
    _fill_pledge(page, title)
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Save and submit for review").click()
    expect(page.locator("#error-summary")).to_contain_text("Measurable: add at least one indicator")
    expect(page.get_by_label("Title", exact=True)).to_have_value(title)

    # Fixed and submitted.
    page.locator("#indicators-0-name").fill("Inspectors trained")
    page.locator("#indicators-0-unit").fill("people")
    page.locator("#indicators-0-baseline").fill("0")
    page.locator("#indicators-0-target").fill("200")
    panel_answered(page)  # the panel has shown whatever looks like it: no compare step on saving
    page.get_by_role("button", name="Save and submit for review").click()
    expect(page.get_by_role("status").filter(has_text="The pledge was submitted")).to_be_visible()
    pledge_url = page.url
    logout(page)

    # The secretariat publishes it.
    login_ok(page, ADMIN_EMAIL, DEMO_PASSWORD)
    page.goto("/pledges/review")
    page.get_by_role("link", name=title).click()
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("status").filter(has_text="published in the public registry")).to_be_visible()
    logout(page)

    # It is in the public registry; its first report is overdue, so the light is amber.
    page.goto(f"/pledges/?q={tag}")
    expect(page.get_by_role("link", name=title)).to_be_visible()
    page.get_by_role("link", name=title).click()
    expect(_light(page)).to_have_attribute("data-light", "amber")
    expect(_light(page)).to_contain_text("has been due since")

    # The author reports progress.
    login_ok(page, AUTHOR, DEMO_PASSWORD)
    page.goto(pledge_url)
    page.get_by_role("link", name=re.compile("progress report", re.I)).first.click()
    page.get_by_role("radio").first.check()  # the first period, now overdue
    page.get_by_role("button", name="Start the report").click()
    page.get_by_label("What was done in this period").fill("We trained 80 inspectors in two provinces.")
    page.locator("input[name^='value_']").first.fill("80")
    page.get_by_role("button", name="Save and submit").click()
    expect(page.get_by_role("status").first).to_be_visible()
    report_url = page.url
    logout(page)

    # The secretariat returns it with a comment.
    login_ok(page, ADMIN_EMAIL, DEMO_PASSWORD)
    page.goto(report_url)
    page.get_by_label("What needs to change").fill("Say which provinces.")
    page.get_by_role("button", name="Return for revision").click()
    expect(page.get_by_text("Say which provinces.")).to_be_visible()
    logout(page)

    # The author revises and submits again.
    login_ok(page, AUTHOR, DEMO_PASSWORD)
    page.goto(report_url)
    expect(page.get_by_text("Say which provinces.")).to_be_visible()
    page.get_by_role("link", name=re.compile("Edit|Revise", re.I)).first.click()
    page.get_by_label("What was done in this period").fill("We trained 80 inspectors in Kisumu and Nakuru.")
    page.get_by_role("button", name="Save and submit").click()
    logout(page)

    # The secretariat approves.
    login_ok(page, ADMIN_EMAIL, DEMO_PASSWORD)
    page.goto(report_url)
    page.get_by_role("button", name="Approve").click()
    logout(page)

    # The chart and the light have moved: green, and the value 80 plotted against baseline 0 and target 200.
    page.goto(pledge_url)
    expect(_light(page)).to_have_attribute("data-light", "green")
    chart = page.locator("canvas").first
    expect(chart).to_be_visible()
    assert page.evaluate("() => typeof window.Chart === 'function'")
    assert page.evaluate("() => Object.keys(window.Chart.instances || {}).length") >= 1
    expect(page.locator("table").filter(has_text="Inspectors trained").first).to_contain_text("80")
    expect(page.get_by_text("Progress report approved").first).to_be_visible()
    assert_no_axe_violations(page)
