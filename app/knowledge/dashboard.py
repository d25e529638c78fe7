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
from calendar import monthrange
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
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
from app.commitments.schedule import Deadlines, Light
from app.extensions import db
from app.i18n import country_name
from app.members.models import STAKEHOLDER_LABELS, Organisation, StakeholderType
from app.sqltools import json_list_contains, json_list_contains_any, month_of
from app.taxonomy import ACTION_TYPES, AREAS, REGIONS, region_countries
from app.utils import as_utc, whole_number

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
    is_admin = bool(user is not None and user.is_authenticated and user.is_admin)
    return [f for f in FIGURES.values() if f.audience == "public" or is_admin]


def section_of(figure: Figure) -> str:
    return figure.section if figure.section in SECTIONS else "more"


def sections(figures: list[Figure]) -> list[tuple[str, object, list[Figure]]]:
    """The sections that hold any of ``figures``, in the page's order: (key, title, figures)."""
    grouped: dict[str, list[Figure]] = defaultdict(list)
    for figure in figures:
        grouped[section_of(figure)].append(figure)
    return [(key, title, grouped[key]) for key, title in SECTIONS.items() if grouped[key]]


@dataclass
class PledgeFact:
    """What the pledge figures need of one public pledge (read in one query for all of them)."""

    id: int
    state: PledgeState
    areas: list[str]
    action_type: str
    countries: list[str]
    is_global: bool
    stakeholder_type: StakeholderType
    due: Deadlines
    amount: Decimal | None
    currency: str
    start: date | None
    end: date | None
    every: int
    reported_through: date | None

    def light(self, today: date) -> Light:
        return schedule.light(self.state is PledgeState.published, self.state is PledgeState.completed,
                              self.state is PledgeState.withdrawn, self.due, today)


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

    @property
    def pledges(self) -> list[PledgeFact]:
        """The public pledges the filters select, read once per page (one query)."""
        if "pledges" not in self._cache:
            rows = db.session.execute(
                sa.select(Pledge.id, Pledge.state, Pledge.areas, Pledge.action_type, Pledge.countries,
                          Pledge.is_global, Organisation.stakeholder_type, Pledge.report_due_on, Pledge.red_from,
                          Pledge.inactive_from, Pledge.resources_amount, Pledge.resources_currency,
                          Pledge.start_date, Pledge.end_date, Pledge.report_every_months, Pledge.reported_through)
                .join(Organisation, Organisation.id == Pledge.organisation_id)
                .where(Pledge.state.in_(PUBLIC_STATES), *self.pledge_conditions()))
            self._cache["pledges"] = [
                PledgeFact(r[0], r[1], r[2] or [], r[3], r[4] or [], r[5], r[6], Deadlines(r[7], r[8], r[9]),
                           r[10], r[11], r[12], r[13], r[14] or schedule.DEFAULT_EVERY_MONTHS, r[15])
                for r in rows]
        return self._cache["pledges"]


def _rows(counter: Counter, labels: dict, *, keep_order: bool = True) -> list[list]:
    """Rows in the vocabulary's order (every known label, zeros included), then anything unknown."""
    rows = [[str(label), counter.get(code, 0)] for code, label in labels.items()] if keep_order else []
    rows += [[str(code), n] for code, n in counter.items() if code not in labels]
    return rows


# -- the pledge figures -----------------------------------------------------------------------------------
def pledges_by_status(ctx: FigureContext) -> Table:
    counts = Counter(p.state for p in ctx.pledges)
    return Table([_("Status"), _("Pledges")], _rows(counts, {s: PLEDGE_STATE_LABELS[s] for s in PUBLIC_STATES}))


def pledges_by_light(ctx: FigureContext) -> Table:
    counts = Counter(p.light(ctx.today) for p in ctx.pledges)
    lights = {light: LIGHT_LABELS[light] for light in Light if light is not Light.none}
    return Table([_("Traffic light"), _("Pledges")], _rows(counts, lights),
                 styles=[f"light-{light.value}" for light in lights])


def pledges_by_area(ctx: FigureContext) -> Table:
    counts = Counter(area for p in ctx.pledges for area in set(p.areas))
    return Table([_("8.7 area"), _("Pledges")], _rows(counts, AREAS),
                 note=_("A pledge with several areas counts once in each."))


def pledges_by_action_type(ctx: FigureContext) -> Table:
    counts = Counter(p.action_type for p in ctx.pledges if p.action_type)
    return Table([_("Type of action"), _("Pledges")], _rows(counts, ACTION_TYPES))


def pledges_by_stakeholder(ctx: FigureContext) -> Table:
    counts = Counter(p.stakeholder_type for p in ctx.pledges)
    return Table([_("Type of organisation"), _("Pledges")], _rows(counts, STAKEHOLDER_LABELS))


