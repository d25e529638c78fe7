"""The audit log as the secretariat reads it: each action in words, each object by its name and linked to
its page, filters by person, kind of action and dates.

The log stores codes (``overlap_decided``, ``Pledge`` 61); this module turns a page of entries into what
people read, loading the objects of the page in one query per kind of object (never one per entry). An
object that is gone since is shown by the label the entry kept, as plain text. Objects are found by
their class name through the models' registry, so the secretariat's console imports no feature.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import url_for
from flask_babel import get_timezone
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.audit import AuditEntry
from app.extensions import db
from app.members.models import Organisation, User
from app.overlaps.models import DECISION_LABELS
from app.utils import id_number, like_pattern, parse_date

# What each action code means, in words (the codes are those passed to app.audit.record).
ACTION_LABELS: dict[str, Any] = {
    # people and organisations
    "user.apply": _l("Applied to join"),
    "user.approve": _l("Approved a person"),
    "user.decline": _l("Declined a person"),
    "user.suspend": _l("Suspended a person"),
    "user.reactivate": _l("Reactivated a person"),
    "user.invite": _l("Invited a person"),
    "user.resend_invitation": _l("Sent an invitation again"),
    "user.accept_invitation": _l("Accepted an invitation"),
    "user.reset_password": _l("Reset their password"),
    "organisation.apply": _l("Applied for an organisation"),
    "organisation.approve": _l("Approved an organisation"),
    "organisation.decline": _l("Declined an organisation"),
    "organisation.suspend": _l("Suspended an organisation"),
    "organisation.reactivate": _l("Reactivated an organisation"),
    "organisation.edit": _l("Edited an organisation"),
    # action groups
    "group.create": _l("Created an action group"),
    "group.edit": _l("Edited an action group"),
    "group.archive": _l("Archived an action group"),
    "group.unarchive": _l("Reopened an action group"),
    "group.invite": _l("Invited someone to a group"),
    "group.accept_invitation": _l("Accepted an invitation to a group"),
    "group.decline_invitation": _l("Declined an invitation to a group"),
    "group.request_join": _l("Asked to join a group"),
    "group.accept_request": _l("Accepted a request to join a group"),
    "group.decline_request": _l("Declined a request to join a group"),
    "group.change_role": _l("Changed a member's role in a group"),
    "group.appoint_convener": _l("Appointed a convener"),
    "group.remove_convener": _l("Removed a convener"),
    "group.leave": _l("Left a group"),
    "document.create": _l("Added a document"),
    "document.edit": _l("Edited a document"),
    "document.new_version": _l("Uploaded a new version of a document"),
    "document.publish": _l("Made a document public"),
    "document.unpublish": _l("Made a document private"),
    "thread.lock": _l("Locked a discussion"),
    "thread.unlock": _l("Unlocked a discussion"),
    "thread.pin": _l("Pinned a discussion"),
    "thread.unpin": _l("Unpinned a discussion"),
    "post.hide": _l("Hid a message"),
    "post.unhide": _l("Showed a hidden message again"),
    # pledges (app.commitments: "pledge_" + the pledge's history event)
    "pledge_created": _l("Created a pledge"),
    "pledge_submitted": _l("Submitted a pledge for review"),
    "pledge_returned": _l("Returned a pledge for changes"),
    "pledge_published": _l("Published a pledge"),
    "pledge_revised": _l("Revised a published pledge"),
    "pledge_completed": _l("Marked a pledge as completed"),
    "pledge_withdrawn": _l("Withdrew a pledge"),
    "pledge_report_submitted": _l("Submitted a progress report"),
    "pledge_report_returned": _l("Returned a progress report for revision"),
    "pledge_report_approved": _l("Approved a progress report"),
    "pledge_deliverable_done": _l("Marked a deliverable as done"),
    "api.report_started": _l("Started a progress report through the API"),
    "api.report_saved": _l("Saved a progress report through the API"),
    "api.deliverable_done": _l("Marked a deliverable as done through the API"),
    "api_token.created": _l("Created an API token"),
    "api_token.revoked": _l("Revoked an API token"),
    # the Forum and consultations
    "forum_created": _l("Created a Forum"),
    "forum_updated": _l("Edited a Forum"),
    "forum_session_created": _l("Added a Forum session"),
    "forum_session_updated": _l("Edited a Forum session"),
    "forum_session_deleted": _l("Deleted a Forum session"),
    "registration_withdrawn": _l("Withdrew a registration"),
    "registration_attended": _l("Marked a participant as present"),
    "registration_attendance_undone": _l("Undid a participant's attendance"),
    "consultation_created": _l("Created a consultation"),
    "consultation_confirmed": _l("Confirmed a meeting's time"),
    "consultation_rescheduled": _l("Rescheduled a meeting"),
    "consultation_cancelled": _l("Cancelled a consultation"),
    "poll_link_revoked": _l("Revoked a poll link"),
    "consultation_guest_added": _l("Invited a guest to a consultation"),
    "consultation_guest_removed": _l("Removed a guest from a consultation"),
    # the library
    "resource.submit": _l("Submitted a resource"),
    "resource.update": _l("Edited a resource"),
    "resource.publish": _l("Published a resource"),
    "resource.return": _l("Returned a resource for changes"),
    "resource.archive": _l("Archived a resource"),
    "resource.cite": _l("Cited a resource"),
    "resource.uncite": _l("Removed a citation of a resource"),
    "curator.appoint": _l("Appointed a library curator"),
    "curator.remove": _l("Removed a library curator"),
    "pathfinder.set": _l("Set a Pathfinder country"),
    "pathfinder.remove": _l("Removed a Pathfinder country"),
    # overlaps
    "overlap_decided": _l("Decided on an overlap"),
    "overlap_decision_reverted": _l("Reverted an overlap decision"),
    "overlap_reflagged": _l("Flagged an overlap again after a change"),
    "overlap_contact": _l("Asked to coordinate on an initiative"),
    "initiative_linked": _l("Linked two initiatives"),
    "initiative_unlinked": _l("Unlinked two initiatives"),
    # the secretariat's tools
    "outbox_retried": _l("Retried failed deliveries"),
    "import.queued": _l("Uploaded a file of activities to import"),
}

# The parts of an entry's details worth a name; others are shown under their code.
DETAIL_LABELS: dict[str, Any] = {
    "reason": _l("Reason"), "comment": _l("Comment"), "note": _l("Note"), "decision": _l("Decision"),
    "reference": _l("Reference"), "initiative": _l("Initiative"), "other": _l("Other initiative"),
    "title": _l("Title"), "starts_at": _l("Starts at"), "rows": _l("Rows"), "told": _l("People told"),
    "role": _l("Role"), "changed": _l("Changed"), "file": _l("File"), "guest": _l("Guest"),
    "email": _l("E-mail address"),
}


def _decision_labels() -> Mapping:
    return {getattr(code, "value", code): label for code, label in DECISION_LABELS.items()}


# Details whose value is a code, shown in words: detail name -> callable returning {code: label}.
DETAIL_VALUE_LABELS: dict[str, Callable[[], Mapping]] = {"decision": _decision_labels}


def action_label(code: str) -> str:
    """The action in words, in the reader's language; an unknown code as itself."""
    label = ACTION_LABELS.get(code)
    return str(label) if label is not None else code


