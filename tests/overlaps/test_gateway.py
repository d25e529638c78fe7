"""Overlaps in the knowledge gateway: the country pages' "overlaps and gaps" section and the dashboard's
"overlaps found and resolved per month"."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from app.extensions import db
from app.knowledge import dashboard
from app.knowledge.countries import CountryContext
from app.knowledge.dashboard import DashboardFilters, FigureContext
from app.overlaps import gateway, services
from app.overlaps.gaps import gap_matrix
from app.overlaps.initiatives import Viewer
from app.overlaps.jobs import scan_everything
from app.overlaps.models import OverlapFlag
from tests.overlaps.conftest import NOW


def section(code, user=None):
    return gateway.load_country_overlaps(CountryContext(code, user, NOW.date()))


def coverage(data):
    return {area: (n, organisations) for area, _label, n, organisations in data["coverage"]}


def test_a_country_row_read_alone_is_the_gap_views_row(world, make_pledge):
    make_pledge(world.other, title="Africa-wide research", countries=["002"], areas=["trafficking"])
    for user in (None, world.people.member):
        whole, alone = gap_matrix(Viewer.of(user), today=NOW.date()), gap_matrix(Viewer.of(user), today=NOW.date(),
                                                                                country="CIV")
        assert alone.rows == ["CIV"]
        assert [alone.count("CIV", c) for c in alone.columns] == [whole.count("CIV", c) for c in whole.columns]
        assert alone.organisations("CIV", "child_labour") == whole.organisations("CIV", "child_labour")
    assert gap_matrix(Viewer.of(None), today=NOW.date(), country="CIV").count("CIV", "trafficking") == 1


def test_the_country_section_shows_who_works_on_what_and_the_gaps(world, make_activity):
    make_activity("Closed activity in Ghana", countries=["GHA"], areas=["trafficking"], status="4")
    make_activity("Kenyan activity", countries=["KEN"], areas=["trafficking"])
    ghana = section("GHA")
    assert coverage(ghana)["child_labour"] == (2, ["Cocoa Sourcing Org", "Test Donor Agency"])
    assert coverage(ghana)["trafficking"][0] == 0 and ghana["total"] == 2
    assert [str(g) for g in ghana["gaps"]] == ["Child soldiers", "Forced labour", "Human trafficking",
                                               "Modern slavery"]   # the closed activity does not count
    assert [a.title for a in ghana["activities"]] == [world.activity.title] and ghana["activities_total"] == 1
    assert coverage(section("CIV"))["child_labour"][0] == 2                     # the members-only work item: no
    assert coverage(section("CIV", world.people.member))["child_labour"][0] == 3  # its group's members: yes
    assert not ghana["partner"] and ghana["open_likely"] == ghana["open_possible"] == 0


def test_partners_see_how_many_pairs_wait_for_review_and_reviewers_the_way_there(world):
    scan_everything(now=NOW)
    db.session.commit()
    flags = db.session.scalars(sa.select(OverlapFlag)).all()
    in_ghana = [f for f in flags if "GHA" in f.countries]
    assert in_ghana
    anonymous, partner, admin = section("GHA"), section("GHA", world.people.outsider), section("GHA", world.people.admin)
    assert anonymous["open_likely"] + anonymous["open_possible"] == 0
    assert partner["open_likely"] + partner["open_possible"] == len(in_ghana) and not partner["reviewer"]
    assert admin["reviewer"]
    services.decide(world.people.admin, in_ghana[0], "distinct", now=NOW)
    db.session.commit()
    after = section("GHA", world.people.outsider)
    assert after["decided"] == 1 and after["open_likely"] + after["open_possible"] == len(in_ghana) - 1


def test_the_country_page_shows_the_section_and_the_review_link_to_reviewers(client, login, world):
    scan_everything(now=NOW)
    db.session.commit()
    page = client.get("/countries/GHA").text
    assert "Who works on what: overlaps and gaps" in page and world.activity.title in page
    assert "/overlaps/gaps/cell?country=GHA&amp;area=child_labour" in page
    assert "overlap review" not in page                              # no pair counts for visitors
    login(world.people.admin)
    page = client.get("/countries/GHA").text
    assert "Waiting for the overlap review" in page and "/overlaps/review?country=GHA" in page


def rows(now=NOW, **filters):
    return dashboard.FIGURES["overlaps"].compute(FigureContext(DashboardFilters(**filters), now)).rows


def test_overlaps_found_and_resolved_per_month(world):
    assert all(row[1:] == [0, 0, 0, 0] for row in rows())
    scan_everything(now=NOW - timedelta(days=40))
    db.session.commit()
    flags = db.session.scalars(sa.select(OverlapFlag).order_by(OverlapFlag.id)).all()
    assert len(flags) >= 2
    services.decide(world.people.admin, flags[0], "related", now=NOW)
    reverted = services.decide(world.people.admin, flags[1], "distinct", now=NOW)
    services.revert_decision(world.people.admin, reverted, now=NOW)
    db.session.commit()
    table = rows()
    assert len(table) == 12
    assert table[-3][1:] == [len(flags), 0, 0, 0] and table[-2][1:] == [0, 0, 0, 0]   # found in January 2026
    assert table[-1][1:] == [0, 0, 1, 0]              # one decision standing in March, the reverted one not
    assert all(row[1:] == [0, 0, 0, 0] for row in rows(area="forced_labour"))
    assert all(row[1:] == [0, 0, 0, 0] for row in rows(region="019"))   # the Americas: none there
    assert sum(row[1] for row in rows(region="002")) == len(flags)


def test_the_dashboard_shows_the_overlaps_figure_with_its_csv(client, world):
    assert "Overlaps found and resolved per month" in client.get("/dashboard").text
    csv = client.get("/dashboard/overlaps.csv").text
    assert csv.splitlines()[0].lstrip("\ufeff") == ("Month,Overlaps found,Resolved: same initiative,"
                                                    "Resolved: related,Resolved: distinct")
