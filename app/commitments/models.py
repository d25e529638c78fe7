"""Pledges: what an organisation commits to, with deliverables, indicators and progress reports.

A pledge moves draft → submitted → (returned → submitted …) → published → completed, or is withdrawn.
A progress report moves draft → submitted → (returned → submitted …) → approved; only approved reports
change the pledge's indicators, deliverables and traffic light, and only they are public.
"""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.commitments import schedule
from app.commitments.schedule import Light
from app.dedup import Initiative
from app.extensions import db
from app.policy import belongs_to, is_partner, is_secretariat
from app.taxonomy import region_of
from app.types import UTCDateTime, enum_type
from app.utils import utcnow



# Amounts and indicator values: exact decimals, never floats.
NUMBER = sa.Numeric(20, 4)


class PledgeState(str, enum.Enum):
    draft = "draft"
    submitted = "submitted"
    returned = "returned"
    published = "published"
    completed = "completed"
    withdrawn = "withdrawn"


PLEDGE_STATE_LABELS = {
    PledgeState.draft: _l("Draft"),
    PledgeState.submitted: _l("Submitted for review"),
    PledgeState.returned: _l("Returned for changes"),
    PledgeState.published: _l("Published"),
    PledgeState.completed: _l("Completed"),
    PledgeState.withdrawn: _l("Withdrawn"),
}
# States in which the public can see a pledge (it was published once).
PUBLIC_STATES = (PledgeState.published, PledgeState.completed, PledgeState.withdrawn)
# States in which the organisation can still change the pledge's content.
EDITABLE_STATES = (PledgeState.draft, PledgeState.returned, PledgeState.published)


class ReportState(str, enum.Enum):
    draft = "draft"
    submitted = "submitted"
    returned = "returned"
    approved = "approved"


REPORT_STATE_LABELS = {
    ReportState.draft: _l("Draft"),
    ReportState.submitted: _l("Submitted for review"),
    ReportState.returned: _l("Returned for revision"),
    ReportState.approved: _l("Approved"),
}

LIGHT_LABELS = {
    Light.green: _l("On track"),
    Light.amber: _l("Report due"),
    Light.red: _l("Overdue"),
    Light.inactive: _l("Inactive"),
    Light.completed: _l("Completed"),
    Light.withdrawn: _l("Withdrawn"),
    Light.none: _l("Not published"),
}


class PledgePartner(db.Model):
    """A partner organisation of a joint pledge (the pledging organisation coordinates)."""

    pledge_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("pledge.id", ondelete="CASCADE"), primary_key=True)
    organisation_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True, index=True)

    organisation: so.Mapped["Organisation"] = so.relationship("Organisation")  # noqa: F821

    def __repr__(self) -> str:
        return f"<PledgePartner pledge={self.pledge_id} org={self.organisation_id}>"


