"""The pledge and progress report figures of the monitoring dashboard (app.knowledge.dashboard), registered
from the gateway: the map of active pledges, pledges by status, light, area, type of action, type of
organisation and region, resources by currency, report compliance over time, and the secretariat's pipeline.

The figures read three queries shared by the page (:func:`summary`, :func:`item_counts` and
:func:`due_groups`), whatever the number of pledges, each grouping the pledges in SQL so that Python sees a few
hundred rows at most (issue 16: the computed page in about 150 ms at 20,000 pledges on SQLite). The dashboard's year filter selects the pledges running at some time in the year; its
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
    add_days, date_in_month, date_month, day_of_month, json_list_items, json_list_key, month_index, utc_date,
)
from app.taxonomy import ACTION_TYPES, AREAS, REGIONS, region_countries

# A report counts as on time when it is approved within this many days of its due date (the end of its
# period): the organisation writes it after the period ends, and the secretariat reviews it.
ON_TIME_DAYS = 60


# The lights of published pledges (the others' light follows from their state: see SummaryRow.lights).
PUBLISHED_LIGHTS = (Light.green, Light.amber, Light.red, Light.inactive)


class SummaryRow(NamedTuple):
    """How many pledges share a status, type of action, globalness, type of organisation and currency of
    resources; how many of them give an amount, and its total; and how many have each of PUBLISHED_LIGHTS."""

    state: PledgeState
    action_type: str | None
    is_global: bool
    stakeholder_type: StakeholderType
    currency: str
    pledges: int
    with_amount: int
    amount: float | None
    green: int
    amber: int
    red: int
    inactive: int

    def lights(self) -> dict[Light, int]:
        """How many of the row's pledges have each light (schedule.light)."""
        if self.state is PledgeState.published:
            return {light: getattr(self, light.value) for light in PUBLISHED_LIGHTS}
        by_state = {PledgeState.completed: Light.completed, PledgeState.withdrawn: Light.withdrawn}
        return {by_state.get(self.state, Light.none): self.pledges}


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
    return [in_states(PUBLIC_STATES), *pledge_conditions(ctx)]


def in_states(states) -> sa.ColumnElement[bool]:
    """The pledges in one of ``states``, said as NOT IN the others: most pledges are public, and SQLite, which
    reads the state index for an IN, would look up four rows in five through it (twice the time of reading
    the table, measured at 20,000 pledges); for a NOT IN it reads the table."""
    return Pledge.state.not_in([state for state in PledgeState if state not in states])


def summary(ctx: FigureContext) -> list[SummaryRow]:
    """The pledges the filters select, public or not (the secretariat's pipeline counts them all), counted in
    SQL by everything the simple figures split them by, read once per page (one query; a few hundred groups at
    most, however many pledges)."""
    return ctx.shared("pledges.summary", lambda: _summary(ctx))


def _summary(ctx: FigureContext) -> list[SummaryRow]:
    # Grouped by plain columns, in the order of the index ix_pledge_summary, which holds every column read
    # here: unfiltered, SQLite reads the index alone, in the groups' order, without sorting 20,000 rows. The
    # lights are counted within the groups (not grouped by: a CASE is in no index), the types of organisation
    # looked up for the groups.
    keys = (Pledge.state, Pledge.action_type, Pledge.is_global, Pledge.organisation_id, Pledge.resources_currency)
    groups = (sa.select(*keys, sa.func.count().label("pledges"),
                        sa.func.count(Pledge.resources_amount).label("with_amount"),
                        sa.func.sum(Pledge.resources_amount).label("amount"),
                        *(sa.func.count().filter(light_condition(light, ctx.today)).label(light.value)
                          for light in PUBLISHED_LIGHTS))
              .where(*pledge_conditions(ctx)).group_by(*keys).subquery())
    # The groups of organisations of one type added up (a few thousand groups to a few hundred rows).
    stakeholder = Organisation.stakeholder_type
    by_type = (groups.c.state, groups.c.action_type, groups.c.is_global, stakeholder, groups.c.resources_currency)
    rows = db.session.execute(
        sa.select(*by_type, *(sa.cast(sa.func.sum(groups.c[name]), sa.Integer) for name in ("pledges", "with_amount")),
                  sa.cast(sa.func.sum(groups.c.amount), sa.Float),
                  *(sa.cast(sa.func.sum(groups.c[light.value]), sa.Integer) for light in PUBLISHED_LIGHTS))
        .join(Organisation, Organisation.id == groups.c.organisation_id).group_by(*by_type))
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
    items): sent as one query, to keep the page's query count."""
    return ctx.shared("pledges.items", lambda: _item_counts(ctx))


