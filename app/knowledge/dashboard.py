"""The monitoring dashboard: figures computed by services with ``now`` injected, and a registry of figures.

A figure is a key, a title, a chart type and a ``compute`` function taking a :class:`FigureContext` (the
filters, ``now``, the viewer) and returning a :class:`Table`: column headings and rows (a label, then
numbers). The page draws each table as a chart (Chart.js), shows the table itself, and offers it as CSV.
Every figure comes from a feature's gateway through :func:`register_figure` (this module imports no
feature): commitments the pledge and report figures, action groups their activity, the Partnership Forum
"meetings per month" and "registration and attendance", news "news published per month", and the
duplication detector "overlaps found and resolved per month".

Filters: **year** (pledges running at some time in the year; monthly figures show its twelve months, and
without a year the last twelve months), **region** (things naming a country of the continent: pledges,
groups focused on one, news) and **area** (things with that 8.7 area); :meth:`FigureContext.place_conditions`
applies the last two to any pair of JSON list columns (pledges have rows of their own for them: see
app.commitments.figures.pledge_conditions).
"""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from decimal import Decimal
from functools import cached_property, lru_cache
from pathlib import Path
from typing import NamedTuple, TypeVar

import sqlalchemy as sa
from flask import current_app
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from app.i18n import country_name
from app.memory import Memory
from app.policy import is_partner, is_secretariat
from app.sqltools import json_list_contains, json_list_contains_any
from app.taxonomy import AREAS, REGIONS, region_countries
from app.utils import whole_number

T = TypeVar("T")

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
    "groups": _l("Action groups, the Forum and news"),
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


# -- computed figures, remembered for a few minutes -----------------------------------------------------------
class Computed(NamedTuple):
    figure: Figure
    table: Table
    at: datetime  # when the table was computed (UTC)


def viewer_kind(user) -> str:
    """The kinds of viewer a figure's numbers may differ for: the secretariat, partners, the public."""
    return "secretariat" if is_secretariat(user) else "partner" if is_partner(user) else "public"


def compute(figures: list[Figure], ctx: FigureContext) -> list[Computed]:
    """Each figure's table for ``ctx``, computed at most once per period of ``DASHBOARD_FIGURES_SECONDS`` by
    each process for the same filters, language and kind of viewer (0: on every call).

    The figures read most of the database (pledges, reports, groups, the Forum, news, overlaps) that every
    feature writes, on any host: rather than a shared record of every change, each host keeps what it
    computed until the period ends. Periods start at the same times everywhere (multiples of the period since
    the epoch, on ``ctx.now``), so no host shows figures older than one period, and the page says when they
    were computed (``Computed.at``). The key holds ``ctx.today`` too (the lights, the monthly window), in
    case a period spans midnight.
    """
    seconds = current_app.config["DASHBOARD_FIGURES_SECONDS"]
    if not seconds:
        return [Computed(figure, figure.compute(ctx), ctx.now) for figure in figures]
    memory = current_app.extensions.get("dashboard_figures")
    if memory is None:
        memory = current_app.extensions["dashboard_figures"] = Memory(512)
    period = int(ctx.now.timestamp()) // seconds
    common = (ctx.filters, str(get_locale() or "en"), viewer_kind(ctx.user), ctx.today, period)
    return [memory.get((figure.key, *common), lambda figure=figure: Computed(figure, figure.compute(ctx), ctx.now))
            for figure in figures]


@dataclass
class FigureContext:
    """What every figure is computed from: the filters, ``now``, the viewer, and what the page's figures share
    (see :meth:`shared`)."""

    filters: DashboardFilters
    now: datetime
    user: object = None
    _shared: dict = field(default_factory=dict)

    @property
    def today(self) -> date:
        return self.now.date()

    @cached_property
    def months(self) -> list[str]:
        """The months the monthly figures cover, "YYYY-MM", oldest first."""
        if self.filters.year:
            return [f"{self.filters.year}-{m:02d}" for m in range(1, 13)]
        last = self.today.year * 12 + self.today.month - 1
        return [f"{m // 12:04d}-{m % 12 + 1:02d}" for m in range(last - 11, last + 1)]

    @property
    def window(self) -> tuple[date, date]:
        """The first day of the first month and the first day after the last month."""
        first = date.fromisoformat(self.months[0] + "-01")
        return first, date(first.year + 1, first.month, 1)

    @property
    def window_times(self) -> tuple[datetime, datetime]:
        """:attr:`window` as UTC times, to compare timestamps with."""
        first, after = self.window
        return (datetime.combine(first, time.min, tzinfo=timezone.utc),
                datetime.combine(after, time.min, tzinfo=timezone.utc))

    def place_conditions(self, areas, countries) -> list[sa.ColumnElement[bool]]:
        """The area and region filters on a thing's JSON lists of 8.7 areas and of country codes."""
        conditions = []
        if self.filters.area:
            conditions.append(json_list_contains(areas, self.filters.area))
        if self.filters.region:
            conditions.append(json_list_contains_any(countries, region_countries()[self.filters.region]))
        return conditions

    def shared(self, key: Hashable, make: Callable[[], T]) -> T:
        """What ``make()`` returns, made once for the page: figures that read the same numbers (a feature's
        summary query, say) share them, which keeps the page's query count."""
        if key not in self._shared:
            self._shared[key] = make()
        return self._shared[key]


def rows_in_order(counter: Counter, labels: dict, *, keep_order: bool = True) -> list[list]:
    """Rows in the vocabulary's order (every known label, zeros included), then anything unknown."""
    rows = [[str(label), counter.get(code, 0)] for code, label in labels.items()] if keep_order else []
    rows += [[str(code), n] for code, n in counter.items() if code not in labels]
    return rows


def region_name(code: str) -> str:
    from babel import Locale
    from flask_babel import get_locale

    return Locale.parse(str(get_locale() or "en")).territories.get(code, code)


def month_label(month: str) -> str:
    from flask_babel import format_date

    return format_date(date.fromisoformat(month + "-01"), "MMM yyyy")


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
