"""Document rules: sharing a file, new versions, descriptions and publication (flush, never commit).

The file itself is written before these run (see app/uploads.py: ``stored_upload``); a service only
records a :class:`~app.uploads.StoredFile` and raises DomainError when the rules say no, in which case
the route's ``stored_upload`` block removes the file again.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from app import audit, events
from app.actiongroups.documents.models import DOCUMENT_LANGUAGES, Document, DocumentVersion
from app.actiongroups.models import ActionGroup, Membership
from app.actiongroups.services import group_url, record_activity
from app.errors import DomainError, InvalidTransitionError, NotAllowedError
from app.extensions import db
from app.members.models import User
from app.notifications.services import notify
from app.taxonomy import clean_areas
from app.uploads import StoredFile
from app.utils import utcnow

logger = logging.getLogger(__name__)

TITLE_MAX = 200
DESCRIPTION_MAX = 20000
NOTE_MAX = 500


@dataclass(frozen=True)
class DocumentData:
    title: str
    description: str = ""
    areas: list[str] = field(default_factory=list)
    language: str = "en"
    is_public: bool = False


def document_url(document: Document) -> str:
    return group_url(document.group, f"documents/{document.id}")


def _require_editable(actor: User, group: ActionGroup, document: Document | None = None) -> None:
    if group.is_archived:
        raise InvalidTransitionError(_("This action group is archived: nothing can change in it."))
    allowed = document.can_edit(actor) if document else group.can_participate(actor)
    if not allowed:
        raise NotAllowedError(_("Only the group's members can share and edit documents."))


def _clean(data: DocumentData) -> DocumentData:
    title = " ".join((data.title or "").split())
    if not title:
        raise DomainError(_("Give the document a title."), field="title")
    if len(title) > TITLE_MAX:
        raise DomainError(_("Keep the title under %(num)d characters.", num=TITLE_MAX), field="title")
    description = (data.description or "").strip()
    if len(description) > DESCRIPTION_MAX:
        raise DomainError(_("Keep the description under %(num)d characters.", num=DESCRIPTION_MAX),
                          field="description")
    if data.language not in DOCUMENT_LANGUAGES:
        raise DomainError(_("Choose the document's language from the list."), field="language")
    return DocumentData(title=title, description=description, areas=clean_areas(data.areas),
                        language=data.language, is_public=bool(data.is_public))


def _clean_note(note: str) -> str:
    note = " ".join((note or "").split())
    if len(note) > NOTE_MAX:
        raise DomainError(_("Keep the note under %(num)d characters.", num=NOTE_MAX), field="note")
    return note


def _version(document: Document, actor: User, stored: StoredFile, number: int, note: str,
             now: datetime) -> DocumentVersion:
    version = DocumentVersion(document=document, number=number, is_current=True, path_key=stored.path_key,
                              original_name=stored.original_name, size=stored.size, mime=stored.mime,
                              sha256=stored.sha256, uploaded_by_id=actor.id, uploaded_at=now, note=note)
    db.session.add(version)
    return version


def add_document(actor: User, group: ActionGroup, data: DocumentData, stored: StoredFile, *,
                 note: str = "", now: datetime | None = None) -> Document:
    """Share a new document in ``group`` with ``stored`` as its version 1, and tell the members.

    :raises NotAllowedError: the actor does not take part in the group.
    :raises InvalidTransitionError: the group is archived.
    :raises DomainError: a title, description, language or note that breaks the rules (with ``field``).
    """
    _require_editable(actor, group)
    data = _clean(data)
    note = _clean_note(note)
    now = now or utcnow()
    document = Document(group_id=group.id, group=group, title=data.title, description=data.description,
                        areas=data.areas, language=data.language, is_public=data.is_public,
                        created_by_id=actor.id, created_at=now, updated_at=now)
    db.session.add(document)
    _version(document, actor, stored, 1, note, now)
    db.session.flush()
    url = document_url(document)
    record_activity(group, actor, "document_new", url=url, title=document.title)
    audit.record(actor, "document.create", document, group=group.name, public=document.is_public)
    events.reindex_later(document)
    recipients = db.session.scalars(
        sa.select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.group_id == group.id, User.id != actor.id).order_by(User.id))
    for person in recipients:
        notify(person, "document_new", key=f"document:{document.id}:{person.id}", url=url, actor=actor, now=now,
               document=document.title, group=group.name)
    logger.info("Document %r shared in %s by %s", document, group, actor)
    return document


def add_version(actor: User, document: Document, stored: StoredFile, note: str = "", *,
                now: datetime | None = None) -> DocumentVersion:
    """Make ``stored`` the document's newest version; earlier versions stay downloadable.

    :raises NotAllowedError, InvalidTransitionError: as for :func:`add_document`.
    """
    _require_editable(actor, document.group, document)
    note = _clean_note(note)
    now = now or utcnow()
    previous = db.session.scalars(sa.select(DocumentVersion).where(DocumentVersion.document_id == document.id)
                                  .order_by(DocumentVersion.number.desc())).all()
    for old in previous:
        old.is_current = False
    db.session.flush()  # the old current version gives up its flag before the new one takes it
    number = (previous[0].number if previous else 0) + 1
    version = _version(document, actor, stored, number, note, now)
    document.updated_at = now
    db.session.flush()
    db.session.expire(document, ["current_version", "versions"])
    record_activity(document.group, actor, "document_version", url=document_url(document), title=document.title)
    audit.record(actor, "document.new_version", document, version=number, file=stored.original_name)
    events.reindex_later(document)
    logger.info("Document %r: version %d uploaded by %s", document, number, actor)
    return version


def update_document(actor: User, document: Document, data: DocumentData, *,
                    now: datetime | None = None) -> Document:
    """Change a document's title, description, areas, language and publication."""
    _require_editable(actor, document.group, document)
    data = _clean(data)
    before = {"title": document.title, "areas": list(document.areas or []), "language": document.language}
    document.title = data.title
    document.description = data.description
    document.areas = data.areas
    document.language = data.language
    document.updated_at = now or utcnow()
    audit.record(actor, "document.edit", document, before=before)
    events.reindex_later(document)
    if data.is_public != document.is_public:
        set_public(actor, document, data.is_public, now=now)
    return document


def set_public(actor: User, document: Document, flag: bool, *, now: datetime | None = None) -> Document:
    """Show the document (its current version) on the group's public page, or stop showing it."""
    _require_editable(actor, document.group, document)
    flag = bool(flag)
    if document.is_public == flag:
        return document
    document.is_public = flag
    document.updated_at = now or utcnow()
    audit.record(actor, "document.publish" if flag else "document.unpublish", document,
                 group=document.group.name)
    events.reindex_later(document)
    logger.info("Document %r made %s by %s", document, "public" if flag else "private", actor)
    return document
