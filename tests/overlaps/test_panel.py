"""The "possible overlaps" panel (JSON endpoint), the compare step without JavaScript, links made from the
forms, each initiative's page, and contacting a focal point."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.actiongroups.workplan.models import WorkItem
from app.commitments.models import Pledge
from app.extensions import db
from app.notifications.models import Notification
from app.overlaps.models import InitiativeLink
from tests.overlaps.conftest import COCOA_DRAFT


def check(client, data=None, **query):
    query.setdefault("kind", "pledge")
    url = "/overlaps/check?" + "&".join(f"{k}={v}" for k, v in query.items())
    return client.post(url, data=COCOA_DRAFT if data is None else data)


def matched(response) -> list[str]:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return [m["id"] for m in response.get_json()["matches"]]


# -- the JSON endpoint --------------------------------------------------------------------------------------
def test_a_partner_sees_what_overlaps_their_draft_best_first_with_reasons(signed_in, world):
    response = check(signed_in("outsider"))
    data = response.get_json()
    assert matched(response)[:2] and set(matched(response)) >= {world.pledge.initiative_id,
                                                               world.activity.initiative_id}
    scores = [m["score"] for m in data["matches"]]
    assert scores == sorted(scores, reverse=True)
    first = data["matches"][0]
    assert first["tier"] in ("likely_duplicate", "possible_overlap") and first["tier_label"]
    texts = " | ".join(r["text"] for m in data["matches"] for r in m["reasons"])
    assert "Countries in common: " in texts and ("Côte d’Ivoire" in texts or "Ghana" in texts)
    assert "GHA" not in texts  # countries by name, never by code
    assert all(m["reasons"] for m in data["matches"])
    pledge = next(m for m in data["matches"] if m["id"] == world.pledge.initiative_id)
    assert pledge["url"] == f"/pledges/{world.pledge.id}" and pledge["organisation"] == "Cocoa Sourcing Org"
    assert pledge["relation"] == "other_organisation" and pledge["contact_url"]


def test_hidden_and_private_initiatives_are_never_shown(signed_in, world):
    seen = matched(check(signed_in("outsider")))
    assert world.item.initiative_id not in seen       # a members-only group's work item
    assert world.private.initiative_id not in seen    # another organisation's draft


def test_a_group_member_sees_the_groups_work_items(signed_in, world):
    assert world.item.initiative_id in matched(check(signed_in("member")))


def test_the_initiative_being_edited_never_matches_itself(signed_in, world):
    client = signed_in("cocoa")
    assert world.pledge.initiative_id not in matched(check(client, id=world.pledge.id))


def test_a_match_of_the_same_organisation_is_labelled_as_such(signed_in, world):
    data = check(signed_in("cocoa_member")).get_json()
    own = next(m for m in data["matches"] if m["id"] == world.pledge.initiative_id)
    assert own["same_organisation"] and own["relation_label"] == "Your organisation's related initiative"
    assert any("Same organisation" in r["text"] for r in own["reasons"])


def test_a_work_item_draft_is_checked_with_the_work_item_form_fields(signed_in, world):
    data = {"title": COCOA_DRAFT["title"], "description": COCOA_DRAFT["description"], "countries": ["GHA"],
            "due_date": "2027-01-01", "lead_organisation_id": str(world.third.id)}
    seen = matched(check(signed_in("member"), data, kind="work_item"))
    assert world.pledge.initiative_id in seen
    assert world.item.initiative_id not in matched(check(signed_in("member"), data, kind="work_item",
                                                         id=world.item.id))


@pytest.mark.parametrize("data, note", [
    ({}, "Type a title and a few words of description"),
    ({"title": "   ", "description": "\x00\x00"}, "Type a title and a few words of description"),
    ({**COCOA_DRAFT, "countries": ["GHA", "XXX", "<b>"]}, "Unknown country codes ignored: XXX, <b>"),
    ({**COCOA_DRAFT, "start_date": "2027-01-01", "end_date": "2026-01-01"}, "The end date is before the start date"),
    ({**COCOA_DRAFT, "description": "child labour monitoring " * 5000}, "Only the first 4000 characters"),
])
def test_bad_drafts_are_answered_with_a_note_never_an_error(signed_in, world, data, note):
    response = check(signed_in("outsider"), data)
    assert response.status_code == 200
    assert any(note in n["text"] for n in response.get_json()["notes"]), response.get_json()["notes"]


@pytest.mark.parametrize("data", [
    {**COCOA_DRAFT, "start_date": "31/12/2026", "end_date": "soon"},
    {**COCOA_DRAFT, "partner_ids": ["x", "99999999999999999999"], "is_global": "y"},
    {**COCOA_DRAFT, "title": "العمل القسري في مناجم الذهب", "description": "儿童劳动 监测 可可 农场 " * 10},
])
def test_odd_input_is_read_leniently(signed_in, world, data):
    assert check(signed_in("outsider"), data).status_code == 200


@pytest.mark.parametrize("query, expected", [
    ({"kind": "meeting"}, 400), ({"kind": "pledge", "id": "abc"}, 400), ({"kind": "pledge", "id": "999999"}, 404),
])
def test_the_endpoint_refuses_what_it_cannot_answer(signed_in, world, query, expected):
    assert check(signed_in("outsider"), **query).status_code == expected


def test_someone_who_may_not_edit_the_initiative_cannot_ask_as_its_editor(signed_in, world):
    assert check(signed_in("outsider"), id=world.pledge.id).status_code == 404


def test_the_endpoint_needs_a_signed_in_approved_partner(client, world, make_user):
    from app.members.models import UserStatus

    assert check(client).status_code == 302
    pending = make_user("pending@example.org", status=UserStatus.pending)
    client.post("/login", data={"email": pending.email, "password": "correct horse battery"})
    assert check(client).status_code == 403


def test_the_endpoint_needs_the_forms_csrf_token(make_app, world):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    assert client.post("/overlaps/check?kind=pledge", data=COCOA_DRAFT).status_code in (302, 400)


# -- the compare step (without JavaScript) -------------------------------------------------------------------
PLEDGE_FORM = {
    **COCOA_DRAFT, "contribution": "Remediation keeps children in school.", "action_type": "supply_chain",
    "target_groups": ["children"], "resources_amount": "1000", "resources_currency": "USD",
    "report_every_months": "6", "deliverables-0-title": "System set up", "deliverables-0-due_date": "2026-06-30",
    "indicators-0-name": "Children supported", "indicators-0-unit": "children", "indicators-0-baseline": "0",
    "indicators-0-target": "500",
}


def pledge_count() -> int:
    return db.session.scalar(sa.select(sa.func.count(Pledge.id)))


def test_without_javascript_the_matches_are_shown_before_saving_and_nothing_is_saved(signed_in, world):
    client = signed_in("outsider")
    before = pledge_count()
    response = client.post("/pledges/new", data={**PLEDGE_FORM, "coordinator_id": world.people.outsider.id})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Before you save: look at these initiatives" in html
    assert world.pledge.title in html and world.activity.title in html
    assert world.item.title not in html  # not visible to this person
    assert 'name="overlaps_compared" value="1"' in html
    assert f'value="{COCOA_DRAFT["title"]}"' in html  # nothing typed is lost
    assert pledge_count() == before


def test_saving_again_after_the_compare_step_saves_and_links_what_was_ticked(signed_in, world):
    client = signed_in("outsider")
    data = {**PLEDGE_FORM, "coordinator_id": world.people.outsider.id, "overlaps_compared": "1",
            "link_related": [world.pledge.initiative_id, world.item.initiative_id, "pledge:999999", "bogus"]}
    response = client.post("/pledges/new", data=data)
    assert response.status_code == 302
    pledge = db.session.scalars(sa.select(Pledge).order_by(Pledge.id.desc())).first()
    links = db.session.scalars(sa.select(InitiativeLink)).all()
    # Only the visible, existing initiative was linked (the work item is hidden from this person).
    assert [(link.other(pledge.initiative_id), link.relation.value) for link in links] == [
        (world.pledge.initiative_id, "related")]
    page = client.get(f"/pledges/{pledge.id}").get_data(as_text=True)
    assert "Linked initiatives" in page and world.pledge.title in page and "Remove the link" in page


def test_with_javascript_the_panel_showed_the_matches_and_there_is_no_compare_step(signed_in, world):
    client = signed_in("outsider")
    shown = matched(check(client, PLEDGE_FORM))
    data = {**PLEDGE_FORM, "coordinator_id": world.people.outsider.id, "overlaps_seen": " ".join(shown)}
    before = pledge_count()
    assert client.post("/pledges/new", data=data).status_code == 302
    assert pledge_count() == before + 1


@pytest.mark.parametrize("seen", ["", "1", "pledge:999999"])
def test_a_panel_that_had_not_shown_the_matches_yet_does_not_skip_the_compare_step(signed_in, world, seen):
    """Saved before the panel answered (or after it showed other matches): the compare step is shown."""
    client = signed_in("outsider")
    data = {**PLEDGE_FORM, "coordinator_id": world.people.outsider.id, "overlaps_seen": seen,
            "overlaps_checked": "1"}  # what the page's script sent before: no longer enough
    response = client.post("/pledges/new", data=data)
    assert response.status_code == 200 and "Before you save" in response.get_data(as_text=True)
    shown = matched(check(client, PLEDGE_FORM))
    data["overlaps_seen"] = " ".join(shown[1:])  # all but one of them
    assert "Before you save" in client.post("/pledges/new", data=data).get_data(as_text=True)


def test_validation_errors_come_before_the_compare_step(signed_in, world):
    """Submitted without an indicator, before the panel answered: the SMART errors are shown, not the
    compare step, and nothing is saved; fixed, the compare step comes."""
    client = signed_in("outsider")
    before = pledge_count()
    data = {**PLEDGE_FORM, "coordinator_id": world.people.outsider.id, "intent": "submit",
            "indicators-0-name": "", "indicators-0-unit": "", "indicators-0-baseline": "", "indicators-0-target": ""}
    html = client.post("/pledges/new", data=data).get_data(as_text=True)
    assert "Measurable: add at least one indicator" in html
    assert "Before you save" not in html and 'name="overlaps_compared"' not in html
    assert pledge_count() == before
    html = client.post("/pledges/new", data={**data, **PLEDGE_FORM}).get_data(as_text=True)
    assert "Before you save" in html and "Measurable: add at least one indicator" not in html
    assert pledge_count() == before


def test_the_compare_step_queues_no_email_and_keeps_nothing(signed_in, world, outbox):
    """The services run to check the form, then everything is undone: no pledge, no notification."""
    client = signed_in("outsider")
    outbox.clear()
    data = {**PLEDGE_FORM, "coordinator_id": world.people.outsider.id, "intent": "submit"}
    before = pledge_count()
    notes = db.session.scalar(sa.select(sa.func.count(Notification.id)))
    assert "Before you save" in client.post("/pledges/new", data=data).get_data(as_text=True)
    assert pledge_count() == before and outbox == []
    assert db.session.scalar(sa.select(sa.func.count(Notification.id))) == notes


def test_no_compare_step_when_nothing_overlaps(signed_in, world):
    client = signed_in("outsider")
    data = {**PLEDGE_FORM, "coordinator_id": world.people.outsider.id, "title": "Radio drama on fair recruitment",
            "description": "A weekly radio drama about recruitment fees, in Nepali, for would-be migrants.",
            "countries": ["NPL"], "areas": ["trafficking"]}
    assert client.post("/pledges/new", data=data).status_code == 302


def test_an_edit_that_changes_nothing_material_skips_the_compare_step(signed_in, world):
    client = signed_in("cocoa")
    form = client.get(f"/pledges/{world.unrelated.id}/edit")
    assert form.status_code == 403  # not theirs
    world.unrelated.organisation_id = world.cocoa.id
    db.session.commit()
    data = {**PLEDGE_FORM, "coordinator_id": world.people.cocoa.id, "title": world.unrelated.title,
            "description": world.unrelated.description, "countries": ["QAT", "KWT"], "areas": ["forced_labour"],
            "contribution": "Lawyers help domestic workers leave abusive employers."}
    assert client.post(f"/pledges/{world.unrelated.id}/edit", data=data).status_code == 302
    # Now the edit turns it into a copy of the cocoa work: the compare step shows the other partners' work.
    data.update({"title": COCOA_DRAFT["title"], "description": COCOA_DRAFT["description"],
                 "countries": ["GHA", "CIV"], "areas": ["child_labour"]})
    response = client.post(f"/pledges/{world.unrelated.id}/edit", data=data)
    assert response.status_code == 200 and "Before you save" in response.get_data(as_text=True)


def test_the_work_item_form_has_the_panel_and_the_compare_step(signed_in, world):
    client = signed_in("member")
    base = f"/actiongroups/{world.group.slug}/workplan"
    html = client.get(f"{base}/new").get_data(as_text=True)
    assert 'id="overlaps-panel"' in html and "/overlaps/check?kind=work_item" in html
    assert "js/overlaps-panel.js" in html
    data = {"title": COCOA_DRAFT["title"], "description": COCOA_DRAFT["description"], "countries": ["GHA", "CIV"],
            "areas": ["child_labour"], "status": "planned", "lead_organisation_id": str(world.third.id)}
    response = client.post(f"{base}/new", data=data)
    assert response.status_code == 200 and world.pledge.title in response.get_data(as_text=True)
    count = db.session.scalar(sa.select(sa.func.count(WorkItem.id)))
    response = client.post(f"{base}/new", data={**data, "overlaps_compared": "1",
                                                "link_related": world.activity.initiative_id})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(WorkItem.id))) == count + 1
    assert db.session.scalar(sa.select(sa.func.count(InitiativeLink.id))) == 1


def test_a_work_item_with_an_error_shows_it_not_the_compare_step_and_a_valid_one_saves_once(signed_in, world):
    client = signed_in("member")
    base = f"/actiongroups/{world.group.slug}/workplan"
    data = {"title": COCOA_DRAFT["title"], "description": COCOA_DRAFT["description"], "countries": ["GHA", "CIV"],
            "areas": ["child_labour"], "status": "planned", "lead_organisation_id": str(world.third.id),
            "start_date": "2026-09-01", "due_date": "2026-03-01"}
    count = db.session.scalar(sa.select(sa.func.count(WorkItem.id)))
    html = client.post(f"{base}/new", data=data).get_data(as_text=True)
    assert "The due date cannot be before the start date." in html and "Before you save" not in html
    data["due_date"] = "2027-03-01"
    shown = matched(check(client, data, kind="work_item"))
    response = client.post(f"{base}/new", data={**data, "overlaps_seen": " ".join(shown)})
    assert response.status_code == 302  # one Save: the panel had shown the matches
    assert db.session.scalar(sa.select(sa.func.count(WorkItem.id))) == count + 1


def test_the_pledge_form_has_the_live_panel(signed_in, world):
    html = signed_in("cocoa").get(f"/pledges/{world.pledge.id}/edit").get_data(as_text=True)
    assert 'id="overlaps-panel"' in html
    assert f"/overlaps/check?kind=pledge&amp;id={world.pledge.id}" in html
    assert 'name="overlaps_seen"' in html and "They are shown when you save" in html


# -- each initiative's page ---------------------------------------------------------------------------------
def section(html: str) -> str:
    match = re.search(r'<section aria-labelledby="overlaps-section-heading".*?</section>', html, re.S)
    assert match, "no overlaps section"
    return match.group(0)


def test_a_pledge_page_shows_its_overlaps_with_reasons(client, world):
    html = section(client.get(f"/pledges/{world.pledge.id}").get_data(as_text=True))
    assert world.activity.title in html and "Countries in common" in html
    assert world.item.title not in html  # anonymous visitors do not see a members-only workspace


def test_a_work_item_page_shows_its_overlaps(signed_in, world):
    html = section(signed_in("member").get(f"/actiongroups/{world.group.slug}/workplan/{world.item.id}")
                   .get_data(as_text=True))
    assert world.pledge.title in html and world.activity.title in html


def test_an_activity_page_shows_where_it_comes_from_and_its_overlaps(client, world):
    html = client.get(f"/activities/{world.activity.id}").get_data(as_text=True)
    assert "Imported from outside the Hub" in html and world.activity.identifier in html
    assert world.pledge.title in section(html)


def test_a_page_with_no_overlap_says_so(client, world):
    html = section(client.get(f"/pledges/{world.unrelated.id}").get_data(as_text=True))
    assert "No other initiative looks like this one." in html


# -- contacting a focal point --------------------------------------------------------------------------------
def test_contacting_a_focal_point_sends_them_my_contact(signed_in, world, outbox):
    client = signed_in("outsider")
    url = f"/overlaps/contact/{world.pledge.initiative_id}"
    assert "Contact the focal point" in client.get(url).get_data(as_text=True)
    response = client.post(url, data={"message": "We are planning the same in Ghana: shall we talk?"})
    assert response.status_code == 302 and response.headers["Location"] == f"/pledges/{world.pledge.id}"
    note = db.session.scalars(sa.select(Notification).where(Notification.kind == "overlap_contact")).one()
    assert note.recipient_id == world.people.cocoa.id
    assert "outsider@example.org" in note.params["contact"] and "Other Org" in note.params["contact"]
    assert any("shall we talk" in m.get_body().get_content() for m in outbox if m["To"] == "cocoa@example.org")


def test_a_message_to_a_focal_point_has_a_short_subject_and_replies_reach_its_author(signed_in, world, outbox):
    """The message and the contact details are in the body; the subject says who and about what; a reply to
    the e-mail reaches the person who wrote, not the Hub's no-reply address."""
    message = "We are planning the same in Ghana, with the district labour offices. " * 8
    signed_in("outsider").post(f"/overlaps/contact/{world.pledge.initiative_id}", data={"message": message})
    mail = next(m for m in outbox if m["To"] == "cocoa@example.org")
    assert mail["Subject"].startswith("Olu Outsider would like to coordinate on “Child labour monitoring")
    assert len(mail["Subject"]) <= 90
    assert "outsider@example.org" not in mail["Subject"] and "Ghana" not in mail["Subject"]
    assert mail["Reply-To"].addresses[0].addr_spec == "outsider@example.org"
    assert mail["Reply-To"].addresses[0].display_name == "Olu Outsider"
    body = mail.get_body().get_content()
    assert "district labour offices" in body and "outsider@example.org" in body


