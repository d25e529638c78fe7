"""The kinds of the knowledge gateway's own the global search finds: library resources and partner
organisations.

The features register theirs from their gateway.py (see :func:`app.knowledge.search.register_kind`):
public pledges (``app/commitments``), action groups and workspace documents (``app/actiongroups``), the
Forum's sessions and consultations (``app/forums``), news (``app/news``).
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from app.knowledge.models import Resource, ResourceState
from app.knowledge.search import Entry, SearchKind, register_kind
from app.members.models import Organisation


def _resource_entry(resource: Resource) -> Entry | None:
    if resource.state is not ResourceState.published:
        return None
    body = " ".join(part for part in (resource.summary, resource.publisher_label) if part)
    return Entry(title=resource.title, body=body, url=f"/library/{resource.id}", language=resource.language,
                 updated_at=resource.published_at, places=tuple(resource.countries or ()))


def _resource_query() -> sa.Select:
    return sa.select(Resource).options(so.joinedload(Resource.publisher))


def _organisation_entry(org) -> Entry | None:
    if not org.is_active:
        return None
    return Entry(title=org.display_name, body=org.description, url=f"/organisations/{org.id}",
                 updated_at=org.updated_at, places=(org.country_code,) if org.country_code else ())


def _organisation_query() -> sa.Select:
    return sa.select(Organisation)


def register_sources() -> None:
    register_kind(SearchKind("resource", _l("Resources"), Resource, _resource_entry, _resource_query, order=10))
    register_kind(SearchKind("organisation", _l("Organisations"), Organisation, _organisation_entry,
                             _organisation_query, order=50))
