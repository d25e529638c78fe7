"""The gap view: active initiatives per country and 8.7 area, with their organisations; filters; CSV."""
from __future__ import annotations

import csv
import io

import pytest

from app.commitments.models import PledgeState
from app.extensions import db
from app.overlaps.gaps import GLOBAL, NO_AREA, gap_matrix
from app.overlaps.initiatives import Viewer
from tests.overlaps.conftest import NOW


def matrix_for(user=None, **filters):
    return gap_matrix(Viewer.of(user), today=NOW.date(), **filters)


def test_cells_count_active_initiatives_the_viewer_may_see(world):
    public = matrix_for()
    assert public.rows == ["CIV", "GHA", "KWT", "QAT"]
    assert public.count("GHA", "child_labour") == 2          # the pledge and the imported activity
    assert public.count("CIV", "child_labour") == 2          # the members-only work item is not counted
    assert public.count("GHA", "worst_forms") == 1
    assert public.count("QAT", "forced_labour") == 1
    assert public.count("GHA", "trafficking") == 0           # a gap
    assert public.organisations("GHA", "child_labour") == ["Cocoa Sourcing Org", "Test Donor Agency"]
    member = matrix_for(world.people.member)
    assert member.count("CIV", "child_labour") == 3 and "Third Org" in member.organisations("CIV", "child_labour")
    assert public.total == 3 and member.total == 4           # the draft is never counted


def test_only_active_initiatives_count(world, make_activity):
    world.unrelated.state = PledgeState.completed
    world.activity.status = "4"  # closed
    world.item.status = world.item.status.__class__("dropped")
    make_activity("Undated activity", countries=["KEN"], areas=["trafficking"], status="")
    db.session.commit()
    matrix = matrix_for(world.people.admin)
    assert matrix.rows == ["CIV", "GHA", "KEN"]
    assert matrix.count("GHA", "child_labour") == 1 and matrix.count("KEN", "trafficking") == 1


def test_global_initiatives_have_a_row_of_their_own_and_no_area_a_column(world, make_pledge):
    make_pledge(world.other, title="Global research", countries=[], is_global=True, areas=[])
    matrix = matrix_for()
    assert matrix.rows[-1] == GLOBAL and matrix.count(GLOBAL, NO_AREA) == 1
    assert matrix.count("GHA", NO_AREA) == 0


def test_a_region_shows_every_country_of_it_with_the_gaps(world):
    africa = matrix_for(region="002")
    assert "CIV" in africa.rows and "KEN" in africa.rows and "QAT" not in africa.rows
    assert len(africa.rows) > 50 and africa.row_total("KEN") == 0


@pytest.mark.parametrize("kind, total", [("pledge", 2), ("external_activity", 1), ("work_item", 0), ("nonsense", 3)])
def test_the_kind_filter(world, kind, total):
    assert matrix_for(kind=kind).total == total


def test_the_page_links_each_count_to_its_initiatives(client, world):
    html = client.get("/overlaps/gaps").get_data(as_text=True)
    assert "Who works where" in html and "Côte d’Ivoire" in html
    assert "/overlaps/gaps/cell?country=GHA&amp;area=child_labour" in html
    cell = client.get("/overlaps/gaps/cell?country=GHA&area=child_labour").get_data(as_text=True)
    assert world.pledge.title in cell and world.activity.title in cell and "Test Donor Agency" in cell
    assert f"/overlaps/initiatives/{world.pledge.initiative_id}" in cell
    assert client.get(f"/overlaps/initiatives/{world.pledge.initiative_id}").headers["Location"] == \
        f"/pledges/{world.pledge.id}"
    assert client.get(f"/overlaps/initiatives/{world.item.initiative_id}").status_code == 404
    empty = client.get("/overlaps/gaps/cell?country=GHA&area=trafficking").get_data(as_text=True)
    assert "a gap" in empty


@pytest.mark.parametrize("query", ["country=XXXX&area=child_labour", "country=GHA&area=nonsense", ""])
def test_a_cell_that_is_not_one_is_404(client, world, query):
    assert client.get(f"/overlaps/gaps/cell?{query}").status_code == 404


def test_the_csv_export(client, world, make_activity):
    make_activity("Formula", reporting_org_name="=HYPERLINK(\"http://evil\")", countries=["GHA"],
                  areas=["trafficking"])
    response = client.get("/overlaps/gaps.csv?region=nonsense")
    assert response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == ["Country code", "Country", "8.7 area code", "8.7 area", "Active initiatives", "Organisations"]
    assert ["GHA", "Ghana", "child_labour", "Child labour", "2", "Cocoa Sourcing Org; Test Donor Agency"] in rows
    assert ["GHA", "Ghana", "trafficking", "Human trafficking", "1", "'=HYPERLINK(\"http://evil\")"] in rows
    assert len(rows) == 1 + 4 * 7


def test_an_empty_registry_says_what_will_appear(client, app):
    assert "No active initiative yet" in client.get("/overlaps/gaps").get_data(as_text=True)
