"""The monitoring dashboard: figures computed by services with ``now`` injected, and a registry of figures.

A figure is a key, a title, a chart type and a ``compute`` function taking a :class:`FigureContext` (the
filters, ``now``, the viewer) and returning a :class:`Table`: column headings and rows (a label, then
numbers). The page draws each table as a chart (Chart.js), shows the table itself, and offers it as CSV.
The Partnership Forum registers "meetings per month" and "registration and attendance", and the
duplication detector "overlaps found and resolved per month", with :func:`register_figure`.

Filters: **year** (pledges running at some time in the year; monthly figures show its twelve months, and
without a year the last twelve months), **region** (pledges naming a country of the continent; groups
focused on one) and **area** (pledges and groups with that 8.7 area).
"""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cached_property, lru_cache
from pathlib import Path

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.actiongroups.discussions.models import Thread
from app.actiongroups.documents.models import Document
from app.actiongroups.models import ActionGroup, Membership
from app.commitments import schedule
from app.commitments.models import (
    LIGHT_LABELS, PLEDGE_STATE_LABELS, PUBLIC_STATES, Pledge, PledgeState, ProgressReport, ReportState,
)
from app.commitments.schedule import Light
from app.extensions import db
from app.i18n import country_name
from app.members.models import STAKEHOLDER_LABELS, Organisation, StakeholderType
from app.policy import is_secretariat
from app.sqltools import (
    add_days, date_in_month, date_month, day_of_month, json_list_contains, json_list_contains_any, json_list_items,
    month_index, month_of, utc_date,
)
from app.taxonomy import ACTION_TYPES, AREAS, REGIONS, region_countries
from app.utils import whole_number

# A report counts as on time when it is approved within this many days of its due date (the end of its
# period): the organisation writes it after the period ends, and the secretariat reviews it.
ON_TIME_DAYS = 60
FIRST_YEAR = 2015


@dataclass(frozen=True)
class DashboardFilters:
    year: int | None = None
    region: str = ""
    area: str = ""

    @classmethod
    def from_args(cls, args, today: date) -> DashboardFilters:
        year = (args.get("year") or "").strip()
        region = (args.get("region") or "").strip()
        area = (args.get("area") or "").strip()
        return cls(year=whole_number(year, FIRST_YEAR, today.year + 5),
                   region=region if region in REGIONS else "", area=area if area in AREAS else "")

    def args(self) -> dict:
        return {k: v for k, v in (("year", self.year), ("region", self.region), ("area", self.area)) if v}


@dataclass
class Table:
    """A figure's numbers: ``columns`` are the headings (the first names the labels), each row is a label
    followed by one number per other column."""

    columns: list[str]
    rows: list[list]
    note: str = ""
    # One style name per row (e.g. a traffic light), or none: the chart gives each row its own colour and
    # pattern, and the table a swatch of it, so that the colour is never the only cue.
    styles: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.rows or all(not any(v for v in row[1:] if isinstance(v, (int, float, Decimal)))
                                    for row in self.rows)


@dataclass(frozen=True)
class Figure:
    """A figure of the dashboard.

    :param chart: "bar", "hbar" (horizontal bars), "line", or "map" (the world map; rows are alpha-3 codes).
    :param audience: "public", or "admin" for the secretariat's view only.
    :param series: how many columns after the label the chart draws (default all; a table may hold more).
    :param section: the key of the section of the page it is shown in (see SECTIONS; unknown: "more").
    """

    key: str
    title: object
    compute: Callable[["FigureContext"], Table]
    chart: str = "bar"
    description: object = ""
    audience: str = "public"
    order: int = 50
    series: int | None = None
    section: str = "more"


# The page's sections, in order: a table of contents links to each, and ``?section=<key>`` shows one alone.
SECTIONS = {
    "overview": _l("Overview"),
    "pledges": _l("Pledges"),
    "reports": _l("Progress reports"),
    "groups": _l("Action groups and the Forum"),
    "more": _l("More figures"),
    "secretariat": _l("Secretariat"),
}


FIGURES: dict[str, Figure] = {}


def register_figure(figure: Figure) -> None:
    """Add a figure to the dashboard (registering the same key again replaces it)."""
    FIGURES[figure.key] = figure
    ordered = sorted(FIGURES.values(), key=lambda f: (f.order, f.key))
    FIGURES.clear()
    FIGURES.update((f.key, f) for f in ordered)


def visible_figures(user) -> list[Figure]:
    secretariat = is_secretariat(user)
    return [f for f in FIGURES.values() if f.audience == "public" or secretariat]


def section_of(figure: Figure) -> str:
    return figure.section if figure.section in SECTIONS else "more"


