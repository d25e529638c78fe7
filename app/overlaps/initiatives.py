"""Every kind of initiative the detector compares, behind one set of functions: ids, loading, who may
see one, who owns one, and how to show one.

Kinds: ``pledge`` (app/commitments), ``work_item`` (the action groups' work plans) and
``external_activity`` (imported from IATI or CSV). An initiative id is ``"<kind>:<primary key>"``.
Each model gives its own :class:`app.dedup.Initiative` through ``to_initiative()`` and says whether
the index holds it through ``is_compared``.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from app.actiongroups.models import ActionGroup, GroupRole, Membership, Visibility
from app.actiongroups.workplan.models import WorkItem, WorkItemStatus
from app.commitments.models import COMPARED_STATES, Pledge
from app.extensions import db
from app.members.models import Organisation, User
from app.overlaps.models import NOT_COMPARED_STATUSES, ExternalActivity, activity_initiative
from app.policy import is_partner, is_secretariat, is_signed_in
from app.utils import whole_number

KINDS = ("pledge", "work_item", "external_activity")
KIND_LABELS = {
    "pledge": _l("Pledge"),
    "work_item": _l("Action group work item"),
    "external_activity": _l("External activity"),
}
MODELS = {"pledge": Pledge, "work_item": WorkItem, "external_activity": ExternalActivity}


def kind_label(kind: str, label=str) -> str:
    return label(KIND_LABELS.get(kind, kind))


def parse_id(initiative_id: str) -> tuple[str, int]:
    """``"pledge:12"`` → ``("pledge", 12)``.

    :raises ValueError: not an initiative id of a known kind.
    """
    kind, _sep, pk = str(initiative_id or "").partition(":")
    number = whole_number(pk, high=10**12 - 1) if pk == pk.strip() else None
    if kind not in KINDS or number is None:
        raise ValueError(f"not an initiative id: {initiative_id!r}")
    return kind, number


def is_initiative_id(value: str) -> bool:
    try:
        parse_id(value)
    except ValueError:
        return False
    return True


def _options(kind: str, light: bool) -> list:
    """Eager loads for each kind; ``light`` leaves out the long texts and what only owners need (lists of
    matches show titles, organisations and places, not descriptions)."""
    if kind == "pledge":
        options = [so.joinedload(Pledge.organisation), so.selectinload(Pledge.partners)]
        if light:
            return [*options, so.defer(Pledge.description), so.defer(Pledge.contribution),
                    so.defer(Pledge.resources_in_kind), so.defer(Pledge.search_text), so.defer(Pledge.review_comment)]
        return [*options, so.joinedload(Pledge.coordinator)]
    if kind == "work_item":
        options = [so.joinedload(WorkItem.group), so.joinedload(WorkItem.lead_organisation)]
        return [*options, so.defer(WorkItem.description)] if light else [*options, so.joinedload(WorkItem.responsible)]
    if light:
        return [so.defer(ExternalActivity.description), so.defer(ExternalActivity.participating_orgs),
                so.defer(ExternalActivity.contact), so.defer(ExternalActivity.regions),
                so.defer(ExternalActivity.sdg_targets), so.defer(ExternalActivity.content_hash)]
    return []


def load(ids: Iterable[str], session: so.Session | None = None, *, light: bool = False) -> dict[str, object]:
    """The models of these initiative ids that exist (one query per kind present), by id.

    :param light: for lists (cards without descriptions): the long columns are not read.
    """
    session = session or db.session
    wanted: dict[str, list[int]] = {}
    for initiative_id in dict.fromkeys(ids):
        try:
            kind, pk = parse_id(initiative_id)
        except ValueError:
            continue
        wanted.setdefault(kind, []).append(pk)
    found: dict[str, object] = {}
    for kind, pks in wanted.items():
        model = MODELS[kind]
        for start in range(0, len(pks), 900):  # under every database's bind-parameter limit
            chunk = pks[start:start + 900]
            query = sa.select(model).where(model.id.in_(chunk)).options(*_options(kind, light))
            for obj in session.scalars(query):
                found[obj.initiative_id] = obj
    return found


def load_one(initiative_id: str) -> object | None:
    return load([initiative_id]).get(initiative_id)


def compared_where(kind: str) -> sa.ColumnElement[bool]:
    """Which rows of one kind the detector's index holds."""
    if kind == "pledge":
        return Pledge.state.in_(COMPARED_STATES)
    if kind == "work_item":
        return WorkItem.status != WorkItemStatus.dropped
    return ExternalActivity.status.not_in(NOT_COMPARED_STATUSES)


