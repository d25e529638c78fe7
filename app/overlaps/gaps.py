"""The gap view: how many active initiatives work on each 8.7 area in each country, and which
organisations, so coordinators see both where work is crowded and where no one works.

Active means: published pledges (not completed or withdrawn), work items planned or in progress, and
imported activities in the pipeline, being implemented or finalised (or, without a status, not ended).
Global initiatives are counted on a row of their own, not in every country (they would hide the gaps).
Work items count only for those who may read their group's workspace.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from app.extensions import db
from app.i18n import country_name
from app.overlaps.initiatives import KINDS, Viewer
from app.overlaps.models import ACTIVE_STATUSES, ExternalActivity
from app.sqltools import json_list_contains_any
from app.taxonomy import AREAS, expand_regions, region_countries, region_of
from app.utils import fold

GLOBAL = "global"
CROWDED = 3  # active initiatives in one cell from which the cell is marked crowded
NO_AREA = "none"


@dataclass(frozen=True)
class Entry:
    id: str
    kind: str
    title: str
    organisation: str

    @property
    def pk(self) -> int:
        """The primary key in the kind's own table."""
        return int(self.id.rpartition(":")[2])


@dataclass
class Matrix:
    """Rows of countries (and a global row), columns of 8.7 areas (and "area not given")."""

    columns: list[str]
    rows: list[str]
    cells: dict[tuple[str, str], list[Entry]] = field(default_factory=lambda: defaultdict(list))

    def count(self, row: str, column: str) -> int:
        return len(self.cells.get((row, column), ()))

    def organisations(self, row: str, column: str) -> list[str]:
        return sorted({e.organisation for e in self.cells.get((row, column), ()) if e.organisation}, key=fold)

    def row_total(self, row: str) -> int:
        return len({e.id for column in self.columns for e in self.cells.get((row, column), ())})

    @property
    def total(self) -> int:
        return len({e.id for entries in self.cells.values() for e in entries})

    @property
    def max_count(self) -> int:
        return max((len(v) for v in self.cells.values()), default=0)


def _naming(column, country: str) -> sa.ColumnElement[bool]:
    """True where a list of places names ``country`` (or, for lists that keep regions, its continent)."""
    if not country:
        return sa.true()
    region = region_of(country)
    return json_list_contains_any(column, [country, region] if region else [country])


def _selects(viewer: Viewer, kinds, today: date, country: str) -> list[sa.Select]:
    """One SELECT per kind of initiative, all of the same shape (kind, id, title, countries, is_global, areas,
    organisation), for the active initiatives of ``kinds`` the viewer may see (naming ``country``, if given):
    each registered kind says which of its rows are active (``InitiativeKind.active``)."""
    selects = []
    for name, kind in KINDS.items():
        if name in kinds and kind.active is not None:
            query = kind.active(viewer, lambda column: _naming(column, country))
            if query is not None:
                selects.append(query)
    if "external_activity" in kinds:
        selects.append(
            sa.select(sa.literal("external_activity"), ExternalActivity.id, ExternalActivity.title,
                      ExternalActivity.countries, sa.false(), ExternalActivity.areas,
                      sa.func.coalesce(sa.func.nullif(ExternalActivity.reporting_org_name, ""),
                                       ExternalActivity.reporting_org_ref))
            .where(active_activity(today), _naming(ExternalActivity.countries, country)))
    return selects


def _entries(viewer: Viewer, kinds, today: date, country: str = ""):
    """(entry, countries, is_global, areas) for every active initiative of ``kinds`` the viewer may see, in one
    query."""
    selects = _selects(viewer, kinds, today, country)
    if not selects:
        return
    for kind, pk, title, countries, is_global, areas, organisation in db.session.execute(sa.union_all(*selects)):
        yield Entry(f"{kind}:{pk}", kind, title, organisation or ""), countries or [], bool(is_global), areas or []


def active_activity(today: date) -> sa.ColumnElement[bool]:
    """Imported activities still at work: in the pipeline, being implemented or finalised, or, without a
    status, not ended by ``today``."""
    return sa.or_(ExternalActivity.status.in_(ACTIVE_STATUSES),
                  sa.and_(ExternalActivity.status == "",
                          sa.or_(ExternalActivity.end_date.is_(None), ExternalActivity.end_date >= today)))


def gap_matrix(viewer: Viewer, *, today: date, region: str = "", kind: str = "", country: str = "") -> Matrix:
    """The matrix for ``viewer``: every country with an active initiative; with a ``region`` (UN M49 code
    of :data:`app.taxonomy.REGIONS`), every country of that region, those with none too (the gaps); with a
    ``country`` (ISO alpha-3), that country's row alone, read from the initiatives naming it."""
    columns = [*AREAS, NO_AREA]
    region_members = set(region_countries().get(region, ())) if region else set()
    if country:
        region_members = {country}
    matrix = Matrix(columns=columns, rows=[])
    seen_countries: set[str] = set()
    has_global = False
    kinds = (kind,) if kind in KINDS else KINDS
    for entry, countries, is_global, areas in _entries(viewer, kinds, today, country):
        places = set(expand_regions(countries))
        if region_members:
            places &= region_members
        rows = sorted(places)
        if is_global and not country:
            rows.append(GLOBAL)
            has_global = True
        for place in rows:
            seen_countries.add(place)
            for area in [a for a in areas if a in AREAS] or [NO_AREA]:
                matrix.cells[(place, area)].append(entry)
    countries = (seen_countries | region_members) - {GLOBAL}
    matrix.rows = sorted(countries, key=lambda c: fold(country_name(c))) + ([GLOBAL] if has_global else [])
    return matrix


def cell_entries(matrix: Matrix, row: str, column: str) -> list[Entry]:
    return sorted(matrix.cells.get((row, column), ()), key=lambda e: (fold(e.organisation), fold(e.title)))