def action_choices() -> list[tuple[str, str]]:
    """Every action with a name, sorted by name in the reader's language."""
    return sorted(((code, str(label)) for code, label in ACTION_LABELS.items()), key=lambda c: c[1].casefold())


# -- objects ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ObjectRoute:
    """How to show one kind of object: its page, and what to load with it to build the address."""

    url: Callable[[Any], str | None]
    load: tuple[str, ...] = ()   # many-to-one relationships read in the same query (joined)


def _initiative_url(obj) -> str | None:
    kind = type(obj).__name__
    if kind == "Pledge":
        return f"/pledges/{obj.id}"
    if kind == "WorkItem":
        return f"/actiongroups/{obj.group.slug}/workplan/{obj.id}"
    if kind == "ExternalActivity":
        return f"/activities/{obj.id}"
    return None


ROUTES: dict[str, ObjectRoute] = {
    "User": ObjectRoute(lambda o: url_for("admin.users", q=o.email)),
    "Organisation": ObjectRoute(lambda o: f"/organisations/{o.id}"),
    "Pledge": ObjectRoute(_initiative_url),
    "ExternalActivity": ObjectRoute(_initiative_url),
    "WorkItem": ObjectRoute(_initiative_url, ("group",)),
    "ProgressReport": ObjectRoute(lambda o: f"/pledges/{o.pledge_id}/reports/{o.id}"),
    "Deliverable": ObjectRoute(lambda o: f"/pledges/{o.pledge_id}"),
    "ActionGroup": ObjectRoute(lambda o: f"/actiongroups/{o.slug}"),
    "Membership": ObjectRoute(lambda o: f"/actiongroups/{o.group.slug}/members", ("group",)),
    "Document": ObjectRoute(lambda o: f"/actiongroups/{o.group.slug}/documents/{o.id}", ("group",)),
    "Thread": ObjectRoute(lambda o: f"/actiongroups/{o.group.slug}/threads/{o.id}", ("group",)),
    "Forum": ObjectRoute(lambda o: f"/forums/{o.slug}"),
    "ForumSession": ObjectRoute(lambda o: f"/forums/{o.forum.slug}/sessions/{o.id}", ("forum",)),
    "Registration": ObjectRoute(lambda o: f"/forums/{o.forum.slug}/participants", ("forum",)),
    "Consultation": ObjectRoute(lambda o: f"/forums/consultations/{o.id}"),
    "Resource": ObjectRoute(lambda o: f"/library/{o.id}"),
    "ImportJob": ObjectRoute(lambda o: f"/admin/imports/{o.id}"),
}
# Objects that stand for two initiatives ("pledge:61 ~ pledge:62"): both sides are shown by name.
PAIRS = {"OverlapFlag", "InitiativeLink"}
INITIATIVE_MODELS = {"pledge": "Pledge", "work_item": "WorkItem", "external_activity": "ExternalActivity"}


