"""Progress report pages: who may do what (role × route), the happy path, bad input, CSRF, the partials."""
from __future__ import annotations

import re
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.commitments import reports
from app.commitments.models import PledgeState, ProgressReport, ReportState
from app.extensions import db
from app.notifications.models import Notification
from tests.commitments.conftest import ROLES
from tests.conftest import PASSWORD, reload

# pledge_world's pledge reports every 6 months from 1 January 2026: periods end on these dates.
P1, P2, P3, P4 = date(2026, 7, 1), date(2027, 1, 1), date(2027, 7, 1), date(2027, 12, 31)
# A day on which all four periods have begun, so each report of the matrix has its own period.
CLOCK = datetime(2027, 8, 1, 9, 0, tzinfo=timezone.utc)


def set_clock(monkeypatch, moment: datetime) -> datetime:
    """Fix "now" for the views (viewer_today) and the services they call."""
    monkeypatch.setattr("app.i18n.utcnow", lambda: moment)
    monkeypatch.setattr("app.commitments.reports.utcnow", lambda: moment)
    return moment


@pytest.fixture
def clock(monkeypatch):
    return set_clock(monkeypatch, CLOCK)


def filled(pledge, value=Decimal(40)) -> dict:
    return {"narrative": "We trained inspectors.", "values": {i.id: {"value": value} for i in pledge.indicators}}


@pytest.fixture
def world(pledge_world, clock):
    """pledge_world with a draft report (P1), a submitted one (P2) and an approved one (P3); P4 is open."""
    member, admin, pledge = pledge_world.people.member, pledge_world.people.admin, pledge_world.pledge
    made = {}
    for name, period_end in (("draft", P1), ("submitted", P2), ("approved", P3)):
        report = reports.start_report(member, pledge, period_end, now=CLOCK)
        reports.save_report(member, report, filled(pledge), now=CLOCK)
        if name != "draft":
            reports.submit_report(member, report, now=CLOCK)
        if name == "approved":
            reports.approve_report(admin, report, now=CLOCK)
        made[name] = report
    db.session.commit()
    pledge_world.reports = made
    return pledge_world


def base(world) -> str:
    return f"/pledges/{world.pledge.id}/reports"


def html_error(html: str, field_id: str) -> str | None:
    found = re.search(rf'<div id="{field_id}-error"[^>]*>([^<]*)</div>', html)
    return found.group(1) if found else None


# -- access matrix ------------------------------------------------------------------------------------------
LOGIN = "login"
MATRIX = {
    # name: (method, path, report, expected per role in ROLES order:
    #        anonymous, outsider, partner, member, coordinator, admin)
    "report_new": ("GET", "/new", None, (LOGIN, 403, 403, 200, 200, 403)),
    "report_new:post": ("POST", "/new", None, (LOGIN, 403, 403, 302, 302, 403)),
    "report_detail": ("GET", "/{id}", "draft", (404, 404, 200, 200, 200, 200)),
    "report_detail:submitted": ("GET", "/{id}", "submitted", (404, 404, 200, 200, 200, 200)),
    "report_detail:approved": ("GET", "/{id}", "approved", (200, 200, 200, 200, 200, 200)),
    "report_edit": ("GET", "/{id}/edit", "draft", (LOGIN, 404, 403, 200, 200, 403)),
    "report_edit:post": ("POST", "/{id}/edit", "draft", (LOGIN, 404, 403, 302, 302, 403)),
    "report_submit": ("POST", "/{id}/submit", "draft", (LOGIN, 404, 403, 302, 302, 403)),
    "report_review": ("POST", "/{id}/review", "submitted", (LOGIN, 403, 403, 403, 403, 302)),
    "report_review:return": ("POST", "/{id}/review", "submitted", (LOGIN, 403, 403, 403, 403, 302)),
}


def matrix_form(name: str, world) -> dict:
    indicator = world.pledge.indicators[0]
    return {
        "report_new:post": {"period_end": P4.isoformat()},
        "report_edit:post": {"narrative": "Changed by a test", f"value_{indicator.id}": "41", "action": "save"},
        "report_review": {"decision": "approve"},
        "report_review:return": {"decision": "return", "comment": "Add detail."},
    }.get(name, {})


def test_the_matrix_covers_every_report_route(app):
    from app.commitments import report_routes
    from tests.commitments.test_report_evidence import EVIDENCE_MATRIX

    ours = {name for name, view in app.view_functions.items()
            if name.startswith("commitments.") and view.__module__ == report_routes.__name__}
    assert ours == {f"commitments.{name.split(':')[0]}" for name in (*MATRIX, *EVIDENCE_MATRIX)}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", list(MATRIX))