class Pledge(db.Model):
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    organisation_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    # The coordinating focal point: a focal point of the pledging organisation; reminders go to them.
    coordinator_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    group_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("action_group.id", ondelete="SET NULL"), index=True)

    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    description: so.Mapped[str] = so.mapped_column(sa.Text, default="")   # what will be done (Markdown)
    language: so.Mapped[str] = so.mapped_column(sa.String(8), default="en")  # of title and description
    contribution: so.Mapped[str] = so.mapped_column(sa.Text, default="")  # how it contributes to 8.7
    areas: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)          # app.taxonomy.AREAS
    action_type: so.Mapped[str] = so.mapped_column(sa.String(30), default="")      # app.taxonomy.ACTION_TYPES
    countries: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)      # ISO 3166-1 alpha-3
    is_global: so.Mapped[bool] = so.mapped_column(default=False)
    target_groups: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)  # app.taxonomy.TARGET_GROUPS
    start_date: so.Mapped[date | None] = so.mapped_column(sa.Date)
    end_date: so.Mapped[date | None] = so.mapped_column(sa.Date)
    resources_amount: so.Mapped[Decimal | None] = so.mapped_column(NUMBER)
    resources_currency: so.Mapped[str] = so.mapped_column(sa.String(3), default="")  # ISO 4217
    resources_in_kind: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    report_every_months: so.Mapped[int] = so.mapped_column(default=schedule.DEFAULT_EVERY_MONTHS)

    state: so.Mapped[PledgeState] = so.mapped_column(enum_type(PledgeState), default=PledgeState.draft)
    review_comment: so.Mapped[str] = so.mapped_column(sa.Text, default="")  # the secretariat's last return note
    revision: so.Mapped[int] = so.mapped_column(default=0)  # visible revisions made after publication
    # Case- and accent-folded title and description: what the registry's search matches.
    search_text: so.Mapped[str] = so.mapped_column(sa.Text, default="")

    # The reporting schedule, kept by the services (see app/commitments/schedule.py): the end of the
    # last approved report's period, and the dates the light turns amber, red and grey.
    reported_through: so.Mapped[date | None] = so.mapped_column(sa.Date)
    report_due_on: so.Mapped[date | None] = so.mapped_column(sa.Date)
    red_from: so.Mapped[date | None] = so.mapped_column(sa.Date)
    inactive_from: so.Mapped[date | None] = so.mapped_column(sa.Date)

    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    submitted_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    published_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    closed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())  # completed or withdrawn

    organisation: so.Mapped["Organisation"] = so.relationship("Organisation")  # noqa: F821
    coordinator: so.Mapped["User | None"] = so.relationship("User", foreign_keys=[coordinator_id])  # noqa: F821
    created_by: so.Mapped["User | None"] = so.relationship("User", foreign_keys=[created_by_id])  # noqa: F821
    group: so.Mapped["ActionGroup | None"] = so.relationship("ActionGroup")  # noqa: F821
    partners: so.Mapped[list[PledgePartner]] = so.relationship(
        cascade="all, delete-orphan", order_by=PledgePartner.organisation_id)
    deliverables: so.Mapped[list["Deliverable"]] = so.relationship(
        back_populates="pledge", cascade="all, delete-orphan", order_by="Deliverable.position")
    indicators: so.Mapped[list["Indicator"]] = so.relationship(
        back_populates="pledge", cascade="all, delete-orphan", order_by="Indicator.position")

    __table_args__ = (
        # The registry: published pledges, newest first or by end date, or by traffic-light dates.
        sa.Index("ix_pledge_state_published", "state", "published_at"),
        sa.Index("ix_pledge_state_end", "state", "end_date"),
        sa.Index("ix_pledge_state_due", "state", "report_due_on"),
        # The dashboard's summary (app.commitments.figures.summary): every column it reads (the year filter's
        # dates included), its groups first.
        sa.Index("ix_pledge_summary", "state", "action_type", "is_global", "organisation_id", "resources_currency",
                 "report_due_on", "red_from", "inactive_from", "resources_amount", "start_date", "end_date"),
        # The dashboard's reports due (app.commitments.figures.due_groups): the pledges grouped by schedule.
        sa.Index("ix_pledge_schedule", "state", "start_date", "end_date", "report_every_months"),
    )

    def __repr__(self) -> str:
        return f"<Pledge {self.id} {self.title!r} {self.state.value}>"

    def __str__(self) -> str:
        return self.title

    # -- state ---------------------------------------------------------------------------------
    @property
    def state_label(self) -> str:
        return str(PLEDGE_STATE_LABELS[self.state])

    @property
    def is_public(self) -> bool:
        return self.state in PUBLIC_STATES

    @property
    def is_closed(self) -> bool:
        return self.state in (PledgeState.completed, PledgeState.withdrawn)

    @property
    def partner_ids(self) -> set[int]:
        return {p.organisation_id for p in self.partners}

    @property
    def every_months(self) -> int:
        """The reporting interval (the column's default applies only once the row is saved)."""
        return self.report_every_months or schedule.DEFAULT_EVERY_MONTHS

    def reporting_periods(self) -> list[schedule.Period]:
        return schedule.periods(self.start_date, self.end_date, self.every_months)

    def refresh_schedule(self) -> None:
        """Recompute the dates the light changes on (after publication, an approval or an edit)."""
        due = schedule.deadlines(self.start_date, self.end_date, self.every_months, self.reported_through)
        self.report_due_on, self.red_from, self.inactive_from = due.report_due_on, due.red_from, due.inactive_from

    def light(self, today: date) -> Light:
        due = schedule.Deadlines(self.report_due_on, self.red_from, self.inactive_from)
        return schedule.light(self.state is PledgeState.published, self.state is PledgeState.completed,
                              self.state is PledgeState.withdrawn, due, today)

    def light_label(self, today: date) -> str:
        return str(LIGHT_LABELS[self.light(today)])

    def light_reason(self, today: date) -> str:
        """The traffic light in words: why it has this colour, with the date that matters."""
        light = self.light(today)
        due = self.report_due_on
        if light is Light.withdrawn:
            return _("The organisation withdrew this pledge.")
        if light is Light.completed:
            return _("The organisation marked this pledge as completed.")
        if light is Light.none:
            return _("Not published yet: the light starts when the secretariat publishes the pledge.")
        if light is Light.green:
            if due is None:
                return _("Every progress report is in and approved.")
            return _("On track: the next progress report is due on %(date)s.", date=format_date(due))
        if light is Light.amber:
            if due == today:
                return _("A progress report is due today.")
            return _("A progress report has been due since %(date)s.", date=format_date(due))
        if light is Light.red:
            return _("Overdue: the progress report due on %(date)s is late by a full reporting period.",
                     date=format_date(due))
        return _("Inactive: no approved progress report for two reporting periods since %(date)s.",
                 date=format_date(due))

    # -- permissions ---------------------------------------------------------------------------
    def _in_organisation(self, user) -> bool:
        return belongs_to(user, self.organisation_id)

    def _in_partner(self, user) -> bool:
        return is_partner(user) and user.organisation_id in self.partner_ids

    def can_view(self, user) -> bool:
        return self.is_public or self.can_view_private(user)

    def can_view_private(self, user) -> bool:
        """Drafts, reports under review, the review history and the focal point's address."""
        return is_secretariat(user) or self._in_organisation(user) or self._in_partner(user)

    def can_edit(self, user) -> bool:
        """Only the pledging organisation's people change a pledge, and not once it is closed."""
        return self._in_organisation(user) and self.state in EDITABLE_STATES

    def can_submit(self, user) -> bool:
        return self._in_organisation(user) and self.state in (PledgeState.draft, PledgeState.returned)

    def can_review(self, user) -> bool:
        return is_secretariat(user) and self.state is PledgeState.submitted

    def can_report(self, user) -> bool:
        return self._in_organisation(user) and self.state is PledgeState.published

    def can_close(self, user) -> bool:
        """Mark completed or withdraw."""
        return self._in_organisation(user) and self.state is PledgeState.published

    # -- the duplication detector's view -------------------------------------------------------
    @property
    def initiative_id(self) -> str:
        return f"pledge:{self.id}"

    @property
    def is_compared(self) -> bool:
        """Whether the duplication detector's index holds this pledge (drafts are private work in
        progress; withdrawn pledges are no longer work anyone does)."""
        return self.state in COMPARED_STATES

    def to_initiative(self):
        """This pledge as the duplication detector's :class:`app.dedup.Initiative` (plain frozen data)."""
        return pledge_initiative(
            id=self.initiative_id if self.id is not None else None, title=self.title,
            description=self.description, contribution=self.contribution, countries=self.countries,
            is_global=self.is_global, start=self.start_date, end=self.end_date, areas=self.areas,
            target_groups=self.target_groups, organisation_id=self.organisation_id, partner_ids=self.partner_ids)