@lru_cache(maxsize=1)
def _region_of() -> dict[str, str]:
    return {country: region for region, members in region_countries().items() for country in members}


def pledges_by_region(ctx: FigureContext) -> Table:
    REGION_OF = _region_of()  # noqa: N806
    counts: Counter = Counter()
    for p in ctx.pledges:
        regions = {REGION_OF.get(c) for c in p.countries} - {None}
        if ctx.filters.region:
            regions &= {ctx.filters.region}
        counts.update(regions)
        if p.is_global and not ctx.filters.region:
            counts["global"] += 1
    labels = {code: region_name(code) for code in REGIONS}
    labels["global"] = _("Global")
    return Table([_("Region"), _("Pledges")], _rows(counts, labels),
                 note=_("A pledge in countries of several regions counts once in each."))


def resources_by_currency(ctx: FigureContext) -> Table:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    counts: Counter = Counter()
    for p in ctx.pledges:
        if p.amount is not None and p.currency and p.state is not PledgeState.withdrawn:
            totals[p.currency] += p.amount
            counts[p.currency] += 1
    rows = [[code, float(totals[code]), counts[code]] for code in sorted(totals, key=lambda c: -totals[c])]
    return Table([_("Currency"), _("Amount committed"), _("Pledges")], rows,
                 note=_("Amounts are added up per currency, never converted; withdrawn pledges are left out."))


def report_compliance(ctx: FigureContext) -> Table:
    """Per month: the progress reports that fell due (periods of public pledges ending that month, up to
    today), how many were approved within ON_TIME_DAYS of the due date, and that share in per cent."""
    first, after = ctx.window
    due: Counter = Counter()
    keys: dict[tuple[int, date], str] = {}
    for p in ctx.pledges:
        if p.state is PledgeState.withdrawn:
            continue
        for end in period_ends_between(p.start, p.end, p.every, first, min(after, ctx.today + timedelta(days=1))):
            month = end.strftime("%Y-%m")
            due[month] += 1
            keys[(p.id, end)] = month
    on_time: Counter = Counter()
    if keys:
        approved = db.session.execute(
            sa.select(ProgressReport.pledge_id, ProgressReport.period_end, ProgressReport.approved_at)
            .join(Pledge, Pledge.id == ProgressReport.pledge_id)
            .where(ProgressReport.state == ReportState.approved, ProgressReport.period_end >= first,
                   ProgressReport.period_end < after, Pledge.state.in_(PUBLIC_STATES), *ctx.pledge_conditions()))
        for pledge_id, period_end, approved_at in approved:
            month = keys.get((pledge_id, period_end))
            if month and approved_at and as_utc(approved_at).date() <= period_end + timedelta(days=ON_TIME_DAYS):
                on_time[month] += 1
    rows = [[month_label(m), round(100 * on_time[m] / due[m], 1) if due[m] else None, due[m], on_time[m]]
            for m in ctx.months]
    return Table([_("Month"), _("Approved on time (%)"), _("Reports due"), _("Approved on time")], rows,
                 note=_("A report is on time when it is approved within %(days)d days of the end of its period.",
                        days=ON_TIME_DAYS))


def _add_months(day: date, months: int) -> date:
    """``day`` plus whole months, the 31st becoming the last day of a shorter month: what
    schedule.add_months does, without relativedelta's cost (it runs for every pledge on the dashboard)."""
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def period_ends_between(start: date | None, end: date | None, every: int, first: date, after: date) -> list[date]:
    """The due dates (period ends, see schedule.periods) of a pledge that fall in [first, after), found
    without listing every period from the start."""
    if start is None or end is None or end <= start or every < 1:
        return []
    months = (first.year - start.year) * 12 + (first.month - start.month)
    index = max(1, months // every)  # periods before this one all end before ``first``
    out = []
    while True:
        due = _add_months(start, every * index)
        if due >= end:
            if first <= end < after:
                out.append(end)
            return out
        if due >= after:
            return out
        if due >= first:
            out.append(due)
        index += 1


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
    counts = Counter(c for p in ctx.pledges if p.state is PledgeState.published for c in set(p.countries))
    if ctx.filters.region:
        members = set(region_countries()[ctx.filters.region])
        counts = Counter({c: n for c, n in counts.items() if c in members})
    rows = [[code, n] for code, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]
    return Table([_("Country"), _("Active pledges")], rows,
                 note=_("Global pledges are not shown on the map."))


def pledge_pipeline(ctx: FigureContext) -> Table:
    """The secretariat's view: every pledge by status, drafts and reviews included (one query)."""
    counts = Counter(dict(db.session.execute(
        sa.select(Pledge.state, sa.func.count()).where(*ctx.pledge_conditions()).group_by(Pledge.state)).all()))
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
