"""The action-group journey in Chromium: join, accept, discuss, share, reply, notify, protect."""
from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect

from .a11y import axe_violations, format_violations
from .test_journeys import DEMO_PASSWORD, login_ok, logout

GROUP = "/actiongroups/supply-chains"
JOINER = "focal@dli.example.org"         # English-speaking, not in Supply Chains
CONVENER = "focal@unodwp.example.org"    # convenes Supply Chains in the demo data
COLLEAGUE = "focal@csc.example.org"      # a member of Supply Chains
OUTSIDER = "focal@ncatip.example.org"    # not in Supply Chains


def test_join_discuss_share_reply_and_protect_the_document(page: Page):
    tag = uuid.uuid4().hex[:6]
    # A partner asks to join.
    login_ok(page, JOINER, DEMO_PASSWORD)
    page.goto(GROUP)
    page.get_by_role("link", name="Ask to join").click()
    page.get_by_label("Why do you want to join?").fill("We inspect cocoa supply chains and farms.")
    page.get_by_role("button", name="Send the request").click()
    expect(page.get_by_role("status").filter(has_text="Your request was sent")).to_be_visible()
    logout(page)

    # The convener accepts.
    login_ok(page, CONVENER, DEMO_PASSWORD)
    page.goto(f"{GROUP}/members")
    request = page.locator(".card").filter(has_text="cocoa supply chains")
    request.get_by_label("Message to the person (optional)").fill("Welcome aboard.")
    request.get_by_role("button", name="Accept", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="is now a member")).to_be_visible()
    logout(page)

    # The new member starts a discussion with Markdown and shares a document.
    login_ok(page, JOINER, DEMO_PASSWORD)
    page.goto(f"{GROUP}/workspace")
    page.get_by_role("link", name="Discussions").click()
    page.get_by_role("link", name="Start a discussion").click()
    page.get_by_label("Title").fill(f"Cocoa audit findings {tag}")
    page.get_by_label("Opening message").fill("We found **three** recruitment agencies charging fees.")
    page.get_by_role("button", name="Start the discussion").click()
    expect(page.get_by_role("heading", name=f"Cocoa audit findings {tag}")).to_be_visible()
    expect(page.locator("strong", has_text="three")).to_be_visible()  # Markdown rendered
    thread_url = page.url

    page.get_by_role("link", name="Documents").click()
    page.get_by_role("link", name="Share a document").click()
    page.get_by_label("File", exact=True).set_input_files(
        {"name": f"audit-{tag}.csv", "mimeType": "text/csv", "buffer": b"agency,fee\nA,120\nB,90\n"})
    page.get_by_label("Title").fill(f"Audit table {tag}")
    page.get_by_role("button", name="Share", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile(f"Audit table {tag}"))).to_be_visible()
    download_href = page.get_by_role("link", name=re.compile("Download")).first.get_attribute("href")
    assert download_href and "/download" in download_href
    logout(page)

    # Another member replies; the author is notified.
    login_ok(page, COLLEAGUE, DEMO_PASSWORD)
    page.goto(thread_url)
    page.get_by_label("Your message").fill("Thanks, we saw the same in Ghana.")
    page.get_by_role("button", name="Post the reply").click()
    expect(page.get_by_text("we saw the same in Ghana")).to_be_visible()
    logout(page)

    login_ok(page, JOINER, DEMO_PASSWORD)
    bell = page.get_by_role("link", name=re.compile(r"Notifications: \d+ unread"))
    expect(bell).to_be_visible()
    bell.click()
    expect(page.get_by_text(re.compile(f"replied.*Cocoa audit findings {tag}|Cocoa audit findings {tag}.*repl"))
           ).to_be_visible()
    logout(page)

    # Someone outside the members-only group cannot fetch the document, even with its address.
    login_ok(page, OUTSIDER, DEMO_PASSWORD)
    response = page.request.get(download_href)
    assert response.status == 403
    page.goto(thread_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Not allowed")


def test_workspace_pages_have_no_wcag_violations(page: Page):
    login_ok(page, CONVENER, DEMO_PASSWORD)
    for path in ["", "/workspace", "/members", "/threads", "/documents", "/workplan", "/workplan/new"]:
        page.goto(GROUP + path)
        violations = axe_violations(page)
        assert not violations, f"{GROUP + path}:\n{format_violations(violations)}"
