"""Library rules: submitting a resource (a checked upload or a link), curation, citations, curators,
and the secretariat's Pathfinder countries. Services take explicit actors, flush but never commit, take
``now`` so tests fix the clock, and raise DomainError with the form field the problem belongs to.
"""
from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import urlsplit

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from app import events
from app.audit import record
from app.errors import DomainError, DuplicateError, InvalidTransitionError, NotAllowedError
from app.extensions import db
from app.i18n import DOCUMENT_LANGUAGES, is_country
from app.knowledge.citations import CITERS, Citer, citer_named, citer_of
from app.knowledge.models import (
    LICENCES, RESOURCE_TYPES, LibraryCurator, PathfinderCountry, Resource, ResourceCitation, ResourceState,
    RoadmapMilestone, is_curator,
)
from app.knowledge.search import matching_objects
from app.members.models import Organisation, OrganisationStatus, User
from app.members.overview import listing
from app.policy import is_secretariat, may_submit_resource
from app.notifications.services import notify
from app.sqltools import json_list_contains, json_list_contains_any
from app.taxonomy import AREAS, clean_areas, expand_regions
from app.uploads import StoredFile, delete_later
from app.utils import one_line, page_number, utcnow, whole_number

logger = logging.getLogger(__name__)

TITLE_MAX = 300
SUMMARY_MAX = 20000
URL_MAX = 500
COMMENT_MAX = 5000
FIRST_YEAR = 1900
RELATED_MAX = 5


@dataclass(frozen=True)
class ResourceData:
    """A resource as entered: codes and ids, no model objects."""

    title: str
    resource_type: str
    summary: str = ""
    areas: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)  # alpha-3 codes and/or region codes
    language: str = "en"
    publication_year: int | None = None
    publisher_id: int | None = None
    publisher_name: str = ""
    licence: str = ""
    external_url: str = ""


def _clean(data: ResourceData, today: date, *, has_file: bool) -> ResourceData:
    title = one_line(data.title)
    if not title:
        raise DomainError(_("Give the resource a title."), field="title")
    if len(title) > TITLE_MAX:
        raise DomainError(_("Keep the title under %(num)d characters.", num=TITLE_MAX), field="title")
    summary = (data.summary or "").strip()
    if len(summary) > SUMMARY_MAX:
        raise DomainError(_("Keep the summary under %(num)d characters.", num=SUMMARY_MAX), field="summary")
    if data.resource_type not in RESOURCE_TYPES:
        raise DomainError(_("Choose the type of resource from the list."), field="resource_type")
    if data.language not in DOCUMENT_LANGUAGES:
        raise DomainError(_("Choose the resource's language from the list."), field="language")
    countries = expand_regions(data.countries)
    unknown = [c for c in countries if not is_country(c)]
    if unknown:
        raise DomainError(_("Unknown country code: %(codes)s.", codes=", ".join(map(str, unknown))),
                          field="countries")
    year = data.publication_year
    if year is not None and not FIRST_YEAR <= year <= today.year:
        raise DomainError(_("Give a year between %(first)d and %(last)d.", first=FIRST_YEAR, last=today.year),
                          field="publication_year")
    if data.licence and data.licence not in LICENCES:
        raise DomainError(_("Choose the licence from the list."), field="licence")
    publisher_name = one_line(data.publisher_name)[:200]
    if data.publisher_id is not None and db.session.scalar(sa.select(Organisation.id).where(
            Organisation.id == data.publisher_id, Organisation.status == OrganisationStatus.active)) is None:
        raise DomainError(_("Choose the publisher from the list, or write its name."), field="publisher_id")
    url = (data.external_url or "").strip()
    if url and (urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc):
        raise DomainError(_("Give a web address starting with https:// or http://."), field="external_url")
    if len(url) > URL_MAX:
        raise DomainError(_("Keep the address under %(num)d characters.", num=URL_MAX), field="external_url")
    if has_file and url:
        raise DomainError(_("Upload a file or give a link, not both."), field="external_url")
    if not has_file and not url:
        raise DomainError(_("Upload the file, or give the link where the resource is."), field="external_url")
    return ResourceData(title=title, resource_type=data.resource_type, summary=summary,
                        areas=clean_areas(data.areas), countries=countries, language=data.language,
                        publication_year=year, publisher_id=data.publisher_id,
                        publisher_name="" if data.publisher_id else publisher_name, licence=data.licence,
                        external_url=url)