def test_access(as_role, world, role, name):
    method, path, which, expectations = MATRIX[name]
    expected = expectations[ROLES.index(role)]
    report = world.reports[which] if which else None
    before = {r.id: (r.state, r.narrative) for r in world.reports.values()}
    url = base(world) + path.format(id=report.id if report else 0)
    client = as_role(role)
    response = client.get(url) if method == "GET" else client.post(url, data=matrix_form(name, world))
    if expected == LOGIN:
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    else:
        assert response.status_code == expected, response.get_data(as_text=True)[:500]
        if expected == 302:
            assert "/login" not in response.headers["Location"]
    if method == "POST" and expected != 302:
        # Refused: nothing was written.
        db.session.expire_all()
        assert {r.id: (r.state, r.narrative) for r in world.reports.values()} == before
        assert db.session.scalar(sa.select(sa.func.count(ProgressReport.id))) == 3


def test_a_report_of_another_pledge_is_not_found(as_role, world, make_pledge):
    other = make_pledge(world.org, coordinator=world.people.coordinator, title="Another pledge")
    foreign = world.reports["approved"]
    client = as_role("member")
    for url in (f"/pledges/{other.id}/reports/{foreign.id}", f"/pledges/{other.id}/reports/{foreign.id}/edit",
                f"/pledges/{world.pledge.id}/reports/999999", "/pledges/999999/reports/new"):
        assert client.get(url).status_code == 404, url
    draft = world.reports["draft"]
    assert client.post(f"/pledges/{other.id}/reports/{draft.id}/submit").status_code == 404
    assert reload(draft).state is ReportState.draft


def test_reports_of_a_draft_pledge_are_not_found_for_outsiders(as_role, world):
    world.pledge.state = PledgeState.draft
    db.session.commit()
    client = as_role("outsider")
    assert client.get(f"{base(world)}/{world.reports['approved'].id}").status_code == 404
    assert client.get(f"{base(world)}/new").status_code == 404


def test_a_withdrawn_pledge_takes_no_report_and_says_so(as_role, world):
    world.pledge.state = PledgeState.withdrawn
    db.session.commit()
    client = as_role("member")
    response = client.get(f"{base(world)}/new")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/pledges/{world.pledge.id}")
    assert client.post(f"{base(world)}/new", data={"period_end": P4.isoformat()}).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(ProgressReport.id))) == 3
    response = client.get(f"{base(world)}/{world.reports['draft'].id}/edit", follow_redirects=True)
    assert "withdrawn" in response.get_data(as_text=True)


