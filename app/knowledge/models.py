"""The knowledge library (resources, curators, citations), Pathfinder countries and their roadmaps,
country indicator values, and the global search's documents.

A resource moves submitted → (returned → submitted …) → published → archived. Only published resources
are public; the submitter's organisation, the curators and the secretariat see the others.
"""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.policy import belongs_to, is_partner, is_secretariat
from app.i18n import DOCUMENT_LANGUAGES
from app.types import UTCDateTime, enum_type
from app.utils import utcnow

RESOURCE_TYPES = {
    "research": _l("Research"),
    "policy": _l("Policy"),
    "guidance_tools": _l("Guidance and tools"),
    "good_practice": _l("Good practice"),
    "data": _l("Data"),
    "training": _l("Training"),
    "news": _l("News"),
}

LICENCES = {
    "cc_by": _l("Creative Commons Attribution (CC BY)"),
    "cc_by_sa": _l("Creative Commons Attribution-ShareAlike (CC BY-SA)"),
    "cc_by_nc": _l("Creative Commons Attribution-NonCommercial (CC BY-NC)"),
    "cc0": _l("Public domain (CC0)"),
    "copyright": _l("All rights reserved (read only)"),
    "other": _l("Other: see the publisher's terms"),
}


class ResourceState(str, enum.Enum):
    submitted = "submitted"
    returned = "returned"
    published = "published"
    archived = "archived"


RESOURCE_STATE_LABELS = {
    ResourceState.submitted: _l("Waiting for a curator"),
    ResourceState.returned: _l("Returned for changes"),
    ResourceState.published: _l("Published"),
    ResourceState.archived: _l("Archived"),
}


class LibraryCurator(db.Model):
    """A person the secretariat asked to curate the library (publish or return submissions)."""

    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    appointed_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    appointed_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)

    user: so.Mapped["User"] = so.relationship("User", foreign_keys=[user_id])  # noqa: F821

    def __repr__(self) -> str:
        return f"<LibraryCurator user={self.user_id}>"


def is_curator(user) -> bool:
    """The secretariat and the appointed curators curate the library (one query, cached per request)."""
    if not is_partner(user):
        return False
    if is_secretariat(user):
        return True
    from flask import g, has_request_context

    cache = g.setdefault("_curators", {}) if has_request_context() else {}
    if user.id not in cache:
        cache[user.id] = db.session.get(LibraryCurator, user.id) is not None
    return cache[user.id]


