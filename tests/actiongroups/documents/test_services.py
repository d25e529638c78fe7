"""Document rules, through the services."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from app.actiongroups.documents import services
from app.actiongroups.documents.models import Document, DocumentVersion, public_documents
from app.actiongroups.models import Activity, GroupRole
from app.audit import AuditEntry
from app.errors import DomainError, InvalidTransitionError, NotAllowedError
from app.extensions import db
from app.notifications.models import Notification
from app.uploads import StoredFile

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)


def stored(n: int = 1, name: str = "report.pdf") -> StoredFile:
    return StoredFile(path_key=f"ab/{n:032x}", original_name=name, size=1000 + n, mime="application/pdf",
                      sha256=f"{n:064x}")


def data(**overrides) -> services.DocumentData:
    values = {"title": "Annual report", "description": "The **year** in review.", "areas": ["forced_labour"],
              "language": "en", "is_public": False, **overrides}
    return services.DocumentData(**values)


def test_add_document_records_version_one_activity_audit_and_notifies_members(group_world):
    group, people = group_world.group, group_world.people
    document = services.add_document(people.member, group, data(title="  Annual   report "), stored(), now=NOW)
    db.session.commit()

    assert document.title == "Annual report" and document.group_id == group.id
    assert document.created_by_id == people.member.id and document.created_at == NOW
    version = document.current_version
    assert (version.number, version.is_current, version.original_name, version.size) == (1, True, "report.pdf", 1001)
    assert version.uploaded_by_id == people.member.id and version.uploaded_at == NOW
    activity = db.session.scalar(sa.select(Activity).where(Activity.group_id == group.id))
    assert activity.verb == "document_new" and activity.params == {"title": "Annual report"}
    assert activity.url == f"/actiongroups/{group.slug}/documents/{document.id}"
    assert db.session.scalar(sa.select(AuditEntry.action).where(AuditEntry.object_type == "Document")) == \
        "document.create"
    notified = {n.recipient_id: n for n in db.session.scalars(sa.select(Notification))}
    # Every member of the group but the actor: observer and convener (the requester is not a member).
    assert set(notified) == {people.observer.id, people.convener.id}
    note = notified[people.convener.id]
    assert note.kind == "document_new" and note.key == f"document:{document.id}:{people.convener.id}"
    assert note.params == {"document": "Annual report", "group": group.name, "actor": people.member.full_name}
    assert note.url == activity.url


def test_add_version_makes_the_new_file_current_and_keeps_the_old_one(group_world):
    group, people = group_world.group, group_world.people
    document = services.add_document(people.member, group, data(), stored(1), now=NOW)
    db.session.commit()
    version = services.add_version(people.convener, document, stored(2, "report-v2.pdf"), "  Fixed   tables ")
    db.session.commit()

    versions = db.session.scalars(sa.select(DocumentVersion).where(DocumentVersion.document_id == document.id)
                                  .order_by(DocumentVersion.number)).all()
    assert [(v.number, v.is_current) for v in versions] == [(1, False), (2, True)]
    assert version.note == "Fixed tables" and version.uploaded_by_id == people.convener.id
    assert db.session.get(Document, document.id).current_version.id == version.id
    verbs = db.session.scalars(sa.select(Activity.verb).order_by(Activity.id)).all()
    assert verbs == ["document_new", "document_version"]
    services.add_version(people.member, document, stored(3), "")
    db.session.commit()
    assert [v.number for v in db.session.get(Document, document.id).versions] == [3, 2, 1]


def test_update_document_changes_the_description_and_is_audited(group_world):
    group, people = group_world.group, group_world.people
    document = services.add_document(people.member, group, data(), stored(), now=NOW)
    services.update_document(people.convener, document, data(title="Final report", language="fr",
                                                             areas=["trafficking", "bogus", "child_labour"]))
    db.session.commit()
    document = db.session.get(Document, document.id)
    assert (document.title, document.language, document.is_public) == ("Final report", "fr", False)
    assert document.areas == ["child_labour", "trafficking"]  # unknown dropped, canonical order
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "document.edit"))
    assert entry.actor_id == people.convener.id and entry.detail["before"]["title"] == "Annual report"


def test_set_public_is_audited_and_the_public_list_shows_only_public_documents(group_world, make_group):
    group, people = group_world.group, group_world.people
    private = services.add_document(people.member, group, data(title="Internal"), stored(1))
    shared = services.add_document(people.member, group, data(title="For everyone"), stored(2))
    other_group = make_group()
    db.session.commit()
    services.set_public(people.member, shared, True)
    db.session.commit()

    assert [d.title for d in public_documents(group)] == ["For everyone"]
    assert public_documents(other_group) == []
    assert db.session.scalar(sa.select(AuditEntry.action).where(AuditEntry.action.like("document.publish"))) \
        == "document.publish"
    services.update_document(people.member, shared, data(title="For everyone", is_public=False))
    db.session.commit()
    assert public_documents(group) == [] and private.is_public is False
    assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id)).where(
        AuditEntry.action == "document.unpublish")) == 1


@pytest.mark.parametrize("role", ["observer", "outsider", "requester"])
def test_people_who_do_not_take_part_cannot_share_or_edit(group_world, role):
    group, people = group_world.group, group_world.people
    document = services.add_document(people.member, group, data(), stored(1))
    db.session.commit()
    person = getattr(people, role)
    with pytest.raises(NotAllowedError):
        services.add_document(person, group, data(), stored(2))
    with pytest.raises(NotAllowedError):
        services.add_version(person, document, stored(3))
    with pytest.raises(NotAllowedError):
        services.update_document(person, document, data(title="Hijacked"))
    with pytest.raises(NotAllowedError):
        services.set_public(person, document, True)


def test_the_secretariat_may_share_without_being_a_member(group_world):
    document = services.add_document(group_world.people.admin, group_world.group, data(), stored())
    db.session.commit()
    assert document.id and document.created_by_id == group_world.people.admin.id


def test_an_archived_group_changes_nothing(group_world):
    group, people = group_world.group, group_world.people
    document = services.add_document(people.member, group, data(), stored(1))
    group.is_archived = True
    db.session.commit()
    for actor in (people.member, people.convener, people.admin):
        with pytest.raises(InvalidTransitionError):
            services.add_document(actor, group, data(), stored(2))
        with pytest.raises(InvalidTransitionError):
            services.add_version(actor, document, stored(3))
        with pytest.raises(InvalidTransitionError):
            services.set_public(actor, document, True)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(DocumentVersion.id))) == 1


@pytest.mark.parametrize("overrides, field", [
    ({"title": "   "}, "title"),
    ({"title": "x" * 201}, "title"),
    ({"language": "de"}, "language"),
    ({"description": "x" * 20001}, "description"),
])
def test_bad_descriptions_are_refused_with_the_field(group_world, overrides, field):
    with pytest.raises(DomainError) as error:
        services.add_document(group_world.people.member, group_world.group, data(**overrides), stored())
    assert error.value.field == field and str(error.value)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Document.id))) == 0


def test_a_too_long_version_note_is_refused_before_anything_changes(group_world):
    document = services.add_document(group_world.people.member, group_world.group, data(), stored(1))
    db.session.commit()
    with pytest.raises(DomainError) as error:
        services.add_version(group_world.people.member, document, stored(2), "x" * 501)
    assert error.value.field == "note"
    db.session.rollback()
    assert [v.number for v in db.session.get(Document, document.id).versions] == [1]


def test_one_current_version_per_document_is_a_database_rule(group_world):
    document = services.add_document(group_world.people.member, group_world.group, data(), stored(1))
    db.session.commit()
    db.session.add(DocumentVersion(document_id=document.id, number=2, is_current=True, path_key="ab/" + "0" * 32,
                                   original_name="x.pdf", size=1, mime="application/pdf", sha256="0" * 64))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_permission_predicates(group_world):
    group, people = group_world.group, group_world.people
    document = services.add_document(people.member, group, data(), stored(1))
    services.add_version(people.member, document, stored(2))
    db.session.commit()
    old, current = sorted(document.versions, key=lambda v: v.number)
    assert document.can_edit(people.member) and document.can_edit(people.admin)
    assert not document.can_edit(people.observer) and not document.can_edit(people.outsider)
    assert document.can_download(people.observer, old)
    assert not document.can_download(people.outsider, current)
    document.is_public = True
    assert document.can_download(people.outsider, current) and not document.can_download(people.outsider, old)
    assert repr(document).startswith(f"<Document {document.id}") and "v2" in repr(current)
    assert GroupRole.observer is group.role_of(people.observer)
