"""The dashboard's figures against numbers worked out by hand on fixed data, its filters, CSV and map."""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal
from types import SimpleNamespace

import pytest

from app.actiongroups.discussions.models import Thread
from app.actiongroups.documents.models import Document
from app.actiongroups.models import ActionGroup, Membership
from app.commitments.models import PledgeState, ProgressReport, ReportState
from app.extensions import db
from app.knowledge import dashboard
from app.knowledge.dashboard import DashboardFilters, FigureContext
from app.members.models import StakeholderType
from tests.commitments.conftest import make_pledge  # noqa: F401  (fixture)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


def at(y, m, d):
    return datetime(y, m, d, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def fixed(make_org, make_user, make_pledge, clock):  # noqa: F811
    """Five public pledges and a draft, with reports, and a group with some activity (see each test). The pages
    are read at NOW, as the figures computed directly are: pledge A ends on 1 January 2027."""
    clock(NOW)
    gov = make_org("Gov Org", kind=StakeholderType.government)
    ngo = make_org("Ngo Org", kind=StakeholderType.civil_society)
    a = make_pledge(gov, title="A", areas=["child_labour"], countries=["KEN"], start_date=date(2025, 1, 1),
                    end_date=date(2027, 1, 1), report_every_months=6, resources_amount=Decimal(100),
                    reported_through=date(2025, 7, 1))
    b = make_pledge(gov, title="B", areas=["child_labour", "forced_labour"], countries=["KEN", "FRA"],
                    start_date=date(2025, 4, 1), end_date=date(2026, 12, 31), report_every_months=3,
                    resources_amount=Decimal(50), reported_through=date(2025, 10, 1))
    c = make_pledge(gov, title="C", areas=["trafficking"], countries=["PER"], resources_amount=Decimal(20),
                    resources_currency="EUR", action_type="policy_law")
    d = make_pledge(ngo, title="D", areas=["forced_labour"], countries=["GHA"], state=PledgeState.completed,
                    end_date=date(2026, 6, 30), resources_amount=Decimal(10))
    e = make_pledge(ngo, title="E", areas=["child_labour"], countries=["KEN"], state=PledgeState.withdrawn,
                    resources_amount=Decimal(999))
    make_pledge(ngo, title="F", state=PledgeState.draft, countries=["KEN"])
    for pledge, start, end, approved_at in ((a, date(2025, 1, 1), date(2025, 7, 1), at(2025, 8, 15)),
                                            (b, date(2025, 4, 1), date(2025, 7, 1), at(2025, 10, 15)),
                                            (b, date(2025, 7, 1), date(2025, 10, 1), at(2025, 11, 1))):
        db.session.add(ProgressReport(pledge_id=pledge.id, period_start=start, period_end=end,
                                      state=ReportState.approved, approved_at=approved_at))
    for pledge in (a, b):
        pledge.refresh_schedule()
    group = ActionGroup(slug="g", name="G", areas=["forced_labour"], focus_countries=["KEN"])
    db.session.add(group)
    db.session.flush()
    people = [make_user(f"p{i}@example.org") for i in range(4)]
    for person, joined in zip(people, (at(2025, 6, 10), at(2025, 6, 20), at(2026, 2, 1), at(2024, 1, 1))):
        db.session.add(Membership(group_id=group.id, user_id=person.id, joined_at=joined))
    db.session.add(Thread(group_id=group.id, title="T", created_at=at(2025, 6, 11), last_post_at=at(2025, 6, 11)))
    db.session.add(Document(group_id=group.id, title="Doc", created_at=at(2026, 2, 2), updated_at=at(2026, 2, 2)))
    db.session.commit()
    return SimpleNamespace(a=a, b=b, c=c, d=d, e=e, group=group)


def table(key, **filters):
    ctx = FigureContext(DashboardFilters(**filters), NOW)
    return dashboard.FIGURES[key].compute(ctx).rows


def nonzero(rows):
    return {row[0]: row[1] for row in rows if row[1]}


def test_pledges_by_status_light_area_type_stakeholder_and_region(fixed):
    assert nonzero(table("status")) == {"Published": 3, "Completed": 1, "Withdrawn": 1}
    assert nonzero(table("light")) == {"On track": 1, "Report due": 2, "Completed": 1, "Withdrawn": 1}
    assert nonzero(table("area")) == {"Child labour": 3, "Forced labour": 2, "Human trafficking": 1}
    assert nonzero(table("action-type")) == {"Programmes and services": 4, "Policy and law": 1}
    assert nonzero(table("stakeholder")) == {"Government": 3, "Civil society": 2}
    assert nonzero(table("region")) == {"Africa": 4, "Europe": 1, "Americas": 1}


def test_resources_by_currency_leave_out_withdrawn_pledges_and_never_convert(fixed):
    assert table("resources") == [["USD", 160.0, 3], ["EUR", 20.0, 1]]


def test_report_compliance_per_month(fixed):
    rows = {row[0]: row[1:] for row in table("compliance")}
    assert list(rows)[0] == "Apr 2025" and list(rows)[-1] == "Mar 2026" and len(rows) == 12
    assert rows["Jul 2025"] == [50.0, 2, 1]     # A on time (45 days), B late (106 days)
    assert rows["Oct 2025"] == [100.0, 1, 1]
    assert rows["Jan 2026"] == [0.0, 2, 0]
    assert rows["Mar 2026"] == [None, 0, 0]


def test_group_activity_per_month(fixed):
    rows = {row[0]: row[1:] for row in table("groups")}
    assert rows["Jun 2025"] == [2, 1, 0] and rows["Feb 2026"] == [1, 0, 1]
    assert sum(sum(r) for r in rows.values()) == 5      # the 2024 membership is outside the window
    assert sum(sum(r) for r in {row[0]: row[1:] for row in table("groups", area="trafficking")}.values()) == 0


def test_the_map_counts_active_pledges_per_country(fixed):
    assert table("map") == [["KEN", 2], ["FRA", 1], ["PER", 1]]
    assert table("map", region="150") == [["FRA", 1]]


def test_filters_by_area_region_and_year(fixed):
    assert nonzero(table("status", area="forced_labour")) == {"Published": 1, "Completed": 1}
    assert nonzero(table("status", region="150")) == {"Published": 1}
    assert nonzero(table("region", region="150")) == {"Europe": 1}
    assert nonzero(table("status", year=2027)) == {"Published": 2, "Withdrawn": 1}   # A, C and E run in 2027
    assert [row[0] for row in table("compliance", year=2025)][:2] == ["Jan 2025", "Feb 2025"]


def test_the_secretariat_sees_the_pipeline_and_the_public_does_not(fixed, client, login, make_user):
    assert nonzero(table("pipeline")) == {"Draft": 1, "Published": 3, "Completed": 1, "Withdrawn": 1}
    page = client.get("/dashboard")
    assert page.status_code == 200 and "All pledges by status (secretariat)" not in page.text
    assert client.get("/dashboard/pipeline.csv").status_code == 404
    login(make_user(admin=True))
    assert "All pledges by status (secretariat)" in client.get("/dashboard").text


def test_the_page_draws_the_map_and_every_chart_has_a_table_and_a_csv(fixed, client):
    page = client.get("/dashboard?area=child_labour").text
    assert 'data-country="KEN"' in page and "/countries/KEN" in page and "Kenya: 2 active pledges" in page
    assert "/dashboard/status.csv?area=child_labour" in page
    assert "Nothing to show for these filters yet." in page  # the group's area is forced labour
    page = client.get("/dashboard").text
    figures = dashboard.visible_figures(None)
    assert page.count('class="card mb-4 dashboard-figure"') == len(figures)
    # Every figure but the map is a chart, or says it has nothing to show (the Forum's figures here).
    charts, empty = page.count('<canvas class="knowledge-chart"'), page.count("Nothing to show for these filters yet.")
    assert charts >= 9 and charts + empty == len(figures) - 1
    csv = client.get("/dashboard/map.csv").get_data(as_text=True)
    assert csv.splitlines()[:2] == ["\ufeffCountry,Active pledges", "Kenya,2"]
    assert client.get("/dashboard/nonsense.csv").status_code == 404
    assert client.get("/dashboard?year=abc&region=999&area=x").status_code == 200


def test_map_bins_split_countries_into_groups_of_about_equal_size():
    assert dashboard.map_bins({}) == []
    assert dashboard.map_bins({"A": 1, "B": 1}) == [(1, 1)]
    assert dashboard.map_bins({c: n for c, n in zip("ABCDEFGHIJ", range(1, 11))}) == [
        (1, 2), (3, 4), (5, 6), (7, 8), (9, 10)]


def test_features_register_figures(client):
    def meetings(ctx):
        return dashboard.Table(["Month", "Meetings"], [[m, 1] for m in ctx.months])

    # A key of its own: the Forum registers a real "meetings" figure, which the clean-up must not remove.
    dashboard.register_figure(dashboard.Figure("test-meetings", "Test meetings per month", meetings, chart="line",
                                               order=95))
    try:
        page = client.get("/dashboard").text
        assert "Test meetings per month" in page and "/dashboard/test-meetings.csv" in page
        assert client.get("/dashboard/test-meetings.csv").status_code == 200
    finally:
        dashboard.FIGURES.pop("test-meetings")


def test_the_page_is_grouped_in_sections_with_contents_and_tabs(fixed, client):
    """All figures under a table of contents; each tab (a plain link) shows one section alone, filters kept."""
    page = client.get("/dashboard?area=child_labour").text
    for key in ("overview", "pledges", "reports", "groups"):
        assert f'id="section-{key}"' in page and f'href="#section-{key}"' in page
        assert f'href="/dashboard?section={key}&amp;area=child_labour"' in page or (
            f'href="/dashboard?area=child_labour&amp;section={key}"' in page)
    assert 'href="#figure-light"' in page and "Back to the contents" in page
    assert page.index('id="section-overview"') < page.index('id="figure-light"') < page.index('id="section-pledges"')
    one = client.get("/dashboard?section=pledges&area=child_labour").text
    assert 'id="figure-area"' in one and 'id="figure-region"' in one
    assert 'id="figure-light"' not in one and 'id="figure-groups"' not in one and "On this page" not in one
    assert 'aria-current="page" href="/dashboard?section=pledges' in one
    assert '<input type="hidden" name="section" value="pledges">' in one  # the filter form keeps the tab
    # The secretariat's section is not a tab for the public, and asking for it shows everything else.
    assert "section=secretariat" not in page
    assert 'id="figure-light"' in client.get("/dashboard?section=secretariat").text


def test_each_traffic_light_has_its_own_colour_and_pattern(fixed, client):
    figure = dashboard.FIGURES["light"]
    ctx = FigureContext(DashboardFilters(), NOW)
    chart = dashboard.chart_json(figure, figure.compute(ctx))
    assert chart["styles"] == ["light-green", "light-amber", "light-red", "light-inactive", "light-completed",
                               "light-withdrawn"]
    assert chart["labels"][:3] == ["On track", "Report due", "Overdue"]   # a label on every bar, too
    page = client.get("/dashboard?section=overview").text
    assert '"styles": ["light-green", "light-amber"' in page
    assert '<span class="swatch swatch-light-red" aria-hidden="true"></span>Overdue' in page