def iter_compared(session: so.Session, batch: int = 1000) -> Iterator:
    """Every initiative the index holds, as :class:`app.dedup.Initiative`, streamed in batches."""
    for kind in KINDS:
        model = MODELS[kind]
        last = 0
        while True:  # keyset pagination: constant memory, no long-lived cursor
            where = (compared_where(kind), model.id > last)
            if kind == "external_activity":  # by far the most numerous: the compared columns, not objects
                rows = session.execute(sa.select(*ExternalActivity.initiative_columns()).where(*where)
                                       .order_by(model.id).limit(batch)).all()
                found = [activity_initiative(row) for row in rows]
            else:
                query = sa.select(model).where(*where).order_by(model.id).limit(batch)
                if kind == "pledge":
                    query = query.options(so.selectinload(Pledge.partners))
                rows = session.scalars(query).all()
                found = [row.to_initiative() for row in rows]
            if not rows:
                break
            yield from found
            last = rows[-1].id


def count_compared(session: so.Session) -> int:
    return sum(session.scalar(sa.select(sa.func.count(MODELS[kind].id)).where(compared_where(kind))) or 0
               for kind in KINDS)


# -- who may see one -------------------------------------------------------------------------------------
@dataclass
class Viewer:
    """What visibility rules need about the person looking, loaded once (one query for their groups)."""

    user: object | None
    member_groups: set[int] = field(default_factory=set)
    convened_groups: set[int] = field(default_factory=set)

    @classmethod
    def of(cls, user) -> Viewer:
        viewer = cls(user)
        if is_signed_in(user):
            for group_id, role, archived in db.session.execute(
                    sa.select(Membership.group_id, Membership.role, ActionGroup.is_archived)
                    .join(ActionGroup, ActionGroup.id == Membership.group_id).where(Membership.user_id == user.id)):
                viewer.member_groups.add(group_id)
                # ActionGroup.is_convened_by, preloaded: an archived group has no one convening it.
                if role is GroupRole.convener and not archived and is_partner(user):
                    viewer.convened_groups.add(group_id)
        return viewer

    @property
    def is_partner(self) -> bool:
        return is_partner(self.user)

    @property
    def is_secretariat(self) -> bool:
        return is_secretariat(self.user)

    def can_see(self, obj) -> bool:
        """The same rules as each feature's pages (``Pledge.can_view``, ``ActionGroup.can_view_workspace``),
        without a query per object."""
        if isinstance(obj, Pledge):
            if obj.is_public:
                return True
            if not self.is_partner:
                return False
            return self.is_secretariat or self.user.organisation_id in {obj.organisation_id, *obj.partner_ids}
        if isinstance(obj, WorkItem):
            if self.is_secretariat:
                return True
            if not self.is_partner:
                return False
            return obj.group_id in self.member_groups or obj.group.visibility is Visibility.partners
        if isinstance(obj, ExternalActivity):
            return True
        return False


# -- how to show one -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Card:
    """What every view of an initiative shows, whatever its kind."""

    id: str
    kind: str
    title: str
    url: str
    organisation: str
    organisation_url: str | None
    description: str
    countries: tuple[str, ...]
    is_global: bool
    start: date | None
    end: date | None
    areas: tuple[str, ...]
    target_groups: tuple[str, ...]
    state: str
    source: str = ""

    @property
    def kind_label(self) -> str:
        return kind_label(self.kind)


def url_of(obj) -> str:
    if isinstance(obj, Pledge):
        return f"/pledges/{obj.id}"
    if isinstance(obj, WorkItem):
        return f"/actiongroups/{obj.group.slug}/workplan/{obj.id}"
    return f"/activities/{obj.id}"


