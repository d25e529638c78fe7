"""An organisation's page lists its public pledges with their lights, its action groups, its resources, its
Forum sessions and, for signed-in partners, its focal points; empty lists say what to do."""
from __future__ import annotations

from datetime import date

import pytest

from app.commitments.models import PledgeState
from app.knowledge.models import ResourceState
from app.members.models import OrganisationStatus, UserStatus
from app.members.overview import LIST_MAX, organisation_overview
from tests.conftest import PASSWORD
from tests.commitments.conftest import make_pledge  # noqa: F401  (fixture)
from tests.forums.conftest import forum, group, make_session, people  # noqa: F401  (fixtures)
from app.forums.services import SpeakerData
from tests.knowledge.conftest import make_resource  # noqa: F401  (fixture)

TODAY = date(2026, 12, 1)


@pytest.fixture
def filled(people, group, forum, make_session, make_pledge, make_resource, make_org):  # noqa: F811
    home = people.convener.organisation          # "Home Organisation": the convener is in the group
    partner_org = make_org("Partner Org")
    make_pledge(home, title="Home cocoa pledge")
    make_pledge(home, title="Home draft pledge", state=PledgeState.draft)
    make_pledge(partner_org, title="Joint pledge", partners=[home])
    make_resource(title="Home study", org=home)
    make_resource(title="Home draft study", org=home, state=ResourceState.submitted)
    make_session("Home talk", speakers=[SpeakerData("Cleo Convener", "home organisation")])
    make_session("Elsewhere talk", speakers=[SpeakerData("Someone", "ILO")])
    return home


def test_the_overview_lists_what_the_organisation_does(filled, people):
    overview = organisation_overview(filled, people.partner, TODAY)
    assert {p.title for p in overview.pledges.items} == {"Joint pledge", "Home cocoa pledge"}
    assert overview.pledges.total == 2
    assert [g.name for g in overview.groups.items] == ["Supply Chains"]
    assert [r.title for r in overview.resources.items] == ["Home study"]
    assert [s.title for s in overview.sessions.items] == ["Home talk"]
    assert {u.full_name for u in overview.focal_points.items} == {"Ada Admin", "Cleo Convener"}  # not Mo Member


def test_focal_points_are_for_signed_in_partners_only(filled, people, make_user):
    assert organisation_overview(filled, None, TODAY).focal_points is None
    pending = make_user(status=UserStatus.pending)
    assert organisation_overview(filled, pending, TODAY).focal_points is None
    assert organisation_overview(filled, people.member, TODAY).focal_points is not None


def test_lists_are_bounded_and_counted(people, make_pledge, count_queries):  # noqa: F811
    home = people.convener.organisation
    for n in range(LIST_MAX + 3):
        make_pledge(home, title=f"Pledge {n}")
    count_queries.clear()
    overview = organisation_overview(home, people.partner, TODAY)
    assert len(overview.pledges.items) == LIST_MAX and overview.pledges.total == LIST_MAX + 3
    assert overview.pledges.more == 3
    assert len(count_queries) <= 9


def test_the_page_for_a_visitor(client, filled):
    page = client.get(f"/organisations/{filled.id}").text
    assert "Home cocoa pledge" in page and "Home draft pledge" not in page and 'data-light="' in page
    assert "Joint pledge" in page and "Supply Chains" in page and "Home study" in page
    assert "Home draft study" not in page and "Home talk" in page and "Elsewhere talk" not in page
    assert "convener@example.org" not in page and "Partners who sign in see who to contact here." in page


@pytest.mark.parametrize("who, sees_emails", [("partner", True), ("member", True), ("admin", True)])
def test_the_page_for_partners_shows_focal_points(client, login, filled, people, who, sees_emails):
    login(getattr(people, who))
    page = client.get(f"/organisations/{filled.id}").text
    assert ("convener@example.org" in page) is sees_emails
    assert "member@example.org" not in page           # a member, not a focal point


def test_empty_states_say_what_to_do(app, client, login, people):
    other = people.partner.organisation
    login(people.partner)                              # a focal point of this empty organisation
    page = client.get(f"/organisations/{other.id}").text
    assert "Make a pledge" in page and "/pledges/new" in page
    assert "See the action groups" in page and "Add a resource" in page
    other_client = app.test_client()                   # someone else's organisation: no call to act
    other_client.post("/login", data={"email": people.convener.email, "password": PASSWORD})
    page = other_client.get(f"/organisations/{other.id}").text
    assert "No published pledge yet." in page and "/pledges/new" not in page


def test_unknown_or_hidden_organisations(client, make_org):
    hidden = make_org("Pending Org", status=OrganisationStatus.pending)
    assert client.get(f"/organisations/{hidden.id}").status_code == 404
    assert client.get("/organisations/999999").status_code == 404
    assert client.get("/organisations/abc").status_code == 404


@pytest.mark.parametrize("who", ["admin", "convener", "member", None])
def test_no_viewer_sees_drafts_or_unpublished_resources_there(filled, people, who):
    overview = organisation_overview(filled, getattr(people, who) if who else None, TODAY)
    assert "Home draft pledge" not in {p.title for p in overview.pledges.items}
    assert "Home draft study" not in {r.title for r in overview.resources.items}
