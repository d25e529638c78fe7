"""The secretariat imports a small IATI file from the browser: the upload, the progress page that follows the
worker until the import is done, and the record-by-record summary; a file that is not IATI is refused at once."""
from __future__ import annotations

import uuid

from playwright.sync_api import Page, expect

from .conftest import PAGE_TIMEOUT_MS
from .test_journeys import ADMIN_EMAIL, DEMO_PASSWORD, assert_no_axe_violations, login_ok, logout

# The worker polls every 100 ms; the progress page reloads itself every 3 s: an upper bound, not a wait.
DONE_TIMEOUT_MS = 4 * PAGE_TIMEOUT_MS


def iati_file(tag: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<iati-activities version="2.03" xml:lang="en">
  <iati-activity last-updated-datetime="2026-01-05T00:00:00Z">
    <iati-identifier>XM-E2E-{tag}-1</iati-identifier>
    <reporting-org ref="XM-E2E"><narrative>Browser Test Donor</narrative></reporting-org>
    <title><narrative>Ending forced labour in brick kilns {tag}</narrative></title>
    <description type="1"><narrative>Inspections and legal aid for bonded labour in brick kilns.</narrative></description>
    <recipient-country code="NP"/>
  </iati-activity>
  <iati-activity>
    <iati-identifier>XM-E2E-{tag}-2</iati-identifier>
  </iati-activity>
</iati-activities>
""".encode()


def open_imports(page: Page) -> None:
    page.goto("/admin/")
    page.get_by_role("navigation", name="Secretariat").get_by_role("link", name="Import activities").click()
    expect(page.get_by_role("heading", name="Import activities")).to_be_visible()


def test_the_secretariat_uploads_an_iati_file_and_follows_it_to_the_summary(page: Page, live_server):
    tag = uuid.uuid4().hex[:6]
    login_ok(page, ADMIN_EMAIL, DEMO_PASSWORD)
    open_imports(page)
    assert_no_axe_violations(page)
    page.get_by_label("File of activities").set_input_files(
        files=[{"name": f"kilns-{tag}.xml", "mimeType": "application/xml", "buffer": iati_file(tag)}])
    page.get_by_role("button", name="Upload and import").click()

    # The progress page follows the worker: it reloads itself until the import is done.
    expect(page.get_by_role("heading", name=f"Import of kilns-{tag}.xml")).to_be_visible()
    state = page.locator("#import-state [data-state]")
    expect(state).to_have_attribute("data-state", "done", timeout=DONE_TIMEOUT_MS)
    expect(page.get_by_role("status").filter(has_text="Done")).to_be_visible()
    expect(page.locator('[data-count="created"]')).to_have_text("1")
    expect(page.locator('[data-count="skipped"]')).to_have_text("1")
    rows = page.get_by_role("table").locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Skipped")            # what needs a look comes first, with its reason
    expect(rows.nth(0)).to_contain_text("no title")
    expect(rows.nth(1)).to_contain_text(f"XM-E2E-{tag}-1")
    expect(rows.nth(1)).to_contain_text("Created")
    expect(page.get_by_role("link", name="Reload now")).to_have_count(0)
    assert_no_axe_violations(page)

    # The activity is in the registry of external activities.
    page.goto(f"/activities/?q=kilns+{tag}")
    expect(page.get_by_role("link", name=f"Ending forced labour in brick kilns {tag}")).to_be_visible()

    # The list of imports and the audit log name it.
    open_imports(page)
    expect(page.get_by_role("link", name=f"kilns-{tag}.xml")).to_be_visible()
    page.goto("/admin/audit?action=import.queued")
    expect(page.get_by_role("link", name=f"kilns-{tag}.xml")).to_be_visible()
    expect(page.get_by_role("cell", name="Uploaded a file of activities to import").first).to_be_visible()
    logout(page)


def test_a_file_that_is_not_iati_is_refused_next_to_the_field(page: Page, live_server):
    login_ok(page, ADMIN_EMAIL, DEMO_PASSWORD)
    open_imports(page)
    page.get_by_label("File of activities").set_input_files(
        files=[{"name": "page.xml", "mimeType": "application/xml",
                "buffer": b"<?xml version='1.0'?><html><body>Hello</body></html>"}])
    page.get_by_role("button", name="Upload and import").click()
    field = page.get_by_label("File of activities")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#file-error")).to_contain_text("not an IATI activity file")
    assert_no_axe_violations(page)


def test_the_import_pages_fit_a_phone(page: Page, live_server):
    login_ok(page, ADMIN_EMAIL, DEMO_PASSWORD)
    page.set_viewport_size({"width": 360, "height": 740})
    for path in ("/admin/imports", "/admin/audit"):
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"{path} is {width} px wide at a 360 px viewport"
