"""Tokens: the role × route matrix of the API (no key, another organisation's key, revoked, expired, missing
scope), the profile page, and what a token adds to the reads."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from app.api.models import ApiToken
from app.api.tokens import digest
from app.audit import AuditEntry
from app.commitments.models import PledgeState, ProgressReport
from app.extensions import db
from tests.api.conftest import bearer
from tests.conftest import PASSWORD, reload


def _report_body(pledge):
    return {"period_end": "2026-07-01", "narrative": "Forty inspectors trained.",
            "values": {str(pledge.indicators[0].id): {"value": "40"}}}


def test_token_is_stored_hashed_and_reads_as_its_owner(client, pledge_world, make_pledge, make_token):
    draft = make_pledge(pledge_world.org, state=PledgeState.draft, title="Our draft")
    secret = make_token(pledge_world.people.coordinator)
    stored = db.session.scalar(sa.select(ApiToken))
    assert stored.token_hash == digest(secret) and secret not in (stored.prefix + stored.token_hash)
    assert client.get(f"/api/v1/pledges/{draft.id}").status_code == 404
    assert client.get(f"/api/v1/pledges/{draft.id}", headers=bearer(secret)).get_json()["title"] == "Our draft"
    mine = client.get("/api/v1/me/pledges", headers=bearer(secret)).get_json()["items"]
    assert {p["title"] for p in mine} == {"Our draft", "Inspectors for cocoa farms"}


@pytest.mark.parametrize("who, expected", [
    ("none", 404), ("other_org", 404), ("revoked", 401), ("expired", 401), ("garbage", 401), ("owner", 200)])
def test_private_read_matrix(client, pledge_world, make_pledge, make_token, make_user, who, expected):
    draft = make_pledge(pledge_world.org, state=PledgeState.draft)
    secrets = {
        "none": None,
        "other_org": make_token(pledge_world.people.outsider),
        "revoked": make_token(pledge_world.people.coordinator, revoked=True),
        "expired": make_token(pledge_world.people.coordinator, now=datetime.now(timezone.utc) - timedelta(days=91)),
        "garbage": "a87_not-a-token",
        "owner": make_token(pledge_world.people.coordinator),
    }
    response = client.get(f"/api/v1/pledges/{draft.id}", headers=bearer(secrets[who]))
    assert response.status_code == expected
    if expected != 200:
        assert response.content_type == "application/problem+json"


@pytest.mark.parametrize("who, scopes, expected", [
    ("none", None, 401), ("coordinator", ("read",), 403), ("outsider", ("read", "reports:write"), 403),
    ("partner", ("read", "reports:write"), 403), ("coordinator", ("reports:write",), 201)])
def test_write_matrix(client, pledge_world, make_token, who, scopes, expected):
    pledge = pledge_world.pledge
    secret = make_token(getattr(pledge_world.people, who), scopes) if scopes else None
    response = client.post(f"/api/v1/pledges/{pledge.id}/reports", json=_report_body(pledge), headers=bearer(secret))
    assert response.status_code == expected, response.get_json()
    count = db.session.scalar(sa.select(sa.func.count(ProgressReport.id)))
    assert count == (1 if expected == 201 else 0)


def test_report_draft_goes_through_the_service_and_is_audited(client, pledge_world, make_token):
    pledge = pledge_world.pledge
    secret = make_token(pledge_world.people.coordinator, ("read", "reports:write"))
    created = client.post(f"/api/v1/pledges/{pledge.id}/reports", json=_report_body(pledge), headers=bearer(secret))
    assert created.status_code == 201
    body = created.get_json()
    assert body["status"]["code"] == "draft" and body["values"][0]["value"] == "40"
    saved = client.put(f"/api/v1/pledges/{pledge.id}/reports/{body['id']}",
                       json={"narrative": "Fifty.", "values": {str(pledge.indicators[0].id): {"value": 50}}},
                       headers=bearer(secret))
    assert saved.status_code == 200 and saved.get_json()["values"][0]["value"] == "50"
    # The same report shows on the site as a draft (it is submitted and reviewed there).
    report = db.session.get(ProgressReport, body["id"])
    assert report.state.value == "draft" and report.narrative == "Fifty."
    actions = set(db.session.scalars(sa.select(AuditEntry.action)))
    assert {"api.report_started", "api.report_saved"} <= actions
    # The public sees no draft values.
    public = client.get(f"/api/v1/pledges/{pledge.id}").get_json()
    assert public["reports"] == []


def test_service_refusals_are_problems_naming_the_field(client, pledge_world, make_token):
    pledge = pledge_world.pledge
    secret = make_token(pledge_world.people.coordinator, ("reports:write",))
    body = _report_body(pledge) | {"period_end": "2031-01-01"}
    response = client.post(f"/api/v1/pledges/{pledge.id}/reports", json=body, headers=bearer(secret))
    assert response.status_code == 422 and "period_end" in response.get_json()["errors"]
    big = _report_body(pledge)
    big["values"][str(pledge.indicators[0].id)]["value"] = "1e30"
    response = client.post(f"/api/v1/pledges/{pledge.id}/reports", json=big, headers=bearer(secret))
    assert response.status_code == 422
    assert f"values.{pledge.indicators[0].id}.value" in response.get_json()["errors"]
    assert db.session.scalar(sa.select(sa.func.count(ProgressReport.id))) == 0


def test_deliverable_done_needs_its_scope(client, pledge_world, make_token):
    pledge = pledge_world.pledge
    deliverable = pledge.deliverables[0]
    url = f"/api/v1/pledges/{pledge.id}/deliverables/{deliverable.id}/done"
    reader = make_token(pledge_world.people.coordinator, ("read", "reports:write"))
    assert client.post(url, json={"done_on": "2026-02-01"}, headers=bearer(reader)).status_code == 403
    writer = make_token(pledge_world.people.coordinator, ("pledges:write",))
    response = client.post(url, json={"done_on": "2026-02-01"}, headers=bearer(writer))
    assert response.status_code == 200
    assert reload(deliverable).done_on == date(2026, 2, 1)


def test_suspended_person_loses_their_tokens(client, pledge_world, make_token):
    from app.members import access_ended

    secret = make_token(pledge_world.people.coordinator)
    access_ended(pledge_world.people.coordinator)
    db.session.commit()
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 401


# -- the profile page ----------------------------------------------------------------------------------------
def _csrf(html: str) -> str:
    """The page's CSRF token (the tests run with the check off; one test turns it on)."""
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    return found.group(1) if found else ""


