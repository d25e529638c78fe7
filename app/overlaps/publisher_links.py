"""Links that publishers made themselves between two imported activities, as an overlap reason.

IATI publishers say which activity funded theirs (a transaction's ``provider-activity-id``), which one
received their money (``receiver-activity-id``), a participating organisation's own record of the work
(``participating-org/@activity-id``), and how their activities hang together (``related-activity``).
The importer keeps these links (:class:`~app.overlaps.models.ActivityLink`); this module reads them in
both directions once both sides are imported, and turns each linked pair into the reason
:data:`LINKED_BY_PUBLISHERS`, shown first:

* a funding, implementing, participating, co-funded or third-party link says the **same work** is
  reported twice (by the funder and by the implementer, or by two organisations): the pair is a likely
  duplicate, whatever the texts say;
* a parent, child or sibling link says the work is **related** (a part of a larger programme, or two
  parts of one): the pair is never a likely duplicate, and a hierarchy link wins over a funding one
  (a programme that funds its own components is one programme, not the same work twice).

The links are never given to the detector as text or structure (they are its labels in the benchmarks).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.dedup import Match, Overlaps, Reason, Tier
from app.extensions import db
from app.overlaps.models import NOT_COMPARED_STATUSES, ActivityLink, ActivityLinkKind, ExternalActivity

# The reason code (app/dedup's codes are the detector's; this one is the overlap services'). Its one
# parameter is what the other activity is to the one asked about (an ActivityLinkKind value).
LINKED_BY_PUBLISHERS = "linked_by_publishers"

K = ActivityLinkKind
HIERARCHY = frozenset({K.parent.value, K.child.value, K.sibling.value})
SAME_WORK = frozenset(k.value for k in K) - HIERARCHY
# The strongest first: a hierarchy decides the pair's nature (see the module docstring); then what
# names the money, then the rest.
PRIORITY = (K.parent, K.child, K.sibling, K.funding, K.implementing, K.third_party, K.co_funded, K.participating)
_RANK = {kind.value: n for n, kind in enumerate(PRIORITY)}
# What the other activity is to this one, when it is the other's publisher who made the link.
FLIPPED = {K.funding.value: K.implementing.value, K.implementing.value: K.funding.value,
           K.parent.value: K.child.value, K.child.value: K.parent.value}

EXTERNAL = "external_activity"


@dataclass(frozen=True)
class PublisherLink:
    """The links between one activity and another, as seen from the first: ``kinds`` (what the other
    is to it), strongest first; ``same_publisher``: both activities have the same reporting organisation."""

    other_id: str
    kinds: tuple[str, ...]
    same_publisher: bool = False

    @property
    def kind(self) -> str:
        return self.kinds[0]

    @property
    def is_same_work(self) -> bool:
        return self.kind in SAME_WORK

    @property
    def reason(self) -> Reason:
        return Reason(LINKED_BY_PUBLISHERS, (self.kind,))

    @property
    def is_flagged(self) -> bool:
        """Whether the link alone puts the pair in the review queue: the same work reported twice, or a
        parent and child published by different organisations. Siblings, and a publisher's own
        hierarchy, are its own structure: shown on the activities' pages, never queued for review."""
        return self.is_same_work or (self.kind in (K.parent.value, K.child.value) and not self.same_publisher)


def flip_kind(kind: str) -> str:
    """What the other activity is to this one, from what this one is to the other."""
    return FLIPPED.get(kind, kind)


def strongest_first(kinds: Iterable[str]) -> tuple[str, ...]:
    """Link kinds, each once, in :data:`PRIORITY` order."""
    return tuple(sorted(set(kinds), key=_RANK.__getitem__))


def _activity_pk(initiative_id: str | None) -> int | None:
    kind, _, pk = (initiative_id or "").partition(":")
    return int(pk) if kind == EXTERNAL and pk.isdigit() else None


