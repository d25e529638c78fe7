"""Overlap rules: the change log, the "possible overlaps" panel, each initiative's overlaps, flagged pairs
and the decisions on them, links between initiatives, and who is told what.

Services take explicit actors, flush but never commit, raise DomainError, and take ``now`` so tests fix
the clock. The detector is reached through :mod:`app.overlaps.index` (one per process, always fresh).

"Materially changed" (when a pair judged *distinct* is flagged again): a side changed materially since
the decision when its countries (after expanding regions), its global scope, its 8.7 areas, its target
groups or its organisations (lead and partners) differ; or its start or end date appeared, disappeared
or moved by more than :data:`DATE_SLACK_DAYS` days; or its title and description changed by more than
a fifth of their words (:data:`TEXT_SAME_RATIO`). Typo fixes, rewording, a date moved by a few weeks,
a new deliverable or indicator are not material. A materially changed pair is flagged again only if it
still scores above the line.
"""
from __future__ import annotations

import difflib
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from app import events
from app.audit import record
from app.dedup import Initiative, Match, Tier
from app.errors import DomainError, InvalidTransitionError, NotAllowedError
from app.extensions import db
from app.i18n import Translator
from app.notifications.services import notify
from app.overlaps import initiatives, publisher_links
from app.overlaps.index import detector as current_detector
from app.overlaps.initiatives import Card, Viewer, card, contact_of, kind_label, owners, reply_address, url_of
from app.overlaps.models import (
    DECISION_LABELS, ChangeOp, Decision, FlagStatus, InitiativeChange, InitiativeLink, LinkRelation,
    OverlapDecision, OverlapFlag, ReviewVisit,
)
from app.overlaps.reasons import (
    ReasonText, flip, from_stored, partner_keys, relation_label, render, render_all, tier_label, to_stored,
)
from app.policy import is_partner, is_secretariat
from app.sqltools import json_list_contains
from app.taxonomy import expand_regions
from app.utils import utcnow

logger = logging.getLogger(__name__)

PANEL_SIZE = 10          # matches shown in the panel and on an initiative's page
SCAN_SIZE = 20           # matches looked at when scanning an initiative for flags
OVERFETCH = 3            # ask the detector for more, since some may be hidden from the viewer
DATE_SLACK_DAYS = 90
TEXT_SAME_RATIO = 0.8
NOTE_MAX = 2000
MESSAGE_MAX = 1000
NEW_VISIT_AFTER = timedelta(minutes=30)  # a reviewer's "visit" to the queue ends after this long away


# -- the change log ---------------------------------------------------------------------------------------
def record_change(initiative_id: str, *, deleted: bool = False) -> InitiativeChange:
    """Add a line to the change log (in the caller's transaction). The time is the real clock's: it
    orders the log, whatever ``now`` the caller's domain uses."""
    initiatives.parse_id(initiative_id)
    row = InitiativeChange(initiative_id=initiative_id, op=ChangeOp.delete if deleted else ChangeOp.upsert,
                           created_at=utcnow())
    db.session.add(row)
    return row


SCAN = "overlaps.scan"          # outbox kind: look for the overlaps of one saved initiative (in the worker)


def initiative_saved(obj, *, now: datetime | None = None) -> None:
    """Call from a feature's service whenever an initiative is created, edited or changes state.

    Writes the change log (every worker's index sees it at its next query, once committed) and, unless
    ``OVERLAP_SCAN_ON_SAVE`` is off, has the worker look for overlaps with it (outbox kind ``overlaps.scan``),
    so the review queue shows them moments later (the nightly job looks again, and tells the owners of
    likely duplicates). No scan runs inside the request; the panel shown while typing is a query, apart.
    """
    db.session.flush()
    record_change(obj.initiative_id)
    if current_app.config.get("OVERLAP_SCAN_ON_SAVE", True):
        # One scan per initiative and transaction, however many times it was saved in it.
        events.emit(SCAN, {"initiative": obj.initiative_id, "now": now.isoformat() if now else None},
                    key=f"{SCAN}:{obj.initiative_id}:{events.transaction_tag()}")