class FacetKind(str, enum.Enum):
    area = "area"        # an 8.7 area of the pledge (app.taxonomy.AREAS)
    country = "country"  # a country it names (ISO 3166-1 alpha-3, or any other code its list holds)
    region = "region"    # the continent of one of those countries (app.taxonomy.REGIONS)


class PledgeFacet(db.Model):
    """One 8.7 area, country or region of a pledge, with the pledge's state and dates: what the dashboard counts
    and filters pledges by, read from an index instead of from every pledge's JSON lists (issue 16).

    Derived data: written with the pledge whenever its areas, countries, state or dates change, by the mapper
    events below, whatever saves the pledge through the ORM. Core statements on the pledge table pass by them and
    must write the facets too (:func:`app.commitments.demo_bulk.seed_many_pledges` does); never edited otherwise.
    """

    pledge_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("pledge.id", ondelete="CASCADE"), primary_key=True)
    kind: so.Mapped[FacetKind] = so.mapped_column(enum_type(FacetKind, 8), primary_key=True)
    code: so.Mapped[str] = so.mapped_column(sa.Text, primary_key=True)
    state: so.Mapped[PledgeState] = so.mapped_column(enum_type(PledgeState))
    start_date: so.Mapped[date | None] = so.mapped_column(sa.Date)
    end_date: so.Mapped[date | None] = so.mapped_column(sa.Date)

    __table_args__ = (
        # Every column the dashboard reads, its groups first: counting per area, country or region reads the
        # index alone, in order; a filter by one (kind, code) gives its pledges from it.
        sa.Index("ix_pledge_facet_count", "kind", "code", "state", "start_date", "end_date", "pledge_id"),
        # On SQLite the rows are kept in the primary key's order, a pledge's facets together: the dashboard's
        # filtered counts read the facets of the pledges selected, one lookup per pledge.
        {"sqlite_with_rowid": False},
    )

    def __repr__(self) -> str:
        return f"<PledgeFacet pledge={self.pledge_id} {self.kind.value}={self.code}>"