def sections(figures: list[Figure]) -> list[tuple[str, object, list[Figure]]]:
    """The sections that hold any of ``figures``, in the page's order: (key, title, figures)."""
    grouped: dict[str, list[Figure]] = defaultdict(list)
    for figure in figures:
        grouped[section_of(figure)].append(figure)
    return [(key, title, grouped[key]) for key, title in SECTIONS.items() if grouped[key]]


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


@dataclass
class FigureContext:
    filters: DashboardFilters
    now: datetime
    user: object = None
    _cache: dict = field(default_factory=dict)

    @property
    def today(self) -> date:
        return self.now.date()

    @cached_property
    def months(self) -> list[str]:
        """The months the monthly figures cover, "YYYY-MM", oldest first."""
        if self.filters.year:
            return [f"{self.filters.year}-{m:02d}" for m in range(1, 13)]
        first = schedule.add_months(self.today.replace(day=1), -11)
        return [schedule.add_months(first, i).strftime("%Y-%m") for i in range(12)]

    @property
    def window(self) -> tuple[date, date]:
        """The first day of the first month and the first day after the last month."""
        first = date.fromisoformat(self.months[0] + "-01")
        return first, schedule.add_months(first, 12)

    def pledge_conditions(self) -> list[sa.ColumnElement[bool]]:
        conditions = []
        if self.filters.area:
            conditions.append(json_list_contains(Pledge.areas, self.filters.area))
        if self.filters.region:
            conditions.append(json_list_contains_any(Pledge.countries, region_countries()[self.filters.region]))
        if self.filters.year:
            first, last = date(self.filters.year, 1, 1), date(self.filters.year, 12, 31)
            conditions.append(sa.or_(Pledge.start_date.is_(None), Pledge.start_date <= last))
            conditions.append(sa.or_(Pledge.end_date.is_(None), Pledge.end_date >= first))
        return conditions

    def group_conditions(self) -> list[sa.ColumnElement[bool]]:
        conditions = []
        if self.filters.area:
            conditions.append(json_list_contains(ActionGroup.areas, self.filters.area))
        if self.filters.region:
            conditions.append(json_list_contains_any(ActionGroup.focus_countries,
                                                     region_countries()[self.filters.region]))
        return conditions

    def pledges_where(self) -> list[sa.ColumnElement[bool]]:
        """The public pledges the filters select."""
        return [Pledge.state.in_(PUBLIC_STATES), *self.pledge_conditions()]

    @property
    def summary(self) -> list[SummaryRow]:
        """The pledges the filters select, public or not (the secretariat's pipeline counts them all),
        counted in SQL by everything the simple figures split them by, read once per page (one query; a few
        hundred groups at most, however many pledges)."""
        if "summary" not in self._cache:
            counted = sa.and_(Pledge.resources_amount.is_not(None), Pledge.resources_currency != "",
                              Pledge.state != PledgeState.withdrawn)
            # Grouped in an outer query on the inner one's columns: PostgreSQL does not see two CASE
            # expressions with bound values (today) as the same, in SELECT and in GROUP BY.
            inner = (sa.select(Pledge.state, light_expression(self.today).label("light"), Pledge.action_type,
                               Organisation.stakeholder_type, Pledge.is_global,
                               sa.case((counted, Pledge.resources_currency)).label("currency"),
                               Pledge.resources_amount.label("amount"))
                     .join(Organisation, Organisation.id == Pledge.organisation_id)
                     .where(*self.pledge_conditions()).subquery())
            keys = (inner.c.state, inner.c.light, inner.c.action_type, inner.c.stakeholder_type, inner.c.is_global,
                    inner.c.currency)
            rows = db.session.execute(sa.select(*keys, sa.func.count(), sa.cast(sa.func.sum(inner.c.amount), sa.Float))
                                      .group_by(*keys))
            self._cache["summary"] = [SummaryRow(*row) for row in rows]
        return self._cache["summary"]

    def count_by(self, key: Callable[[SummaryRow], object], *, public_only: bool = True) -> Counter:
        counts: Counter = Counter()
        for row in self.summary:
            if row.state in PUBLIC_STATES or not public_only:
                counts[key(row)] += row.pledges
        return counts

    @property
    def item_counts(self) -> dict[str, Counter]:
        """How many selected pledges name each 8.7 area ("area"), each region ("region") and, among the
        published ones, each country ("country"), every pledge counted once per value (GROUP BYs over the
        JSON lists' items), and the reports due and approved on time per month ("due", "on_time"): sent as
        one query, to keep the page's query count."""
        if "items" not in self._cache:
            def counted(kind: str, column, label=None, where=()):
                items = json_list_items(column)
                value = items.c.value if label is None else label(items.c.value)
                inner = (sa.select(Pledge.id, value.label("value")).select_from(Pledge).join(items, sa.true())
                         .where(*self.pledges_where(), *where).subquery())
                return (sa.select(sa.literal(kind).label("kind"), inner.c.value,
                                  sa.func.count(sa.distinct(inner.c.id)))
                        .where(inner.c.value.is_not(None)).group_by(inner.c.value))

            counts: dict[str, Counter] = defaultdict(Counter)
            for kind, value, n in db.session.execute(sa.union_all(
                    counted("area", Pledge.areas), counted("region", Pledge.countries, _region_expression),
                    counted("country", Pledge.countries, where=[Pledge.state == PledgeState.published]),
                    *compliance_queries(self))):
                counts[kind][value] = n
            self._cache["items"] = counts
        return self._cache["items"]