def card(obj, *, full: bool = True) -> Card:
    """How to show an initiative; ``full=False`` for lists (no description, which a light load skips, and
    no state or source, which lists do not show)."""
    if isinstance(obj, Pledge):
        return Card(id=obj.initiative_id, kind="pledge", title=obj.title, url=url_of(obj),
                    organisation=obj.organisation.name, organisation_url=f"/organisations/{obj.organisation_id}",
                    description=(obj.description or "") if full else "", countries=tuple(obj.countries or ()),
                    is_global=obj.is_global, start=obj.start_date, end=obj.end_date, areas=tuple(obj.areas or ()),
                    target_groups=tuple(obj.target_groups or ()), state=obj.state_label if full else "")
    if isinstance(obj, WorkItem):
        org = obj.lead_organisation
        return Card(id=obj.initiative_id, kind="work_item", title=obj.title, url=url_of(obj),
                    organisation=org.name if org else obj.group.name,
                    organisation_url=f"/organisations/{org.id}" if org else f"/actiongroups/{obj.group.slug}",
                    description=(obj.description or "") if full else "", countries=tuple(obj.countries or ()),
                    is_global=False,
                    start=obj.start_date, end=obj.due_date, areas=tuple(obj.areas or ()), target_groups=(),
                    state=obj.status_label if full else "", source=obj.group.name)
    return Card(id=obj.initiative_id, kind="external_activity", title=obj.title, url=url_of(obj),
                organisation=obj.organisation_name, organisation_url=None,
                description=(obj.description or "") if full else "",
                countries=tuple(obj.countries or ()), is_global=False, start=obj.start_date, end=obj.end_date,
                areas=tuple(obj.areas or ()), target_groups=tuple(obj.target_groups or ()),
                state=obj.status_label if full else "", source=obj.source_label if full else "")


def group_id_of(obj) -> int | None:
    """The action group a work item belongs to (conveners review the pairs involving their items)."""
    return obj.group_id if isinstance(obj, WorkItem) else None


# -- who owns one ----------------------------------------------------------------------------------------
def owners(obj) -> list[User]:
    """The people to tell about an initiative: a pledge's coordinating focal point and its author; a work
    item's person responsible and its author, else the group's conveners. Imported activities have none."""
    people: list[User | None] = []
    if isinstance(obj, Pledge):
        people = [obj.coordinator, obj.created_by]
    elif isinstance(obj, WorkItem):
        people = [obj.responsible, obj.created_by]
        if not any(people):
            people = list(db.session.scalars(sa.select(User).join(Membership, Membership.user_id == User.id).where(
                Membership.group_id == obj.group_id, Membership.role == GroupRole.convener).order_by(User.id)))
    seen: dict[int, User] = {}
    for person in people:
        if person is not None and person.is_approved and person.id not in seen:
            seen[person.id] = person
    return list(seen.values())


def contact_of(obj) -> str:
    """Who to contact about an initiative, as one line: a name, an e-mail address, an organisation."""
    if isinstance(obj, ExternalActivity):
        info = obj.contact or {}
        parts = [info.get("person", ""), info.get("email", ""), info.get("organisation") or obj.organisation_name,
                 info.get("website", "")]
        return ", ".join(p for p in parts if p)
    people = owners(obj)
    if not people:
        return ""
    person = people[0]
    org = person.organisation.name if person.organisation is not None else ""
    return ", ".join(p for p in (person.full_name, person.email, org) if p)


def reply_address(obj):
    """Who a reply about an initiative should reach: its first owner (a User), the contact address an
    imported activity publishes, or None."""
    if isinstance(obj, ExternalActivity):
        email = str((obj.contact or {}).get("email") or "").strip()
        return email if "@" in email and not any(c in email for c in "\r\n,;<>\"") else None
    people = owners(obj)
    return people[0] if people else None


def organisation_names(keys: Iterable[str]) -> dict[str, str]:
    """Names of the detector's organisation keys (``org:<id>``; imported ones carry their own ref)."""
    ids = {whole_number(k[4:]) for k in keys if k.startswith("org:")} - {None}
    names = {}
    if ids:
        names = {f"org:{i}": n for i, n in db.session.execute(
            sa.select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids)))}
    for key in keys:
        if key not in names:
            names[key] = key.split(":", 1)[1] if ":" in key else key
    return names