def with_facet(kind: FacetKind, code: str) -> sa.Select:
    """The ids of the pledges with a facet (an area, a country, a region): an indexed lookup, for the registry's
    and the dashboard's filters."""
    return sa.select(PledgeFacet.pledge_id).where(PledgeFacet.kind == kind, PledgeFacet.code == code)


# What the facets are made of: a change to any of these writes a pledge's facets again.
FACET_SOURCES = ("areas", "countries", "state", "start_date", "end_date")


def facet_codes(areas, countries) -> list[tuple[FacetKind, str]]:
    """A pledge's facets as (kind, code): each area and country once, and the region of each country that has one."""
    codes: dict[tuple[FacetKind, str], None] = {}
    for area in areas or ():
        if area is not None:
            codes[(FacetKind.area, str(area))] = None
    for country in countries or ():
        if country is not None:
            codes[(FacetKind.country, str(country))] = None
            region = region_of(str(country))
            if region:
                codes[(FacetKind.region, region)] = None
    return list(codes)


def facet_rows(pledge_id: int, state: PledgeState, start_date: date | None, end_date: date | None, areas,
               countries) -> list[dict]:
    """The pledge_facet rows of a pledge, to insert."""
    return [dict(pledge_id=pledge_id, kind=kind, code=code, state=state, start_date=start_date, end_date=end_date)
            for kind, code in facet_codes(areas, countries)]


def _write_facets(connection, pledge: Pledge) -> None:
    rows = facet_rows(pledge.id, pledge.state, pledge.start_date, pledge.end_date, pledge.areas, pledge.countries)
    connection.execute(sa.delete(PledgeFacet.__table__).where(PledgeFacet.pledge_id == pledge.id))
    if rows:
        connection.execute(sa.insert(PledgeFacet.__table__), rows)