# -- the whole story -----------------------------------------------------------------------------------------
def test_write_submit_return_revise_approve(client, login, pledge_world, monkeypatch):
    """The member writes a report, the secretariat returns it, the member revises it, it is approved,
    and the pledge page's chart data, table and light follow."""
    set_clock(monkeypatch, datetime(2026, 7, 15, 9, 0, tzinfo=timezone.utc))  # the first report is due
    world, people = pledge_world, pledge_world.people
    pledge = world.pledge
    indicator, deliverable = pledge.indicators[0], pledge.deliverables[0]
    pledge_page = f"/pledges/{pledge.id}"
    login(people.member)
    page = client.get(pledge_page).get_data(as_text=True)
    assert "Write a progress report" in page and f"/pledges/{pledge.id}/reports/new" in page
    assert 'data-light="amber"' in page

    new = client.get(f"/pledges/{pledge.id}/reports/new").get_data(as_text=True)
    assert 'type="radio"' in new and 'value="2026-07-01"' in new and 'value="2027-01-01"' in new
    assert 'value="2027-07-01"' not in new   # not begun yet
    response = client.post(f"/pledges/{pledge.id}/reports/new", data={"period_end": "2026-07-01"})
    report = db.session.scalar(sa.select(ProgressReport))
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/pledges/{pledge.id}/reports/{report.id}/edit")

    form = client.get(f"/pledges/{pledge.id}/reports/{report.id}/edit").get_data(as_text=True)
    assert f'name="value_{indicator.id}"' in form and f'name="done_on_{deliverable.id}"' in form
    assert "Inspectors trained (people)" in form and "Save and submit" in form
    response = client.post(f"/pledges/{pledge.id}/reports/{report.id}/edit", data={
        "narrative": "We trained 40 inspectors.", "challenges": "Rain.", f"value_{indicator.id}": "40",
        f"comment_{indicator.id}": "First cohort", f"done_on_{deliverable.id}": "2026-06-20",
        f"note_{deliverable.id}": "Printed.", "action": "submit"})
    assert response.status_code == 302
    report = reload(report)
    assert report.state is ReportState.submitted and report.values[0].value == 40
    client.post("/logout")

    login(people.admin)
    [notification] = db.session.scalars(sa.select(Notification).where(
        Notification.recipient_id == people.admin.id, Notification.kind == "report_submitted")).all()
    assert notification.url == f"/pledges/{pledge.id}/reports/{report.id}"
    queue = client.get("/pledges/review").get_data(as_text=True)
    assert notification.url in queue
    detail = client.get(notification.url).get_data(as_text=True)
    assert "We trained 40 inspectors." in detail and "Approve" in detail and "Return for revision" in detail
    response = client.post(f"{notification.url}/review", data={"decision": "return",
                                                               "comment": "How many were women?"})
    assert response.status_code == 302 and reload(report).state is ReportState.returned
    client.post("/logout")

    login(people.member)
    form = client.get(f"{notification.url}/edit").get_data(as_text=True)
    assert "How many were women?" in form and 'value="40"' in form and "First cohort" in form
    response = client.post(f"{notification.url}/edit", data={
        "narrative": "We trained 40 inspectors, 18 of them women.", f"value_{indicator.id}": "40",
        f"done_on_{deliverable.id}": "2026-06-20", "action": "save"})
    assert response.status_code == 302 and reload(report).state is ReportState.returned
    assert client.post(f"{notification.url}/submit").status_code == 302
    assert reload(report).state is ReportState.submitted
    client.post("/logout")

    login(people.admin)
    assert client.post(f"{notification.url}/review", data={"decision": "approve"}).status_code == 302
    report = reload(report)
    assert report.state is ReportState.approved
    client.post("/logout")

    # Anonymous visitors now see the report, the value in the table and the chart's data.
    page = client.get(pledge_page).get_data(as_text=True)
    assert f"/pledges/{pledge.id}/reports/{report.id}" in page
    assert 'id="pledge-chart-data"' in page and '"value": 40.0' in page
    assert f'data-indicator-chart="{indicator.id}"' in page
    assert re.search(r"<td>40</td>", page)
    assert "20% of the way from the baseline to the target" in page
    assert 'data-light="green"' in page
    assert "chart.umd.min.js" in page and "pledge-chart.js" in page
    public = client.get(f"/pledges/{pledge.id}/reports/{report.id}").get_data(as_text=True)
    assert "18 of them women" in public and "How many were women?" not in public
    assert reload(deliverable).done_on == date(2026, 6, 20)


# -- bad input -----------------------------------------------------------------------------------------------
@pytest.fixture
def draft(pledge_world, clock):
    report = reports.start_report(pledge_world.people.member, pledge_world.pledge, P1, now=CLOCK)
    db.session.commit()
    return report