@events.handler(SCAN)
def _scan_saved(payload: dict, event) -> None:
    """The worker's side of :func:`initiative_saved`: scan the initiative as it is now (gone: nothing to do).
    Idempotent: a scan updates the initiative's flags to what it finds."""
    obj = initiatives.load_one(payload["initiative"])
    if obj is not None:
        scan(obj, now=datetime.fromisoformat(payload["now"]) if payload.get("now") else None)


def initiative_deleted(initiative_id: str, *, now: datetime | None = None) -> None:
    """Call when an initiative is deleted: the index forgets it; its open flags are cleared, its
    decided flags and links are kept (their history stays)."""
    record_change(initiative_id, deleted=True)
    clear_flags_of(initiative_id, now=now or utcnow())


# -- what the panel and the pages show --------------------------------------------------------------------
@dataclass
class MatchView:
    """One match as a person sees it: the other initiative, the score, the tier and the reasons in words."""

    match: Match
    card: Card
    reasons: list[ReasonText]
    decision: Decision | None = None
    link: InitiativeLink | None = None
    tr: Translator | None = field(default=None, repr=False, compare=False)  # the panel's, for its labels

    @property
    def tier(self) -> str:
        return self.match.tier.value

    @property
    def _label(self):
        return self.tr.label if self.tr else str

    @property
    def tier_label(self) -> str:
        return tier_label(self.match.tier, self._label)

    @property
    def percent(self) -> int:
        return round(self.match.score * 100)

    @property
    def same_organisation(self) -> bool:
        return self.match.same_organisation

    @property
    def decision_label(self) -> str:
        return str(DECISION_LABELS[self.decision]) if self.decision else ""

    @property
    def relation_label(self) -> str:
        return relation_label(self.match.relation, self._label)

    def as_dict(self) -> dict:
        c = self.card
        return {
            "id": c.id, "kind": c.kind, "kind_label": kind_label(c.kind, self._label), "title": c.title, "url": c.url,
            "organisation": c.organisation, "organisation_url": c.organisation_url,
            "score": round(self.match.score, 3), "percent": self.percent, "tier": self.tier,
            "tier_label": self.tier_label, "relation": self.match.relation.value,
            "relation_label": self.relation_label, "same_organisation": self.same_organisation,
            "reasons": [r.as_dict() for r in self.reasons],
            "decision": self.decision.value if self.decision else None,
            "contact_url": f"/overlaps/contact/{c.id}",
        }


@dataclass
class Panel:
    """The answer to "what overlaps this?": ``status`` is "ok", or "warming" while the index is built."""

    status: str = "ok"
    matches: list[MatchView] = field(default_factory=list)
    notes: list[ReasonText] = field(default_factory=list)
    links: list[tuple[InitiativeLink, Card, bool]] = field(default_factory=list)  # link, other side, removable

    def as_dict(self) -> dict:
        return {"status": self.status, "count": len(self.matches), "matches": [m.as_dict() for m in self.matches],
                "notes": [n.as_dict() for n in self.notes]}


def check_draft(draft: Initiative, user, *, k: int = PANEL_SIZE) -> Panel:
    """The initiatives that overlap a draft (being typed, or about to be saved), best first, that ``user``
    may see; never the draft itself (same id). Empty drafts give no matches and a note."""
    detector = current_detector()
    if detector is None:
        return Panel(status="warming")
    viewer = Viewer.of(user)
    found, views = _visible_overlaps(detector, draft, viewer, k)
    panel = Panel(matches=views, notes=[render(n) for n in found.notes])
    if draft.id:
        _annotate(panel, draft.id, viewer)
    return panel