@sa.event.listens_for(Pledge, "after_insert")
def _facets_of_new_pledge(_mapper, connection, pledge: Pledge) -> None:
    _write_facets(connection, pledge)


@sa.event.listens_for(Pledge, "after_update")
def _facets_of_changed_pledge(_mapper, connection, pledge: Pledge) -> None:
    attrs = sa.inspect(pledge).attrs
    if any(attrs[name].history.has_changes() for name in FACET_SOURCES):
        _write_facets(connection, pledge)


@sa.event.listens_for(Pledge, "after_delete")
def _facets_of_deleted_pledge(_mapper, connection, pledge: Pledge) -> None:
    # The foreign key cascades too; this keeps the facets right even where foreign keys are not enforced.
    connection.execute(sa.delete(PledgeFacet.__table__).where(PledgeFacet.pledge_id == pledge.id))


# States in which the duplication detector compares a pledge with everything else.
COMPARED_STATES = (PledgeState.submitted, PledgeState.returned, PledgeState.published, PledgeState.completed)


def pledge_initiative(*, id: str | None, title: str, description: str = "", contribution: str = "",
                      countries=(), is_global: bool = False, start: date | None = None, end: date | None = None,
                      areas=(), target_groups=(), organisation_id: int | None = None, partner_ids=()):
    """A pledge, saved or being typed, as an :class:`app.dedup.Initiative`.

    Organisations are ``"org:<id>"`` (imported activities use other prefixes); a global pledge adds
    ``"global"`` to its countries; region codes are left for the detector to expand.
    """
    places = [c for c in (countries or []) if c]
    if is_global:
        places.append("global")
    return Initiative(
        id=id, kind="pledge", title=title or "",
        description="\n\n".join(part for part in (description, contribution) if part),
        countries=tuple(places), start=start, end=end, themes=tuple(areas or ()),
        target_groups=tuple(target_groups or ()),
        lead_org=f"org:{organisation_id}" if organisation_id else None,
        partner_orgs=tuple(f"org:{i}" for i in sorted(partner_ids or ()) if i != organisation_id))


class Deliverable(db.Model):
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    pledge_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("pledge.id", ondelete="CASCADE"), index=True)
    position: so.Mapped[int] = so.mapped_column(default=0)
    title: so.Mapped[str] = so.mapped_column(sa.String(300))
    due_date: so.Mapped[date | None] = so.mapped_column(sa.Date, index=True)
    done_on: so.Mapped[date | None] = so.mapped_column(sa.Date)
    evidence_url: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    # An evidence file, stored like workspace documents (app/uploads.py); empty when there is none.
    evidence_path_key: so.Mapped[str] = so.mapped_column(sa.String(40), default="")
    evidence_name: so.Mapped[str] = so.mapped_column(sa.String(255), default="")
    evidence_mime: so.Mapped[str] = so.mapped_column(sa.String(100), default="")
    done_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    pledge: so.Mapped[Pledge] = so.relationship(back_populates="deliverables")
    done_by: so.Mapped["User | None"] = so.relationship("User")  # noqa: F821

    def __repr__(self) -> str:
        return f"<Deliverable {self.id} {self.title!r} due={self.due_date}>"

    def __str__(self) -> str:
        return self.title

    @property
    def is_done(self) -> bool:
        return self.done_on is not None

    def is_overdue(self, today: date) -> bool:
        return self.due_date is not None and self.due_date < today and not self.is_done