def light_expression(today: date) -> sa.ColumnElement[str]:
    """A pledge's traffic light on ``today`` in SQL (the value of a Light), from the same conditions as the
    registry's light filter, so the dashboard, the filter and the badge agree."""
    from app.commitments.models import light_condition

    return sa.case(*((light_condition(light, today), light.value) for light in Light if light is not Light.none),
                   else_=Light.none.value)


def _rows(counter: Counter, labels: dict, *, keep_order: bool = True) -> list[list]:
    """Rows in the vocabulary's order (every known label, zeros included), then anything unknown."""
    rows = [[str(label), counter.get(code, 0)] for code, label in labels.items()] if keep_order else []
    rows += [[str(code), n] for code, n in counter.items() if code not in labels]
    return rows


# -- the pledge figures -----------------------------------------------------------------------------------
def pledges_by_status(ctx: FigureContext) -> Table:
    counts = ctx.count_by(lambda row: row.state)
    return Table([_("Status"), _("Pledges")], _rows(counts, {s: PLEDGE_STATE_LABELS[s] for s in PUBLIC_STATES}))


def pledges_by_light(ctx: FigureContext) -> Table:
    counts = ctx.count_by(lambda row: Light(row.light))
    lights = {light: LIGHT_LABELS[light] for light in Light if light is not Light.none}
    return Table([_("Traffic light"), _("Pledges")], _rows(counts, lights),
                 styles=[f"light-{light.value}" for light in lights])


def pledges_by_area(ctx: FigureContext) -> Table:
    counts = ctx.item_counts["area"]
    return Table([_("8.7 area"), _("Pledges")], _rows(counts, AREAS),
                 note=_("A pledge with several areas counts once in each."))


def pledges_by_action_type(ctx: FigureContext) -> Table:
    counts = ctx.count_by(lambda row: row.action_type)
    counts.pop(None, None)
    counts.pop("", None)
    return Table([_("Type of action"), _("Pledges")], _rows(counts, ACTION_TYPES))


def pledges_by_stakeholder(ctx: FigureContext) -> Table:
    counts = ctx.count_by(lambda row: row.stakeholder_type)
    return Table([_("Type of organisation"), _("Pledges")], _rows(counts, STAKEHOLDER_LABELS))


@lru_cache(maxsize=1)
def _region_of() -> dict[str, str]:
    return {country: region for region, members in region_countries().items() for country in members}


def _region_expression(country) -> sa.ColumnElement[str]:
    """The region of a country code in SQL (NULL for a code in none)."""
    members: dict[str, list[str]] = defaultdict(list)
    for country_code, region in _region_of().items():
        members[region].append(country_code)
    return sa.case(*((country.in_(codes), region) for region, codes in sorted(members.items())))


def pledges_by_region(ctx: FigureContext) -> Table:
    counts = Counter(ctx.item_counts["region"])
    if ctx.filters.region:
        counts = Counter({ctx.filters.region: counts[ctx.filters.region]})
    else:
        counts["global"] = ctx.count_by(lambda row: row.is_global)[True]
    labels = {code: region_name(code) for code in REGIONS}
    labels["global"] = _("Global")
    return Table([_("Region"), _("Pledges")], _rows(+counts, labels),
                 note=_("A pledge in countries of several regions counts once in each."))


