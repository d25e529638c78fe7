"""The dashboard counts and filters pledges by their areas, countries and regions as they are now: after a pledge
is made, edited (its lists, its dates), published, withdrawn or deleted, and after a bulk import."""
from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timezone

import sqlalchemy as sa

from app.commitments import services
from app.commitments.demo_bulk import seed_many_pledges
from app.commitments.models import Pledge, PledgeState
from app.extensions import db
from app.knowledge import dashboard
from app.knowledge.dashboard import DashboardFilters, FigureContext
from app.taxonomy import region_of
from tests.commitments.conftest import make_pledge, pledge_world  # noqa: F401  (fixtures)
from tests.commitments.test_services import SMART, _edit

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


def table(key, **filters):
    return dashboard.FIGURES[key].compute(FigureContext(DashboardFilters(**filters), NOW)).rows


def nonzero(rows):
    return {row[0]: row[1] for row in rows if row[1]}


def pipeline(**filters):
    """Every pledge the filters select (drafts included), per status."""
    return nonzero(table("pipeline", **filters))


def test_a_pledge_is_counted_by_its_lists_as_made_published_edited_and_withdrawn(pledge_world):
    """The world's own pledge names Kenya and child labour; the new one is followed through its life."""
    people = pledge_world.people
    pledge = services.create_pledge(people.coordinator, SMART, now=NOW)  # Côte d'Ivoire and Ghana
    db.session.commit()
    assert pipeline(region="002", area="child_labour") == {"Draft": 1, "Published": 1}
    assert pipeline(region="150") == {}

    services.submit_pledge(people.coordinator, pledge, now=NOW)
    services.publish_pledge(people.admin, pledge, now=NOW)
    db.session.commit()
    assert table("map") == [["CIV", 1], ["GHA", 1], ["KEN", 1]]

    # Its countries and areas changed after publication: counted under the new ones only, once per region
    # even when a region's code stands for all its countries.
    services.update_pledge(people.coordinator, pledge,
                           _edit(pledge, countries=["FRA", "150"], areas=["forced_labour"]), now=NOW)
    db.session.commit()
    assert pipeline(region="150") == {"Published": 1}
    assert pipeline(region="150", area="forced_labour") == {"Published": 1}
    assert pipeline(region="002") == {"Published": 1}          # the world's pledge alone
    assert pipeline(area="child_labour") == {"Published": 1}
    assert nonzero(table("region")) == {"Africa": 1, "Europe": 1}
    assert ["FRA", 1] in table("map") and ["CIV", 1] not in table("map")
    assert nonzero(table("area")) == {"Child labour": 1, "Forced labour": 1}

    services.withdraw_pledge(people.coordinator, pledge, "Funding ended.", now=NOW)
    db.session.commit()
    assert pipeline(region="150") == {"Withdrawn": 1}
    assert not any(code == "FRA" for code, _ in table("map"))   # the map shows active pledges only


def test_a_pledge_whose_dates_change_is_counted_in_the_years_it_now_runs(pledge_world):
    pledge = pledge_world.pledge    # published, 2026 to 2027
    assert nonzero(table("area", year=2026)) == {"Child labour": 1}
    services.update_pledge(pledge_world.people.coordinator, pledge,
                           _edit(pledge, start_date=date(2028, 1, 1), end_date=date(2029, 12, 31)), now=NOW)
    db.session.commit()
    for figure in ("area", "region", "status"):
        assert nonzero(table(figure, year=2026)) == {}, figure
        assert len(nonzero(table(figure, year=2029))) == 1, figure
    assert table("map", year=2029) == [["KEN", 1]] and table("map", year=2027) == []


def test_a_deleted_pledge_is_counted_no_more(pledge_world):
    assert pipeline(region="002") == {"Published": 1}
    db.session.delete(db.session.get(Pledge, pledge_world.pledge.id))
    db.session.commit()
    assert pipeline(region="002") == {}
    assert table("map") == []


def test_pledges_imported_in_bulk_are_counted_by_their_lists(make_org):
    make_org()
    seed_many_pledges(80, now=NOW, seed=3)
    db.session.commit()
    pledges = list(db.session.scalars(sa.select(Pledge)))
    public = [p for p in pledges if p.state in (PledgeState.published, PledgeState.completed, PledgeState.withdrawn)]
    areas = Counter(area for p in public for area in set(p.areas))
    regions = Counter(region for p in public for region in {region_of(c) for c in p.countries} if region)
    countries = Counter(c for p in public if p.state is PledgeState.published for c in set(p.countries))
    assert sum(n for _label, n in table("area")) == sum(areas.values()) > 80
    assert nonzero(table("region"))["Africa"] == regions["002"] > 0
    assert dict((code, n) for code, n in table("map")) == dict(countries)
    africa = [p for p in public if any(region_of(c) == "002" for c in p.countries)]
    assert sum(n for _label, n in table("status", region="002")) == len(africa)