class Indicator(db.Model):
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    pledge_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("pledge.id", ondelete="CASCADE"), index=True)
    position: so.Mapped[int] = so.mapped_column(default=0)
    name: so.Mapped[str] = so.mapped_column(sa.String(300))
    unit: so.Mapped[str] = so.mapped_column(sa.String(60), default="")
    baseline: so.Mapped[Decimal | None] = so.mapped_column(NUMBER)
    target: so.Mapped[Decimal | None] = so.mapped_column(NUMBER)
    # The value in the latest approved report (None until one is approved).
    current_value: so.Mapped[Decimal | None] = so.mapped_column(NUMBER)
    current_as_of: so.Mapped[date | None] = so.mapped_column(sa.Date)
    # The parts of the current value by sex and age group, as in its report: {"by_sex": {"female": "22",
    # ...} or None, "by_age_group": ...} (see parts_record); None when that report gave no split.
    current_parts: so.Mapped[dict | None] = so.mapped_column(sa.JSON)

    pledge: so.Mapped[Pledge] = so.relationship(back_populates="indicators")

    def __repr__(self) -> str:
        return f"<Indicator {self.id} {self.name!r}>"

    def __str__(self) -> str:
        return self.name

    @property
    def progress(self) -> float | None:
        """How far the current value has moved from the baseline towards the target, 0..1 (None if unknown)."""
        if self.current_value is None or self.baseline is None or self.target is None or self.target == self.baseline:
            return None
        share = (self.current_value - self.baseline) / (self.target - self.baseline)
        return float(max(Decimal(0), min(Decimal(1), share)))


class ProgressReport(db.Model):
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    pledge_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("pledge.id", ondelete="CASCADE"))
    # The reporting period the report covers (app/commitments/schedule.py); one report per period.
    period_start: so.Mapped[date] = so.mapped_column(sa.Date)
    period_end: so.Mapped[date] = so.mapped_column(sa.Date)
    state: so.Mapped[ReportState] = so.mapped_column(enum_type(ReportState), default=ReportState.draft)
    narrative: so.Mapped[str] = so.mapped_column(sa.Text, default="")   # Markdown
    challenges: so.Mapped[str] = so.mapped_column(sa.Text, default="")  # Markdown
    review_comment: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    author_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    reviewed_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    submitted_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    reviewed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    approved_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())

    pledge: so.Mapped[Pledge] = so.relationship()
    author: so.Mapped["User | None"] = so.relationship("User", foreign_keys=[author_id])  # noqa: F821
    reviewed_by: so.Mapped["User | None"] = so.relationship("User", foreign_keys=[reviewed_by_id])  # noqa: F821
    values: so.Mapped[list["ReportValue"]] = so.relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="ReportValue.indicator_id")
    deliverable_updates: so.Mapped[list["DeliverableUpdate"]] = so.relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="DeliverableUpdate.deliverable_id")
    evidence: so.Mapped[list["ReportEvidence"]] = so.relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="ReportEvidence.id")

    __table_args__ = (
        sa.UniqueConstraint("pledge_id", "period_end"),
        # The secretariat's review queue.
        sa.Index("ix_progress_report_state", "state", "submitted_at"),
    )

    def __repr__(self) -> str:
        return f"<ProgressReport {self.id} pledge={self.pledge_id} {self.period_end} {self.state.value}>"

    @property
    def state_label(self) -> str:
        return str(REPORT_STATE_LABELS[self.state])

    @property
    def is_approved(self) -> bool:
        return self.state is ReportState.approved

    def can_view(self, user) -> bool:
        """Approved reports of public pledges are public; the rest only for those who see the pledge's private side."""
        return (self.is_approved and self.pledge.is_public) or self.pledge.can_view_private(user)

    def can_edit(self, user) -> bool:
        return self.pledge.can_report(user) and self.state in (ReportState.draft, ReportState.returned)

    def can_review(self, user) -> bool:
        return is_secretariat(user) and self.state is ReportState.submitted