def _apply(resource: Resource, data: ResourceData) -> None:
    for name in ("title", "resource_type", "summary", "areas", "countries", "language", "publication_year",
                 "publisher_id", "publisher_name", "licence", "external_url"):
        setattr(resource, name, getattr(data, name))


def _attach(resource: Resource, stored: StoredFile) -> None:
    resource.file_path_key, resource.file_name, resource.file_mime = stored.path_key, stored.original_name, stored.mime
    resource.file_size, resource.file_sha256 = stored.size, stored.sha256


def submit_resource(actor: User, data: ResourceData, stored: StoredFile | None = None, *,
                    now: datetime | None = None) -> Resource:
    """A partner (or a curator) adds a resource; it waits for a curator unless a curator added it,
    in which case it is published at once.

    :param stored: the uploaded file, already checked and written (app/uploads.py), or None for a link.
    """
    if not may_submit_resource(actor):
        raise NotAllowedError(_("Only approved members of a partner organisation can add resources."))
    now = now or utcnow()
    data = _clean(data, now.date(), has_file=stored is not None)
    resource = Resource(state=ResourceState.submitted, submitted_by_id=actor.id, organisation_id=actor.organisation_id,
                        created_at=now, updated_at=now, submitted_at=now)
    _apply(resource, data)
    if stored is not None:
        _attach(resource, stored)
    db.session.add(resource)
    db.session.flush()
    record(actor, "resource.submit", resource)
    events.reindex_later(resource)
    logger.info("Resource %r submitted by %s", resource, actor)
    return resource


def update_resource(actor: User, resource: Resource, data: ResourceData, stored: StoredFile | None = None, *,
                    remove_file: bool = False, now: datetime | None = None) -> None:
    """Change a resource. A returned resource goes back to the curators when its organisation edits it; a
    new file replaces the old one, whose file is deleted once the change is committed."""
    if not resource.can_edit(actor):
        raise NotAllowedError(_("You cannot change this resource now."))
    now = now or utcnow()
    keeps_file = resource.has_file and not remove_file and stored is None
    data = _clean(data, now.date(), has_file=keeps_file or stored is not None)
    old_key = resource.file_path_key if (stored is not None or remove_file) else ""
    _apply(resource, data)
    if stored is not None:
        _attach(resource, stored)
    elif remove_file:
        resource.file_path_key = resource.file_name = resource.file_mime = resource.file_sha256 = ""
        resource.file_size = 0
    resource.updated_at = now
    if resource.state is ResourceState.returned and not is_curator(actor):
        resource.state, resource.submitted_at = ResourceState.submitted, now
    db.session.flush()
    if old_key:
        delete_later(old_key)
    record(actor, "resource.update", resource)
    events.reindex_later(resource)


def _require_curator(actor: User) -> None:
    if not is_curator(actor):
        raise NotAllowedError(_("Only the library's curators and the secretariat curate resources."))


def publish_resource(curator: User, resource: Resource, *, now: datetime | None = None) -> None:
    _require_curator(curator)
    if resource.state not in (ResourceState.submitted, ResourceState.returned):
        raise InvalidTransitionError(_("Only a resource waiting for review can be published."))
    now = now or utcnow()
    resource.state, resource.published_at = ResourceState.published, resource.published_at or now
    resource.review_comment, resource.reviewed_by_id, resource.updated_at = "", curator.id, now
    record(curator, "resource.publish", resource)
    events.reindex_later(resource)
    _tell_submitter(curator, resource, "resource_published", now)


def return_resource(curator: User, resource: Resource, comment: str, *, now: datetime | None = None) -> None:
    _require_curator(curator)
    if resource.state is not ResourceState.submitted:
        raise InvalidTransitionError(_("Only a resource waiting for review can be returned."))
    comment = (comment or "").strip()
    if not comment:
        raise DomainError(_("Say what should change, so the submitter knows what to do."), field="reason")
    if len(comment) > COMMENT_MAX:
        raise DomainError(_("Keep the comment under %(num)d characters.", num=COMMENT_MAX), field="reason")
    now = now or utcnow()
    resource.state, resource.review_comment = ResourceState.returned, comment
    resource.reviewed_by_id, resource.updated_at = curator.id, now
    record(curator, "resource.return", resource, comment=comment)
    events.reindex_later(resource)
    _tell_submitter(curator, resource, "resource_returned", now, message=comment)


def resource_url(resource: Resource) -> str:
    """The resource's page, as a path inside the Hub (for notifications; works outside a request too)."""
    return f"/library/{resource.id}"