def test_an_empty_message_is_refused_next_to_the_field(signed_in, world):
    response = signed_in("outsider").post(f"/overlaps/contact/{world.pledge.initiative_id}", data={"message": " "})
    assert response.status_code == 200 and "Write a few words" in response.get_data(as_text=True)


def test_an_imported_activity_shows_its_publishers_contact(signed_in, world):
    html = signed_in("outsider").get(f"/overlaps/contact/{world.activity.initiative_id}").get_data(as_text=True)
    assert "dana@donor.example.org" in html and "<textarea" not in html


@pytest.mark.parametrize("role, target", [("outsider", "pledge:999999"), ("outsider", "nonsense"),
                                          ("outsider", "work_item:{item}"), ("member", "pledge:{private}")])
def test_hidden_or_unknown_initiatives_cannot_be_contacted(signed_in, world, role, target):
    target = target.format(item=world.item.id, private=world.private.id)
    assert signed_in(role).get(f"/overlaps/contact/{target}").status_code == 404


def test_the_panel_and_contact_messages_are_rate_limited(world, make_app):
    from tests.conftest import PASSWORD

    limited = make_app(RATELIMIT_ENABLED=True, OVERLAP_CHECK_RATE_LIMIT="3 per minute",
                       OVERLAP_CONTACT_RATE_LIMIT="1 per hour")
    client = limited.test_client()
    client.post("/login", data={"email": world.people.outsider.email, "password": PASSWORD})
    codes = [client.post("/overlaps/check?kind=pledge", data=COCOA_DRAFT).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    url = f"/overlaps/contact/{world.pledge.initiative_id}"
    assert client.post(url, data={"message": "Hello"}).status_code == 302
    assert client.post(url, data={"message": "Hello again"}).status_code == 429
    assert client.get(url).status_code == 200  # reading the form is not limited
