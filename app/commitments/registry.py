"""The public pledge registry: its filters, the query behind the page and the exports.

Only pledges the public may see are listed (published once: published, completed or withdrawn).
The traffic-light filter is SQL over the dates the services store on each pledge
(``report_due_on``, ``red_from``, ``inactive_from``), written to agree with
:func:`app.commitments.schedule.light` case by case.

Search matches every word of the query as the start of a word of the pledge's folded title and
description (``Pledge.search_text``), with LIKE. That is a scan, fine for tens of thousands of
pledges; a full-text index (FTS5 / tsvector) can replace :func:`_search_condition` later.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _
from flask_sqlalchemy.pagination import Pagination

from app.commitments.models import (
    PUBLIC_STATES, SPLIT_KEYS, SPLITS, FacetKind, Pledge, PledgePartner, PledgeState, light_condition, with_facet,
)
from app.commitments.schedule import Light
from app.extensions import db
from app.i18n import country_name, is_country
from app.members.models import Organisation, StakeholderType
from app.taxonomy import ACTION_TYPES, AREAS, REGIONS, TARGET_GROUPS, labels
from app.utils import as_utc, csv_cell, page_number, search_words

SORTS = ("newest", "end")
# The lights a visitor can filter by (a public pledge never has Light.none).
LIGHTS = tuple(light.value for light in Light if light is not Light.none)
STATUSES = tuple(state.value for state in PUBLIC_STATES)
Q_MAX = 100       # characters of the search box that count
WORDS_MAX = 8     # words of the search that count
EXPORT_CHUNK = 500


def plain_number(value: Decimal | None) -> str:
    """A decimal written plainly, without trailing zeros or an exponent: 50000.0000 -> "50000"."""
    if value is None:
        return ""
    return format(value.normalize(), "f")


@dataclass(frozen=True)
class RegistryFilters:
    """What the visitor asked the registry for; every field has a harmless default."""

    q: str = ""
    area: str = ""
    country: str = ""               # ISO 3166-1 alpha-3, or a region's M49 code (app.taxonomy.REGIONS)
    stakeholder_type: str = ""
    action_type: str = ""
    status: str = ""                # a public PledgeState value
    light: str = ""                 # a Light value
    sort: str = "newest"
    page: int = 1
    include_global: bool = True     # with a country or region: also the global pledges (``global=0``: not)

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> RegistryFilters:
        """Read the query string; unknown or malformed values are dropped without a word."""

        def pick(name: str, allowed) -> str:
            value = (args.get(name) or "").strip()
            return value if value in allowed else ""

        country = (args.get("country") or "").strip()
        if not (is_country(country) or country in REGIONS):
            country = ""
        page = (args.get("page") or "").strip()
        return cls(
            q=" ".join((args.get("q") or "").split())[:Q_MAX],
            area=pick("area", AREAS),
            country=country,
            stakeholder_type=pick("stakeholder_type", StakeholderType.__members__),
            action_type=pick("action_type", ACTION_TYPES),
            status=pick("status", STATUSES),
            light=pick("light", LIGHTS),
            sort=pick("sort", SORTS) or "newest",
            page=page_number(page),
            include_global=(args.get("global") or "").strip() != "0",
        )

    def args(self, **changes) -> dict[str, str | int]:
        """The non-default filters as query-string arguments (for links and exports), without the page."""
        values = {"q": self.q, "area": self.area, "country": self.country,
                  "stakeholder_type": self.stakeholder_type, "action_type": self.action_type,
                  "status": self.status, "light": self.light, "sort": "" if self.sort == "newest" else self.sort,
                  "global": "" if self.include_global else "0"}
        values.update(changes)
        if not values["country"]:
            values["global"] = ""   # means nothing without a country
        return {key: value for key, value in values.items() if value}

    def args_with_global(self, include: bool) -> dict[str, str | int]:
        """:meth:`args` with the global pledges included or left out (the key is a Python keyword)."""
        return self.args(**{"global": "" if include else "0"})

    @property
    def is_filtered(self) -> bool:
        """Whether anything narrows the list (the order does not)."""
        return bool(self.q or self.area or self.country or self.stakeholder_type or self.action_type
                    or self.status or self.light)


def _country_condition(code: str, include_global: bool = True) -> sa.ColumnElement[bool]:
    """Pledges in the country (or, for a region, in any of its countries), and every global pledge unless
    ``include_global`` is false (then the count is the country page's)."""
    named = Pledge.id.in_(with_facet(FacetKind.region if code in REGIONS else FacetKind.country, code))
    return sa.or_(Pledge.is_global.is_(True), named) if include_global else named


def _search_condition(q: str) -> sa.ColumnElement[bool] | None:
    """Every word of ``q`` starts a word of the pledge's search text (case and accents ignored)."""
    conditions = []
    for word in search_words(q)[:WORDS_MAX]:  # letters and digits only: nothing to escape
        conditions.append(sa.or_(Pledge.search_text.like(f"{word}%"), Pledge.search_text.like(f"% {word}%")))
    return sa.and_(*conditions) if conditions else None


def filtered_query(filters: RegistryFilters, today: date) -> sa.Select:
    """Public pledges matching the filters, in the chosen order (no eager loading)."""
    query = sa.select(Pledge).where(Pledge.state.in_(PUBLIC_STATES))
    if filters.area:
        query = query.where(Pledge.id.in_(with_facet(FacetKind.area, filters.area)))
    if filters.country:
        query = query.where(_country_condition(filters.country, filters.include_global))
    if filters.stakeholder_type:  # the only filter that needs the organisation: join it only then
        query = query.join(Pledge.organisation).where(
            Organisation.stakeholder_type == StakeholderType(filters.stakeholder_type))
    if filters.action_type:
        query = query.where(Pledge.action_type == filters.action_type)
    if filters.status:
        query = query.where(Pledge.state == PledgeState(filters.status))
    if filters.light:
        query = query.where(light_condition(filters.light, today))
    search = _search_condition(filters.q)
    if search is not None:
        query = query.where(search)
    if filters.sort == "end":
        return query.order_by(Pledge.end_date.is_(None), Pledge.end_date, Pledge.id)
    # Public pledges always have a publication time (the services set it), so no NULLs to place.
    return query.order_by(Pledge.published_at.desc(), Pledge.id.desc())


def global_count(filters: RegistryFilters, today: date) -> int | None:
    """How many global pledges the other filters match: those a country or region filter includes unless
    ``global=0`` (None without a country filter). Global pledges naming the country too are counted once, as
    the country's (one query)."""
    if not filters.country:
        return None
    query = filtered_query(replace(filters, country=""), today).where(
        Pledge.is_global.is_(True), sa.not_(_country_condition(filters.country, include_global=False)))
    return db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))