def _visible_overlaps(detector, draft: Initiative, viewer: Viewer, k: int):
    """The best ``k`` matches the viewer may see. Usually one question to the detector; when some of the
    best are hidden from the viewer (private drafts, members-only work plans), a second, wider one.

    Activities linked by their publishers come with that reason, first when they say the same work
    (:func:`app.overlaps.publisher_links.with_links`), even when the detector did not find them.

    # NEEDS-ENGINE: a filter in ``find_overlaps`` (ids allowed, or a predicate) would spare the second
    # question and the explanations of matches the viewer will not see.
    """
    links = publisher_links.links_of(draft.id)
    found = detector.find_overlaps(draft, k=k)
    views = visible_matches(publisher_links.with_links(detector, draft, found, links=links), viewer, k)
    if len(views) < len(found) and len(found) == k:
        found = detector.find_overlaps(draft, k=k * OVERFETCH)
        views = visible_matches(publisher_links.with_links(detector, draft, found, links=links), viewer, k)
    return found, views


def compare_before_saving(draft: Initiative, user, form, *, before: Initiative | None = None) -> Panel | None:
    """The compare step of the pledge and work item forms: the matches to show before saving, or None to save.

    None when the person already saw them: the compare step was shown (``overlaps_compared``), or the live
    panel showed every one of them (``overlaps_seen``: the ids of the matches it displayed, which its
    script keeps up to date; a panel that had not answered yet, or showed others, does not count). None too
    when an edit changed nothing material, or when nothing undecided and unlinked from another
    organisation overlaps the draft (the live panel shows the organisation's own related initiatives too;
    the compare step is about other partners' work). Never blocks: saving again saves.
    """
    if form.get("overlaps_compared"):
        return None
    if before is not None and not material_changes(material_fields(before), material_fields(draft)):
        return None
    panel = check_draft(draft, user)
    panel.matches = [m for m in panel.matches
                     if m.decision is None and m.link is None and not m.same_organisation]
    if panel.status != "ok" or not panel.matches:
        return None
    seen = set(str(form.get("overlaps_seen") or "").split()[:4 * PANEL_SIZE])
    if {m.card.id for m in panel.matches} <= seen:
        return None
    return panel


def initiative_overlaps(obj, user, *, k: int = PANEL_SIZE) -> Panel:
    """What an initiative's page shows: its overlaps (with reviewers' decisions), and its links."""
    detector = current_detector()
    viewer = Viewer.of(user)
    panel = Panel(status="ok" if detector is not None else "warming")
    if detector is not None:
        panel.matches = _visible_overlaps(detector, obj.to_initiative(), viewer, k)[1]
    _annotate(panel, obj.initiative_id, viewer, obj)
    return panel


def visible_matches(matches: Iterable[Match], viewer: Viewer, k: int) -> list[MatchView]:
    """Matches whose initiative exists and ``viewer`` may see, as MatchViews (one query per kind)."""
    matches = list(matches)
    objects = initiatives.load((m.id for m in matches), light=True)
    shown = [(m, objects[m.id]) for m in matches if m.id in objects and viewer.can_see(objects[m.id])][:k]
    keys = set().union(*(partner_keys(m.reasons) for m, _o in shown)) if shown else set()
    names = initiatives.organisation_names(keys) if keys else {}
    tr = Translator()
    return [MatchView(m, card(obj, full=False), render_all(m.reasons, org_names=names, tr=tr), tr=tr)
            for m, obj in shown]


def _annotate(panel: Panel, initiative_id: str, viewer: Viewer, obj=None) -> None:
    """Add reviewers' decisions to the matches, and the initiative's links (two queries, plus the linked)."""
    flags = {f.other(initiative_id): f for f in flags_of(initiative_id)}
    for view in panel.matches:
        flag = flags.get(view.card.id)
        if flag is not None and flag.status is FlagStatus.decided:
            view.decision = flag.decision
    links = links_of(initiative_id)
    if not links:
        return
    objects = initiatives.load((link.other(initiative_id) for link in links), light=True)
    user = viewer.user
    for link in links:
        other = objects.get(link.other(initiative_id))
        if other is None or not viewer.can_see(other):
            continue
        removable = bool(obj is not None and viewer.is_partner and (
            viewer.is_secretariat or (link.decision_id is None and (
                link.created_by_id == user.id or (hasattr(obj, "can_edit") and obj.can_edit(user))))))
        panel.links.append((link, card(other, full=False), removable))
    by_other = {c.id: link for link, c, _r in panel.links}
    for view in panel.matches:
        view.link = by_other.get(view.card.id)