class Resource(db.Model):
    """A knowledge resource: an uploaded file or a link to one elsewhere, with what it is about."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(300))
    summary: so.Mapped[str] = so.mapped_column(sa.Text, default="")  # Markdown
    resource_type: so.Mapped[str] = so.mapped_column(sa.String(30))    # RESOURCE_TYPES
    areas: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)      # app.taxonomy.AREAS
    countries: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)  # ISO 3166-1 alpha-3
    language: so.Mapped[str] = so.mapped_column(sa.String(8), default="en")    # DOCUMENT_LANGUAGES
    publication_year: so.Mapped[int | None] = so.mapped_column()
    # The publisher: a partner organisation of the Hub, or else a name (an external publisher).
    publisher_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("organisation.id", ondelete="SET NULL"), index=True)
    publisher_name: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    licence: so.Mapped[str] = so.mapped_column(sa.String(20), default="")      # LICENCES
    external_url: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    # The uploaded file (app/uploads.py), when there is one rather than a link.
    file_path_key: so.Mapped[str] = so.mapped_column(sa.String(40), default="")
    file_name: so.Mapped[str] = so.mapped_column(sa.String(255), default="")
    file_mime: so.Mapped[str] = so.mapped_column(sa.String(100), default="")
    file_size: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)
    file_sha256: so.Mapped[str] = so.mapped_column(sa.String(64), default="")

    state: so.Mapped[ResourceState] = so.mapped_column(enum_type(ResourceState), default=ResourceState.submitted)
    review_comment: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    submitted_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    # The submitter's organisation: its people may edit the resource until it is published.
    organisation_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("organisation.id", ondelete="SET NULL"), index=True)
    reviewed_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    submitted_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    published_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())

    publisher: so.Mapped["Organisation | None"] = so.relationship(  # noqa: F821
        "Organisation", foreign_keys=[publisher_id])
    organisation: so.Mapped["Organisation | None"] = so.relationship(  # noqa: F821
        "Organisation", foreign_keys=[organisation_id])
    submitted_by: so.Mapped["User | None"] = so.relationship("User", foreign_keys=[submitted_by_id])  # noqa: F821

    __table_args__ = (
        # The library: published resources, newest first; the curators' queue.
        sa.Index("ix_resource_state_published", "state", "published_at"),
        sa.Index("ix_resource_state_submitted", "state", "submitted_at"),
    )

    def __repr__(self) -> str:
        return f"<Resource {self.id} {self.title!r} {self.state.value}>"

    def __str__(self) -> str:
        return self.title

    @property
    def is_public(self) -> bool:
        return self.state is ResourceState.published

    @property
    def has_file(self) -> bool:
        return bool(self.file_path_key)

    @property
    def state_label(self) -> str:
        return str(RESOURCE_STATE_LABELS[self.state])

    @property
    def type_label(self) -> str:
        return str(RESOURCE_TYPES.get(self.resource_type, self.resource_type))

    @property
    def language_label(self) -> str:
        return str(DOCUMENT_LANGUAGES.get(self.language, self.language))

    @property
    def licence_label(self) -> str:
        return str(LICENCES.get(self.licence, "")) if self.licence else ""

    @property
    def publisher_label(self) -> str:
        return self.publisher.name if self.publisher is not None else self.publisher_name

    def _of_submitter(self, user) -> bool:
        return belongs_to(user, self.organisation_id)

    def can_view(self, user) -> bool:
        return self.is_public or self._of_submitter(user) or is_curator(user)

    def can_edit(self, user) -> bool:
        """The submitter's organisation while it waits or was returned; curators at any time until archived."""
        if self.state is ResourceState.archived:
            return False
        if is_curator(user):
            return True
        return self._of_submitter(user) and self.state in (ResourceState.submitted, ResourceState.returned)

    def can_review(self, user) -> bool:
        return self.state is ResourceState.submitted and is_curator(user)

    def can_archive(self, user) -> bool:
        return self.state is ResourceState.published and is_curator(user)


class ResourceCitation(db.Model):
    """A pledge or an action group citing a resource (exactly one of the two). Their features say what they
    are through :mod:`app.knowledge.citations`; here they are only a column and a relationship each."""

    CITERS = ("pledge", "group")  # each: a relationship and its ``<name>_id`` column

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    resource_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("resource.id", ondelete="CASCADE"), index=True)
    pledge_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("pledge.id", ondelete="CASCADE"), index=True)
    group_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("action_group.id", ondelete="CASCADE"), index=True)
    cited_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)

    resource: so.Mapped[Resource] = so.relationship()
    pledge: so.Mapped["Pledge | None"] = so.relationship("Pledge")  # noqa: F821
    group: so.Mapped["ActionGroup | None"] = so.relationship("ActionGroup")  # noqa: F821

    __table_args__ = (
        sa.CheckConstraint("(pledge_id IS NULL) <> (group_id IS NULL)", name="one_citer"),
        sa.UniqueConstraint("resource_id", "pledge_id", name="uq_resource_citation_pledge"),
        sa.UniqueConstraint("resource_id", "group_id", name="uq_resource_citation_group"),
    )

    def __repr__(self) -> str:
        return f"<ResourceCitation resource={self.resource_id} pledge={self.pledge_id} group={self.group_id}>"

    def citer_ids(self) -> dict[str, int | None]:
        """The id of each kind of citer (one is set), by the citer's name: what the audit log records."""
        return {name: getattr(self, f"{name}_id") for name in self.CITERS}