def _tell_submitter(curator: User, resource: Resource, kind: str, now: datetime, **params) -> None:
    """Tell the person who submitted the resource what the curator decided (in the Hub, and by e-mail as
    their preferences say); nobody when the submitter is gone or is the curator."""
    submitter = resource.submitted_by
    if submitter is None:
        return
    # A resource may be returned, edited and returned again: each decision is its own notification.
    notify(submitter, kind, key=f"{kind}:{resource.id}:{now.isoformat()}:user:{submitter.id}",
           url=resource_url(resource), actor=curator, now=now, resource=resource.title, **params)


def archive_resource(curator: User, resource: Resource, *, now: datetime | None = None) -> None:
    """Take a published resource out of the library (it stays in the database, and so do its citations)."""
    if not resource.can_archive(curator):
        raise InvalidTransitionError(_("Only a published resource can be archived, by a curator."))
    resource.state, resource.updated_at = ResourceState.archived, now or utcnow()
    record(curator, "resource.archive", resource)
    events.reindex_later(resource)


# -- curators ---------------------------------------------------------------------------------------------
def curators() -> list[LibraryCurator]:
    return list(db.session.scalars(sa.select(LibraryCurator).options(so.joinedload(LibraryCurator.user))
                                   .order_by(LibraryCurator.appointed_at)))


def appoint_curator(admin: User, email: str, *, now: datetime | None = None) -> LibraryCurator:
    if not is_secretariat(admin):
        raise NotAllowedError(_("Only the secretariat appoints curators."))
    person = db.session.scalar(sa.select(User).where(sa.func.lower(User.email) == (email or "").strip().lower()))
    if person is None or not person.is_approved:
        raise DomainError(_("No approved person has this e-mail address."), field="email")
    if db.session.get(LibraryCurator, person.id) is not None:
        raise DuplicateError(_("%(name)s is already a curator.", name=person.full_name), field="email")
    curator = LibraryCurator(user_id=person.id, appointed_by_id=admin.id, appointed_at=now or utcnow())
    db.session.add(curator)
    record(admin, "curator.appoint", person)
    return curator


def remove_curator(admin: User, user_id: int) -> None:
    if not is_secretariat(admin):
        raise NotAllowedError(_("Only the secretariat appoints curators."))
    curator = db.session.get(LibraryCurator, user_id)
    if curator is None:
        raise DomainError(_("This person is not a curator."))
    record(admin, "curator.remove", curator.user)
    db.session.delete(curator)


# -- organisation pages -------------------------------------------------------------------------------------
def published_by_organisation(org):
    """The published resources the organisation published or submitted (its page, app.members.overview)."""
    return listing(
        sa.select(Resource).where(Resource.state == ResourceState.published,
                                  sa.or_(Resource.publisher_id == org.id, Resource.organisation_id == org.id))
        .order_by(Resource.published_at.desc(), Resource.id.desc()))


# -- citations --------------------------------------------------------------------------------------------
# What cites a resource (pledges, action groups) is registered by its feature: app/knowledge/citations.py.
@dataclass(frozen=True)
class Cited:
    """One citation as a resource's page lists it: what cites the resource, of which kind."""

    citer: Citer
    obj: object
    citation: ResourceCitation


def citable(user: User) -> list[tuple[Citer, list]]:
    """For each kind of citer, the objects this person may make cite a resource (those of their organisation's
    pledges they can still edit, the groups they convene, ...), kinds with none left out."""
    found = [(citer, list(citer.citable(user))) for citer in CITERS]
    return [(citer, objs) for citer, objs in found if objs]


def cite_resource(actor: User, resource: Resource, *, now: datetime | None = None,
                  **cited_by) -> ResourceCitation:
    """Record that an object cites a resource: ``pledge=`` (by its organisation), ``group=`` (by a convener),
    or another kind registered with :func:`app.knowledge.citations.register_citer`; exactly one."""
    chosen = [(citer_named(name), obj) for name, obj in cited_by.items() if obj is not None]
    if len(chosen) != 1 or chosen[0][0] is None:
        raise DomainError(_("Choose one pledge or one action group."), field="target")
    (citer, obj), = chosen
    if not resource.is_public:
        raise InvalidTransitionError(_("Only a published resource can be cited."))
    if not citer.may_cite(obj, actor):
        raise NotAllowedError(str(citer.refusal))
    column = getattr(ResourceCitation, f"{citer.name}_id")
    existing = db.session.scalar(sa.select(ResourceCitation).where(
        ResourceCitation.resource_id == resource.id, column == obj.id))
    if existing is not None:
        raise DuplicateError(_("It already cites this resource."), field="target")
    citation = ResourceCitation(resource_id=resource.id, cited_by_id=actor.id, created_at=now or utcnow(),
                                **{f"{citer.name}_id": obj.id})
    db.session.add(citation)
    db.session.flush()
    record(actor, "resource.cite", resource, **citation.citer_ids())
    return citation


