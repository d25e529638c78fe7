"""The submitter hears what the curators decided, and the publisher defaults to the submitter's organisation."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.knowledge import services
from app.notifications.models import Notification
from app.notifications.services import set_preferences
from tests.knowledge.conftest import NOW

REASON = "Please add the year of the survey and the districts it covered."


def notes_of(person) -> list[Notification]:
    return list(db.session.scalars(sa.select(Notification).where(Notification.recipient_id == person.id)
                                   .order_by(Notification.id)))


def test_publishing_tells_the_submitter_in_the_hub_and_by_email(world, outbox):
    services.publish_resource(world.people.curator, world.pending, now=NOW)
    db.session.commit()
    [note] = notes_of(world.people.submitter)
    assert note.kind == "resource_published" and note.url == f"/library/{world.pending.id}"
    assert note.params["resource"] == "Pending brick kiln study" and note.actor_id == world.people.curator.id
    [mail] = [m for m in outbox if m["To"] == "submitter@example.org"]
    assert mail["Subject"] == "Your resource “Pending brick kiln study” was published in the library"
    assert f"/library/{world.pending.id}" in mail.get_body().get_content()
    # Nobody else of the organisation is told.
    assert notes_of(world.people.colleague) == []


def test_returning_sends_the_reason_to_the_submitter_in_their_language(world, outbox):
    world.people.submitter.locale = "fr"
    db.session.commit()
    services.return_resource(world.people.curator, world.pending, REASON, now=NOW)
    db.session.commit()
    [note] = notes_of(world.people.submitter)
    assert note.kind == "resource_returned" and note.params["message"] == REASON
    [mail] = [m for m in outbox if m["To"] == "submitter@example.org"]
    body = mail.get_body().get_content()
    assert "Votre ressource « Pending brick kiln study » vous a été renvoyée pour modification" in body
    assert REASON in body
    # The reason is in the body, not in the subject line.
    assert REASON not in mail["Subject"] and mail["Subject"].startswith("Votre ressource")
    assert "returned" not in body


def test_the_notification_page_shows_the_reason(world, client, login):
    services.return_resource(world.people.curator, world.pending, REASON, now=NOW)
    db.session.commit()
    login(world.people.submitter)
    page = client.get("/notifications").get_data(as_text=True)
    assert "returned to you for changes" in page and REASON in page


def test_returned_twice_the_submitter_hears_twice(world, outbox):
    services.return_resource(world.people.curator, world.pending, REASON, now=NOW)
    db.session.commit()
    services.update_resource(world.people.submitter, world.pending, services.ResourceData(
        title="Pending brick kiln study", resource_type="research", external_url="https://example.org/k"),
        now=NOW + timedelta(hours=1))
    services.return_resource(world.people.curator, world.pending, "Still no year.", now=NOW + timedelta(hours=2))
    services.publish_resource(world.people.curator, world.pending, now=NOW + timedelta(hours=3))
    db.session.commit()
    assert [n.kind for n in notes_of(world.people.submitter)] == ["resource_returned", "resource_returned",
                                                                  "resource_published"]
    assert len([m for m in outbox if m["To"] == "submitter@example.org"]) == 3


def test_the_submitters_preferences_are_followed(world, outbox):
    set_preferences(world.people.submitter, {"resource_published": "off", "resource_returned": "daily"})
    db.session.commit()
    services.return_resource(world.people.curator, world.pending, REASON, now=NOW)
    db.session.commit()
    [note] = notes_of(world.people.submitter)
    assert note.kind == "resource_returned" and note.emailed_at is None  # waits for the daily digest
    services.publish_resource(world.people.curator, world.pending, now=NOW)
    db.session.commit()
    assert [n.kind for n in notes_of(world.people.submitter)] == ["resource_returned"]
    assert [m for m in outbox if m["To"] == "submitter@example.org"] == []


def test_a_curator_publishing_their_own_resource_is_not_told(world):
    resource = services.submit_resource(world.people.curator, services.ResourceData(
        title="Curator's own", resource_type="research", external_url="https://example.org/own"), now=NOW)
    services.publish_resource(world.people.curator, resource, now=NOW)
    db.session.commit()
    assert notes_of(world.people.curator) == []


def test_a_resource_without_a_submitter_notifies_nobody(world, make_resource):
    resource = make_resource(state=services.ResourceState.submitted, org=world.org)
    services.publish_resource(world.people.curator, resource, now=NOW)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(Notification.id))) == 0


def _selected_publisher(page: str) -> str | None:
    select = re.search(r'<select[^>]*name="publisher_id".*?</select>', page, re.S).group(0)
    found = re.search(r'<option[^>]*selected[^>]*value="(\d+)"|<option[^>]*value="(\d+)"[^>]*selected', select)
    return next(filter(None, found.groups())) if found else None


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_publisher_defaults_to_the_submitters_organisation(world, client, login, lang):
    world.people.submitter.locale = lang
    db.session.commit()
    login(world.people.submitter)
    page = client.get("/library/new").get_data(as_text=True)
    assert _selected_publisher(page) == str(world.org.id)
    # It stays a default: the person may clear it and name another publisher.
    response = client.post("/library/new", data={
        "title": "Kiln survey", "resource_type": "research", "language": "en", "publisher_id": "",
        "publisher_name": "University of Accra", "external_url": "https://example.org/kiln"})
    assert response.status_code == 302
    resource = db.session.scalar(sa.select(services.Resource).where(services.Resource.title == "Kiln survey"))
    assert resource.publisher_id is None and resource.publisher_name == "University of Accra"


def test_the_publishers_list_does_not_default_to_a_pending_organisation(world, client, login, make_org, make_user):
    from app.members.models import OrganisationStatus, UserStatus

    admin = world.people.admin
    admin.organisation = make_org("Pending Org", status=OrganisationStatus.pending)
    admin.status = UserStatus.active
    db.session.commit()
    login(admin)
    assert _selected_publisher(client.get("/library/new").get_data(as_text=True)) is None


def test_the_edit_form_keeps_the_resources_publisher(world, client, login):
    world.pending.publisher_id = world.other.id
    db.session.commit()
    login(world.people.submitter)
    page = client.get(f"/library/{world.pending.id}/edit").get_data(as_text=True)
    assert _selected_publisher(page) == str(world.other.id)
