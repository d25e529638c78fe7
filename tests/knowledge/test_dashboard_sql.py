"""The dashboard's pledge figures, aggregated in SQL, equal the plain pledge-by-pledge computation
(tests/knowledge/dashboard_reference.py) on a generated dataset with awkward dates, under every filter."""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.commitments import figures, schedule
from app.commitments.demo_bulk import seed_many_pledges
from app.commitments.models import (
    LIGHT_LABELS, PLEDGE_STATE_LABELS, Pledge, PledgeState, ProgressReport, ReportState,
)
from app.extensions import db
from app.knowledge import dashboard
from app.knowledge.dashboard import DashboardFilters, FigureContext
from app.members.models import STAKEHOLDER_LABELS, StakeholderType
from app.taxonomy import ACTION_TYPES, AREAS
from tests.commitments.conftest import make_pledge  # noqa: F401  (fixture)
from tests.knowledge import dashboard_reference

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)
# Days that month arithmetic gets wrong: the ends of months, a leap day.
AWKWARD_STARTS = (date(2023, 1, 31), date(2024, 2, 29), date(2024, 8, 31), date(2025, 3, 30), date(2025, 10, 31),
                  date(2022, 12, 29), date(2025, 5, 1))


@pytest.fixture
def dataset(make_org):
    """About 260 public pledges (and some drafts) with reports: the bulk generator's, then a third of them
    bent into odd shapes (month-end starts, monthly or five-monthly reports, no dates, unknown codes)."""
    rng = random.Random(8_7)
    for kind in (StakeholderType.government, StakeholderType.workers, StakeholderType.civil_society):
        make_org(kind=kind)
    seed_many_pledges(240, now=NOW, seed=11)
    pledges = list(db.session.scalars(sa.select(Pledge).order_by(Pledge.id)))
    for pledge in pledges:
        if rng.random() < 0.35:
            pledge.start_date = rng.choice(AWKWARD_STARTS)
            pledge.end_date = schedule.add_months(pledge.start_date, rng.choice((5, 13, 24, 40))) - timedelta(
                days=rng.choice((0, 1, 3)))
            pledge.report_every_months = rng.choice((1, 2, 5, 6, 12, 24))
        roll = rng.random()
        if roll < 0.03:
            pledge.start_date = None
        elif roll < 0.05:
            pledge.end_date = pledge.start_date   # no period at all
        elif roll < 0.08:
            pledge.countries = [*pledge.countries, "XXX"]        # a code in no region
        elif roll < 0.10:
            pledge.action_type = ""
        elif roll < 0.13:
            pledge.resources_amount, pledge.resources_currency = Decimal("1234.56"), "EUR"
        elif roll < 0.15:
            pledge.resources_currency = ""                        # an amount without a currency
        elif roll < 0.17:
            pledge.state = PledgeState.draft
        pledge.refresh_schedule()
    db.session.flush()
    for pledge in pledges:
        for period in schedule.periods(pledge.start_date, pledge.end_date, pledge.every_months):
            if period.end > NOW.date() or rng.random() < 0.4:
                continue
            late = rng.choice((0, 10, 59, 60, 61, 90, 200))
            approved = rng.random() < 0.8
            db.session.add(ProgressReport(
                pledge_id=pledge.id, period_start=period.start, period_end=period.end,
                state=ReportState.approved if approved else ReportState.submitted,
                # 23:30 UTC: the day must be taken in UTC, not moved by a time zone
                approved_at=datetime.combine(period.end + timedelta(days=late), time(23, 30), tzinfo=timezone.utc)
                if approved else None))
    db.session.commit()
    return pledges


def sql_figures(ctx: FigureContext) -> dict:
    """The SQL figures turned back into {code: count} (as the reference gives them)."""
    def rows(key):
        return dashboard.FIGURES[key].compute(ctx).rows

    def coded(key, labels):
        by_label = {str(label): code for code, label in labels.items()}
        return {by_label.get(row[0], row[0]): row[1] for row in rows(key) if row[1]}

    regions = {dashboard.region_name(code): code for code in dashboard.REGIONS} | {"Global": "global"}
    return {
        "status": coded("status", PLEDGE_STATE_LABELS),
        "light": coded("light", LIGHT_LABELS),
        "area": coded("area", AREAS),
        "action-type": coded("action-type", ACTION_TYPES),
        "stakeholder": coded("stakeholder", STAKEHOLDER_LABELS),
        "region": {regions[row[0]]: row[1] for row in rows("region") if row[1]},
        "resources": {row[0]: (round(row[1], 2), row[2]) for row in rows("resources")},
        "map": {row[0]: row[1] for row in rows("map")},
        "compliance": dict(zip(ctx.months, [row[2:] for row in rows("compliance")])),
    }


def expected_figures(ctx: FigureContext) -> dict:
    expected = dashboard_reference.figures(ctx)
    for key, figure in expected.items():
        if key not in ("resources", "compliance"):
            expected[key] = {code: n for code, n in figure.items() if n}
    return expected


