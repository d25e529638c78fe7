"""Evidence and split values in Chromium: a focal point reports a value split by sex, with a photo and a
link; the secretariat reviews the report and sees both, then approves it, and the pledge's table gives
the parts ("how many were girls")."""
from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.actiongroups.documents.conftest import PNG

from .conftest import PAGE_TIMEOUT_MS
from .test_journeys import ADMIN_EMAIL, DEMO_PASSWORD, assert_no_axe_violations, login_ok, logout
from .test_pledge_journey import AUTHOR, _fill_pledge


def _published_pledge(page: Page, title: str) -> str:
    """A pledge of the author's organisation, submitted and published; returns its URL."""
    login_ok(page, AUTHOR, DEMO_PASSWORD)
    page.goto("/pledges/new")
    _fill_pledge(page, title)
    page.locator("#indicators-0-name").fill("Children removed from work")
    page.locator("#indicators-0-unit").fill("children")
    page.locator("#indicators-0-baseline").fill("0")
    page.locator("#indicators-0-target").fill("200")
    # The overlaps panel has answered (as conftest.panel_answered, with room for a busy machine).
    expect(page.locator("#overlaps-panel")).to_have_attribute("data-state", "answered", timeout=PAGE_TIMEOUT_MS)
    page.get_by_role("button", name="Save and submit for review").click()
    expect(page.get_by_role("status").filter(has_text="The pledge was submitted")).to_be_visible()
    pledge_url = page.url
    logout(page)
    login_ok(page, ADMIN_EMAIL, DEMO_PASSWORD)
    page.goto(pledge_url)
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("status").filter(has_text="published in the public registry")).to_be_visible()
    logout(page)
    return pledge_url


@pytest.fixture
def patient_expect():
    """Assertions wait as long as page loads may take on a busy machine (then back to the default)."""
    expect.set_options(timeout=PAGE_TIMEOUT_MS)
    yield
    expect.set_options(timeout=5_000)


def test_focal_point_reports_a_split_value_with_a_photo_and_a_link(page: Page, patient_expect):
    tag = uuid.uuid4().hex[:6]
    pledge_url = _published_pledge(page, f"Children back to school {tag}")

    # The focal point starts a report; the parts by sex do not add up at first: said next to the field,
    # and everything typed is still there.
    login_ok(page, AUTHOR, DEMO_PASSWORD)
    page.goto(pledge_url)
    page.get_by_role("link", name=re.compile("progress report", re.I)).first.click()
    page.get_by_role("radio").first.check()
    page.get_by_role("button", name="Start the report").click()
    page.get_by_label("What was done in this period").fill("40 children left work on cocoa farms for school.")
    page.locator("input[name^='value_']").first.fill("40")
    page.get_by_label("Female (women and girls)").fill("22")
    page.get_by_label("Male (men and boys)").fill("10")
    page.get_by_role("button", name="Save as draft").click()
    expect(page.locator("#error-summary")).to_contain_text("add up to 32, not to the value 40")
    expect(page.get_by_label("Female (women and girls)")).to_have_value("22")
    expect(page.get_by_label("What was done in this period")).to_have_value(
        "40 children left work on cocoa farms for school.")
    assert_no_axe_violations(page)
    page.get_by_label("Male (men and boys)").fill("18")
    page.get_by_role("button", name="Save as draft").click()
    expect(page.get_by_role("status").filter(has_text="The draft is saved")).to_be_visible()
    report_url = page.url
    expect(page.get_by_text("Female (women and girls) 22")).to_be_visible()

    # A photo and a link, each with a caption.
    page.get_by_label("File", exact=True).set_input_files(
        {"name": "girls-class.png", "mimeType": "image/png", "buffer": PNG})
    page.locator("#file-caption").fill("Girls' class in Kumasi")
    page.get_by_role("button", name="Add the file").click()
    expect(page.get_by_role("status").filter(has_text="The file is added")).to_be_visible()
    page.get_by_label("Web address").fill("javascript:alert(1)")
    page.locator("#link-caption").fill("District news")
    page.get_by_role("button", name="Add the link").click()
    expect(page.locator("#link-url-error")).to_contain_text("https://")
    page.get_by_label("Web address").fill("https://example.org/news/kumasi-school")
    page.get_by_role("button", name="Add the link").click()
    expect(page.get_by_role("link", name="District news")).to_be_visible()
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_role("status").filter(has_text="The report is submitted")).to_be_visible()
    photo_href = page.get_by_role("link", name="Girls' class in Kumasi").get_attribute("href")
    logout(page)

    # A stranger cannot fetch the photo of a report not yet approved.
    assert page.request.get(photo_href).status == 404

    # The secretariat sees the split and both pieces of evidence, opens the photo, and approves.
    login_ok(page, ADMIN_EMAIL, DEMO_PASSWORD)
    page.goto(report_url)
    expect(page.get_by_text("Female (women and girls) 22")).to_be_visible()
    expect(page.get_by_role("link", name="District news")).to_have_attribute(
        "href", "https://example.org/news/kumasi-school")
    photo = page.request.get(photo_href)
    assert photo.status == 200 and photo.headers["content-type"] == "image/png" and photo.body() == PNG
    expect(page.get_by_role("button", name=re.compile("^Remove"))).to_have_count(0)
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Approve").click()
    logout(page)

    # Everyone now reads how many were girls under the indicator's chart.
    page.goto(pledge_url)
    table = page.locator("table").filter(has_text="Children removed from work").first
    expect(table.get_by_role("columnheader", name="Female (women and girls)")).to_be_visible()
    expect(table).to_contain_text("22")
    assert_no_axe_violations(page)