def flags_of(initiative_id: str) -> list[OverlapFlag]:
    return list(db.session.scalars(sa.select(OverlapFlag).where(
        sa.or_(OverlapFlag.a_id == initiative_id, OverlapFlag.b_id == initiative_id))))


def links_of(initiative_id: str) -> list[InitiativeLink]:
    return list(db.session.scalars(sa.select(InitiativeLink).where(
        sa.or_(InitiativeLink.a_id == initiative_id, InitiativeLink.b_id == initiative_id),
        InitiativeLink.removed_at.is_(None)).order_by(InitiativeLink.created_at, InitiativeLink.id)))


# -- scanning for flags ------------------------------------------------------------------------------------
def _pair(x: str, y: str) -> tuple[str, str]:
    return (x, y) if x < y else (y, x)


def material_fields(initiative: Initiative) -> dict:
    """What a decision rests on, for one side (stored with the decision; see the module docstring)."""
    places = [c for c in initiative.countries if c != "global"]
    return {
        "countries": sorted(set(expand_regions(places))),
        "global": "global" in initiative.countries,
        "themes": sorted(set(initiative.themes)),
        "target_groups": sorted(set(initiative.target_groups)),
        "orgs": sorted({o for o in (initiative.lead_org, *initiative.partner_orgs) if o}),
        "start": initiative.start.isoformat() if initiative.start else None,
        "end": initiative.end.isoformat() if initiative.end else None,
        "text": f"{initiative.title}\n{initiative.description}"[:4000],
    }


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", (text or "").casefold())


def material_changes(before: dict | None, after: dict) -> list[str]:
    """The fields of one side that changed materially between two :func:`material_fields`."""
    if not before:
        return []
    changed = [name for name in ("countries", "global", "themes", "target_groups", "orgs")
               if before.get(name) != after.get(name)]
    for name in ("start", "end"):
        old, new = before.get(name), after.get(name)
        if (old is None) != (new is None):
            changed.append(name)
        elif old and new and abs((date.fromisoformat(old) - date.fromisoformat(new)).days) > DATE_SLACK_DAYS:
            changed.append(name)
    if difflib.SequenceMatcher(None, _words(before.get("text", "")), _words(after.get("text", "")),
                               autojunk=False).ratio() < TEXT_SAME_RATIO:
        changed.append("text")
    return changed


def scan(obj, *, now: datetime | None = None, detector=None) -> list[OverlapFlag]:
    """Flag the pairs ``obj`` forms with the initiatives above the line; clear its open flags that are not
    any more. Pairs of two imported activities are not flagged (no one in the Hub can act on them), unless
    their publishers linked them as the same work, or as parent and child across two publishers
    (:attr:`app.overlaps.publisher_links.PublisherLink.is_flagged`): the secretariat reviews those.

    :return: the flags found above the line (new, updated or reopened).
    """
    now = now or utcnow()
    me = obj.initiative_id
    existing = {f.other(me): f for f in flags_of(me)}
    found: dict[str, Match] = {}
    mine = None
    if obj.is_compared:
        detector = detector or current_detector()
        if detector is None:
            return []  # the index is being rebuilt: the nightly job scans this initiative
        mine = obj.to_initiative()
        links = publisher_links.links_of(me)
        for match in publisher_links.with_links(detector, mine, detector.find_overlaps(mine, k=SCAN_SIZE),
                                                links=links, flagged_only=True):
            if match.tier is Tier.BELOW:
                continue
            if (match.kind == "external_activity" and mine.kind == "external_activity"
                    and not (match.id in links and links[match.id].is_flagged)):
                continue
            found[match.id] = match
    others = initiatives.load([*found, *existing]) if found or existing else {}
    flags = []
    for other_id, match in found.items():
        other = others.get(other_id)
        if other is None or not other.is_compared:
            continue
        flags.append(_store(existing.get(other_id), obj, mine, other, match, now))
    for other_id, flag in existing.items():
        if other_id not in found and flag.status is FlagStatus.open:
            flag.status, flag.scanned_at = FlagStatus.cleared, now
    db.session.flush()
    return flags


