"""Pledge pages: who may do what (role × route), the SMART form, review, closing, deliverables."""
from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.commitments.models import Pledge, PledgeEvent, PledgeState
from app.extensions import db
from tests.commitments.conftest import ROLES
from tests.conftest import reload

# -- access matrix ------------------------------------------------------------------------------------------
# Expected status per role (ROLES order: anonymous, outsider, partner, member, coordinator, admin).
# "login" = sent to the sign-in page; 302 = done and redirected.
LOGIN = "login"
MATRIX = {
    # name: (method, path, pledge state, expected per role)
    "mine": ("GET", "/pledges/mine", None, (LOGIN, 200, 200, 200, 200, 200)),
    "create": ("GET", "/pledges/new", None, (LOGIN, 200, 200, 200, 200, 200)),
    "create:post": ("POST", "/pledges/new", None, (LOGIN, 302, 302, 302, 302, 302)),
    "review_queue": ("GET", "/pledges/review", None, (LOGIN, 403, 403, 403, 403, 200)),
    "detail": ("GET", "/pledges/{id}", "published", (200, 200, 200, 200, 200, 200)),
    "detail:draft": ("GET", "/pledges/{id}", "draft", (404, 404, 200, 200, 200, 200)),
    "edit": ("GET", "/pledges/{id}/edit", "published", (LOGIN, 403, 403, 200, 200, 403)),
    "edit:draft": ("GET", "/pledges/{id}/edit", "draft", (LOGIN, 404, 403, 200, 200, 403)),
    "edit:post": ("POST", "/pledges/{id}/edit", "draft", (LOGIN, 404, 403, 302, 302, 403)),
    "submit": ("POST", "/pledges/{id}/submit", "draft", (LOGIN, 404, 403, 302, 302, 403)),
    "submit:published": ("POST", "/pledges/{id}/submit", "published", (LOGIN, 403, 403, 403, 403, 403)),
    "publish": ("POST", "/pledges/{id}/publish", "submitted", (LOGIN, 404, 403, 403, 403, 302)),
    "return_for_changes": ("POST", "/pledges/{id}/return", "submitted", (LOGIN, 404, 403, 403, 403, 302)),
    "complete": ("POST", "/pledges/{id}/complete", "published", (LOGIN, 403, 403, 302, 302, 403)),
    "withdraw": ("POST", "/pledges/{id}/withdraw", "published", (LOGIN, 403, 403, 302, 302, 403)),
    "deliverable_done": ("GET", "/pledges/{id}/deliverables/{d}/done", "published",
                         (LOGIN, 403, 403, 200, 200, 403)),
    "deliverable_done:post": ("POST", "/pledges/{id}/deliverables/{d}/done", "published",
                              (LOGIN, 403, 403, 302, 302, 403)),
    "deliverable_evidence": ("GET", "/pledges/{id}/deliverables/{d}/evidence", "draft",
                             (404, 404, 200, 200, 200, 200)),
}
FORMS = {
    "create:post": {"title": "A new pledge"},
    "edit:post": {"title": "Edited", "coordinator_id": "{coordinator}"},
    "return_for_changes": {"reason": "Add a baseline."},
    "withdraw": {"reason": "Funding ended."},
    "deliverable_done:post": {"done_on": "2026-01-15"},
}


@pytest.fixture
def pledges(pledge_world, make_pledge, tmp_path):
    """One pledge of the pledging organisation (with the partner) in each state the matrix needs."""
    from app.uploads import StoredFile, store_upload  # noqa: F401
    from werkzeug.datastructures import FileStorage

    world = pledge_world
    made = {"published": world.pledge}
    for state in ("draft", "submitted"):
        made[state] = make_pledge(world.org, state=PledgeState(state), coordinator=world.people.coordinator,
                                  partners=[world.partner_org], title=f"A {state} pledge")
    # Evidence on the draft's deliverable: only those who see the draft may download it.
    stored = store_upload(FileStorage(io.BytesIO(b"a,b\n1,2\n"), filename="evidence.csv"), allowed=["csv"])
    deliverable = made["draft"].deliverables[0]
    deliverable.evidence_path_key, deliverable.evidence_name = stored.path_key, stored.original_name
    deliverable.evidence_mime = stored.mime
    db.session.commit()
    return made


def test_the_matrix_covers_every_pledge_route(app):
    from app.commitments import routes

    ours = {name for name, view in app.view_functions.items()
            if name.startswith("commitments.") and view.__module__ == routes.__name__}
    assert ours == {f"commitments.{name.split(':')[0]}" for name in MATRIX}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", list(MATRIX))
