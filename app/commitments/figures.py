"""The pledge and progress report figures of the monitoring dashboard (app.knowledge.dashboard), registered
from the gateway: the map of active pledges, pledges by status, light, area, type of action, type of
organisation and region, resources by currency, report compliance over time, and the secretariat's pipeline.

The figures read three queries shared by the page (:func:`summary`, :func:`item_counts` and
:func:`due_groups`), whatever the number of pledges, each grouping the pledges in SQL, mostly from an index
that holds every column it reads, so that Python sees a few hundred rows at most (issue 16: the page computed
in 150 ms or less at 20,000 pledges on SQLite; see bench/dashboard.py). The dashboard's year filter selects the
pledges running at some time in the year; its region and area filters, those naming a country of the region
and the area, read from the pledges' facets (PledgeFacet: their areas, countries and regions as rows, kept by
the model) rather than from their JSON lists.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta
from typing import NamedTuple

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.commitments import schedule
from app.commitments.models import (
    LIGHT_LABELS, PLEDGE_STATE_LABELS, PUBLIC_STATES, FacetKind, Pledge, PledgeFacet, PledgeState, ProgressReport,
    ReportState, light_condition, with_facet,
)
from app.commitments.schedule import Light
from app.extensions import db
from app.knowledge.dashboard import (
    Figure, FigureContext, Table, month_label, region_name, rows_in_order,
)
from app.members.models import STAKEHOLDER_LABELS, Organisation, StakeholderType
from app.sqltools import (
    add_days, date_in_month, date_month, day_of_month, month_index, utc_date,
)
from app.taxonomy import ACTION_TYPES, AREAS, REGIONS, region_countries

# A report counts as on time when it is approved within this many days of its due date (the end of its
# period): the organisation writes it after the period ends, and the secretariat reviews it.
ON_TIME_DAYS = 60


# The lights of published pledges (the others' light follows from their state: see PledgeSummary).
PUBLISHED_LIGHTS = (Light.green, Light.amber, Light.red, Light.inactive)
# The light of the public pledges that are not published.
CLOSED_LIGHTS = {PledgeState.completed: Light.completed, PledgeState.withdrawn: Light.withdrawn}


class PledgeSummary(NamedTuple):
    """The pledges the filters select, counted by each thing the simple figures split them by."""

    states: Counter          # pledges per state, public or not (the secretariat's pipeline counts them all)
    action_types: Counter    # public pledges per type of action ("" or None: none given)
    stakeholders: Counter    # public pledges per type of organisation (StakeholderType)
    global_pledges: int      # public pledges marked global
    lights: Counter          # public pledges per light (schedule.light)
    amounts: dict[str, tuple[float, int]]  # per currency: resources committed, and how many pledges give an
    #                                        amount, among the published and completed pledges


def pledge_conditions(ctx: FigureContext, table=Pledge) -> list[sa.ColumnElement[bool]]:
    """The dashboard's filters on pledges, public or not, or on their facets (``table=PledgeFacet``, whose rows
    hold their pledge's dates). The area and region filters read the pledges' facets (an indexed lookup each),
    not their JSON lists."""
    pledge_id = PledgeFacet.pledge_id if table is PledgeFacet else Pledge.id
    conditions = [pledge_id.in_(with_facet(kind, code)) for kind, code in
                  ((FacetKind.area, ctx.filters.area), (FacetKind.region, ctx.filters.region)) if code]
    if ctx.filters.year:
        first, last = date(ctx.filters.year, 1, 1), date(ctx.filters.year, 12, 31)
        conditions.append(sa.or_(table.start_date.is_(None), table.start_date <= last))
        conditions.append(sa.or_(table.end_date.is_(None), table.end_date >= first))
    return conditions


def in_states(states, column=Pledge.state) -> sa.ColumnElement[bool]:
    """The pledges (or facets: ``column=PledgeFacet.state``) in one of ``states``, said as NOT IN the others:
    most pledges are public, and SQLite, which reads the state index for an IN, would look up four rows in five
    through it (twice the time of reading the table, measured at 20,000 pledges); for a NOT IN it reads the
    table."""
    return column.not_in([state for state in PledgeState if state not in states])


def summary(ctx: FigureContext) -> PledgeSummary:
    """The pledges the filters select, public or not, counted in SQL by everything the simple figures split them
    by, read once per page (one query, giving a hundred rows or so however many pledges)."""
    return ctx.shared("pledges.summary", lambda: _summary(ctx))


def _summary(ctx: FigureContext) -> PledgeSummary:
    # Grouped by plain columns first, in the order of the index ix_pledge_summary, which holds every column read
    # here: unfiltered, SQLite reads the index alone, in the groups' order, without sorting 20,000 rows. The
    # lights are counted within the groups (not grouped by: a CASE is in no index). Those few thousand groups
    # (MATERIALIZED: computed once) are then added up per state and each other key, the types of organisation
    # looked up for the groups: the figures read a hundred rows, not one per combination of keys.
    keys = (Pledge.state, Pledge.action_type, Pledge.is_global, Pledge.organisation_id, Pledge.resources_currency)
    groups = (sa.select(*keys, sa.func.count().label("pledges"),
                        sa.func.count(Pledge.resources_amount).label("with_amount"),
                        sa.func.sum(Pledge.resources_amount).label("amount"),
                        *(sa.func.count().filter(light_condition(light, ctx.today)).label(light.value)
                          for light in PUBLISHED_LIGHTS))
              .where(*pledge_conditions(ctx)).group_by(*keys).cte("groups").prefix_with("MATERIALIZED"))
    sums = (sa.cast(sa.func.sum(groups.c.pledges), sa.Integer), sa.cast(sa.func.sum(groups.c.with_amount), sa.Integer),
            sa.cast(sa.func.sum(groups.c.amount), sa.Float),
            *(sa.cast(sa.func.sum(groups.c[light.value]), sa.Integer) for light in PUBLISHED_LIGHTS))
    state = sa.type_coerce(groups.c.state, sa.String)

    def per_state(kind: str, key=None) -> sa.Select:
        """(kind, state, key, pledges, with_amount, amount, *lights) per state and key."""
        label = sa.null() if key is None else sa.type_coerce(key, sa.String)
        return (sa.select(sa.literal(kind), state, label, *sums).select_from(groups)
                .group_by(groups.c.state, *(() if key is None else (key,))))

    stakeholder = Organisation.stakeholder_type
    summary = PledgeSummary(Counter(), Counter(), Counter(), 0, Counter(), {})
    global_pledges, amounts = 0, defaultdict(lambda: [0.0, 0])
    for kind, state_name, key, pledges, with_amount, amount, *lights in db.session.execute(sa.union_all(
            per_state("state"),
            per_state("action_type", groups.c.action_type),
            per_state("stakeholder", stakeholder).join(Organisation, Organisation.id == groups.c.organisation_id),
            per_state("global").where(groups.c.is_global.is_(True)),
            per_state("currency", groups.c.resources_currency).where(groups.c.with_amount > 0))):
        state_of = PledgeState[state_name]
        public = state_of in PUBLIC_STATES
        if kind == "state":
            summary.states[state_of] += pledges
            if state_of is PledgeState.published:
                summary.lights.update(dict(zip(PUBLISHED_LIGHTS, lights)))
            elif public:
                summary.lights[CLOSED_LIGHTS[state_of]] += pledges
        elif kind == "action_type" and public:
            summary.action_types[key] += pledges
        elif kind == "stakeholder" and public:
            summary.stakeholders[StakeholderType[key]] += pledges
        elif kind == "global" and public:
            global_pledges += pledges
        # Withdrawn pledges' resources are not counted.
        elif kind == "currency" and key and state_of in (PledgeState.published, PledgeState.completed):
            amounts[key][0] += amount or 0
            amounts[key][1] += with_amount
    return summary._replace(global_pledges=global_pledges,
                            amounts={code: (total, n) for code, (total, n) in amounts.items()})


def item_counts(ctx: FigureContext) -> dict[str, Counter]:
    """How many selected pledges name each 8.7 area ("area"), each region ("region") and, among the published
    ones, each country ("country"), every pledge counted once per value: counted from the pledges' facets
    (PledgeFacet), which hold their state and dates, by reading one index in order (one query)."""
    return ctx.shared("pledges.items", lambda: _item_counts(ctx))


def _item_counts(ctx: FigureContext) -> dict[str, Counter]:
    # Grouped by state too, in the order of the index ix_pledge_facet_count: unfiltered, SQLite reads the index
    # alone without sorting; the public states are added up here (a few hundred rows).
    keys = (PledgeFacet.kind, PledgeFacet.code, PledgeFacet.state)
    query = (sa.select(*keys, sa.func.count())
             .where(in_states(PUBLIC_STATES, PledgeFacet.state), *pledge_conditions(ctx, PledgeFacet))
             .group_by(*keys))
    counts: dict[str, Counter] = defaultdict(Counter)
    for kind, code, state, n in db.session.execute(query):
        if kind is FacetKind.country:
            if state is PledgeState.published:
                counts["country"][code] += n
        else:
            counts[kind.value][code] += n
    return counts


# -- the pledge figures -----------------------------------------------------------------------------------
def pledges_by_status(ctx: FigureContext) -> Table:
    counts = Counter({state: n for state, n in summary(ctx).states.items() if state in PUBLIC_STATES})
    return Table([_("Status"), _("Pledges")],
                 rows_in_order(counts, {s: PLEDGE_STATE_LABELS[s] for s in PUBLIC_STATES}))


def pledges_by_light(ctx: FigureContext) -> Table:
    counts = summary(ctx).lights
    lights = {light: LIGHT_LABELS[light] for light in Light if light is not Light.none}
    return Table([_("Traffic light"), _("Pledges")], rows_in_order(counts, lights),
                 styles=[f"light-{light.value}" for light in lights])


def pledges_by_area(ctx: FigureContext) -> Table:
    counts = item_counts(ctx)["area"]
    return Table([_("8.7 area"), _("Pledges")], rows_in_order(counts, AREAS),
                 note=_("A pledge with several areas counts once in each."))


def pledges_by_action_type(ctx: FigureContext) -> Table:
    counts = Counter(summary(ctx).action_types)
    counts.pop(None, None)
    counts.pop("", None)
    return Table([_("Type of action"), _("Pledges")], rows_in_order(counts, ACTION_TYPES))


def pledges_by_stakeholder(ctx: FigureContext) -> Table:
    counts = summary(ctx).stakeholders
    return Table([_("Type of organisation"), _("Pledges")], rows_in_order(counts, STAKEHOLDER_LABELS))


def pledges_by_region(ctx: FigureContext) -> Table:
    counts = Counter(item_counts(ctx)["region"])
    if ctx.filters.region:
        counts = Counter({ctx.filters.region: counts[ctx.filters.region]})
    else:
        counts["global"] = summary(ctx).global_pledges
    labels = {code: region_name(code) for code in REGIONS}
    labels["global"] = _("Global")
    return Table([_("Region"), _("Pledges")], rows_in_order(+counts, labels),
                 note=_("A pledge in countries of several regions counts once in each."))


def resources_by_currency(ctx: FigureContext) -> Table:
    amounts = summary(ctx).amounts
    rows = [[code, total, n] for code, (total, n) in sorted(amounts.items(), key=lambda item: (-item[1][0], item[0]))]
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


def _every(every=Pledge.report_every_months) -> sa.ColumnElement[int]:
    """A pledge's months between reports in SQL (schedule.DEFAULT_EVERY_MONTHS when unset)."""
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
    # The pledges grouped by their schedule first (start, end, months between reports), in the order of the
    # index ix_pledge_schedule, which holds those columns: SQLite reads the index alone, without sorting, and
    # the month arithmetic below runs once per schedule (a few hundred among 20,000 pledges, at most one per
    # pledge), not once per pledge.
    shape = (Pledge.state, Pledge.start_date, Pledge.end_date, Pledge.report_every_months)
    schedules = (sa.select(*shape, sa.func.count().label("pledges")).where(*_running(ctx, first, _until(ctx)))
                 .group_by(*shape).cte("schedules").prefix_with("MATERIALIZED"))
    # Each schedule's numbers computed once (MATERIALIZED): inlined, SQLite would repeat the month arithmetic in
    # every place the grouping names it.
    start_date, end_date = schedules.c.start_date, schedules.c.end_date
    running = (sa.select(_every(schedules.c.report_every_months).label("every"),
                         month_index(start_date).label("start"), month_index(end_date).label("end"),
                         day_of_month(start_date).label("day"), day_of_month(end_date).label("end_day"),
                         schedules.c.pledges)
               .cte("running").prefix_with("MATERIALIZED"))
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
    inner = sa.select(*(key.label(f"k{i}") for i, key in enumerate(keys)), running.c.pledges).subquery()
    columns = [column for column in inner.c if column.name != "pledges"]
    return [tuple(row) for row in db.session.execute(
        sa.select(*columns, sa.cast(sa.func.sum(inner.c.pledges), sa.Integer)).group_by(*columns))]


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
    counts = summary(ctx).states
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