def _store(flag: OverlapFlag | None, obj, mine: Initiative, other, match: Match, now: datetime) -> OverlapFlag:
    a_id, b_id = _pair(obj.initiative_id, other.initiative_id)
    sides = {obj.initiative_id: obj, other.initiative_id: other}
    if flag is None:
        flag = OverlapFlag(a_id=a_id, b_id=b_id, a_kind=a_id.split(":")[0], b_kind=b_id.split(":")[0],
                           status=FlagStatus.open, first_flagged_at=now, flagged_at=now)
        db.session.add(flag)
    elif flag.status is FlagStatus.cleared:
        flag.status, flag.flagged_at = FlagStatus.open, now
    elif flag.status is FlagStatus.decided and flag.decision is Decision.distinct:
        _reflag_if_changed(flag, {obj.initiative_id: mine, other.initiative_id: other.to_initiative()}, now)
    reasons = match.reasons if obj.initiative_id == a_id else tuple(flip(match.reasons))
    flag.tier, flag.tier_rank, flag.score = match.tier.value, match.tier.rank, float(match.score)
    flag.relation, flag.subscores, flag.reasons = match.relation.value, match.subscores.as_dict(), to_stored(reasons)
    a_card, b_card = card(sides[a_id]), card(sides[b_id])
    flag.countries = sorted(set(expand_regions(a_card.countries)) | set(expand_regions(b_card.countries)))
    flag.areas = sorted(set(a_card.areas) | set(b_card.areas))
    flag.group_ids = sorted({str(g) for g in (initiatives.group_id_of(sides[a_id]),
                                              initiatives.group_id_of(sides[b_id])) if g is not None})
    flag.scanned_at = now
    return flag


def _reflag_if_changed(flag: OverlapFlag, current: dict[str, Initiative], now: datetime) -> None:
    decision = flag.current_decision
    if decision is None:
        return
    changed = {}
    for side, initiative_id in (("a", flag.a_id), ("b", flag.b_id)):
        fields = material_changes((decision.snapshot or {}).get(side), material_fields(current[initiative_id]))
        if fields:
            changed[initiative_id] = fields
    if not changed:
        return
    decision.reverted_at, decision.ended_reason = now, "changed"
    flag.status, flag.decision, flag.decided_at, flag.flagged_at = FlagStatus.open, None, None, now
    flag.times_reopened += 1
    record(None, "overlap_reflagged", flag, changed=changed)
    logger.info("Overlap %r flagged again: %s changed materially", flag, changed)


def clear_flags_of(initiative_id: str, *, now: datetime) -> int:
    """Clear the open flags of an initiative that is gone or no longer compared; return how many."""
    count = 0
    for flag in flags_of(initiative_id):
        if flag.status is FlagStatus.open:
            flag.status, flag.scanned_at = FlagStatus.cleared, now
            count += 1
    return count


# -- reviewing ---------------------------------------------------------------------------------------------
def convened_groups(user) -> set[int]:
    """The action groups ``user`` convenes (one query)."""
    return initiatives.convened_group_ids(user)


def can_review_overlaps(user) -> bool:
    """The secretariat, and conveners of action groups (who review the pairs involving their group's work)."""
    if not is_partner(user):
        return False
    return is_secretariat(user) or bool(convened_groups(user))


@dataclass(frozen=True)
class QueueFilters:
    country: str = ""
    area: str = ""
    tier: str = ""
    kind: str = ""
    status: str = "open"


