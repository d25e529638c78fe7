"""Country pages: one page per ISO 3166 country, made of sections that features register.

A section is a template and a loader: the loader gets a :class:`CountryContext` (the country, the viewer,
the viewer's today) and returns what its template shows, or None to leave the section out. The sections
built in here are the gateway's own (Pathfinder status, national partners, resources, indicators); the
features register theirs with :func:`register_country_section` from their gateway.py: pledges
(app/commitments), work items and action groups (app/actiongroups), upcoming consultations and Forum
sessions (app/forums), and the duplication detector "who works on what: overlaps and gaps" (app/overlaps).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.knowledge.indicators import INDICATORS, series_label
from app.knowledge.models import IndicatorValue, PathfinderCountry, Resource, ResourceState
from app.members.models import Organisation, OrganisationStatus, StakeholderType
from app.sqltools import json_list_contains

LIST_MAX = 10


@dataclass(frozen=True)
class CountryContext:
    code: str          # ISO 3166-1 alpha-3
    user: object       # the viewer (may be anonymous)
    today: date        # in the viewer's time zone


@dataclass(frozen=True)
class CountrySection:
    """A section of every country page.

    :param key: a short name, also the section's HTML id.
    :param title: the section's heading, a lazy string.
    :param template: included with ``section`` (this object), ``data`` (what ``load`` returned) and ``country``.
    :param load: CountryContext -> dict for the template, or None to leave the section out.
    """

    key: str
    title: object
    template: str
    load: Callable[[CountryContext], dict | None]
    order: int = 50


SECTIONS: list[CountrySection] = []


def register_country_section(section: CountrySection) -> None:
    """Add a section to every country page (registering the same key again replaces it)."""
    SECTIONS[:] = [s for s in SECTIONS if s.key != section.key] + [section]
    SECTIONS.sort(key=lambda s: (s.order, s.key))


def country_sections(context: CountryContext) -> list[tuple[CountrySection, dict]]:
    """Every section that has something to say, with its data, in order."""
    out = []
    for section in SECTIONS:
        data = section.load(context)
        if data is not None:
            out.append((section, data))
    return out


# -- the built-in sections ----------------------------------------------------------------------------------
def load_pathfinder(ctx: CountryContext) -> dict:
    country = db.session.get(PathfinderCountry, ctx.code, options=[
        so.selectinload(PathfinderCountry.milestones), so.joinedload(PathfinderCountry.roadmap)])
    return {"pathfinder": country, "today": ctx.today}


def load_organisations(ctx: CountryContext) -> dict:
    """The partner organisations based in the country: government ones first (the national focal points)."""
    organisations = db.session.scalars(
        sa.select(Organisation).where(Organisation.country_code == ctx.code,
                                      Organisation.status == OrganisationStatus.active)
        .order_by(sa.case((Organisation.stakeholder_type == StakeholderType.government, 0), else_=1),
                  Organisation.name_key)).all()
    return {"organisations": organisations}


def load_resources(ctx: CountryContext) -> dict:
    condition = sa.and_(Resource.state == ResourceState.published, json_list_contains(Resource.countries, ctx.code))
    found = db.session.execute(sa.select(Resource, sa.func.count().over()).where(condition)
                               .order_by(Resource.published_at.desc(), Resource.id.desc()).limit(LIST_MAX)).all()
    return {"resources": [row[0] for row in found], "total": found[0][1] if found else 0}


@dataclass
class Series:
    label: str                 # "Female, 5-17"
    points: list[tuple[int, Decimal]]


@dataclass
class IndicatorChart:
    code: str
    label: str
    unit: str
    sources: list[str]
    is_illustrative: bool
    series: list[Series]

    @property
    def years(self) -> list[int]:
        return sorted({year for s in self.series for year, _v in s.points})

    def value(self, series: Series, year: int) -> Decimal | None:
        return dict(series.points).get(year)


def indicator_charts(code: str) -> list[IndicatorChart]:
    """The country's indicators, each with one series per sex and age group, years in order (one query)."""
    rows = db.session.scalars(sa.select(IndicatorValue).where(IndicatorValue.country_code == code)
                              .order_by(IndicatorValue.indicator_code,
                                        sa.case({"total": 0, "female": 1, "male": 2}, value=IndicatorValue.sex, else_=3),
                                        IndicatorValue.age_group, IndicatorValue.year)).all()
    charts: dict[str, IndicatorChart] = {}
    for row in rows:
        meta = INDICATORS.get(row.indicator_code)
        chart = charts.get(row.indicator_code)
        if chart is None:
            chart = charts[row.indicator_code] = IndicatorChart(
                row.indicator_code, str(meta["label"]) if meta else row.indicator_code,
                meta["unit"] if meta else "", [], False, [])
        if row.source not in chart.sources:
            chart.sources.append(row.source)
        chart.is_illustrative = chart.is_illustrative or row.is_illustrative
        label = series_label(row.sex, row.age_group)
        if not chart.series or chart.series[-1].label != label:
            chart.series.append(Series(label, []))
        chart.series[-1].points.append((row.year, row.value))
    order = list(INDICATORS)
    return sorted(charts.values(), key=lambda c: (order.index(c.code) if c.code in order else len(order), c.code))


def chart_json(chart: IndicatorChart) -> dict:
    """A chart in the shape static/js/knowledge-charts.js draws: labels, and one dataset per series."""
    years = chart.years
    return {"id": chart.code, "type": "line", "labels": [str(y) for y in years],
            "datasets": [{"label": s.label, "data": [float(v) if (v := chart.value(s, y)) is not None else None
                                                     for y in years]} for s in chart.series]}


def load_indicators(ctx: CountryContext) -> dict:
    charts = indicator_charts(ctx.code)
    return {"charts": charts, "charts_json": [chart_json(c) for c in charts]}


def register_builtin_sections() -> None:
    for section in (
        CountrySection("pathfinder", _l("Pathfinder status and roadmap"), "knowledge/country/_pathfinder.html",
                       load_pathfinder, order=10),
        CountrySection("organisations", _l("National partners"), "knowledge/country/_organisations.html",
                       load_organisations, order=20),
        CountrySection("resources", _l("Knowledge resources"), "knowledge/country/_resources.html",
                       load_resources, order=70),
        CountrySection("indicators", _l("Indicators"), "knowledge/country/_indicators.html", load_indicators,
                       order=80),
    ):
        register_country_section(section)