class PathfinderCountry(db.Model):
    """A country the secretariat marked as a Pathfinder country: since when, and its roadmap."""

    country_code: so.Mapped[str] = so.mapped_column(sa.String(3), primary_key=True)  # ISO 3166-1 alpha-3
    since: so.Mapped[date] = so.mapped_column(sa.Date)
    # The roadmap document, kept in the knowledge library (a resource), and notes on it.
    roadmap_resource_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("resource.id", ondelete="SET NULL"))
    notes: so.Mapped[str] = so.mapped_column(sa.Text, default="")  # Markdown
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    roadmap: so.Mapped[Resource | None] = so.relationship()
    milestones: so.Mapped[list["RoadmapMilestone"]] = so.relationship(
        back_populates="country", cascade="all, delete-orphan", order_by="RoadmapMilestone.position")

    def __repr__(self) -> str:
        return f"<PathfinderCountry {self.country_code} since {self.since}>"


class RoadmapMilestone(db.Model):
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    country_code: so.Mapped[str] = so.mapped_column(
        sa.ForeignKey("pathfinder_country.country_code", ondelete="CASCADE"), index=True)
    position: so.Mapped[int] = so.mapped_column(default=0)
    title: so.Mapped[str] = so.mapped_column(sa.String(300))
    due_date: so.Mapped[date | None] = so.mapped_column(sa.Date)
    done_on: so.Mapped[date | None] = so.mapped_column(sa.Date)

    country: so.Mapped[PathfinderCountry] = so.relationship(back_populates="milestones")

    def __repr__(self) -> str:
        return f"<RoadmapMilestone {self.id} {self.country_code} {self.title!r}>"

    def is_overdue(self, today: date) -> bool:
        return self.done_on is None and self.due_date is not None and self.due_date < today


class IndicatorValue(db.Model):
    """One value of a country indicator (say SDG 8.7.1) for a year and a sex and age group, with its source.

    One row per (country, indicator, year, sex, age group): importing the same file twice changes nothing.
    """

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    country_code: so.Mapped[str] = so.mapped_column(sa.String(3))
    indicator_code: so.Mapped[str] = so.mapped_column(sa.String(40))
    year: so.Mapped[int]
    sex: so.Mapped[str] = so.mapped_column(sa.String(10), default="total")     # total, female, male
    age_group: so.Mapped[str] = so.mapped_column(sa.String(20), default="")    # "5-17", "" = all ages
    value: so.Mapped[Decimal] = so.mapped_column(sa.Numeric(20, 4))
    source: so.Mapped[str] = so.mapped_column(sa.String(300))
    is_illustrative: so.Mapped[bool] = so.mapped_column(default=False)
    imported_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("country_code", "indicator_code", "year", "sex", "age_group",
                            name="uq_indicator_value_key"),
    )

    def __repr__(self) -> str:
        return f"<IndicatorValue {self.country_code} {self.indicator_code} {self.year} {self.value}>"


class SearchDocument(db.Model):
    """What the global search knows of one object of a registered kind (see app/knowledge/search.py).

    ``title_key`` and ``body_key`` hold the case- and accent-folded text that the database's full-text
    index reads (FTS5 on SQLite, a GIN-indexed ``tsvector`` expression on PostgreSQL); ``title`` and
    ``body`` keep the text as written, for the result list and its highlighted snippet.

    Who may find it: everyone (``audience`` = public), signed-in approved partners (partners), or the
    members of ``group_id`` and the secretariat (members).
    """

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(30))
    object_id: so.Mapped[int]
    title: so.Mapped[str] = so.mapped_column(sa.String(300))
    body: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    title_key: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    body_key: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    language: so.Mapped[str] = so.mapped_column(sa.String(8), default="en")
    url: so.Mapped[str] = so.mapped_column(sa.String(300))
    audience: so.Mapped[str] = so.mapped_column(sa.String(10), default="public")
    group_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("action_group.id", ondelete="CASCADE"))
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (sa.UniqueConstraint("kind", "object_id", name="uq_search_document_object"),)

    def __repr__(self) -> str:
        return f"<SearchDocument {self.kind}:{self.object_id} {self.title!r}>"