def resources_by_currency(ctx: FigureContext) -> Table:
    totals: dict[str, float] = defaultdict(float)
    counts: Counter = Counter()
    for row in ctx.summary:
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
    reports of the same pledge and period end (:func:`compliance_queries`, sent with FigureContext.item_counts)."""
    due, on_time = ctx.item_counts["due"], ctx.item_counts["on_time"]
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
    runs = [*ctx.pledge_conditions(), Pledge.state.in_([PledgeState.published, PledgeState.completed]),
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


def group_activity(ctx: FigureContext) -> Table:
    """Per month: people joining action groups, discussions started, documents shared (three queries)."""
    first, after = ctx.window
    start = datetime.combine(first, datetime.min.time()).replace(tzinfo=ctx.now.tzinfo)
    end = datetime.combine(after, datetime.min.time()).replace(tzinfo=ctx.now.tzinfo)
    conditions = ctx.group_conditions()
    counts = {}
    for name, column, group_id in (("members", Membership.joined_at, Membership.group_id),
                                   ("threads", Thread.created_at, Thread.group_id),
                                   ("documents", Document.created_at, Document.group_id)):
        month = month_of(column)
        query = (sa.select(month, sa.func.count()).where(column >= start, column < end).group_by(month))
        if conditions:
            query = query.join(ActionGroup, ActionGroup.id == group_id).where(*conditions)
        counts[name] = dict(db.session.execute(query).all())
    rows = [[month_label(m), counts["members"].get(m, 0), counts["threads"].get(m, 0), counts["documents"].get(m, 0)]
            for m in ctx.months]
    return Table([_("Month"), _("New members"), _("Discussions started"), _("Documents shared")], rows)


def active_pledges_by_country(ctx: FigureContext) -> Table:
    """Published pledges (not completed or withdrawn) per country they name: what the map colours."""
    counts = ctx.item_counts["country"]
    if ctx.filters.region:
        members = set(region_countries()[ctx.filters.region])
        counts = {c: n for c, n in counts.items() if c in members}
    rows = [[code, n] for code, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]
    return Table([_("Country"), _("Active pledges")], rows,
                 note=_("Global pledges are not shown on the map."))


def pledge_pipeline(ctx: FigureContext) -> Table:
    """The secretariat's view: every pledge by status, drafts and reviews included (from the summary)."""
    counts = ctx.count_by(lambda row: row.state, public_only=False)
    return Table([_("Status"), _("Pledges")], _rows(counts, PLEDGE_STATE_LABELS))


def region_name(code: str) -> str:
    from babel import Locale
    from flask_babel import get_locale

    return Locale.parse(str(get_locale() or "en")).territories.get(code, code)


def month_label(month: str) -> str:
    from flask_babel import format_date

    return format_date(date.fromisoformat(month + "-01"), "MMM yyyy")


def register_builtin_figures() -> None:
    for figure in (
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
        Figure("groups", _l("Action group activity"), group_activity, chart="line", order=90, section="groups"),
        Figure("pipeline", _l("All pledges by status (secretariat)"), pledge_pipeline, audience="admin", order=100,
               section="secretariat",
               description=_l("Drafts and pledges under review included: only the secretariat sees this.")),
    ):
        register_figure(figure)


def chart_json(figure: Figure, table: Table) -> dict:
    """A figure in the shape static/js/knowledge-charts.js draws."""
    columns = table.columns[1:1 + figure.series] if figure.series else table.columns[1:]
    return {"id": figure.key, "type": "line" if figure.chart == "line" else "bar",
            "horizontal": figure.chart == "hbar", "styles": table.styles,
            "labels": [str(row[0]) for row in table.rows],
            "datasets": [{"label": str(name), "data": [_number(row[i + 1]) for row in table.rows]}
                         for i, name in enumerate(columns)]}


def _number(value):
    return float(value) if isinstance(value, (int, float, Decimal)) else None


# -- the world map ---------------------------------------------------------------------------------------------
MAP_BINS = 5


@lru_cache(maxsize=1)
def world_outlines() -> dict:
    """The countries' outlines (app/data/world-map.json, from @svg-maps/world, CC BY 4.0)."""
    with open(Path(__file__).resolve().parents[1] / "data" / "world-map.json", encoding="utf-8") as f:
        return json.load(f)


def map_bins(counts: dict[str, int]) -> list[tuple[int, int]]:
    """Up to MAP_BINS ranges (low, high) of counts, splitting the countries that have any into groups of
    about equal size; the first bin starts at 1."""
    values = sorted(v for v in counts.values() if v > 0)
    if not values:
        return []
    bins, low = [], 1
    for i in range(1, MAP_BINS + 1):
        high = values[min(len(values) - 1, round(i * len(values) / MAP_BINS) - 1)]
        if high >= low:
            bins.append((low, high))
            low = high + 1
    return bins


def world_map(table: Table) -> dict:
    """What the map template draws: each country's outline, count, colour bin and name."""
    counts = {row[0]: row[1] for row in table.rows}
    bins = map_bins(counts)

    def bin_of(n: int) -> int:
        return next((i + 1 for i, (low, high) in enumerate(bins) if low <= n <= high), 0)

    outlines = world_outlines()
    return {"viewBox": outlines["viewBox"], "bins": bins,
            "countries": [{"code": c["id"], "d": c["d"], "count": counts.get(c["id"], 0),
                           "bin": bin_of(counts.get(c["id"], 0)), "name": country_name(c["id"])}
                          for c in outlines["countries"]]}


def table_for_display(figure: Figure, table: Table) -> Table:
    """The map's table names the countries instead of giving their codes."""
    if figure.chart != "map":
        return table
    return Table(table.columns, [[country_name(row[0]), *row[1:]] for row in table.rows], table.note, table.styles)