class ReportValue(db.Model):
    """The value of one indicator in one report."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    report_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("progress_report.id", ondelete="CASCADE"))
    indicator_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("indicator.id", ondelete="CASCADE"), index=True)
    value: so.Mapped[Decimal | None] = so.mapped_column(NUMBER)
    comment: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    # The value split by sex and by age group (each split optional; when given, its parts add up to
    # ``value``). Columns are named in SPLITS.
    female: so.Mapped[Decimal | None] = so.mapped_column(NUMBER)
    male: so.Mapped[Decimal | None] = so.mapped_column(NUMBER)
    sex_other: so.Mapped[Decimal | None] = so.mapped_column(NUMBER)
    under_18: so.Mapped[Decimal | None] = so.mapped_column(NUMBER)
    adults: so.Mapped[Decimal | None] = so.mapped_column(NUMBER)
    age_unknown: so.Mapped[Decimal | None] = so.mapped_column(NUMBER)

    report: so.Mapped[ProgressReport] = so.relationship(back_populates="values")
    indicator: so.Mapped[Indicator] = so.relationship()

    __table_args__ = (sa.UniqueConstraint("report_id", "indicator_id"),)

    def __repr__(self) -> str:
        return f"<ReportValue report={self.report_id} indicator={self.indicator_id} {self.value}>"


# The ways a value can be split: split name -> (column, label) of each part, in the order shown.
SPLITS: dict[str, tuple[tuple[str, str], ...]] = {
    "sex": (("female", _l("Female (women and girls)")), ("male", _l("Male (men and boys)")),
            ("sex_other", _l("Other or not known"))),
    "age": (("under_18", _l("Children (under 18)")), ("adults", _l("Adults (18 and over)")),
            ("age_unknown", _l("Age not known"))),
}
SPLIT_LABELS = {"sex": _l("By sex"), "age": _l("By age group")}
SPLIT_COLUMNS = tuple(column for parts in SPLITS.values() for column, _label in parts)


def split_parts(row: "ReportValue", split: str) -> list[tuple[str, str, Decimal | None]]:
    """(column, label, number) of each part of one split of a value."""
    return [(column, str(label), getattr(row, column)) for column, label in SPLITS[split]]


def has_split(row: "ReportValue", split: str) -> bool:
    return any(getattr(row, column) is not None for column, _label in SPLITS[split])


# The name of each split in exports and the API.
SPLIT_KEYS = {"sex": "by_sex", "age": "by_age_group"}


def _plain(number: Decimal | None) -> str | None:
    return None if number is None else format(number.normalize(), "f")


def parts_record(row: "ReportValue") -> dict:
    """A value's parts for exports and the API: ``{"by_sex": {"female": "22", "male": "18", "sex_other":
    "0"}, "by_age_group": None}``; a split not given is None, a part left empty in a given split is "0"."""
    return {key: ({column: _plain(getattr(row, column)) or "0" for column, _label in SPLITS[split]}
                  if has_split(row, split) else None)
            for split, key in SPLIT_KEYS.items()}


class ReportEvidence(db.Model):
    """A file (document or photo) or a link that backs up what a progress report says, with a caption.

    A file is stored like other uploads (app/uploads.py) and served only to those who may see the report.
    """

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    report_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("progress_report.id", ondelete="CASCADE"), index=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(10))   # "file" or "link"
    caption: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    url: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    path_key: so.Mapped[str] = so.mapped_column(sa.String(40), default="")
    file_name: so.Mapped[str] = so.mapped_column(sa.String(255), default="")
    mime: so.Mapped[str] = so.mapped_column(sa.String(100), default="")
    size: so.Mapped[int] = so.mapped_column(default=0)
    sha256: so.Mapped[str] = so.mapped_column(sa.String(64), default="")
    added_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)

    report: so.Mapped[ProgressReport] = so.relationship(back_populates="evidence")

    def __repr__(self) -> str:
        return f"<ReportEvidence {self.id} report={self.report_id} {self.kind}>"

    @property
    def is_file(self) -> bool:
        return self.kind == "file"

    @property
    def is_image(self) -> bool:
        return self.is_file and self.mime.startswith("image/")


class DeliverableUpdate(db.Model):
    """What a report says about one deliverable: a note, and the date it was done if it was."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    report_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("progress_report.id", ondelete="CASCADE"))
    deliverable_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("deliverable.id", ondelete="CASCADE"), index=True)
    done_on: so.Mapped[date | None] = so.mapped_column(sa.Date)
    note: so.Mapped[str] = so.mapped_column(sa.String(2000), default="")

    report: so.Mapped[ProgressReport] = so.relationship(back_populates="deliverable_updates")
    deliverable: so.Mapped[Deliverable] = so.relationship()

    __table_args__ = (sa.UniqueConstraint("report_id", "deliverable_id"),)

    def __repr__(self) -> str:
        return f"<DeliverableUpdate report={self.report_id} deliverable={self.deliverable_id}>"