def review_queue(user, filters: QueueFilters, new_since: datetime | None) -> sa.Select:
    """The flags ``user`` reviews, new since their last visit first, then likely duplicates, then by score."""
    query = sa.select(OverlapFlag)
    if not is_secretariat(user):
        groups = sorted(convened_groups(user))
        if not groups:
            return query.where(sa.false())
        from app.sqltools import json_list_contains_any

        query = query.where(json_list_contains_any(OverlapFlag.group_ids, [str(g) for g in groups]))
    if filters.status in FlagStatus.__members__:
        query = query.where(OverlapFlag.status == FlagStatus(filters.status))
    if filters.country:
        query = query.where(json_list_contains(OverlapFlag.countries, filters.country))
    if filters.area:
        query = query.where(json_list_contains(OverlapFlag.areas, filters.area))
    if filters.tier in (Tier.LIKELY.value, Tier.POSSIBLE.value):
        query = query.where(OverlapFlag.tier == filters.tier)
    if filters.kind in initiatives.KINDS:
        query = query.where(sa.or_(OverlapFlag.a_kind == filters.kind, OverlapFlag.b_kind == filters.kind))
    is_new = (OverlapFlag.flagged_at > new_since) if new_since is not None else sa.false()
    return query.order_by(sa.case((is_new, 0), else_=1), OverlapFlag.tier_rank.desc(), OverlapFlag.score.desc(),
                          OverlapFlag.id.desc())


def visit_queue(user, *, now: datetime | None = None) -> datetime | None:
    """Note a visit to the review queue; return when the visit before began (flags since are "new").

    A visit lasts while the reviewer keeps coming back within :data:`NEW_VISIT_AFTER`, so paging
    through the queue does not make what was new old.
    """
    now = now or utcnow()
    visit = db.session.get(ReviewVisit, user.id)
    if visit is None:
        db.session.add(ReviewVisit(user_id=user.id, seen_at=now, previous_seen_at=None))
        db.session.flush()
        return None
    if now - visit.seen_at > NEW_VISIT_AFTER:
        visit.previous_seen_at = visit.seen_at
    visit.seen_at = now
    return visit.previous_seen_at


def pair_view(flag: OverlapFlag, objects: dict) -> list[ReasonText]:
    """The pair's reasons, live from the detector when both sides are indexed, else as last scanned;
    sides are called by their titles."""
    a, b = objects.get(flag.a_id), objects.get(flag.b_id)
    reasons = from_stored(flag.reasons)
    detector = current_detector()
    if detector is not None and a is not None and b is not None:
        try:
            reasons = list(detector.compare(a.to_initiative(), b.to_initiative()).reasons)
        except KeyError:
            pass
        else:
            link = publisher_links.links_of(flag.a_id).get(flag.b_id)
            if link is not None:
                reasons.insert(0, link.reason)
    sides = {"draft": f"“{a.title}”" if a is not None else flag.a_id,
             "other": f"“{b.title}”" if b is not None else flag.b_id, "both": _("both")}
    names = initiatives.organisation_names(partner_keys(reasons))
    return render_all(reasons, sides=sides, org_names=names)