def list_options() -> list:
    """What a list of pledges shows besides the pledge: the organisation (joined into the same query),
    the partners and their organisations (one more query for the whole list)."""
    return [so.joinedload(Pledge.organisation),
            so.selectinload(Pledge.partners).joinedload(PledgePartner.organisation)]


def registry_query(filters: RegistryFilters, today: date) -> sa.Select:
    """:func:`filtered_query` with what a list shows loaded with it, so that a page's query count does
    not grow with the number of pledges."""
    return filtered_query(filters, today).options(*list_options())


class RegistryPagination(Pagination):
    """One page of the registry in three queries, however many pledges match.

    The ids of the page and the number of matches come from one query (``count(*) OVER ()``), so a
    filter that has to read every row (search, countries) reads them once, not once for the count and
    again for the page; then the page's pledges are loaded by id, and their partners.
    """

    def _query_items(self) -> list[Pledge]:
        query = self._query_args["query"]
        rows = db.session.execute(query.with_only_columns(Pledge.id, sa.func.count().over())
                                  .limit(self.per_page).offset(self._query_offset)).all()
        self._total = rows[0][1] if rows else None
        if not rows:
            return []
        ids = [row[0] for row in rows]
        loaded = {p.id: p for p in db.session.scalars(
            sa.select(Pledge).where(Pledge.id.in_(ids)).options(*list_options())).unique()}
        return [loaded[pledge_id] for pledge_id in ids]

    def _query_count(self) -> int:
        if self._total is not None:
            return self._total
        if self.page == 1:
            return 0
        # A page past the end: count the matches separately.
        query = self._query_args["query"]
        return db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))


def registry_page(filters: RegistryFilters, today: date, per_page: int) -> RegistryPagination:
    """The page of the registry the filters ask for (``page``, ``pages``, ``total``, ``items``...)."""
    return RegistryPagination(page=filters.page, per_page=per_page, max_per_page=None, error_out=False,
                              query=filtered_query(filters, today))


def export_pledges(filters: RegistryFilters, today: date, *, with_details: bool = False,
                   chunk: int | None = None, release: bool = False) -> Iterator[Pledge]:
    """Every pledge the filters match, in order, loaded a chunk at a time with what the exports show.

    The matching ids are read at once (one light query, so a bad filter fails before a download starts);
    the pledges then come a chunk at a time as the iterator is read, so a streamed export of 20,000
    pledges does not wait for all of them.

    :param with_details: also load indicators and deliverables (JSON and IATI exports).
    :param release: take each chunk out of the session once the next one is asked for, so that memory does
        not grow with the export; only for a reader done with each pledge before it asks for the next (a
        released pledge cannot load anything more).
    """
    ids = db.session.scalars(filtered_query(filters, today).with_only_columns(Pledge.id)).all()
    # Indicators always: the CSV gives the parts of their current values.
    options = [*list_options(), so.selectinload(Pledge.indicators)]
    if with_details:
        options += [so.selectinload(Pledge.deliverables)]
    return _chunks_of_pledges(ids, options, chunk or EXPORT_CHUNK, release)