class PledgeEvent(db.Model):
    """The pledge's history: every state change of the pledge or one of its reports, and every revision
    made after publication (``changes``: field → [before, after]), with who and when. Never edited."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    pledge_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("pledge.id", ondelete="CASCADE"))
    report_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("progress_report.id", ondelete="SET NULL"))
    actor_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    action: so.Mapped[str] = so.mapped_column(sa.String(40))  # see EVENT_TEXTS
    comment: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    changes: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    revision: so.Mapped[int | None] = so.mapped_column()  # the revision number, for "revised" events
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)

    actor: so.Mapped["User | None"] = so.relationship("User")  # noqa: F821

    __table_args__ = (sa.Index("ix_pledge_event_pledge_created", "pledge_id", "created_at"),)

    def __repr__(self) -> str:
        return f"<PledgeEvent {self.id} pledge={self.pledge_id} {self.action}>"

    @property
    def text(self) -> str:
        return str(EVENT_TEXTS.get(self.action, self.action))

    @property
    def is_public(self) -> bool:
        """Shown on the public page: publication, revisions, approved reports, closing (not review notes)."""
        return self.action in PUBLIC_EVENTS


EVENT_TEXTS = {
    "created": _l("Draft created"),
    "submitted": _l("Submitted for review"),
    "returned": _l("Returned for changes by the secretariat"),
    "published": _l("Published"),
    "revised": _l("Revised after publication"),
    "completed": _l("Marked as completed"),
    "withdrawn": _l("Withdrawn"),
    "report_submitted": _l("Progress report submitted"),
    "report_returned": _l("Progress report returned for revision"),
    "report_approved": _l("Progress report approved"),
    "deliverable_done": _l("Deliverable marked as done"),
}
PUBLIC_EVENTS = frozenset({"published", "revised", "completed", "withdrawn", "report_approved", "deliverable_done"})


def light_condition(light: Light | str, today: date) -> sa.ColumnElement[bool]:
    """SQL true for the pledges whose ``Pledge.light(today)`` is ``light`` (see schedule.light): the registry's
    light filter and the dashboard count with it, so they agree with the badge."""
    light = Light(light)
    if light is Light.withdrawn:
        return Pledge.state == PledgeState.withdrawn
    if light is Light.completed:
        return Pledge.state == PledgeState.completed
    if light is Light.none:
        return Pledge.state.not_in(PUBLIC_STATES)
    published = Pledge.state == PledgeState.published
    if light is Light.green:
        return sa.and_(published, sa.or_(Pledge.report_due_on.is_(None), Pledge.report_due_on > today))
    due = sa.and_(published, Pledge.report_due_on <= today)
    if light is Light.amber:
        return sa.and_(due, sa.or_(Pledge.red_from.is_(None), Pledge.red_from > today))
    late = sa.and_(due, Pledge.red_from <= today)
    if light is Light.red:
        return sa.and_(late, sa.or_(Pledge.inactive_from.is_(None), Pledge.inactive_from > today))
    return sa.and_(late, Pledge.inactive_from <= today)