def decide(actor, flag: OverlapFlag, decision: Decision | str, *, reference_id: str | None = None,
           note: str = "", now: datetime | None = None) -> OverlapDecision:
    """Record a reviewer's decision on a flagged pair.

    * ``same``: the pair is linked as one initiative reported twice; both are kept, ``reference_id``
      (one of the two) is the one to follow.
    * ``related``: linked as related work; the focal points of both sides are told, each with the
      other's contact.
    * ``distinct``: remembered; the pair is not flagged again unless a side changes materially.

    A decision replaces the pair's current one (which is kept in the history, as is everything).

    :raises NotAllowedError: the actor does not review this pair.
    :raises DomainError: an unknown decision, or a reference that is not one of the two.
    """
    if not flag.can_review(actor):
        raise NotAllowedError(_("Only the secretariat, or a convener of the group concerned, decides on this pair."))
    try:
        decision = Decision(getattr(decision, "value", decision))
    except ValueError:
        raise DomainError(_("Choose a decision."), field="decision") from None
    if decision is Decision.same:
        if reference_id not in flag.ids:
            raise DomainError(_("Say which of the two is the reference."), field="reference")
    else:
        reference_id = None
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise DomainError(_("Keep the note under %(max)d characters.", max=NOTE_MAX), field="note")
    now = now or utcnow()
    current = flag.current_decision
    if current is not None:
        _end(current, actor, now, "replaced")
    objects = initiatives.load(flag.ids)
    snapshot = {side: material_fields(objects[i].to_initiative())
                for side, i in (("a", flag.a_id), ("b", flag.b_id)) if i in objects}
    made = OverlapDecision(flag=flag, decision=decision, reference_id=reference_id, note=note,
                           decided_by_id=actor.id, decided_at=now, score=flag.score, tier=flag.tier, snapshot=snapshot)
    db.session.add(made)
    flag.status, flag.decision, flag.decided_at = FlagStatus.decided, decision, now
    db.session.flush()
    if decision in (Decision.same, Decision.related):
        db.session.add(InitiativeLink(a_id=flag.a_id, b_id=flag.b_id, relation=LinkRelation(decision.value),
                                      reference_id=reference_id, decision_id=made.id, note=note,
                                      created_by_id=actor.id, created_at=now))
    if decision is Decision.related:
        _tell_to_coordinate(actor, made, objects, now)
    record(actor, "overlap_decided", flag, decision=decision.value, reference=reference_id or "", note=note)
    logger.info("Overlap %r decided %s by %s", flag, decision.value, actor)
    return made


def _end(decision: OverlapDecision, actor, now: datetime, why: str) -> None:
    decision.reverted_at, decision.reverted_by_id, decision.ended_reason = now, actor.id if actor else None, why
    for link in db.session.scalars(sa.select(InitiativeLink).where(InitiativeLink.decision_id == decision.id,
                                                                   InitiativeLink.removed_at.is_(None))):
        link.removed_at, link.removed_by_id = now, actor.id if actor else None


def revert_decision(actor, decision: OverlapDecision, *, now: datetime | None = None) -> None:
    """Undo a decision: it stays in the history, marked reverted; its link is removed; the pair is open
    again. Notifications already sent are not taken back."""
    flag = decision.flag
    if not flag.can_review(actor):
        raise NotAllowedError(_("Only the secretariat, or a convener of the group concerned, decides on this pair."))
    if not decision.is_current:
        raise InvalidTransitionError(_("This decision no longer applies: there is nothing to undo."))
    now = now or utcnow()
    _end(decision, actor, now, "reverted")
    flag.status, flag.decision, flag.decided_at = FlagStatus.open, None, None
    record(actor, "overlap_decision_reverted", flag, decision=decision.decision.value)
    db.session.flush()


def _tell_to_coordinate(actor, decision: OverlapDecision, objects: dict, now: datetime) -> int:
    """Tell the focal points of both sides to coordinate, each with the other side's contact (a reply to the
    e-mail reaches that contact) and the reviewer's note."""
    flag = decision.flag
    told = 0
    for mine_id, other_id in ((flag.a_id, flag.b_id), (flag.b_id, flag.a_id)):
        mine, other = objects.get(mine_id), objects.get(other_id)
        if mine is None or other is None:
            continue
        for person in owners(mine):
            if notify(person, "overlap_coordinate", key=f"overlap-coordinate:{decision.id}:user:{person.id}",
                      url=url_of(mine), actor=actor, now=now, reply_to=reply_address(other), mine=mine.title,
                      other=other.title, organisation=card(other).organisation, contact=contact_of(other),
                      note=decision.note or "") is not None:
                told += 1
    return told


