"""Every kind of initiative the detector compares, behind one set of functions: ids, loading, who may
see one, who owns one, and how to show one.

Kinds: ``external_activity`` (imported from IATI or CSV, this package's own) and those the features
register from their gateway.py (:func:`register_kind`): ``pledge`` (app/commitments) and ``work_item``
(the action groups' work plans). An initiative id is ``"<kind>:<primary key>"``. Each model gives its
own :class:`app.dedup.Initiative` through ``to_initiative()`` and says whether the index holds it through
``is_compared``.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.members.models import Organisation, User
from app.overlaps.models import NOT_COMPARED_STATUSES, ExternalActivity, activity_initiative
from app.policy import is_partner, is_secretariat, is_signed_in
from app.utils import whole_number



@dataclass(frozen=True)
class InitiativeKind:
    """A kind of initiative the detector compares, as the feature that owns it describes it.

    :param compared: () -> which rows of the model the detector's index holds.
    :param load_options: (light) -> eager loads; ``light`` leaves out the long texts and what only owners need
        (lists of matches show titles, organisations and places, not descriptions).
    :param stream_options: eager loads when the whole index is (re)built.
    :param can_see: (viewer, object) -> the same rule as the feature's own pages, without a query per object.
    :param url: (object) -> its page.
    :param card: (object, full) -> how to show it (see :func:`card`).
    :param owners: (object) -> the people to tell about it, best first (None and repeats are dropped).
    :param group_id: (object) -> the action group it belongs to (conveners review the pairs involving it).
    :param active: (viewer, naming) -> a SELECT of its active rows the viewer may see, shaped (kind, id, title,
        countries, is_global, areas, organisation), ``naming(column)`` the condition on a list of places;
        None if the viewer sees none (the gap view).
    :param draft: (form, organisation_id, initiative_id) -> what someone types in its form, as an
        :class:`app.dedup.Initiative`; None if it has no form the panel reads.
    """

    name: str
    label: Any
    model: Any
    compared: Callable[[], sa.ColumnElement[bool]]
    load_options: Callable[[bool], list]
    can_see: Callable[[Viewer, Any], bool]
    url: Callable[[Any], str]
    card: Callable[[Any, bool], Card]
    owners: Callable[[Any], list] = lambda obj: []
    group_id: Callable[[Any], int | None] = lambda obj: None
    active: Callable[[Viewer, Callable], sa.Select | None] | None = None
    draft: Callable[..., Any] | None = None
    stream_options: tuple = ()
    order: int = 0


# Registered kinds by name, in ``order``; their labels and models by name (the same order).
KINDS: dict[str, InitiativeKind] = {}
KIND_LABELS: dict[str, Any] = {}
MODELS: dict[str, Any] = {}


def register_kind(kind: InitiativeKind) -> None:
    """Have the detector compare a kind of initiative (idempotent: registering the same name again replaces
    it)."""
    KINDS[kind.name] = kind
    ordered = sorted(KINDS.values(), key=lambda k: (k.order, k.name))
    for registry, value in ((KINDS, lambda k: k), (KIND_LABELS, lambda k: k.label), (MODELS, lambda k: k.model)):
        registry.clear()
        registry.update((k.name, value(k)) for k in ordered)


def kind_of(obj) -> InitiativeKind | None:
    """The registered kind of an initiative's model object."""
    return next((kind for kind in KINDS.values() if isinstance(obj, kind.model)), None)


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


def _activity_options(light: bool) -> list:
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
            query = sa.select(model).where(model.id.in_(chunk)).options(*KINDS[kind].load_options(light))
            for obj in session.scalars(query):
                found[obj.initiative_id] = obj
    return found


def load_one(initiative_id: str) -> object | None:
    return load([initiative_id]).get(initiative_id)


def compared_where(kind: str) -> sa.ColumnElement[bool]:
    """Which rows of one kind the detector's index holds."""
    return KINDS[kind].compared()


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
                query = (sa.select(model).where(*where).order_by(model.id).limit(batch)
                         .options(*KINDS[kind].stream_options))
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
        if is_signed_in(user) and GROUP_ROLES:
            for group_id, is_convener in GROUP_ROLES[0](user):
                viewer.member_groups.add(group_id)
                if is_convener:
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
        kind = kind_of(obj)
        return kind is not None and kind.can_see(self, obj)


# (user) -> the (group id, is convener) pairs of the groups the user belongs to: one query, given by the
# action groups' gateway (set_group_roles); without it a viewer belongs to no group.
GROUP_ROLES: list[Callable[[Any], Iterable[tuple[int, bool]]]] = []


def set_group_roles(source: Callable[[Any], Iterable[tuple[int, bool]]]) -> None:
    GROUP_ROLES[:] = [source]


def convened_group_ids(user) -> set[int]:
    """The action groups ``user`` convenes (one query)."""
    if not is_signed_in(user) or not GROUP_ROLES:
        return set()
    return {group_id for group_id, is_convener in GROUP_ROLES[0](user) if is_convener}


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
    return kind_of(obj).url(obj)


def card(obj, *, full: bool = True) -> Card:
    """How to show an initiative; ``full=False`` for lists (no description, which a light load skips, and
    no state or source, which lists do not show)."""
    return kind_of(obj).card(obj, full)


def _activity_card(obj: ExternalActivity, full: bool) -> Card:
    return Card(id=obj.initiative_id, kind="external_activity", title=obj.title, url=url_of(obj),
                organisation=obj.organisation_name, organisation_url=None,
                description=(obj.description or "") if full else "",
                countries=tuple(obj.countries or ()), is_global=False, start=obj.start_date, end=obj.end_date,
                areas=tuple(obj.areas or ()), target_groups=tuple(obj.target_groups or ()),
                state=obj.status_label if full else "", source=obj.source_label if full else "")


def group_id_of(obj) -> int | None:
    """The action group a work item belongs to (conveners review the pairs involving their items)."""
    return kind_of(obj).group_id(obj)


# -- who owns one ----------------------------------------------------------------------------------------
def owners(obj) -> list[User]:
    """The people to tell about an initiative: a pledge's coordinating focal point and its author; a work
    item's person responsible and its author, else the group's conveners. Imported activities have none."""
    kind = kind_of(obj)
    people: list[User | None] = list(kind.owners(obj)) if kind is not None else []
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


register_kind(InitiativeKind(
    "external_activity", _l("External activity"), ExternalActivity,
    compared=lambda: ExternalActivity.status.not_in(NOT_COMPARED_STATUSES), load_options=_activity_options,
    can_see=lambda viewer, obj: True, url=lambda obj: f"/activities/{obj.id}", card=_activity_card, order=30))
