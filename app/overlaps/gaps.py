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

from app.actiongroups.models import ActionGroup
from app.actiongroups.workplan.models import WorkItem, WorkItemStatus
from app.commitments.models import Pledge, PledgeState
from app.extensions import db
from app.i18n import country_name
from app.members.models import Organisation
from app.overlaps.initiatives import KINDS, Viewer
from app.overlaps.models import ACTIVE_STATUSES, ExternalActivity
from app.taxonomy import AREAS, expand_regions, region_countries
from app.utils import fold

GLOBAL = "global"
NO_AREA = "none"


@dataclass(frozen=True)
class Entry:
    id: str
    kind: str
    title: str
    organisation: str


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


def _entries(viewer: Viewer, kind: str, today: date):
    """(entry, countries, is_global, areas) for every active initiative of ``kind`` the viewer may see."""
    if kind == "pledge":
        rows = db.session.execute(
            sa.select(Pledge.id, Pledge.title, Pledge.countries, Pledge.is_global, Pledge.areas, Organisation.name)
            .join(Organisation, Organisation.id == Pledge.organisation_id)
            .where(Pledge.state == PledgeState.published))
        for pk, title, countries, is_global, areas, org in rows:
            yield Entry(f"pledge:{pk}", kind, title, org), countries or [], is_global, areas or []
    elif kind == "work_item":
        if not viewer.is_partner:
            return
        query = (sa.select(WorkItem.id, WorkItem.title, WorkItem.countries, WorkItem.areas, Organisation.name,
                           ActionGroup.name, WorkItem.group_id, ActionGroup.visibility)
                 .join(ActionGroup, ActionGroup.id == WorkItem.group_id)
                 .outerjoin(Organisation, Organisation.id == WorkItem.lead_organisation_id)
                 .where(WorkItem.status.in_([WorkItemStatus.planned, WorkItemStatus.in_progress])))
        for pk, title, countries, areas, org, group, group_id, visibility in db.session.execute(query):
            if viewer.is_admin or group_id in viewer.member_groups or visibility.value == "partners":
                yield Entry(f"work_item:{pk}", kind, title, org or group), countries or [], False, areas or []
    else:
        rows = db.session.execute(
            sa.select(ExternalActivity.id, ExternalActivity.title, ExternalActivity.countries, ExternalActivity.areas,
                      ExternalActivity.reporting_org_name, ExternalActivity.reporting_org_ref)
            .where(sa.or_(ExternalActivity.status.in_(ACTIVE_STATUSES),
                          sa.and_(ExternalActivity.status == "",
                                  sa.or_(ExternalActivity.end_date.is_(None), ExternalActivity.end_date >= today)))))
        for pk, title, countries, areas, org_name, org_ref in rows:
            entry = Entry(f"external_activity:{pk}", kind, title, org_name or org_ref)
            yield entry, countries or [], False, areas or []


def gap_matrix(viewer: Viewer, *, today: date, region: str = "", kind: str = "") -> Matrix:
    """The matrix for ``viewer``: every country with an active initiative; with a ``region`` (UN M49 code
    of :data:`app.taxonomy.REGIONS`), every country of that region, those with none too (the gaps)."""
    columns = [*AREAS, NO_AREA]
    region_members = set(region_countries().get(region, ())) if region else set()
    matrix = Matrix(columns=columns, rows=[])
    seen_countries: set[str] = set()
    has_global = False
    for k in (kind,) if kind in KINDS else KINDS:
        for entry, countries, is_global, areas in _entries(viewer, k, today):
            places = set(expand_regions(countries))
            if region_members:
                places &= region_members
            rows = sorted(places)
            if is_global:
                rows.append(GLOBAL)
                has_global = True
            for country in rows:
                seen_countries.add(country)
                for area in [a for a in areas if a in AREAS] or [NO_AREA]:
                    matrix.cells[(country, area)].append(entry)
    countries = (seen_countries | region_members) - {GLOBAL}
    matrix.rows = sorted(countries, key=lambda c: fold(country_name(c))) + ([GLOBAL] if has_global else [])
    return matrix


def cell_entries(matrix: Matrix, row: str, column: str) -> list[Entry]:
    return sorted(matrix.cells.get((row, column), ()), key=lambda e: (fold(e.organisation), fold(e.title)))
