"""The kinds the global search finds today: library resources, public pledges, action groups, partner
organisations and workspace documents (private ones only for the group's readers).

Other features register theirs the same way (see :func:`app.knowledge.search.register_kind`), e.g. the
Forum's sessions from ``app/forums`` or imported external activities from the duplication detector.
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from app.knowledge.models import Resource, ResourceState
from app.knowledge.search import Entry, SearchKind, register_kind


def _resource_entry(resource: Resource) -> Entry | None:
    if resource.state is not ResourceState.published:
        return None
    body = " ".join(part for part in (resource.summary, resource.publisher_label) if part)
    return Entry(title=resource.title, body=body, url=f"/library/{resource.id}", language=resource.language,
                 updated_at=resource.published_at, places=tuple(resource.countries or ()))


def _resource_query() -> sa.Select:
    return sa.select(Resource).options(so.joinedload(Resource.publisher))


def _pledge_entry(pledge) -> Entry | None:
    if not pledge.is_public:
        return None
    body = "\n".join(part for part in (pledge.description, pledge.contribution, pledge.organisation.name) if part)
    places = (*(pledge.countries or ()), *(("global",) if pledge.is_global else ()))
    return Entry(title=pledge.title, body=body, url=f"/pledges/{pledge.id}", updated_at=pledge.published_at,
                 places=places)


def _pledge_query() -> sa.Select:
    from app.commitments.models import Pledge

    return sa.select(Pledge).options(so.joinedload(Pledge.organisation))


def _group_entry(group) -> Entry | None:
    return Entry(title=group.name, body=group.mandate, url=f"/actiongroups/{group.slug}", updated_at=group.updated_at,
                 places=tuple(group.focus_countries or ()))


def _group_query() -> sa.Select:
    from app.actiongroups.models import ActionGroup

    return sa.select(ActionGroup)


def _organisation_entry(org) -> Entry | None:
    if not org.is_active:
        return None
    return Entry(title=org.display_name, body=org.description, url=f"/organisations/{org.id}",
                 updated_at=org.updated_at, places=(org.country_code,) if org.country_code else ())


def _organisation_query() -> sa.Select:
    from app.members.models import Organisation

    return sa.select(Organisation)


def _document_entry(document) -> Entry | None:
    """Public documents for everyone; the others for whoever reads the group's workspace."""
    from app.actiongroups.models import Visibility

    group = document.group
    if document.is_public:
        audience = "public"
    else:
        audience = "partners" if group.visibility is Visibility.partners else "members"
    return Entry(title=document.title, body=document.description, language=document.language, audience=audience,
                 group_id=group.id, url=f"/actiongroups/{group.slug}/documents/{document.id}",
                 updated_at=document.updated_at)


def _document_query() -> sa.Select:
    from app.actiongroups.documents.models import Document

    return sa.select(Document).options(so.joinedload(Document.group))


def register_sources() -> None:
    from app.actiongroups.documents.models import Document
    from app.actiongroups.models import ActionGroup
    from app.commitments.models import Pledge
    from app.members.models import Organisation

    register_kind(SearchKind("resource", _l("Resources"), Resource, _resource_entry, _resource_query, order=10))
    register_kind(SearchKind("pledge", _l("Pledges"), Pledge, _pledge_entry, _pledge_query, order=20,
                             follows={"organisation": lambda ids: sa.select(Pledge.id).where(
                                 Pledge.organisation_id.in_(ids))}))
    register_kind(SearchKind("group", _l("Action groups"), ActionGroup, _group_entry, _group_query, order=30))
    register_kind(SearchKind("organisation", _l("Organisations"), Organisation, _organisation_entry,
                             _organisation_query, order=50))
    register_kind(SearchKind("document", _l("Workspace documents"), Document, _document_entry, _document_query,
                             order=60, follows={"group": lambda ids: sa.select(Document.id).where(
                                 Document.group_id.in_(ids))}))