def _chunks_of_pledges(ids: list[int], options: list, chunk: int, release: bool) -> Iterator[Pledge]:
    for start in range(0, len(ids), chunk):
        part = ids[start:start + chunk]
        loaded = {p.id: p for p in db.session.scalars(sa.select(Pledge).where(Pledge.id.in_(part))
                                                      .options(*options)).unique()}
        for pledge_id in part:
            yield loaded[pledge_id]
        if release:
            for pledge in loaded.values():  # read only, never changed: nothing to lose
                db.session.expunge(pledge)


# -- export records -----------------------------------------------------------------------------------------
def _coded(vocabulary: Mapping, code: str) -> dict[str, str] | None:
    return {"code": code, "label": str(vocabulary[code])} if code in vocabulary else None


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def pledge_record(pledge: Pledge, today: date, url: str) -> dict:
    """A pledge's public fields as a JSON object: ids, codes with labels, ISO dates, amounts as strings.

    Nothing private: no focal point, no review notes, no values from reports not yet approved (an
    indicator's current value comes from the latest approved report).
    """
    org = pledge.organisation
    return {
        "id": pledge.id,
        "url": url,
        "title": pledge.title,
        "description": pledge.description,
        "contribution": pledge.contribution,
        "organisation": {"id": org.id, "name": org.name, "acronym": org.acronym, "country": org.country_code,
                         "stakeholder_type": {"code": org.stakeholder_type.value,
                                              "label": org.stakeholder_type.label}},
        "partners": [{"id": p.organisation.id, "name": p.organisation.name} for p in pledge.partners],
        "areas": [_coded(AREAS, code) for code in pledge.areas or () if code in AREAS],
        "action_type": _coded(ACTION_TYPES, pledge.action_type),
        "target_groups": [_coded(TARGET_GROUPS, code) for code in pledge.target_groups or ()
                          if code in TARGET_GROUPS],
        "is_global": pledge.is_global,
        "countries": [{"code": code, "name": country_name(code)} for code in pledge.countries or ()],
        "start_date": _iso(pledge.start_date),
        "end_date": _iso(pledge.end_date),
        "resources": {"amount": plain_number(pledge.resources_amount) or None,
                      "currency": pledge.resources_currency or None, "in_kind": pledge.resources_in_kind},
        "status": {"code": pledge.state.value, "label": pledge.state_label},
        "light": {"code": pledge.light(today).value, "label": pledge.light_label(today),
                  "reason": pledge.light_reason(today)},
        "report_every_months": pledge.report_every_months,
        "next_report_due_on": _iso(pledge.report_due_on),
        "published_at": _iso(as_utc(pledge.published_at)),
        "closed_at": _iso(as_utc(pledge.closed_at)),
        "indicators": [{"name": i.name, "unit": i.unit, "baseline": plain_number(i.baseline) or None,
                        "target": plain_number(i.target) or None,
                        "current_value": plain_number(i.current_value) or None,
                        "current_as_of": _iso(i.current_as_of),
                        **(i.current_parts or {"by_sex": None, "by_age_group": None})} for i in pledge.indicators],
        "deliverables": [{"title": d.title, "due_date": _iso(d.due_date), "done_on": _iso(d.done_on)}
                         for d in pledge.deliverables],
    }


def csv_header() -> list[str]:
    return [_("ID"), _("Title"), _("Organisation"), _("Stakeholder type"), _("Partner organisations"),
            _("8.7 areas"), _("Type of action"), _("Countries"), _("Country codes"), _("Start date"),
            _("End date"), _("Status"), _("Traffic light"), _("Resources committed"), _("Currency"), _("Link"),
            _("Current values by sex"), _("Current values by age group")]


def _parts_cell(pledge: Pledge, split: str) -> str:
    """The parts of each indicator's current value in one split, e.g. "Girls and boys reached: Female
    (women and girls) 22; Male (men and boys) 18; Other or not known 0" (indicators joined by " | ")."""
    key = SPLIT_KEYS[split]
    cells = []
    for indicator in pledge.indicators:
        parts = (indicator.current_parts or {}).get(key)
        if parts:
            cells.append(f"{indicator.name}: " + "; ".join(f"{label} {parts.get(column) or '0'}"
                                                           for column, label in SPLITS[split]))
    return " | ".join(cells)


def csv_row(pledge: Pledge, today: date, url: str) -> list[str]:
    """One line of the registry's CSV; every text a person typed goes through csv_cell."""
    countries = ([_("Global")] if pledge.is_global else []) + [country_name(c) for c in pledge.countries or ()]
    return [str(pledge.id), csv_cell(pledge.title), csv_cell(pledge.organisation.name),
            pledge.organisation.stakeholder_type.label,
            csv_cell("; ".join(p.organisation.name for p in pledge.partners)),
            "; ".join(labels(AREAS, pledge.areas)), "; ".join(labels(ACTION_TYPES, [pledge.action_type])),
            "; ".join(countries), " ".join(pledge.countries or []),
            _iso(pledge.start_date) or "", _iso(pledge.end_date) or "", pledge.state_label,
            pledge.light_label(today), plain_number(pledge.resources_amount), pledge.resources_currency, url,
            csv_cell(_parts_cell(pledge, "sex")), csv_cell(_parts_cell(pledge, "age"))]