def notify_likely_duplicates(*, since: datetime | None, now: datetime) -> int:
    """Tell the owners of both sides of each open "likely duplicate" flagged since ``since``, once per flag
    and person (a flag opened again after a material change counts as new)."""
    query = sa.select(OverlapFlag).where(OverlapFlag.status == FlagStatus.open,
                                         OverlapFlag.tier == Tier.LIKELY.value)
    if since is not None:
        query = query.where(OverlapFlag.flagged_at >= since)
    told = 0
    for flag in db.session.scalars(query.order_by(OverlapFlag.id)):
        objects = initiatives.load(flag.ids)
        for mine_id in flag.ids:
            mine, other = objects.get(mine_id), objects.get(flag.other(mine_id))
            if mine is None or other is None:
                continue
            for person in owners(mine):
                key = f"overlap-likely:{flag.id}:{flag.times_reopened}:user:{person.id}"
                if notify(person, "overlap_likely", key=key, url=url_of(mine), now=now, mine=mine.title,
                          other=other.title, organisation=card(other).organisation) is not None:
                    told += 1
    return told


# -- links made by people ------------------------------------------------------------------------------------
def link_related(actor, obj, target_ids: Iterable[str], *, now: datetime | None = None) -> list[InitiativeLink]:
    """Link an initiative to others its author chose in the panel, as related work. Targets the author may
    not see, unknown ids, the initiative itself and pairs already linked are ignored."""
    now = now or utcnow()
    me = obj.initiative_id
    wanted = [t for t in dict.fromkeys(target_ids) if t != me and initiatives.is_initiative_id(t)]
    if not wanted:
        return []
    viewer = Viewer.of(actor)
    objects = initiatives.load(wanted)
    linked = {link.other(me) for link in links_of(me)}
    made = []
    for target in wanted:
        other = objects.get(target)
        if other is None or target in linked or not viewer.can_see(other):
            continue
        a_id, b_id = _pair(me, target)
        link = InitiativeLink(a_id=a_id, b_id=b_id, relation=LinkRelation.related, created_by_id=actor.id,
                              created_at=now)
        db.session.add(link)
        made.append(link)
    if made:
        db.session.flush()
        for link in made:
            record(actor, "initiative_linked", link, initiative=me, other=link.other(me))
    return made


def can_remove_link(user, link: InitiativeLink, objects: dict) -> bool:
    """The secretariat removes any link; a link a person made (not a reviewer's decision, which is undone
    by undoing the decision) is removed by its maker or by whoever may edit either side."""
    if not is_partner(user):
        return False
    if is_secretariat(user):
        return True
    if link.decision_id is not None:
        return False
    return link.created_by_id == user.id or any(hasattr(o, "can_edit") and o.can_edit(user)
                                                for o in objects.values())


def remove_link(actor, link: InitiativeLink, *, now: datetime | None = None) -> None:
    objects = initiatives.load([link.a_id, link.b_id])
    if not can_remove_link(actor, link, objects):
        raise NotAllowedError(_("You cannot remove this link."))
    if not link.is_active:
        raise InvalidTransitionError(_("This link was already removed."))
    link.removed_at, link.removed_by_id = now or utcnow(), actor.id
    record(actor, "initiative_unlinked", link)


def ask_to_coordinate(actor, target, message: str, *, now: datetime | None = None) -> int:
    """Send the owners of ``target`` a message from ``actor`` with the actor's contact, so they can talk.

    :return: how many people were told (0 for an imported activity: its contact is shown instead).
    """
    if not is_partner(actor):
        raise NotAllowedError(_("Only approved partners can contact focal points."))
    message = " ".join((message or "").split())
    if not message:
        raise DomainError(_("Write a few words: what you are working on and why you would like to talk."),
                          field="message")
    if len(message) > MESSAGE_MAX:
        raise DomainError(_("Keep the message under %(max)d characters.", max=MESSAGE_MAX), field="message")
    now = now or utcnow()
    organisation = actor.organisation.name if actor.organisation is not None else ""
    contact = ", ".join(p for p in (actor.full_name, actor.email, organisation) if p)
    told = 0
    for person in owners(target):
        if notify(person, "overlap_contact", key=f"overlap-contact:{target.initiative_id}:{actor.id}:"
                  f"{now.isoformat()}:user:{person.id}", url=url_of(target), actor=actor, now=now, reply_to=actor,
                  other=target.title, contact=contact, message=message) is not None:
            told += 1
    record(actor, "overlap_contact", target, told=told)
    return told