def can_remove_citation(user, citation: ResourceCitation) -> bool:
    """Whoever may cite from the citing object (its kind's rule) may remove its citation."""
    found = citer_of(citation)
    return found is not None and found[0].may_cite(found[1], user)


def remove_citation(actor: User, citation: ResourceCitation) -> None:
    if not can_remove_citation(actor, citation):
        raise NotAllowedError(_("You cannot remove this reference."))
    record(actor, "resource.uncite", citation.resource, **citation.citer_ids())
    db.session.delete(citation)


def citations(resource: Resource, user) -> list[Cited]:
    """What cites the resource and ``user`` may see, kind by kind in their order, oldest first (one query)."""
    options = [so.joinedload(getattr(ResourceCitation, citer.name)).options(*citer.load_options())
               for citer in CITERS]
    rows = list(db.session.scalars(
        sa.select(ResourceCitation).where(ResourceCitation.resource_id == resource.id)
        .options(*options).order_by(ResourceCitation.created_at)))
    cited = []
    for citer in CITERS:
        cited += [Cited(citer, obj, row) for row in rows
                  if (obj := getattr(row, citer.name)) is not None and citer.can_see(obj, user)]
    return cited


def related_resources(resource: Resource, limit: int = RELATED_MAX) -> list[Resource]:
    """Published resources sharing the most areas and countries with this one (one query)."""
    conditions = []
    if resource.areas:
        conditions.append(json_list_contains_any(Resource.areas, resource.areas))
    if resource.countries:
        conditions.append(json_list_contains_any(Resource.countries, resource.countries))
    if not conditions:
        return []
    candidates = db.session.scalars(
        sa.select(Resource).where(Resource.state == ResourceState.published, Resource.id != resource.id,
                                  sa.or_(*conditions))
        .order_by(Resource.published_at.desc(), Resource.id.desc()).limit(200))
    areas, countries = set(resource.areas or ()), set(resource.countries or ())

    def shared(other: Resource) -> int:
        return len(areas & set(other.areas or ())) + 2 * len(countries & set(other.countries or ()))

    return sorted(candidates, key=lambda r: -shared(r))[:limit]


# -- the library's list and its facets ---------------------------------------------------------------------
FACETS = ("type", "area", "country", "language", "year")
SORTS = ("newest", "relevance")


@dataclass(frozen=True)
class LibraryFilters:
    q: str = ""
    type: str = ""
    area: str = ""
    country: str = ""
    language: str = ""
    year: int | None = None
    sort: str = "newest"
    page: int = 1

    @classmethod
    def from_args(cls, args) -> LibraryFilters:
        def pick(name, allowed) -> str:
            value = (args.get(name) or "").strip()
            return value if value in allowed else ""

        year = (args.get("year") or "").strip()
        page = (args.get("page") or "").strip()
        country = (args.get("country") or "").strip()
        q = " ".join((args.get("q") or "").replace("\x00", "").split())[:200]
        return cls(q=q, type=pick("type", RESOURCE_TYPES), area=pick("area", AREAS),
                   country=country if is_country(country) else "", language=pick("language", DOCUMENT_LANGUAGES),
                   year=whole_number(year, FIRST_YEAR, 9999),
                   sort=pick("sort", SORTS) or ("relevance" if q else "newest"),
                   page=page_number(page))

    def args(self, **changes) -> dict:
        values = {"q": self.q, "type": self.type, "area": self.area, "country": self.country,
                  "language": self.language, "year": self.year or "", "sort": self.sort if self.sort != (
                      "relevance" if self.q else "newest") else ""}
        values.update(changes)
        return {k: v for k, v in values.items() if v}

    @property
    def is_filtered(self) -> bool:
        return bool(self.q or self.type or self.area or self.country or self.language or self.year)


