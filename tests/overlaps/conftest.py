"""Overlap fixtures: initiatives of every kind that look alike, people in every role, an activity factory."""
from __future__ import annotations

from datetime import date, datetime, timezone
from types import SimpleNamespace

import pytest

from app.actiongroups.models import GroupRole, Visibility
from app.actiongroups.workplan.models import WorkItem, WorkItemStatus
from app.commitments.models import PledgeState
from app.extensions import db
from app.members.models import OrgRole
from app.overlaps.models import ExternalActivity
from tests.actiongroups.conftest import add_member, make_group  # noqa: F401  (fixtures)
from tests.commitments.conftest import make_pledge  # noqa: F401  (fixture)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)

COCOA_TITLE = "Child labour monitoring and remediation for cocoa farmers"
COCOA_TEXT = ("Cover every cocoa farmer in the supply chain with a child labour monitoring and remediation "
              "system: community facilitators, household visits and support for each child found in "
              "hazardous work.")
COCOA_DRAFT = {"title": "Child labour monitoring and remediation in cocoa-growing communities",
               "description": "Set up a child labour monitoring and remediation system for cocoa farmers: "
                              "community facilitators visit households and every child found in hazardous "
                              "work gets remediation support.",
               "countries": ["GHA", "CIV"], "areas": ["child_labour"], "start_date": "2026-02-01",
               "end_date": "2027-12-31"}


@pytest.fixture
def make_activity(app):
    counter = iter(range(1, 100_000))

    def _make_activity(title="An imported activity", **fields):
        n = next(counter)
        values = dict(identifier=f"XM-TEST-{n}", source="iati", source_name="test.xml",
                      reporting_org_ref="XM-TEST", reporting_org_name="Test Donor Agency", description="",
                      countries=[], status="2")
        values.update(fields)
        activity = ExternalActivity(title=title, **values)
        db.session.add(activity)
        db.session.commit()
        return activity

    return _make_activity


@pytest.fixture
def make_item(app):
    def _make_item(group, title="A work item", **fields):
        values = dict(description="", countries=[], areas=[], status=WorkItemStatus.in_progress)
        values.update(fields)
        item = WorkItem(group_id=group.id, title=title, **values)
        db.session.add(item)
        db.session.commit()
        return item

    return _make_item


@pytest.fixture
def world(make_org, make_user, make_group, add_member, make_pledge, make_item, make_activity):  # noqa: F811
    """Three organisations, a members-only action group, and look-alike initiatives of every kind.

    * ``pledge``: a published pledge of the cocoa organisation (coordinated by ``people.cocoa``);
    * ``item``: a work item of the group, led by the third organisation, with the same idea;
    * ``activity``: an imported activity with the same idea;
    * ``private``: a draft of the other organisation with the same idea (never shown to outsiders);
    * ``unrelated``: a published pledge about something else.
    """
    cocoa = make_org("Cocoa Sourcing Org")
    other = make_org("Other Org")
    third = make_org("Third Org")
    people = SimpleNamespace(
        anonymous=None,
        outsider=make_user("outsider@example.org", org=other, full_name="Olu Outsider"),
        cocoa=make_user("cocoa@example.org", org=cocoa, full_name="Cora Cocoa"),
        cocoa_member=make_user("cocoa-member@example.org", org=cocoa, role=OrgRole.member, full_name="Milo Member"),
        member=make_user("member@example.org", org=third, full_name="Mia Member"),
        convener=make_user("convener@example.org", org=third, full_name="Cleo Convener"),
        admin=make_user("admin@example.org", admin=True, full_name="Ada Admin"),
    )
    group = make_group("Supply Chains", slug="supply-chains", visibility=Visibility.members)
    add_member(group, people.member, GroupRole.member)
    add_member(group, people.convener, GroupRole.convener)
    pledge = make_pledge(cocoa, coordinator=people.cocoa, title=COCOA_TITLE, description=COCOA_TEXT,
                         contribution="Remediation keeps children out of hazardous farm work.",
                         countries=["CIV", "GHA"], areas=["child_labour", "worst_forms"],
                         start_date=date(2026, 1, 1), end_date=date(2027, 12, 31))
    item = make_item(group, "Shared child labour monitoring and remediation for cocoa cooperatives",
                     description="A child labour monitoring and remediation system shared by cocoa buyers: "
                                 "household visits by community facilitators, support for each child found.",
                     countries=["CIV"], areas=["child_labour"], lead_organisation_id=third.id,
                     responsible_id=people.member.id, start_date=date(2026, 1, 1), due_date=date(2026, 12, 31))
    activity = make_activity("Cocoa communities free of child labour: monitoring and remediation",
                             description="Community facilitators visit cocoa farming households, identify children "
                                         "in hazardous work, and remediation support reaches every child found.",
                             countries=["GHA", "CIV"], areas=["child_labour"], start_date=date(2025, 6, 1),
                             end_date=date(2028, 12, 31),
                             contact={"person": "Dana Donor", "email": "dana@donor.example.org"})
    private = make_pledge(other, state=PledgeState.draft, coordinator=people.outsider,
                          title="Our draft: child labour monitoring and remediation for cocoa farmers",
                          description=COCOA_TEXT, countries=["CIV", "GHA"])
    unrelated = make_pledge(other, coordinator=people.outsider, title="Legal aid for domestic workers in the Gulf",
                            description="Lawyers and a hotline for domestic workers who cannot leave their "
                                        "employer's house, in Qatar and Kuwait.", countries=["QAT", "KWT"],
                            areas=["forced_labour"])
    return SimpleNamespace(people=people, cocoa=cocoa, other=other, third=third, group=group, pledge=pledge,
                           item=item, activity=activity, private=private, unrelated=unrelated)


@pytest.fixture
def signed_in(client, login, world):
    """Sign in as one of ``world.people`` (anonymous stays signed out); returns the client."""

    def _signed_in(role):
        person = getattr(world.people, role)
        if person is not None:
            assert login(person).status_code == 302
        return client

    return _signed_in