def test_access(as_role, pledges, pledge_world, role, name):
    method, path, state, expectations = MATRIX[name]
    expected = expectations[ROLES.index(role)]
    pledge = pledges[state] if state else None
    url = path.format(id=pledge.id if pledge else 0, d=pledge.deliverables[0].id if pledge else 0)
    data = {k: v.format(coordinator=pledge_world.people.coordinator.id) for k, v in FORMS.get(name, {}).items()}
    client = as_role(role)
    response = client.get(url) if method == "GET" else client.post(url, data=data)
    if expected == LOGIN:
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    else:
        assert response.status_code == expected, response.get_data(as_text=True)[:500]
        if expected == 302:
            assert "/login" not in response.headers["Location"]
    response.close()  # a file download stays open until its response is closed


# -- the form -----------------------------------------------------------------------------------------------
SMART_FORM = {
    "title": "Inspectors for cocoa farms",
    "description": "Train 200 labour inspectors in three cocoa provinces.",
    "contribution": "Inspections find children at work on farms and get them back to school.",
    "areas": ["child_labour", "worst_forms"], "action_type": "programme_services", "countries": ["CIV", "GHA"],
    "target_groups": ["children"], "start_date": "2026-01-01", "end_date": "2027-12-31",
    "resources_amount": "120000", "resources_currency": "USD", "report_every_months": "6",
    "deliverables-0-title": "Training curriculum", "deliverables-0-due_date": "2026-06-30",
    "indicators-0-name": "Inspectors trained", "indicators-0-unit": "people",
    "indicators-0-baseline": "0", "indicators-0-target": "200",
}


def _form(world, **changes):
    data = {**SMART_FORM, "coordinator_id": str(world.people.coordinator.id)}
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def _new_pledge() -> Pledge:
    return db.session.scalars(sa.select(Pledge).order_by(Pledge.id.desc())).first()