FILTERS = [{}, {"year": 2025}, {"year": 2027}, {"region": "002"}, {"region": "150"}, {"area": "forced_labour"},
           {"year": 2026, "region": "019", "area": "child_labour"}, {"year": 2024, "area": "trafficking"}]


@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: "-".join(map(str, f.values())) or "none")
def test_sql_figures_equal_the_plain_computation(dataset, filters):
    for now in (NOW, NOW - timedelta(days=200), NOW + timedelta(days=400)):
        ctx = FigureContext(DashboardFilters(**filters), now)
        got, expected = sql_figures(ctx), expected_figures(FigureContext(DashboardFilters(**filters), now))
        for key in expected:
            assert got[key] == expected[key], (key, filters, now)
    # The data exercises what it should: several lights and on-time reports, some late ones.
    overall = expected_figures(FigureContext(DashboardFilters(), NOW))
    assert len(overall["light"]) >= 5
    due, on_time = map(sum, zip(*overall["compliance"].values()))
    assert 0 < on_time < due


def test_due_dates_in_sql_agree_with_the_schedule_on_awkward_dates(make_org, make_pledge):
    """Period ends made in SQL (month arithmetic by hand on SQLite) equal schedule.periods, month ends and
    leap days included."""
    org = make_org()
    cases = []
    for start in AWKWARD_STARTS:
        for months, every in ((24, 6), (37, 3), (12, 12), (7, 1), (60, 5), (30, 24)):
            end = schedule.add_months(start, months) - timedelta(days=1)
            cases.append(make_pledge(org, start_date=start, end_date=end, report_every_months=every))
    for first in (date(2024, 1, 1), date(2025, 3, 1), date(2026, 1, 1)):
        after = schedule.add_months(first, 12)
        ctx = FigureContext(DashboardFilters(), NOW)
        got = sorted(tuple(row) for row in db.session.execute(figures.due_dates_query(ctx, first, after)))
        expected = sorted((p.id, period.end) for p in cases
                          for period in schedule.periods(p.start_date, p.end_date, p.report_every_months)
                          if first <= period.end < after)
        assert got == expected, first



def test_a_pledge_counts_once_per_value_when_pledges_share_a_list_or_a_list_repeats_a_value(make_org, make_pledge):
    """Areas, regions and countries are counted per list of pledges that share it: two pledges with the same
    lists count twice, a list naming a value twice counts its pledge once, with every filter."""
    org = make_org()
    for _ in range(2):
        make_pledge(org, areas=["child_labour"], countries=["KEN", "FRA"])
    make_pledge(org, areas=["forced_labour", "forced_labour"], countries=["KEN", "KEN", "UGA"])
    make_pledge(org, areas=["child_labour"], countries=[], is_global=True)
    make_pledge(org, areas=["child_labour"], countries=["FRA"], state=PledgeState.completed)
    make_pledge(org, areas=["trafficking"], countries=["FRA"], state=PledgeState.draft)
    db.session.commit()
    expected = {
        (): {"area": {"child_labour": 4, "forced_labour": 1}, "map": {"KEN": 3, "FRA": 2, "UGA": 1},
             "region": {"002": 3, "150": 3, "global": 1}},
        (("region", "002"),): {"area": {"child_labour": 2, "forced_labour": 1}, "map": {"KEN": 3, "UGA": 1},
                               "region": {"002": 3}},
        (("area", "child_labour"),): {"area": {"child_labour": 4}, "map": {"KEN": 2, "FRA": 2},
                                      "region": {"002": 2, "150": 3, "global": 1}},
    }
    for filters, figures_of in expected.items():
        ctx = FigureContext(DashboardFilters(**dict(filters)), NOW)
        got = sql_figures(ctx)
        assert {key: got[key] for key in figures_of} == figures_of, filters
        reference = expected_figures(FigureContext(DashboardFilters(**dict(filters)), NOW))
        assert {key: reference[key] for key in figures_of} == figures_of, filters


@pytest.mark.parametrize("day, due_in_april", [(17, 1), (20, 2), (29, 2), (30, 3)])
def test_reports_due_this_month_count_once_their_day_has_come(make_org, make_pledge, day, due_in_april):
    """This month's due dates count from their day on: a period ending on the last day of a short month (a
    start on the 31st), a period ending before the pledge's end date in the same month, and that end date."""
    org = make_org()
    make_pledge(org, start_date=date(2026, 1, 31), end_date=date(2027, 1, 31), report_every_months=1)  # 30 April
    make_pledge(org, start_date=date(2025, 10, 15), end_date=date(2026, 4, 20), report_every_months=6)  # 15, 20
    db.session.commit()
    now = datetime(2026, 4, day, 12, 0, tzinfo=timezone.utc)
    ctx = FigureContext(DashboardFilters(), now)
    got = sql_figures(ctx)["compliance"]
    assert got["2026-04"] == [due_in_april, 0]
    assert got["2026-03"] == [1, 0] and got["2026-02"] == [1, 0]
    assert got == expected_figures(FigureContext(DashboardFilters(), now))["compliance"]