def test_profile_page_creates_shows_once_and_revokes(client, login, pledge_world):
    login(pledge_world.people.coordinator)
    page = client.get("/profile/tokens")
    assert page.status_code == 200
    created = client.post("/profile/tokens", data={"csrf_token": _csrf(page.get_data(as_text=True)), "name": "M&E",
                                                   "scopes": ["read", "reports:write"], "days": "90"})
    html = created.get_data(as_text=True)
    secret = re.search(r'value="(a87_[^"]+)"', html).group(1)
    assert created.headers["Cache-Control"] == "no-store"
    assert client.get("/api/v1/me", headers=bearer(secret)).get_json()["scopes"] == ["read", "reports:write"]
    assert secret not in client.get("/profile/tokens").get_data(as_text=True)  # shown once
    token = db.session.scalar(sa.select(ApiToken))
    listing = client.get("/profile/tokens").get_data(as_text=True)
    client.post(f"/profile/tokens/{token.id}/revoke", data={"csrf_token": _csrf(listing)})
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 401


def test_profile_page_refuses_bad_input_and_non_focal_points(client, login, pledge_world):
    login(pledge_world.people.member)
    assert client.get("/profile/tokens").status_code == 403
    client.post("/logout", data={})
    assert client.get("/profile/tokens").status_code in (302, 403)


def test_token_page_post_without_csrf_is_refused(make_app, pledge_world):
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    client.post("/login", data={"email": pledge_world.people.coordinator.email, "password": PASSWORD})
    response = client.post("/profile/tokens", data={"name": "x", "scopes": ["read"], "days": "90"})
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(ApiToken.id))) == 0


def test_other_persons_token_cannot_be_revoked(client, login, pledge_world, make_token):
    make_token(pledge_world.people.outsider)
    token = db.session.scalar(sa.select(ApiToken))
    login(pledge_world.people.coordinator)
    page = client.get("/profile/tokens").get_data(as_text=True)
    assert client.post(f"/profile/tokens/{token.id}/revoke", data={"csrf_token": _csrf(page)}).status_code == 404
    assert reload(token).revoked_at is None
