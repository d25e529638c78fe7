"""Country pages: the sections, the registry other features plug into, permissions, the Pathfinder form."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

import pytest

from app.actiongroups.workplan.models import WorkItem
from app.commitments.models import PledgeState
from app.errors import DomainError, NotAllowedError
from app.extensions import db
from app.knowledge import countries, services
from app.knowledge.indicators import import_indicators
from app.knowledge.models import ResourceState
from tests.commitments.conftest import make_pledge  # noqa: F401  (fixture)
from tests.knowledge.conftest import NOW
from tests.knowledge.test_indicators import GOOD


def test_the_country_page_joins_things_up(client, world, make_pledge, make_resource):  # noqa: F811
    make_pledge(world.org, title="Tea estate pledge", countries=["KEN"])
    make_pledge(world.org, title="Draft tea pledge", countries=["KEN"], state=PledgeState.draft)
    make_resource(title="Kenya tea study", countries=["KEN"])
    world.org.country_code = "KEN"
    world.group.focus_countries = ["KEN"]
    import_indicators(GOOD, now=NOW)
    db.session.commit()
    page = client.get("/countries/KEN")
    assert page.status_code == 200
    text = page.text
    for expected in ("Kenya", "Tea estate pledge", "Kenya tea study", "Submitting Org", "Quarry Group",
                     "National survey 2019", "data-light=", "Not a Pathfinder country"):
        assert expected in text, expected
    assert "Draft tea pledge" not in text and "Illustrative values" not in text
    assert client.get("/countries/ken").headers["Location"].endswith("/countries/KEN")
    assert client.get("/countries/XYZ").status_code == 404
    assert client.get("/countries/?code=GHA").headers["Location"].endswith("/countries/GHA")


def test_work_items_show_only_to_readers_of_the_group(client, login, world):
    db.session.add(WorkItem(group_id=world.group.id, title="Quarry inspections in Ghana", countries=["GHA"]))
    db.session.commit()
    assert "Quarry inspections in Ghana" not in client.get("/countries/GHA").text
    login(world.people.submitter)
    assert "Quarry inspections in Ghana" not in client.get("/countries/GHA").text
    client.post("/logout")
    login(world.people.outsider)  # the group's convener
    assert "Quarry inspections in Ghana" in client.get("/countries/GHA").text


def test_features_plug_sections_in(client, world, app):
    seen = []

    def load(ctx):
        seen.append(ctx.code)
        return {"note": "Forum session on cocoa"} if ctx.code == "GHA" else None

    countries.register_country_section(countries.CountrySection(
        "forum-test", "Upcoming Forum sessions", "knowledge/country/_groups.html", lambda ctx: load(ctx) and {
            "groups": []}, order=60))
    try:
        assert "Upcoming Forum sessions" in client.get("/countries/GHA").text
        assert "Upcoming Forum sessions" not in client.get("/countries/KEN").text
        assert seen == ["GHA", "KEN"]
    finally:
        countries.SECTIONS[:] = [s for s in countries.SECTIONS if s.key != "forum-test"]


def test_the_secretariat_marks_a_pathfinder_country(world, make_resource):
    roadmap = make_resource(title="Ghana roadmap 2025-2030", resource_type="policy")
    with pytest.raises(NotAllowedError):
        services.set_pathfinder(world.people.curator, "GHA", date(2020, 1, 1), now=NOW)
    with pytest.raises(DomainError) as error:
        services.set_pathfinder(world.people.admin, "GHA", date(2030, 1, 1), now=NOW)
    assert error.value.field == "since"
    with pytest.raises(DomainError) as error:
        services.set_pathfinder(world.people.admin, "GHA", date(2020, 1, 1), now=NOW,
                                milestones=[services.MilestoneData("", date(2025, 1, 1))])
    assert error.value.field == "milestones-0-title"
    country = services.set_pathfinder(world.people.admin, "GHA", date(2020, 1, 1), roadmap_resource_id=roadmap.id,
                                      milestones=[services.MilestoneData("Labour inspection plan", date(2025, 1, 1)),
                                                  services.MilestoneData(" ")], now=NOW)
    db.session.commit()
    assert [m.title for m in country.milestones] == ["Labour inspection plan"]
    assert country.milestones[0].is_overdue(date(2026, 3, 1))


def test_the_pathfinder_form(as_role, world, make_resource):
    roadmap = make_resource(title="Nepal roadmap", state=ResourceState.published)
    client = as_role("admin")
    assert client.get("/countries/NPL/pathfinder").status_code == 200
    response = client.post("/countries/NPL/pathfinder", data={
        "is_pathfinder": "y", "since": "2019-05-01", "roadmap_resource_id": str(roadmap.id),
        "milestones-0-title": "Child labour survey", "milestones-0-due_date": "2024-12-31",
        "milestones-0-done_on": "2024-11-02"})
    assert response.status_code == 302
    page = client.get("/countries/NPL").text
    assert "Pathfinder country" in page and "Nepal roadmap" in page and "Child labour survey" in page
    response = client.post("/countries/NPL/pathfinder", data={"is_pathfinder": "y", "since": ""})
    assert "Give the date the country became a Pathfinder country." in response.text
    assert client.post("/countries/NPL/pathfinder", data={}).status_code == 302
    assert "Not a Pathfinder country" in client.get("/countries/NPL").text


def test_seed_demo_adds_the_knowledge_content_once(app, client):
    from app.knowledge.models import IndicatorValue, PathfinderCountry, Resource

    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    counts = [db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in (Resource, PathfinderCountry,
                                                                                      IndicatorValue)]
    assert counts[0] >= 16 and counts[1] == 3 and counts[2] > 100
    again = runner.invoke(args=["seed-demo"])
    assert "0 new resources, 0 new pathfinder countries, 0 new indicator values" in again.output
    assert [db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in (
        Resource, PathfinderCountry, IndicatorValue)] == counts
    page = client.get("/countries/GHA").text
    assert "Pathfinder country" in page and "Illustrative values, not official statistics" in page
    assert "<mark>cocoa</mark>" in client.get("/search?q=cocoa").text