def library_query(filters: LibraryFilters) -> sa.Select:
    """Published resources matching the filters, in the chosen order (full-text search for ``q``)."""
    query = sa.select(Resource).where(Resource.state == ResourceState.published)
    if filters.type:
        query = query.where(Resource.resource_type == filters.type)
    if filters.area:
        query = query.where(json_list_contains(Resource.areas, filters.area))
    if filters.country:
        query = query.where(json_list_contains(Resource.countries, filters.country))
    if filters.language:
        query = query.where(Resource.language == filters.language)
    if filters.year:
        query = query.where(Resource.publication_year == filters.year)
    matches = matching_objects("resource", filters.q) if filters.q else None
    if matches is not None:
        query = query.join(matches, matches.c.object_id == Resource.id)
        if filters.sort == "relevance":
            return query.order_by(matches.c.rank.desc(), Resource.published_at.desc(), Resource.id.desc())
    return query.order_by(Resource.published_at.desc(), Resource.id.desc())


def facet_counts(filters: LibraryFilters) -> dict[str, Counter]:
    """How many of the resources the filters match have each type, area, country, language and year (one query)."""
    base = library_query(filters).order_by(None)
    rows = db.session.execute(base.with_only_columns(
        Resource.resource_type, Resource.areas, Resource.countries, Resource.language, Resource.publication_year))
    counts = {name: Counter() for name in FACETS}
    for resource_type, areas, countries, language, year in rows:
        counts["type"][resource_type] += 1
        counts["area"].update(set(areas or ()))
        counts["country"].update(set(countries or ()))
        counts["language"][language] += 1
        if year:
            counts["year"][year] += 1
    return counts


def review_queue() -> list[Resource]:
    """Resources waiting for a curator, oldest first."""
    return list(db.session.scalars(
        sa.select(Resource).where(Resource.state == ResourceState.submitted)
        .options(so.joinedload(Resource.organisation), so.joinedload(Resource.submitted_by))
        .order_by(Resource.submitted_at, Resource.id)))


def organisation_resources(organisation_id: int) -> list[Resource]:
    return list(db.session.scalars(
        sa.select(Resource).where(Resource.organisation_id == organisation_id)
        .order_by(Resource.created_at.desc(), Resource.id.desc())))


# -- Pathfinder countries ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MilestoneData:
    title: str
    due_date: date | None = None
    done_on: date | None = None


def set_pathfinder(admin: User, country_code: str, since: date | None, *, roadmap_resource_id: int | None = None,
                   notes: str = "", milestones: list[MilestoneData] | None = None,
                   now: datetime | None = None) -> PathfinderCountry:
    """Mark (or update) a Pathfinder country: since when, its roadmap (a library resource) and milestones."""
    if not is_secretariat(admin):
        raise NotAllowedError(_("Only the secretariat marks Pathfinder countries."))
    if not is_country(country_code):
        raise DomainError(_("Unknown country code: %(codes)s.", codes=country_code), field="country")
    now = now or utcnow()
    if since is None:
        raise DomainError(_("Give the date the country became a Pathfinder country."), field="since")
    if since > now.date():
        raise DomainError(_("The date cannot be in the future."), field="since")
    if roadmap_resource_id is not None and db.session.get(Resource, roadmap_resource_id) is None:
        raise DomainError(_("Choose the roadmap from the library."), field="roadmap_resource_id")
    rows = [m for m in milestones or [] if one_line(m.title) or m.due_date or m.done_on]
    for index, row in enumerate(rows):
        if not one_line(row.title):
            raise DomainError(_("Milestone %(num)d needs a title.", num=index + 1), field=f"milestones-{index}-title")
    country = db.session.get(PathfinderCountry, country_code)
    if country is None:
        country = PathfinderCountry(country_code=country_code)
        db.session.add(country)
    country.since, country.roadmap_resource_id, country.notes = since, roadmap_resource_id, (notes or "").strip()
    country.updated_at = now
    country.milestones = [RoadmapMilestone(position=i, title=one_line(m.title)[:300], due_date=m.due_date,
                                           done_on=m.done_on) for i, m in enumerate(rows)]
    db.session.flush()
    record(admin, "pathfinder.set", country)
    return country


def remove_pathfinder(admin: User, country_code: str) -> None:
    if not is_secretariat(admin):
        raise NotAllowedError(_("Only the secretariat marks Pathfinder countries."))
    country = db.session.get(PathfinderCountry, country_code)
    if country is None:
        raise DomainError(_("This country is not a Pathfinder country."))
    record(admin, "pathfinder.remove", country)
    db.session.delete(country)