def test_not_a_number_is_shown_next_to_its_field_and_what_was_typed_is_kept(as_role, pledge_world, draft):
    indicator, deliverable = pledge_world.pledge.indicators[0], pledge_world.pledge.deliverables[0]
    url = f"/pledges/{pledge_world.pledge.id}/reports/{draft.id}/edit"
    response = as_role("member").post(url, data={
        "narrative": "My careful narrative", "challenges": "Some challenges", f"value_{indicator.id}": "about 50",
        f"comment_{indicator.id}": "roughly", f"done_on_{deliverable.id}": "2026-06-20",
        f"note_{deliverable.id}": "A note", "action": "submit"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    error = html_error(html, f"value_{indicator.id}")
    assert error and "not a number" in error and "12.5" in error
    for typed in ("My careful narrative", "Some challenges", 'value="about 50"', 'value="roughly"',
                  'value="2026-06-20"', "A note"):
        assert typed in html, typed
    draft = reload(draft)
    assert draft.state is ReportState.draft and draft.narrative == "" and draft.values[0].value is None


def test_a_future_done_date_is_shown_next_to_its_field(as_role, pledge_world, draft):
    indicator, deliverable = pledge_world.pledge.indicators[0], pledge_world.pledge.deliverables[0]
    url = f"/pledges/{pledge_world.pledge.id}/reports/{draft.id}/edit"
    response = as_role("member").post(url, data={
        "narrative": "Kept", f"value_{indicator.id}": "12.5", f"done_on_{deliverable.id}": "2027-09-01",
        "action": "save"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "future" in html_error(html, f"done_on_{deliverable.id}")
    assert 'value="12.5"' in html and 'value="2027-09-01"' in html and "Kept" in html
    assert reload(draft).narrative == ""


def test_save_and_submit_without_a_value_saves_nothing_and_says_which(as_role, pledge_world, draft):
    indicator = pledge_world.pledge.indicators[0]
    url = f"/pledges/{pledge_world.pledge.id}/reports/{draft.id}/edit"
    response = as_role("member").post(url, data={"narrative": "Written", "action": "submit"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "“Inspectors trained”" in html_error(html, f"value_{indicator.id}")
    assert "Written" in html
    draft = reload(draft)
    assert (draft.state, draft.narrative) == (ReportState.draft, "")   # the save was undone with the submit


def test_saving_a_draft_keeps_it_a_draft(as_role, pledge_world, draft):
    url = f"/pledges/{pledge_world.pledge.id}/reports/{draft.id}/edit"
    response = as_role("coordinator").post(url, data={"narrative": "Half written", "action": "save"})
    assert response.status_code == 302
    assert (reload(draft).state, reload(draft).narrative) == (ReportState.draft, "Half written")


def test_submitting_an_incomplete_draft_from_its_page_says_what_is_missing(as_role, pledge_world, draft):
    client = as_role("member")
    url = f"/pledges/{pledge_world.pledge.id}/reports/{draft.id}"
    response = client.post(f"{url}/submit", follow_redirects=True)
    assert "Write the narrative" in response.get_data(as_text=True)
    assert reload(draft).state is ReportState.draft


def test_no_report_for_a_future_period_through_the_form(as_role, pledge_world, monkeypatch):
    set_clock(monkeypatch, datetime(2026, 3, 1, tzinfo=timezone.utc))
    client = as_role("member")
    page = client.get(f"/pledges/{pledge_world.pledge.id}/reports/new").get_data(as_text=True)
    assert 'value="2026-07-01"' in page and 'value="2027-01-01"' not in page
    response = client.post(f"/pledges/{pledge_world.pledge.id}/reports/new", data={"period_end": "2027-01-01"})
    assert response.status_code == 200
    assert "future period" in response.get_data(as_text=True)
    response = client.post(f"/pledges/{pledge_world.pledge.id}/reports/new", data={"period_end": "not a date"})
    assert response.status_code == 200 and "Choose a reporting period" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(ProgressReport.id))) == 0


def test_when_every_begun_period_has_a_report_the_new_page_says_so(as_role, pledge_world, monkeypatch):
    set_clock(monkeypatch, datetime(2026, 3, 1, tzinfo=timezone.utc))
    reports.start_report(pledge_world.people.member, pledge_world.pledge, P1,
                         now=datetime(2026, 3, 1, tzinfo=timezone.utc))
    db.session.commit()
    client = as_role("member")
    page = client.get(f"/pledges/{pledge_world.pledge.id}/reports/new").get_data(as_text=True)
    assert "already has a report" in page and "next reporting period starts on Jul 1, 2026" in page
    assert 'type="radio"' not in page
    pledge_page = client.get(f"/pledges/{pledge_world.pledge.id}").get_data(as_text=True)
    assert "Write a progress report" not in pledge_page and "Continue writing" in pledge_page


def test_returning_without_a_comment_is_refused_next_to_the_field(as_role, world):
    submitted = world.reports["submitted"]
    response = as_role("admin").post(f"{base(world)}/{submitted.id}/review",
                                     data={"decision": "return", "comment": "  "})
    assert response.status_code == 200
    assert "Say what needs to change" in html_error(response.get_data(as_text=True), "comment")
    assert reload(submitted).state is ReportState.submitted


def test_an_unknown_decision_is_a_bad_request(as_role, world):
    submitted = world.reports["submitted"]
    assert as_role("admin").post(f"{base(world)}/{submitted.id}/review",
                                 data={"decision": "publish"}).status_code == 400
    assert reload(submitted).state is ReportState.submitted


def test_approving_twice_is_refused_with_words(as_role, world):
    approved = world.reports["approved"]
    response = as_role("admin").post(f"{base(world)}/{approved.id}/review", data={"decision": "approve"},
                                     follow_redirects=True)
    assert "Only a report submitted for review" in response.get_data(as_text=True)


# -- CSRF ----------------------------------------------------------------------------------------------------
def csrf_token(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', html).group(1)


@pytest.fixture
def csrf_app(make_app):
    return make_app(WTF_CSRF_ENABLED=True)


def test_every_report_form_checks_the_csrf_token(csrf_app, pledge_world, clock):
    app, world = csrf_app, pledge_world
    draft = reports.start_report(world.people.member, world.pledge, P1, now=CLOCK)
    other = reports.start_report(world.people.member, world.pledge, P2, now=CLOCK)
    reports.save_report(world.people.member, other, filled(world.pledge), now=CLOCK)
    reports.submit_report(world.people.member, other, now=CLOCK)
    db.session.commit()
    client = app.test_client()
    token = csrf_token(client.get("/login").text)
    client.post("/login", data={"email": world.people.member.email, "password": PASSWORD, "csrf_token": token})
    url = f"/pledges/{world.pledge.id}/reports"
    assert client.post(f"{url}/new", data={"period_end": P3.isoformat()}).status_code == 400
    assert client.post(f"{url}/{draft.id}/edit", data={"narrative": "Forged", "action": "save"}).status_code == 400
    assert client.post(f"{url}/{draft.id}/submit").status_code == 400
    assert reload(draft).narrative == "" and db.session.scalar(sa.select(sa.func.count(ProgressReport.id))) == 2
    token = csrf_token(client.get(f"{url}/{draft.id}/edit").text)
    assert client.post(f"{url}/{draft.id}/edit", data={"narrative": "Real", "action": "save",
                                                       "csrf_token": token}).status_code == 302
    assert reload(draft).narrative == "Real"
    client.post("/logout", data={"csrf_token": token})
    token = csrf_token(client.get("/login").text)
    client.post("/login", data={"email": world.people.admin.email, "password": PASSWORD, "csrf_token": token})
    assert client.post(f"{url}/{other.id}/review", data={"decision": "approve"}).status_code == 400
    assert reload(other).state is ReportState.submitted
    token = csrf_token(client.get(f"{url}/{other.id}").text)
    assert client.post(f"{url}/{other.id}/review", data={"decision": "approve", "csrf_token": token}).status_code == 302
    assert reload(other).state is ReportState.approved


# -- the pledge page's partials ------------------------------------------------------------------------------
def test_the_history_shows_private_states_only_to_those_who_may(as_role, world):
    page = as_role("anonymous").get(f"/pledges/{world.pledge.id}").get_data(as_text=True)
    links = set(re.findall(rf"/pledges/{world.pledge.id}/reports/(\d+)\"", page))
    assert links == {str(world.reports["approved"].id)}
    assert "Write a progress report" not in page


def test_the_history_for_the_organisation(as_role, world):
    page = as_role("member").get(f"/pledges/{world.pledge.id}").get_data(as_text=True)
    links = set(re.findall(rf"/pledges/{world.pledge.id}/reports/(\d+)\"", page))
    assert links == {str(r.id) for r in world.reports.values()}
    assert "Write a progress report" in page          # the fourth period is open
    assert f"{base(world)}/{world.reports['draft'].id}/edit" in page
    for state in ("draft", "submitted", "approved"):
        assert f'data-state="{state}"' in page


def test_partner_sees_every_state_but_cannot_write(as_role, world):
    page = as_role("partner").get(f"/pledges/{world.pledge.id}").get_data(as_text=True)
    assert 'data-state="submitted"' in page
    assert "Write a progress report" not in page and "/edit\"" not in page.split('id="pledge-reports"')[1]


def test_empty_states(as_role, pledge_world, clock):
    page = as_role("member").get(f"/pledges/{pledge_world.pledge.id}").get_data(as_text=True)
    assert "No progress report yet" in page and "every 6 months" in page
    assert "No approved value yet" in page and 'id="pledge-chart-data"' not in page


def test_the_indicator_table_is_there_without_javascript(as_role, world):
    page = as_role("outsider").get(f"/pledges/{world.pledge.id}").get_data(as_text=True)
    indicator = world.pledge.indicators[0]
    assert f'aria-label="Chart of the approved values of “{indicator.name}”' in page
    table = page.split("<caption>Approved values of")[1].split("</table>")[0]
    assert "<td>40</td>" in table and "Jul 1, 2027" in table
    assert table.count("<tr>") == 2   # the header and the one approved report


@pytest.mark.parametrize("lang", ["fr", "es"])
def test_every_report_page_renders_in_each_language(as_role, world, lang):
    world.people.admin.locale = world.people.member.locale = lang   # signed-in people get their profile's
    db.session.commit()
    client = as_role("admin")
    pages = [f"/pledges/{world.pledge.id}", f"{base(world)}/{world.reports['submitted'].id}",
             f"{base(world)}/{world.reports['approved'].id}"]
    member_pages = [f"{base(world)}/new", f"{base(world)}/{world.reports['draft'].id}/edit"]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200 and f'<html lang="{lang}">' in response.text, url
    client.post("/logout")
    client = as_role("member")
    for url in member_pages:
        response = client.get(url)
        assert response.status_code == 200 and f'<html lang="{lang}">' in response.text, url