@dataclass(frozen=True)
class Ref:
    """An object as the log shows it: its name, and its page (None: gone, or no page to link to)."""

    text: str
    url: str | None = None


@dataclass
class Row:
    entry: AuditEntry
    action: str
    object: Ref
    sides: list[Ref] = field(default_factory=list)             # the two initiatives of a pair
    details: list[tuple[str, str, Ref | None]] = field(default_factory=list)  # (label, text, initiative)


def _model(class_name: str):
    """The mapped class of this name, or None (a model renamed or removed since)."""
    for mapper in db.Model.registry.mappers:
        if mapper.class_.__name__ == class_name:
            return mapper.class_
    return None


def _name_of(obj, fallback: str) -> str:
    for attribute in ("title", "full_name", "name", "file_name"):
        value = getattr(obj, attribute, None)
        if isinstance(value, str) and value.strip():
            return value
    return fallback


def load_objects(wanted: Mapping[str, Iterable[int]]) -> dict[tuple[str, int], Any]:
    """The objects still there among ``{class name: ids}``, one query per class (with what their address
    needs), by (class name, id)."""
    found: dict[tuple[str, int], Any] = {}
    for class_name, ids in wanted.items():
        model = _model(class_name)
        ids = sorted({i for i in ids if i is not None})
        if model is None or not ids:
            continue
        route = ROUTES.get(class_name)
        options = [so.joinedload(getattr(model, name)) for name in (route.load if route else ())]
        for start in range(0, len(ids), 900):  # under every database's bind-parameter limit
            for obj in db.session.scalars(sa.select(model).where(model.id.in_(ids[start:start + 900]))
                                          .options(*options)):
                found[class_name, obj.id] = obj
    return found


def _initiative_key(value) -> tuple[str, int] | None:
    """``"pledge:61"`` -> ("Pledge", 61); None for anything else."""
    if not isinstance(value, str):
        return None
    kind, sep, pk = value.partition(":")
    number = id_number(pk) if sep and pk.isdigit() else None
    return (INITIATIVE_MODELS[kind], number) if kind in INITIATIVE_MODELS and number else None


def _ref(obj, fallback: str) -> Ref:
    if obj is None:
        return Ref(fallback)
    route = ROUTES.get(type(obj).__name__)
    return Ref(_name_of(obj, fallback), route.url(obj) if route else None)


def _sides(entry: AuditEntry) -> list[str]:
    """The two initiative ids of a pair's entry, from the label it kept ("pledge:61 ~ pledge:62 (same)"):
    a pair's sides never change, so the pair itself need not be read."""
    return [part.strip().split(" ")[0] for part in entry.object_label.split("~")][:2]


