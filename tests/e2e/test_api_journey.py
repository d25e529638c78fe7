"""The API in Chromium: a focal point creates a personal access token on their profile, sees it once, uses
it, and revokes it; the interactive documentation renders under the site's CSP."""
from __future__ import annotations

import uuid

from playwright.sync_api import Page, expect

from .test_journeys import DEMO_PASSWORD, assert_no_axe_violations, login_ok

FOCAL_POINT = "focal@efrb.example.org"  # a focal point no other browser test signs in with (demo data)


def test_create_see_once_use_and_revoke_a_token(page: Page):
    name = f"M&E system {uuid.uuid4().hex[:6]}"
    login_ok(page, FOCAL_POINT, DEMO_PASSWORD)
    page.get_by_role("link", name="API tokens").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("API tokens")
    assert_no_axe_violations(page)
    page.get_by_label("Name").fill(name)
    page.get_by_label("reports:write", exact=False).check()
    page.get_by_label("Expires after").select_option("30")
    page.get_by_role("button", name="Create the token").click()

    # Shown once, in full; the Hub keeps only a fingerprint.
    secret = page.get_by_label("Your token").input_value()
    assert secret.startswith("a87_") and len(secret) > 40
    assert_no_axe_violations(page)
    me = page.request.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.status == 200 and me.json()["scopes"] == ["read", "reports:write"]

    page.goto("/profile/tokens")
    expect(page.get_by_label("Your token")).to_have_count(0)
    assert secret not in page.content()
    row = page.get_by_role("row").filter(has_text=name)
    expect(row).to_contain_text(secret[:10])

    row.get_by_role("button", name="Revoke").click()
    expect(page.get_by_role("status").filter(has_text="The token was revoked")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text=name)).to_contain_text("Revoked")
    refused = page.request.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert refused.status == 401 and refused.headers["content-type"] == "application/problem+json"


def test_api_documentation_renders_under_the_csp(page: Page):
    violations = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.goto("/api/v1/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Alliance 8.7 Hub API")
    expect(page.locator(".swagger-ui").get_by_text("/api/v1/pledges", exact=True).first).to_be_visible()
    script_violations = [v for v in violations if "script" in v.lower()]
    assert not script_violations, script_violations