def links_of(initiative_id: str | None, *, compared_only: bool = True) -> dict[str, PublisherLink]:
    """The activities linked to this one by either publisher, once both are imported, by initiative id
    (two indexed queries; none for other kinds of initiative).

    :param compared_only: leave out linked activities the detector does not compare (cancelled).
    """
    pk = _activity_pk(initiative_id)
    if pk is None:
        return {}
    me = db.session.execute(sa.select(ExternalActivity.identifier, ExternalActivity.reporting_org_ref)
                            .where(ExternalActivity.id == pk)).first()
    if me is None:
        return {}
    other = so.aliased(ExternalActivity)
    columns = (other.id, other.reporting_org_ref, other.status, ActivityLink.kind)
    made_here = (sa.select(*columns).join(other, other.identifier == ActivityLink.other_identifier)
                 .where(ActivityLink.activity_id == pk))
    made_there = (sa.select(*columns).join(other, other.id == ActivityLink.activity_id)
                  .where(ActivityLink.other_identifier == me.identifier))
    kinds: dict[int, set[str]] = {}
    publishers: dict[int, str] = {}
    for query, by_other in ((made_here, False), (made_there, True)):
        for other_pk, publisher, status, kind in db.session.execute(query):
            if other_pk == pk or (compared_only and status in NOT_COMPARED_STATUSES):
                continue
            kind = getattr(kind, "value", kind)
            kinds.setdefault(other_pk, set()).add(flip_kind(kind) if by_other else kind)
            publishers[other_pk] = publisher or ""
    return {f"{EXTERNAL}:{o}": PublisherLink(
        f"{EXTERNAL}:{o}", strongest_first(found),
        same_publisher=bool(me.reporting_org_ref) and publishers[o] == me.reporting_org_ref)
        for o, found in kinds.items()}


def linked_match(match: Match, link: PublisherLink) -> Match:
    """The detector's match with the publishers' link: its reason first; a likely duplicate when the
    link says the same work, at most (and at least) a possible overlap when it says related work."""
    tier = Tier.LIKELY if link.is_same_work else Tier.POSSIBLE
    reasons = (link.reason, *(r for r in match.reasons if r.code != LINKED_BY_PUBLISHERS))
    return replace(match, tier=tier, reasons=reasons)


def with_links(detector, draft, found: Iterable[Match], *, links: dict[str, PublisherLink] | None = None,
               flagged_only: bool = False) -> Overlaps:
    """The detector's matches of ``draft`` with the publishers' links added: linked matches carry the
    reason, linked activities the detector did not find are compared and added; the same work reported
    twice comes first, then the rest by tier (in the detector's order within a tier, the added last).

    Siblings are only marked when the detector found them (an activity may have dozens). With
    ``flagged_only``, only links that put a pair in the review queue are added (:attr:`is_flagged`).

    :param links: :func:`links_of` the draft, when the caller already has them.
    """
    notes = getattr(found, "notes", ())
    found = list(found)
    links = links_of(getattr(draft, "id", None)) if links is None else links
    if not links:
        return Overlaps(found, notes=notes)
    out, seen = [], set()
    for match in found:
        seen.add(match.id)
        link = links.get(match.id)
        out.append(linked_match(match, link) if link is not None else match)
    missing = [link for other_id, link in links.items() if other_id not in seen
               and (link.is_flagged if flagged_only else link.kind != K.sibling.value)]
    if missing:
        from app.overlaps import initiatives

        objects = initiatives.load(link.other_id for link in missing)
        for link in missing:
            other = objects.get(link.other_id)
            if other is None:
                continue
            try:
                match = detector.compare(draft, other.to_initiative())
            except KeyError:  # the detector does not know one side: it says so on the pair's page
                continue
            out.append(linked_match(replace(match, id=link.other_id), link))
    out.sort(key=lambda m: (not _is_same_work(m), -m.tier.rank))  # stable: the detector's order within
    return Overlaps(out, notes=notes)


def _is_same_work(match: Match) -> bool:
    first = match.reasons[0] if match.reasons else None
    return bool(first and first.code == LINKED_BY_PUBLISHERS and first.params and first.params[0] in SAME_WORK)


def link_of_match(match: Match) -> str | None:
    """The link kind a match carries (see :func:`linked_match`), or None."""
    reason = match.reason(LINKED_BY_PUBLISHERS)
    return reason.params[0] if reason is not None and reason.params else None
