"""Knowledge fixtures: resources made directly (no service), and one person in each role."""
from __future__ import annotations

from datetime import datetime, timezone
from types import SimpleNamespace

import pytest

from app import events
from app.actiongroups.models import ActionGroup, GroupRole, Membership
from app.extensions import db
from app.knowledge.models import LibraryCurator, Resource, ResourceState
from app.members.models import OrgRole

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
# Every kind of person the permission tests walk through.
ROLES = ["anonymous", "outsider", "submitter", "colleague", "curator", "admin"]


@pytest.fixture
def make_resource(app):
    counter = iter(range(1, 100_000))

    def _make_resource(*, state=ResourceState.published, org=None, **fields):
        n = next(counter)
        values = dict(title=f"Resource {n}", summary="A study of child labour in cocoa farming.",
                      resource_type="research", areas=["child_labour"], countries=["GHA"], language="en",
                      publication_year=2024, external_url="https://example.org/study.pdf", licence="cc_by")
        values.update(fields)
        resource = Resource(state=state, organisation_id=org.id if org else None,
                            submitted_at=NOW, created_at=NOW, updated_at=NOW, **values)
        if state is ResourceState.published:
            resource.published_at = NOW
        db.session.add(resource)
        events.reindex_later(resource)  # as the services do: searchable once the worker ran
        db.session.commit()
        return resource

    return _make_resource


@pytest.fixture
def world(make_org, make_user, make_resource):
    """A submitted and a published resource of "Submitting Org"; a convener's group; a curator."""
    org = make_org("Submitting Org")
    other = make_org("Other Org")
    people = SimpleNamespace(
        anonymous=None,
        outsider=make_user("outsider@example.org", org=other, full_name="Olu Outsider"),
        submitter=make_user("submitter@example.org", org=org, full_name="Sam Submitter"),
        colleague=make_user("colleague@example.org", org=org, role=OrgRole.member, full_name="Cole League"),
        curator=make_user("curator@example.org", org=other, full_name="Cura Tor"),
        admin=make_user("admin@example.org", org=other, admin=True, full_name="Ada Admin"),
    )
    db.session.add(LibraryCurator(user_id=people.curator.id))
    group = ActionGroup(slug="quarry", name="Quarry Group", mandate="Stone work.", areas=["forced_labour"],
                        focus_countries=["GHA"])
    db.session.add(group)
    db.session.flush()
    db.session.add(Membership(group_id=group.id, user_id=people.outsider.id, role=GroupRole.convener))
    db.session.commit()
    pending = make_resource(state=ResourceState.submitted, org=org, title="Pending brick kiln study",
                            submitted_by_id=people.submitter.id)
    published = make_resource(org=org, title="Published cocoa study")
    return SimpleNamespace(org=org, other=other, people=people, group=group, pending=pending, published=published)


@pytest.fixture
def as_role(client, login, world):
    def _as_role(role):
        person = getattr(world.people, role)
        if person is not None:
            assert login(person).status_code == 302
        return client

    return _as_role