def _item_counts(ctx: FigureContext) -> dict[str, Counter]:
    # The pledges grouped by their list first (a few thousand different lists among 20,000 pledges), then each
    # list's items, once per list, weighed by its pledges: the lists are read and grouped once each, not once
    # per pledge. The countries' lists serve the regions (every pledge) and the map (the published ones).
    def lists(column, **weights):
        key = json_list_key(column)
        return (sa.select(key.label("list"), *(weight.label(name) for name, weight in weights.items()))
                .where(*pledges_where(ctx)).group_by(key).cte().prefix_with("MATERIALIZED"))

    def counted(kind: str, lists, weight, label=None):
        items = json_list_items(lists.c.list)
        value = items.c.value if label is None else label(items.c.value)
        # DISTINCT: a pledge counts once per value, however often its list names it.
        per_list = (sa.select(lists.c.list, weight.label("pledges"), value.label("value")).select_from(lists)
                    .join(items, sa.true()).where(weight > 0).distinct().subquery())
        return (sa.select(sa.literal(kind).label("kind"), per_list.c.value,
                          sa.cast(sa.func.sum(per_list.c.pledges), sa.Integer))
                .where(per_list.c.value.is_not(None)).group_by(per_list.c.value))

    areas = lists(Pledge.areas, pledges=sa.func.count())
    countries = lists(Pledge.countries, pledges=sa.func.count(),
                      published=sa.func.count().filter(Pledge.state == PledgeState.published))
    counts: dict[str, Counter] = defaultdict(Counter)
    for kind, value, n in db.session.execute(sa.union_all(
            counted("area", areas, areas.c.pledges),
            counted("region", countries, countries.c.pledges, region_expression),
            counted("country", countries, countries.c.published))):
        counts[kind][value] = n
    return counts


# -- the pledge figures -----------------------------------------------------------------------------------
def pledges_by_status(ctx: FigureContext) -> Table:
    counts = count_by(ctx, lambda row: row.state)
    return Table([_("Status"), _("Pledges")],
                 rows_in_order(counts, {s: PLEDGE_STATE_LABELS[s] for s in PUBLIC_STATES}))


def pledges_by_light(ctx: FigureContext) -> Table:
    counts: Counter = Counter()
    for row in summary(ctx):
        if row.state in PUBLIC_STATES:
            counts.update(row.lights())
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
        # Withdrawn pledges' resources are not counted.
        if row.currency and row.with_amount and row.state in (PledgeState.published, PledgeState.completed):
            totals[row.currency] += row.amount or 0
            counts[row.currency] += row.with_amount
    rows = [[code, totals[code], counts[code]] for code in sorted(totals, key=lambda c: -totals[c])]
    return Table([_("Currency"), _("Amount committed"), _("Pledges")], rows,
                 note=_("Amounts are added up per currency, never converted; withdrawn pledges are left out."))


def report_compliance(ctx: FigureContext) -> Table:
    """Per month: the progress reports that fell due (periods of public pledges ending that month, up to
    today), how many were approved within ON_TIME_DAYS of the due date, and that share in per cent.

    The reports due are counted from the pledges' schedules in SQL, grouped, without listing the due dates
    (:func:`due_counts`); the approved ones, from the reports whose period end is a due date of their pledge
    (:func:`on_time_query`)."""
    due = due_counts(ctx)
    on_time = Counter(dict(db.session.execute(on_time_query(ctx)).all()))
    rows = []
    for m in ctx.months:
        rows.append([month_label(m), round(100 * on_time[m] / due[m], 1) if due[m] else None, due[m], on_time[m]])
    return Table([_("Month"), _("Approved on time (%)"), _("Reports due"), _("Approved on time")], rows,
                 note=_("A report is on time when it is approved within %(days)d days of the end of its period.",
                        days=ON_TIME_DAYS))


def _every() -> sa.ColumnElement[int]:
    """A pledge's months between reports in SQL (schedule.DEFAULT_EVERY_MONTHS when unset)."""
    every = Pledge.report_every_months
    return sa.case((sa.or_(every.is_(None), every == 0), schedule.DEFAULT_EVERY_MONTHS), else_=every)


def _running(ctx: FigureContext, first: date, after: date) -> list[sa.ColumnElement[bool]]:
    """The selected pledges, not withdrawn, with reporting periods, that run at some time in [first, after)."""
    return [*pledge_conditions(ctx), in_states([PledgeState.published, PledgeState.completed]),
            Pledge.start_date.is_not(None), Pledge.end_date.is_not(None), Pledge.start_date < Pledge.end_date,
            _every() >= 1, Pledge.end_date >= first, Pledge.start_date < after]


def _until(ctx: FigureContext) -> date:
    """The day after the last day whose due reports count: the end of the window, or today."""
    return min(ctx.window[1], ctx.today + timedelta(days=1))


def due_counts(ctx: FigureContext) -> Counter:
    """The reports due per month of the window ("YYYY-MM"), up to today: what :func:`due_dates_query` lists,
    counted without listing it (see :func:`due_groups`)."""
    return ctx.shared("pledges.due", lambda: _due_counts(ctx))


