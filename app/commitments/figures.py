"""The pledge and progress report figures of the monitoring dashboard (app.knowledge.dashboard), registered
from the gateway: the map of active pledges, pledges by status, light, area, type of action, type of
organisation and region, resources by currency, report compliance over time, and the secretariat's pipeline.

The simple figures read two queries shared by the page (:func:`summary` and :func:`item_counts`), whatever
the number of pledges. The dashboard's year filter selects the pledges running at some time in the year; its
region and area filters, those naming a country of the region and the area.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import date, timedelta
from typing import NamedTuple

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.commitments import schedule
from app.commitments.models import (
    LIGHT_LABELS, PLEDGE_STATE_LABELS, PUBLIC_STATES, Pledge, PledgeState, ProgressReport, ReportState,
    light_condition,
)
from app.commitments.schedule import Light
from app.extensions import db
from app.knowledge.dashboard import (
    Figure, FigureContext, Table, month_label, region_expression, region_name, rows_in_order,
)
from app.members.models import STAKEHOLDER_LABELS, Organisation, StakeholderType
from app.sqltools import (
    add_days, date_in_month, date_month, day_of_month, json_list_items, month_index, utc_date,
)
from app.taxonomy import ACTION_TYPES, AREAS, REGIONS, region_countries

# A report counts as on time when it is approved within this many days of its due date (the end of its
# period): the organisation writes it after the period ends, and the secretariat reviews it.
ON_TIME_DAYS = 60


class SummaryRow(NamedTuple):
    """How many public pledges share a status, light, type of action, type of organisation, globalness and
    currency of resources (None when the pledge's resources are not counted), and their amount in it."""

    state: PledgeState
    light: str
    action_type: str | None
    stakeholder_type: StakeholderType
    is_global: bool
    currency: str | None
    pledges: int
    amount: float | None


def pledge_conditions(ctx: FigureContext) -> list[sa.ColumnElement[bool]]:
    """The dashboard's filters on pledges, public or not."""
    conditions = ctx.place_conditions(Pledge.areas, Pledge.countries)
    if ctx.filters.year:
        first, last = date(ctx.filters.year, 1, 1), date(ctx.filters.year, 12, 31)
        conditions.append(sa.or_(Pledge.start_date.is_(None), Pledge.start_date <= last))
        conditions.append(sa.or_(Pledge.end_date.is_(None), Pledge.end_date >= first))
    return conditions


def pledges_where(ctx: FigureContext) -> list[sa.ColumnElement[bool]]:
    """The public pledges the filters select."""
    return [Pledge.state.in_(PUBLIC_STATES), *pledge_conditions(ctx)]


def summary(ctx: FigureContext) -> list[SummaryRow]:
    """The pledges the filters select, public or not (the secretariat's pipeline counts them all), counted in
    SQL by everything the simple figures split them by, read once per page (one query; a few hundred groups at
    most, however many pledges)."""
    return ctx.shared("pledges.summary", lambda: _summary(ctx))


def _summary(ctx: FigureContext) -> list[SummaryRow]:
    counted = sa.and_(Pledge.resources_amount.is_not(None), Pledge.resources_currency != "",
                      Pledge.state != PledgeState.withdrawn)
    # Grouped in an outer query on the inner one's columns: PostgreSQL does not see two CASE expressions with
    # bound values (today) as the same, in SELECT and in GROUP BY.
    inner = (sa.select(Pledge.state, light_expression(ctx.today).label("light"), Pledge.action_type,
                       Organisation.stakeholder_type, Pledge.is_global,
                       sa.case((counted, Pledge.resources_currency)).label("currency"),
                       Pledge.resources_amount.label("amount"))
             .join(Organisation, Organisation.id == Pledge.organisation_id)
             .where(*pledge_conditions(ctx)).subquery())
    keys = (inner.c.state, inner.c.light, inner.c.action_type, inner.c.stakeholder_type, inner.c.is_global,
            inner.c.currency)
    rows = db.session.execute(sa.select(*keys, sa.func.count(), sa.cast(sa.func.sum(inner.c.amount), sa.Float))
                              .group_by(*keys))
    return [SummaryRow(*row) for row in rows]


def count_by(ctx: FigureContext, key: Callable[[SummaryRow], object], *, public_only: bool = True) -> Counter:
    counts: Counter = Counter()
    for row in summary(ctx):
        if row.state in PUBLIC_STATES or not public_only:
            counts[key(row)] += row.pledges
    return counts


def item_counts(ctx: FigureContext) -> dict[str, Counter]:
    """How many selected pledges name each 8.7 area ("area"), each region ("region") and, among the published
    ones, each country ("country"), every pledge counted once per value (GROUP BYs over the JSON lists'
    items), and the reports due and approved on time per month ("due", "on_time"): sent as one query, to keep
    the page's query count."""
    return ctx.shared("pledges.items", lambda: _item_counts(ctx))


def _item_counts(ctx: FigureContext) -> dict[str, Counter]:
    def counted(kind: str, column, label=None, where=()):
        items = json_list_items(column)
        value = items.c.value if label is None else label(items.c.value)
        inner = (sa.select(Pledge.id, value.label("value")).select_from(Pledge).join(items, sa.true())
                 .where(*pledges_where(ctx), *where).subquery())
        return (sa.select(sa.literal(kind).label("kind"), inner.c.value, sa.func.count(sa.distinct(inner.c.id)))
                .where(inner.c.value.is_not(None)).group_by(inner.c.value))

    counts: dict[str, Counter] = defaultdict(Counter)
    for kind, value, n in db.session.execute(sa.union_all(
            counted("area", Pledge.areas), counted("region", Pledge.countries, region_expression),
            counted("country", Pledge.countries, where=[Pledge.state == PledgeState.published]),
            *compliance_queries(ctx))):
        counts[kind][value] = n
    return counts


def light_expression(today: date) -> sa.ColumnElement[str]:
    """A pledge's traffic light on ``today`` in SQL (the value of a Light), from the same conditions as the
    registry's light filter, so the dashboard, the filter and the badge agree."""
    return sa.case(*((light_condition(light, today), light.value) for light in Light if light is not Light.none),
                   else_=Light.none.value)


# -- the pledge figures -----------------------------------------------------------------------------------
def pledges_by_status(ctx: FigureContext) -> Table:
    counts = count_by(ctx, lambda row: row.state)
    return Table([_("Status"), _("Pledges")],
                 rows_in_order(counts, {s: PLEDGE_STATE_LABELS[s] for s in PUBLIC_STATES}))


def pledges_by_light(ctx: FigureContext) -> Table:
    counts = count_by(ctx, lambda row: Light(row.light))
    lights = {light: LIGHT_LABELS[light] for light in Light if light is not Light.none}
    return Table([_("Traffic light"), _("Pledges")], rows_in_order(counts, lights),
                 styles=[f"light-{light.value}" for light in lights])


def pledges_by_area(ctx: FigureContext) -> Table:
    counts = item_counts(ctx)["area"]
    return Table([_("8.7 area"), _("Pledges")], rows_in_order(counts, AREAS),
                 note=_("A pledge with several areas counts once in each."))


def pledges_by_action_type(ctx: FigureContext) -> Table:
    counts = count_by(ctx, lambda row: row.action_type)
    counts.pop(None, None)
    counts.pop("", None)
    return Table([_("Type of action"), _("Pledges")], rows_in_order(counts, ACTION_TYPES))


def pledges_by_stakeholder(ctx: FigureContext) -> Table:
    counts = count_by(ctx, lambda row: row.stakeholder_type)
    return Table([_("Type of organisation"), _("Pledges")], rows_in_order(counts, STAKEHOLDER_LABELS))


def pledges_by_region(ctx: FigureContext) -> Table:
    counts = Counter(item_counts(ctx)["region"])
    if ctx.filters.region:
        counts = Counter({ctx.filters.region: counts[ctx.filters.region]})
    else:
        counts["global"] = count_by(ctx, lambda row: row.is_global)[True]
    labels = {code: region_name(code) for code in REGIONS}
    labels["global"] = _("Global")
    return Table([_("Region"), _("Pledges")], rows_in_order(+counts, labels),
                 note=_("A pledge in countries of several regions counts once in each."))


def resources_by_currency(ctx: FigureContext) -> Table:
    totals: dict[str, float] = defaultdict(float)
    counts: Counter = Counter()
    for row in summary(ctx):
        if row.currency and row.state in PUBLIC_STATES:
            totals[row.currency] += row.amount or 0
            counts[row.currency] += row.pledges
    rows = [[code, totals[code], counts[code]] for code in sorted(totals, key=lambda c: -totals[c])]
    return Table([_("Currency"), _("Amount committed"), _("Pledges")], rows,
                 note=_("Amounts are added up per currency, never converted; withdrawn pledges are left out."))


def report_compliance(ctx: FigureContext) -> Table:
    """Per month: the progress reports that fell due (periods of public pledges ending that month, up to
    today), how many were approved within ON_TIME_DAYS of the due date, and that share in per cent.

    The due dates in the window are made in SQL (see :func:`due_dates_query`) and matched with the approved
    reports of the same pledge and period end (:func:`compliance_queries`, sent with :func:`item_counts`)."""
    due, on_time = item_counts(ctx)["due"], item_counts(ctx)["on_time"]
    counts = {m: (due[m], on_time[m]) for m in ctx.months}
    rows = []
    for m in ctx.months:
        due, on_time = counts.get(m, (0, 0))
        rows.append([month_label(m), round(100 * on_time / due, 1) if due else None, due, on_time])
    return Table([_("Month"), _("Approved on time (%)"), _("Reports due"), _("Approved on time")], rows,
                 note=_("A report is on time when it is approved within %(days)d days of the end of its period.",
                        days=ON_TIME_DAYS))


def compliance_queries(ctx: FigureContext) -> list[sa.Select]:
    """("due", month, reports due) and ("on_time", month, approved on time) rows, grouped in SQL."""
    first, after = ctx.window
    dues = due_dates_query(ctx, first, min(after, ctx.today + timedelta(days=1))).subquery()
    report = sa.orm.aliased(ProgressReport)
    matched = (sa.select(date_month(dues.c.due).label("month"), report.id.label("report"))
               .select_from(dues)
               .outerjoin(report, sa.and_(report.pledge_id == dues.c.pledge_id, report.period_end == dues.c.due,
                                          report.state == ReportState.approved, report.approved_at.is_not(None),
                                          utc_date(report.approved_at) <= add_days(dues.c.due, ON_TIME_DAYS)))
               .cte("matched").prefix_with("MATERIALIZED"))
    return [sa.select(sa.literal("due").label("kind"), matched.c.month, sa.func.count()).group_by(matched.c.month),
            sa.select(sa.literal("on_time").label("kind"), matched.c.month, sa.func.count(matched.c.report))
            .group_by(matched.c.month)]


# At most this many reporting periods of one pledge end in a twelve-month window (monthly reports), plus one.
_STEPS = 14


def due_dates_query(ctx: FigureContext, first: date, after: date) -> sa.Select:
    """(pledge_id, due) for each due date (period end, see schedule.periods) of a selected pledge, not
    withdrawn, that falls in [first, after).

    Period k of a pledge ends on ``add_months(start, every * k)``, or on the end date for the last period.
    The periods ending before ``first`` are skipped without listing them: counting from the period k0 that
    ends in or just before the first month, at most _STEPS periods can end in a twelve-month window.
    """
    every_column = Pledge.report_every_months
    every = sa.case((sa.or_(every_column.is_(None), every_column == 0), schedule.DEFAULT_EVERY_MONTHS),
                    else_=every_column)
    runs = [*pledge_conditions(ctx), Pledge.state.in_([PledgeState.published, PledgeState.completed]),
            Pledge.start_date.is_not(None),
            Pledge.end_date.is_not(None), Pledge.start_date < Pledge.end_date, every >= 1,
            Pledge.end_date >= first, Pledge.start_date < after]
    # Each step in a CTE of its own, computed once per row (MATERIALIZED): inlined, SQLite would repeat the
    # month arithmetic in every place a later step names its result, and take seconds.
    first_month, last_month = first.year * 12 + first.month - 1, after.year * 12 + after.month - 1
    start_month = month_index(Pledge.start_date)
    skipped = (first_month - start_month) // every
    running = (sa.select(Pledge.id, Pledge.end_date, every.label("every"), start_month.label("start_month"),
                         day_of_month(Pledge.start_date).label("day"),
                         month_index(Pledge.end_date).label("end_month"),
                         sa.case((skipped < 1, 1), else_=skipped).label("k0"),
                         (12 // every + 1).label("steps"))
               .where(*runs).cte("running").prefix_with("MATERIALIZED"))
    steps = sa.union_all(*(sa.select(sa.literal(i).label("step")) for i in range(_STEPS))).cte("steps")
    periods = (sa.select(running.c.id, running.c.end_date, running.c.end_month, running.c.day,
                         (running.c.start_month + running.c.every * (running.c.k0 + steps.c.step)).label("month"))
               .select_from(running)
               # every month: up to 13 periods end in the window; every 6 months: 3 (12 // every + 1)
               .join(steps, steps.c.step <= running.c.steps)
               .cte("periods").prefix_with("MATERIALIZED"))
    # Dates only for the periods ending in the window's months and before the end date's month is over.
    in_window = sa.and_(periods.c.month >= first_month, periods.c.month <= last_month,
                        periods.c.month <= periods.c.end_month)
    dues = (sa.select(periods.c.id, periods.c.end_date, date_in_month(periods.c.month, periods.c.day).label("due"))
            .where(in_window).cte("dues").prefix_with("MATERIALIZED"))
    period_ends = (sa.select(dues.c.id.label("pledge_id"), dues.c.due)
                   .where(dues.c.due < dues.c.end_date, dues.c.due >= first, dues.c.due < after))
    last_ends = (sa.select(running.c.id.label("pledge_id"), running.c.end_date.label("due"))
                 .where(running.c.end_date < after))
    return sa.union_all(period_ends, last_ends)


def active_pledges_by_country(ctx: FigureContext) -> Table:
    """Published pledges (not completed or withdrawn) per country they name: what the map colours."""
    counts = item_counts(ctx)["country"]
    if ctx.filters.region:
        members = set(region_countries()[ctx.filters.region])
        counts = {c: n for c, n in counts.items() if c in members}
    rows = [[code, n] for code, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]
    return Table([_("Country"), _("Active pledges")], rows,
                 note=_("Global pledges are not shown on the map."))


def pledge_pipeline(ctx: FigureContext) -> Table:
    """The secretariat's view: every pledge by status, drafts and reviews included (from the summary)."""
    counts = count_by(ctx, lambda row: row.state, public_only=False)
    return Table([_("Status"), _("Pledges")], rows_in_order(counts, PLEDGE_STATE_LABELS))


def figures() -> list[Figure]:
    """The figures the gateway registers."""
    return [
        Figure("map", _l("Active pledges by country"), active_pledges_by_country, chart="map", order=5,
               section="overview",
               description=_l("Countries coloured by the number of published pledges that name them.")),
        Figure("status", _l("Pledges by status"), pledges_by_status, order=10, section="overview",
               description=_l("Pledges the public can see.")),
        Figure("light", _l("Pledges by traffic light"), pledges_by_light, order=20, section="overview",
               description=_l("Where each pledge stands today with its progress reports.")),
        Figure("area", _l("Pledges by 8.7 area"), pledges_by_area, chart="hbar", order=30, section="pledges"),
        Figure("action-type", _l("Pledges by type of action"), pledges_by_action_type, chart="hbar", order=40,
               section="pledges"),
        Figure("stakeholder", _l("Pledges by type of organisation"), pledges_by_stakeholder, chart="hbar",
               order=50, section="pledges"),
        Figure("region", _l("Pledges by region"), pledges_by_region, order=60, section="pledges"),
        Figure("compliance", _l("Report compliance over time"), report_compliance, chart="line", order=70,
               section="reports", series=1,
               description=_l("The share of progress reports falling due each month that were approved on time.")),
        Figure("resources", _l("Resources committed by currency"), resources_by_currency, order=80, series=1,
               section="pledges"),
        Figure("pipeline", _l("All pledges by status (secretariat)"), pledge_pipeline, audience="admin", order=100,
               section="secretariat",
               description=_l("Drafts and pledges under review included: only the secretariat sees this.")),
    ]
