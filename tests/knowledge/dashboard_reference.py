"""The dashboard's pledge figures computed the plain way, pledge by pledge in Python, from ORM objects: what
the SQL aggregations of app/knowledge/dashboard.py must give (tests/knowledge/test_dashboard_sql.py).

Written from the rules, not from the SQL: filters as the docstring of app.knowledge.dashboard says, the light
from Pledge.light, due dates from schedule.periods.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa

from app.commitments import schedule
from app.commitments.models import PUBLIC_STATES, Pledge, PledgeState, ProgressReport, ReportState
from app.extensions import db
from app.commitments.figures import ON_TIME_DAYS
from app.knowledge.dashboard import FigureContext
from app.taxonomy import region_countries
from app.utils import as_utc


def selected(ctx: FigureContext) -> list[Pledge]:
    f = ctx.filters
    out = []
    for p in db.session.scalars(sa.select(Pledge).order_by(Pledge.id)):
        if p.state not in PUBLIC_STATES:
            continue
        if f.area and f.area not in (p.areas or []):
            continue
        if f.region and not set(p.countries or []) & set(region_countries()[f.region]):
            continue
        if f.year and ((p.start_date and p.start_date > date(f.year, 12, 31))
                       or (p.end_date and p.end_date < date(f.year, 1, 1))):
            continue
        out.append(p)
    return out


def region_of(country: str) -> str | None:
    return next((region for region, members in region_countries().items() if country in members), None)


def figures(ctx: FigureContext) -> dict:
    """Every pledge figure as plain dicts: {code: count} (or per month: [due, on time])."""
    pledges = selected(ctx)
    today = ctx.today
    regions: Counter = Counter()
    for p in pledges:
        found = {region_of(c) for c in p.countries or []} - {None}
        if ctx.filters.region:
            found &= {ctx.filters.region}
        regions.update(found)
        if p.is_global and not ctx.filters.region:
            regions["global"] += 1
    totals: dict[str, Decimal] = defaultdict(Decimal)
    counts: Counter = Counter()
    for p in pledges:
        if p.resources_amount is not None and p.resources_currency and p.state is not PledgeState.withdrawn:
            totals[p.resources_currency] += p.resources_amount
            counts[p.resources_currency] += 1
    countries = Counter(c for p in pledges if p.state is PledgeState.published for c in set(p.countries or []))
    if ctx.filters.region:
        countries = Counter({c: n for c, n in countries.items() if c in region_countries()[ctx.filters.region]})
    return {
        "status": Counter(p.state for p in pledges),
        "light": Counter(p.light(today) for p in pledges),
        "area": Counter(a for p in pledges for a in set(p.areas or [])),
        "action-type": Counter(p.action_type for p in pledges if p.action_type),
        "stakeholder": Counter(p.organisation.stakeholder_type for p in pledges),
        "region": regions,
        "resources": {c: (round(float(totals[c]), 2), counts[c]) for c in totals},
        "map": countries,
        "compliance": compliance(ctx, pledges),
    }


def compliance(ctx: FigureContext, pledges: list[Pledge]) -> dict[str, list[int]]:
    first, after = ctx.window
    until = min(after, ctx.today + timedelta(days=1))
    approved = {(r.pledge_id, r.period_end): r for r in db.session.scalars(
        sa.select(ProgressReport).where(ProgressReport.state == ReportState.approved))}
    out = {m: [0, 0] for m in ctx.months}
    for p in pledges:
        if p.state is PledgeState.withdrawn:
            continue
        every = p.report_every_months or schedule.DEFAULT_EVERY_MONTHS
        for period in schedule.periods(p.start_date, p.end_date, every):
            if not first <= period.end < until:
                continue
            month = period.end.strftime("%Y-%m")
            out[month][0] += 1
            report = approved.get((p.id, period.end))
            if report and report.approved_at and (
                    as_utc(report.approved_at).date() <= period.end + timedelta(days=ON_TIME_DAYS)):
                out[month][1] += 1
    return out