def _due_counts(ctx: FigureContext) -> Counter:
    today = ctx.today
    first_month = ctx.window[0].year * 12 + ctx.window[0].month - 1
    current = today.year * 12 + today.month - 1 - first_month  # today's month, counted from the first month
    last_day = today == schedule.add_months(today.replace(day=1), 1) - timedelta(days=1)
    counts: Counter = Counter()
    for every, first_due, end, before_end, by_today, end_by_today, pledges in due_groups(ctx):
        for m in range(first_due, min(end, 11) + 1, every):
            if m == end and not before_end:
                continue  # on or after the end date: the last period ends on it instead (counted below)
            if m > current or (m == current and not (by_today or last_day)):
                continue  # not due yet
            counts[ctx.months[m]] += pledges
        if end <= 11 and (end < current or (end == current and end_by_today)):
            counts[ctx.months[end]] += pledges  # the last period ends with the pledge
    return counts


def due_groups(ctx: FigureContext) -> list[tuple]:
    """The pledges whose reports fall due in the window, counted per shape of their schedule in it (one query,
    a few hundred groups however many pledges): (every, the first month a period ends in, the end date's
    month, whether a period ending in that month ends before the end date, whether periods ending this month
    have ended by today, whether the end date has, pledges). Months are counted from the window's first
    month; 12 is after the window.

    Period k of a pledge ends ``every * k`` months after its start, on the start's day of the month (or the
    month's last day), or on the end date for the last period (schedule.periods).
    """
    first, _after = ctx.window
    first_month, today = first.year * 12 + first.month - 1, ctx.today
    # Each pledge's numbers computed once (MATERIALIZED): inlined, SQLite would repeat the month arithmetic in
    # every place the grouping names it.
    running = (sa.select(_every().label("every"), month_index(Pledge.start_date).label("start"),
                         month_index(Pledge.end_date).label("end"), day_of_month(Pledge.start_date).label("day"),
                         day_of_month(Pledge.end_date).label("end_day"))
               .where(*_running(ctx, first, _until(ctx))).cte("running").prefix_with("MATERIALIZED"))
    every, start = running.c.every, running.c.start
    # The first period end in or after the first month: a multiple of ``every`` months after the start, and
    # at least one period after it.
    first_due = sa.case((start < first_month, first_month + ((start - first_month) % every + every) % every),
                        else_=start + every) - first_month
    end = sa.case((running.c.end - first_month > 12, 12), else_=running.c.end - first_month)
    # In the end date's month a period ends before the end date when the start's day is before the end's (the
    # month's last day is never before it); this month's periods have ended when the start's day is today or
    # before (or today is the month's last day, see _due_counts).
    keys = (every, first_due, end, running.c.day < running.c.end_day, running.c.day <= today.day,
            running.c.end_day <= today.day)
    inner = sa.select(*(key.label(f"k{i}") for i, key in enumerate(keys))).subquery()
    columns = list(inner.c)
    return [tuple(row) for row in db.session.execute(sa.select(*columns, sa.func.count()).group_by(*columns))]


def on_time_query(ctx: FigureContext) -> sa.Select:
    """(month, reports) rows: the approved reports of the selected pledges whose period end is a due
    date in the window (one of the pledge's period ends, see :func:`due_groups`), approved within ON_TIME_DAYS
    of it."""
    first, until = ctx.window[0], _until(ctx)
    end = ProgressReport.period_end
    month, start = month_index(end), month_index(Pledge.start_date)
    period_end = sa.or_(end == Pledge.end_date,
                        sa.and_(end < Pledge.end_date, month > start, (month - start) % _every() == 0,
                                end == date_in_month(month, day_of_month(Pledge.start_date))))
    inner = (sa.select(date_month(end).label("month"))
             .join(Pledge, Pledge.id == ProgressReport.pledge_id)
             .where(*_running(ctx, first, until), ProgressReport.state == ReportState.approved,
                    ProgressReport.approved_at.is_not(None),
                    utc_date(ProgressReport.approved_at) <= add_days(end, ON_TIME_DAYS),
                    end >= first, end < until, period_end).subquery())
    return sa.select(inner.c.month, sa.func.count()).group_by(inner.c.month)


# At most this many reporting periods of one pledge end in a twelve-month window (monthly reports), plus one.
_STEPS = 14


def due_dates_query(ctx: FigureContext, first: date, after: date) -> sa.Select:
    """(pledge_id, due) for each due date (period end, see schedule.periods) of a selected pledge, not
    withdrawn, that falls in [first, after): the due dates one by one, which :func:`due_counts` counts per
    month without listing them (listing them took a 20,000-pledge dashboard seconds); the tests check the
    month arithmetic (:func:`~app.sqltools.date_in_month`, which :func:`on_time_query` reads) with it.

    Period k of a pledge ends on ``add_months(start, every * k)``, or on the end date for the last period.
    The periods ending before ``first`` are skipped without listing them: counting from the period k0 that
    ends in or just before the first month, at most _STEPS periods can end in a twelve-month window.
    """
    every = _every()
    runs = _running(ctx, first, after)
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