def rows_of(entries: list[AuditEntry]) -> list[Row]:
    """The entries of a page in words and links: one query per kind of object named, whether as an entry's
    object, a side of a pair or an initiative in the details ("reference": "pledge:61")."""
    wanted: dict[str, set[int]] = {}
    for entry in entries:
        if entry.object_type in PAIRS:
            names = _sides(entry)
        else:
            names = []
            if entry.object_id is not None:
                wanted.setdefault(entry.object_type, set()).add(entry.object_id)
        names += list((entry.detail or {}).values())
        for key in filter(None, map(_initiative_key, names)):
            wanted.setdefault(key[0], set()).add(key[1])
    objects = load_objects(wanted)

    def initiative(value) -> Ref | None:
        key = _initiative_key(value)
        return _ref(objects.get(key), value) if key else None

    rows = []
    for entry in entries:
        if entry.object_type in PAIRS:
            row = Row(entry=entry, action=action_label(entry.action), object=Ref(""),
                      sides=[initiative(side) or Ref(side) for side in _sides(entry)])
            if entry.object_type == "OverlapFlag" and entry.object_id:  # flags are never deleted
                row.object = Ref(_("Overlap review"), f"/overlaps/review/{entry.object_id}")
        else:
            obj = objects.get((entry.object_type, entry.object_id))
            row = Row(entry=entry, action=action_label(entry.action), object=_ref(obj, entry.object_label))
        for name, value in (entry.detail or {}).items():
            if value in ("", None):
                continue
            label = str(DETAIL_LABELS.get(name, name))
            words = DETAIL_VALUE_LABELS[name]().get(value) if name in DETAIL_VALUE_LABELS else None
            row.details.append((label, str(words if words is not None else value), initiative(value)))
        rows.append(row)
    return rows


# -- filters ---------------------------------------------------------------------------------------------
@dataclass
class AuditFilters:
    """The filters of the log, read from the query string; bad dates leave an error by their field."""

    actor_id: int | None = None
    action: str = ""
    since: date | None = None
    until: date | None = None
    raw: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_args(cls, args) -> AuditFilters:
        raw = {name: (args.get(name) or "").strip()[:60] for name in ("actor", "action", "since", "until")}
        filters = cls(actor_id=id_number(raw["actor"]), raw=raw)
        # An exact code, or the start of one ("user." for every action on people).
        filters.action = raw["action"]
        for name in ("since", "until"):
            if raw[name]:
                day = parse_date(raw[name])
                if day is None:
                    filters.errors[name] = _("Give a date as YYYY-MM-DD, for example 2026-03-31.")
                setattr(filters, name, day)
        if filters.since and filters.until and filters.until < filters.since:
            filters.errors["until"] = _("The end date is before the start date.")
            filters.until = None
        return filters

    @property
    def is_filtered(self) -> bool:
        return bool(self.actor_id or self.action or self.since or self.until)

    def args(self, **changes) -> dict[str, str]:
        """The query string of these filters (for the pager's links)."""
        values = {"actor": str(self.actor_id or ""), "action": self.action,
                  "since": self.since.isoformat() if self.since else "",
                  "until": self.until.isoformat() if self.until else ""}
        values.update(changes)
        return {k: v for k, v in values.items() if v}

    def query(self) -> sa.Select:
        """The entries these filters keep, newest first, with their actors."""
        query = sa.select(AuditEntry).options(so.joinedload(AuditEntry.actor))
        if self.actor_id:
            query = query.where(AuditEntry.actor_id == self.actor_id)
        if self.action:
            if self.action in ACTION_LABELS:
                query = query.where(AuditEntry.action == self.action)
            else:
                query = query.where(AuditEntry.action.like(like_pattern(self.action)[1:], escape="\\"))
        # Days are the reader's days: from the start of ``since`` to the end of ``until`` in their zone.
        zone = get_timezone()
        if self.since:
            query = query.where(AuditEntry.created_at >= _start_of(self.since, zone))
        if self.until:
            query = query.where(AuditEntry.created_at < _start_of(self.until + timedelta(days=1), zone))
        return query.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())


def _start_of(day: date, zone) -> datetime:
    local = datetime.combine(day, time.min)
    local = zone.localize(local) if hasattr(zone, "localize") else local.replace(tzinfo=zone)
    return local.astimezone(timezone.utc)


def actor_choices() -> list[tuple[str, str]]:
    """The people who appear in the log, each with their organisation (two people may share a name)."""
    query = (sa.select(User.id, User.full_name, Organisation.name)
             .outerjoin(Organisation, Organisation.id == User.organisation_id)
             .where(User.id.in_(sa.select(AuditEntry.actor_id).where(AuditEntry.actor_id.is_not(None))))
             .order_by(User.full_name, User.id))
    return [(str(uid), f"{name} ({org})" if org else name) for uid, name, org in db.session.execute(query)]