def test_a_missing_indicator_is_explained_and_nothing_typed_is_lost(as_role, pledge_world):
    client = as_role("coordinator")
    data = _form(pledge_world, **{"intent": "submit", "indicators-0-name": None, "indicators-0-unit": None,
                                  "indicators-0-baseline": None, "indicators-0-target": None})
    response = client.post("/pledges/new", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Measurable: add at least one indicator" in html
    assert 'value="Inspectors for cocoa farms"' in html and "Train 200 labour inspectors" in html
    # Nothing was half-saved.
    assert db.session.scalar(sa.select(sa.func.count(Pledge.id))) == 1


def test_a_target_that_is_not_a_number_is_an_error_next_to_it(as_role, pledge_world):
    client = as_role("coordinator")
    response = client.post("/pledges/new", data=_form(pledge_world, **{"indicators-0-target": "about 50"}))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "“about 50” is not a number" in html
    assert 'id="indicators-0-target-error"' in html and 'value="about 50"' in html
    assert db.session.scalar(sa.select(sa.func.count(Pledge.id))) == 1


def test_numbers_are_read_in_the_persons_language(as_role, pledge_world):
    client = as_role("coordinator")
    client.set_cookie("hub_lang", "fr")
    pledge_world.people.coordinator.locale = "fr"
    db.session.commit()
    client.post("/pledges/new", data=_form(pledge_world, **{"indicators-0-target": "12,5",
                                                            "resources_amount": "1 500,75"}))
    pledge = _new_pledge()
    assert (pledge.indicators[0].target, pledge.resources_amount) == (Decimal("12.5"), Decimal("1500.75"))


def test_save_and_submit_in_one_go(as_role, pledge_world, outbox):
    client = as_role("coordinator")
    response = client.post("/pledges/new", data=_form(pledge_world, intent="submit"))
    pledge = _new_pledge()
    assert response.status_code == 302 and response.headers["Location"] == f"/pledges/{pledge.id}"
    assert pledge.state is PledgeState.submitted
    assert [(d.title, d.due_date) for d in pledge.deliverables] == [("Training curriculum", date(2026, 6, 30))]
    assert pledge.areas == ["child_labour", "worst_forms"] and pledge.countries == ["CIV", "GHA"]


def test_spare_rows_let_people_add_deliverables_without_javascript(as_role, pledge_world):
    client = as_role("coordinator")
    html = client.get(f"/pledges/{pledge_world.pledge.id}/edit").get_data(as_text=True)
    assert 'name="deliverables-0-title" type="text" value="Training curriculum"' in html
    assert 'name="deliverables-2-title"' in html and 'name="deliverables-3-title"' not in html
    data = _form(pledge_world, **{"deliverables-0-id": str(pledge_world.pledge.deliverables[0].id),
                                  "indicators-0-id": str(pledge_world.pledge.indicators[0].id),
                                  "deliverables-1-title": "Inspection manual", "deliverables-1-due_date": "2026-09-30"})
    assert client.post(f"/pledges/{pledge_world.pledge.id}/edit", data=data).status_code == 302
    pledge = reload(pledge_world.pledge)
    assert [d.title for d in pledge.deliverables] == ["Training curriculum", "Inspection manual"]
    event = db.session.scalars(sa.select(PledgeEvent).where(PledgeEvent.action == "revised")).one()
    assert "deliverables" in event.changes


def test_the_pledge_page_shows_the_light_with_its_reason_and_hides_private_fields(client, pledge_world):
    html = client.get(f"/pledges/{pledge_world.pledge.id}").get_data(as_text=True)
    assert 'data-light="' in html and "progress report" in html
    assert "coordinator@example.org" not in html  # no e-mail address for the public
    assert "Cora Coordinator" in html


def test_the_coordinator_sees_the_email_and_what_is_due(as_role, pledge_world):
    html = as_role("partner").get(f"/pledges/{pledge_world.pledge.id}").get_data(as_text=True)
    assert "coordinator@example.org" in html


def test_review_publish_and_return(as_role, pledges, pledge_world):
    client = as_role("admin")
    html = client.get("/pledges/review").get_data(as_text=True)
    assert "A submitted pledge" in html
    response = client.post(f"/pledges/{pledges['submitted'].id}/return", data={"reason": ""})
    assert response.status_code == 302
    assert reload(pledges["submitted"]).state is PledgeState.submitted  # a comment is required
    client.post(f"/pledges/{pledges['submitted'].id}/return", data={"reason": "Name the provinces."})
    assert reload(pledges["submitted"]).state is PledgeState.returned
    assert "No pledge is waiting for review." in client.get("/pledges/review").get_data(as_text=True)


def test_a_returned_pledge_shows_the_comments_to_its_organisation(as_role, pledges):
    pledge = pledges["submitted"]
    pledge.state, pledge.review_comment = PledgeState.returned, "Name the **provinces**."
    db.session.commit()
    html = as_role("member").get(f"/pledges/{pledge.id}/edit").get_data(as_text=True)
    assert "<strong>provinces</strong>" in html


def test_my_pledges_lists_own_and_joint_pledges_with_what_is_due(as_role, pledges, pledge_world):
    html = as_role("partner").get("/pledges/mine").get_data(as_text=True)
    assert "Inspectors for cocoa farms" in html and "Partner in a pledge of Pledging Org" in html


def test_my_pledges_empty_state_says_what_to_do(as_role, pledge_world):
    html = as_role("outsider").get("/pledges/mine").get_data(as_text=True)
    assert "Your organisation has no pledges yet" in html and 'href="/pledges/new"' in html


def test_mark_a_deliverable_done_with_an_evidence_file(as_role, pledge_world):
    client = as_role("member")
    deliverable = pledge_world.pledge.deliverables[0]
    url = f"/pledges/{pledge_world.pledge.id}/deliverables/{deliverable.id}/done"
    bad = client.post(url, data={"done_on": "2026-01-15", "evidence": (io.BytesIO(b"MZ\x90\x00"), "virus.exe")},
                      content_type="multipart/form-data")
    assert bad.status_code == 200 and "Files of this type cannot be uploaded" in bad.get_data(as_text=True)
    assert reload(deliverable).done_on is None
    ok = client.post(url, data={"done_on": "2026-01-15", "evidence_url": "https://example.org/report",
                                "evidence": (io.BytesIO(b"done,yes\n"), "proof.csv")},
                     content_type="multipart/form-data")
    assert ok.status_code == 302
    deliverable = reload(deliverable)
    assert (deliverable.done_on, deliverable.evidence_name) == (date(2026, 1, 15), "proof.csv")
    download = client.get(f"/pledges/{pledge_world.pledge.id}/deliverables/{deliverable.id}/evidence")
    assert download.status_code == 200 and download.data == b"done,yes\n"
    download.close()


def test_forms_need_their_csrf_token(make_app, pledge_world, login):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/login", data={"email": "coordinator@example.org", "password": "correct horse battery",
                                "csrf_token": token})
    for path in (f"/pledges/{pledge_world.pledge.id}/complete", "/pledges/new"):
        assert client.post(path, data={"title": "x"}).status_code == 400
    assert reload(pledge_world.pledge).state is PledgeState.published
