"""Overlaps between initiatives: the change log that keeps the detector's index fresh, flagged pairs,
the decisions taken on them, links between initiatives, and activities imported from other systems.

An *initiative id* is a string unique across kinds: ``pledge:12``, ``work_item:3``,
``external_activity:7`` (see :mod:`app.overlaps.initiatives`). Pairs are stored once, with the
smaller id first (``a_id < b_id``).
"""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from app.dedup import Initiative
from app.extensions import db
from app.policy import is_partner, is_secretariat
from app.types import UTCDateTime, enum_type
from app.utils import fold, utcnow

ID_LENGTH = 60  # "external_activity:" + an integer


class ChangeOp(str, enum.Enum):
    upsert = "upsert"  # created, edited, or changed state: re-read it
    delete = "delete"  # gone: forget it


class InitiativeChange(db.Model):
    """The change log: one row each time an initiative is created, edited, published, withdrawn or
    deleted, written by the feature's service in the same transaction as the change.

    Every web worker reads the rows after the last one it applied before it answers an overlap
    question (one indexed query), so a change made anywhere is seen by the next query everywhere.
    """

    seq: so.Mapped[int] = so.mapped_column(primary_key=True, autoincrement=True)
    initiative_id: so.Mapped[str] = so.mapped_column(sa.String(ID_LENGTH), index=True)
    op: so.Mapped[ChangeOp] = so.mapped_column(enum_type(ChangeOp, length=10), default=ChangeOp.upsert)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<InitiativeChange {self.seq} {self.initiative_id} {self.op.value}>"


class OverlapState(db.Model):
    """One row: what the overlap machinery remembers about this database.

    ``db_token`` names this database, so an index saved for another database (a restored copy, a test
    run) is never used with this one; ``scanned_through`` is the change-log position up to which the
    nightly job has looked for new overlaps.
    """

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    db_token: so.Mapped[str] = so.mapped_column(sa.String(40))
    scanned_through: so.Mapped[int] = so.mapped_column(default=0)
    scanned_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"<OverlapState {self.db_token} scanned through {self.scanned_through}>"


class FlagStatus(str, enum.Enum):
    open = "open"        # waiting for a decision
    decided = "decided"  # a reviewer decided (see ``decision``)
    cleared = "cleared"  # no longer above the line (one side changed, was withdrawn or removed)


class Decision(str, enum.Enum):
    same = "same"          # the same initiative: linked, both kept, one marked as the reference
    related = "related"    # related: the two sides should coordinate (both focal points are told)
    distinct = "distinct"  # not the same work: not flagged again unless a side changes materially


FLAG_STATUS_LABELS = {
    FlagStatus.open: _l("Waiting for a decision"),
    FlagStatus.decided: _l("Decided"),
    FlagStatus.cleared: _l("No longer flagged"),
}
DECISION_LABELS = {
    Decision.same: _l("Same initiative"),
    Decision.related: _l("Related — coordinate"),
    Decision.distinct: _l("Distinct"),
}


class OverlapFlag(db.Model):
    """Two initiatives that look like the same work (a tier of "possible overlap" or above), with the
    reasons as the detector gave them when the pair was last scanned, and where the review stands.

    Never deleted: a pair that drops below the line is *cleared*, a decided pair keeps its decisions.
    """

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    a_id: so.Mapped[str] = so.mapped_column(sa.String(ID_LENGTH), index=True)
    b_id: so.Mapped[str] = so.mapped_column(sa.String(ID_LENGTH), index=True)
    a_kind: so.Mapped[str] = so.mapped_column(sa.String(30))
    b_kind: so.Mapped[str] = so.mapped_column(sa.String(30))
    tier: so.Mapped[str] = so.mapped_column(sa.String(20))       # app.dedup.Tier value
    tier_rank: so.Mapped[int] = so.mapped_column(default=1)      # 2 likely, 1 possible: for sorting
    score: so.Mapped[float] = so.mapped_column(sa.Float, default=0.0)
    relation: so.Mapped[str] = so.mapped_column(sa.String(30), default="unknown")  # app.dedup.Relation value
    subscores: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON, default=dict)
    # The detector's reasons seen from side a: [[code, [params...]], ...]
    reasons: so.Mapped[list[Any]] = so.mapped_column(sa.JSON, default=list)
    # For the review queue's filters and the conveners' view: the union of both sides' countries and
    # 8.7 areas, and the action groups of the work items among the sides (ids as strings, so that
    # PostgreSQL's JSONB ?| operator finds them).
    countries: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)
    areas: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)
    group_ids: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)

    status: so.Mapped[FlagStatus] = so.mapped_column(enum_type(FlagStatus), default=FlagStatus.open)
    decision: so.Mapped[Decision | None] = so.mapped_column(enum_type(Decision))
    first_flagged_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    flagged_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)  # last (re)opened
    scanned_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    decided_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    times_reopened: so.Mapped[int] = so.mapped_column(default=0)

    decisions: so.Mapped[list["OverlapDecision"]] = so.relationship(
        back_populates="flag", order_by="OverlapDecision.decided_at.desc(), OverlapDecision.id.desc()")

    __table_args__ = (
        sa.UniqueConstraint("a_id", "b_id", name="uq_overlap_flag_pair"),
        # The review queue: open flags, newest first.
        sa.Index("ix_overlap_flag_status_flagged", "status", "flagged_at"),
    )

    def __repr__(self) -> str:
        return f"<OverlapFlag {self.id} {self.a_id}~{self.b_id} {self.tier} {self.status.value}>"

    def __str__(self) -> str:
        return f"{self.a_id} ~ {self.b_id}"

    @property
    def ids(self) -> tuple[str, str]:
        return self.a_id, self.b_id

    @property
    def kinds(self) -> tuple[str, str]:
        return self.a_kind, self.b_kind

    def other(self, initiative_id: str) -> str:
        return self.b_id if initiative_id == self.a_id else self.a_id

    @property
    def status_label(self) -> str:
        return str(FLAG_STATUS_LABELS[self.status])

    @property
    def decision_label(self) -> str:
        return str(DECISION_LABELS[self.decision]) if self.decision else ""

    @property
    def current_decision(self) -> "OverlapDecision | None":
        return next((d for d in self.decisions if d.is_current), None)

    # -- permissions ---------------------------------------------------------------------------
    def can_review(self, user, convened_group_ids: set[int] | None = None) -> bool:
        """The secretariat reviews every pair; a convener the pairs involving their group's work items.

        :param convened_group_ids: the groups ``user`` convenes, when the caller already knows them.
        """
        if not is_partner(user):
            return False
        if is_secretariat(user):
            return True
        if convened_group_ids is None:
            from app.overlaps.services import convened_groups

            convened_group_ids = convened_groups(user)
        return bool({str(g) for g in convened_group_ids} & set(self.group_ids or ()))


class OverlapDecision(db.Model):
    """A reviewer's decision on a flagged pair, with what both sides looked like when it was taken.

    Reversible: reverting keeps the row (``reverted_at``) and reopens the flag; nothing is deleted.
    ``snapshot`` holds each side's material fields (``a`` and ``b``), which tell later whether a side
    changed materially since (see :func:`app.overlaps.services.material_changes`).
    """

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    flag_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("overlap_flag.id", ondelete="CASCADE"), index=True)
    decision: so.Mapped[Decision] = so.mapped_column(enum_type(Decision))
    reference_id: so.Mapped[str | None] = so.mapped_column(sa.String(ID_LENGTH))  # "same": the reference side
    note: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    decided_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    decided_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    score: so.Mapped[float] = so.mapped_column(sa.Float, default=0.0)
    tier: so.Mapped[str] = so.mapped_column(sa.String(20), default="")
    snapshot: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON, default=dict)
    reverted_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    reverted_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    # Why it stopped counting: "reverted" by a person, "replaced" by a newer decision, or "changed"
    # (a side changed materially after a "distinct" decision and the pair was flagged again).
    ended_reason: so.Mapped[str] = so.mapped_column(sa.String(20), default="")

    flag: so.Mapped[OverlapFlag] = so.relationship(back_populates="decisions")
    decided_by: so.Mapped["User | None"] = so.relationship("User", foreign_keys=[decided_by_id])  # noqa: F821
    reverted_by: so.Mapped["User | None"] = so.relationship("User", foreign_keys=[reverted_by_id])  # noqa: F821

    def __repr__(self) -> str:
        return f"<OverlapDecision {self.id} flag={self.flag_id} {self.decision.value}>"

    def __str__(self) -> str:
        return f"{self.decision.value} on {self.flag_id}"

    @property
    def is_current(self) -> bool:
        return self.reverted_at is None

    @property
    def label(self) -> str:
        return str(DECISION_LABELS[self.decision])


class LinkRelation(str, enum.Enum):
    same = "same"        # the same initiative reported twice; ``reference_id`` is the one to follow
    related = "related"  # related work: coordinate


LINK_RELATION_LABELS = {
    LinkRelation.same: _l("Same initiative"),
    LinkRelation.related: _l("Related initiative"),
}


class InitiativeLink(db.Model):
    """Two initiatives linked by a reviewer's decision or by the person who wrote one of them.

    Links never merge or delete anything: both initiatives stay as they are, with their provenance.
    Removing a link sets ``removed_at``.
    """

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    a_id: so.Mapped[str] = so.mapped_column(sa.String(ID_LENGTH), index=True)
    b_id: so.Mapped[str] = so.mapped_column(sa.String(ID_LENGTH), index=True)
    relation: so.Mapped[LinkRelation] = so.mapped_column(enum_type(LinkRelation))
    reference_id: so.Mapped[str | None] = so.mapped_column(sa.String(ID_LENGTH))
    decision_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("overlap_decision.id", ondelete="SET NULL"), index=True)
    note: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    removed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    removed_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    created_by: so.Mapped["User | None"] = so.relationship("User", foreign_keys=[created_by_id])  # noqa: F821

    def __repr__(self) -> str:
        return f"<InitiativeLink {self.id} {self.a_id}~{self.b_id} {self.relation.value}>"

    def __str__(self) -> str:
        return f"{self.a_id} ~ {self.b_id} ({self.relation.value})"

    @property
    def is_active(self) -> bool:
        return self.removed_at is None

    def other(self, initiative_id: str) -> str:
        return self.b_id if initiative_id == self.a_id else self.a_id

    @property
    def label(self) -> str:
        return str(LINK_RELATION_LABELS[self.relation])


class ReviewVisit(db.Model):
    """When a reviewer last opened the overlap queue: flags newer than the visit before are "new"."""

    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    seen_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    previous_seen_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"<ReviewVisit user={self.user_id} {self.seen_at}>"


# IATI ActivityStatus codelist (https://iatistandard.org/en/iati-standard/203/codelists/activitystatus/).
ACTIVITY_STATUS_LABELS = {
    "1": _l("Pipeline or identification"),
    "2": _l("Implementation"),
    "3": _l("Finalisation"),
    "4": _l("Closed"),
    "5": _l("Cancelled"),
    "6": _l("Suspended"),
}
# Cancelled activities are not compared (they will not happen); closed ones are, as past work.
NOT_COMPARED_STATUSES = frozenset({"5"})
# Running (or about to): counted in the gap view.
ACTIVE_STATUSES = frozenset({"1", "2", "3"})

SOURCE_LABELS = {"iati": _l("IATI activity file"), "csv": _l("CSV import")}


class ExternalActivity(db.Model):
    """An activity published elsewhere (IATI, a spreadsheet), imported so that partners' initiatives are
    compared with it. Read-only in the Hub: only a new import changes it, matched on ``identifier``."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    identifier: so.Mapped[str] = so.mapped_column(sa.String(250), unique=True)  # iati-identifier
    source: so.Mapped[str] = so.mapped_column(sa.String(10), default="iati")    # SOURCE_LABELS
    source_name: so.Mapped[str] = so.mapped_column(sa.String(300), default="")  # the file it last came from
    reporting_org_ref: so.Mapped[str] = so.mapped_column(sa.String(250), default="")
    reporting_org_name: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    title: so.Mapped[str] = so.mapped_column(sa.String(500))
    description: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    countries: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)        # ISO 3166-1 alpha-3
    regions: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)          # as published (not compared)
    start_date: so.Mapped[date | None] = so.mapped_column(sa.Date)
    end_date: so.Mapped[date | None] = so.mapped_column(sa.Date)
    status: so.Mapped[str] = so.mapped_column(sa.String(2), default="")              # ACTIVITY_STATUS_LABELS
    areas: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)            # app.taxonomy.AREAS
    target_groups: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)    # app.taxonomy.TARGET_GROUPS
    sdg_targets: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)      # e.g. ["8.7"]
    # [{"ref": ..., "name": ..., "role": ...}]: IATI participating-org (role 1 funding ... 4 implementing)
    participating_orgs: so.Mapped[list[dict[str, str]]] = so.mapped_column(sa.JSON, default=list)
    contact: so.Mapped[dict[str, str]] = so.mapped_column(sa.JSON, default=dict)     # organisation, person, email...
    url: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    language: so.Mapped[str] = so.mapped_column(sa.String(10), default="")
    content_hash: so.Mapped[str] = so.mapped_column(sa.String(64), default="")
    last_updated_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())  # as the publisher says
    imported_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<ExternalActivity {self.id} {self.identifier}>"

    def __str__(self) -> str:
        return self.title

    @property
    def initiative_id(self) -> str:
        return f"external_activity:{self.id}"

    @property
    def status_label(self) -> str:
        label = ACTIVITY_STATUS_LABELS.get(self.status)
        return str(label) if label else ""

    @property
    def source_label(self) -> str:
        return str(SOURCE_LABELS.get(self.source, self.source))

    @property
    def is_compared(self) -> bool:
        return self.status not in NOT_COMPARED_STATUSES

    @property
    def organisation_name(self) -> str:
        return self.reporting_org_name or self.reporting_org_ref

    def can_view(self, user) -> bool:
        """Imported activities were published by their owners: anyone may read them."""
        return True

    def to_initiative(self):
        """This activity as the duplication detector's :class:`app.dedup.Initiative`."""
        return activity_initiative(self)

    @classmethod
    def initiative_columns(cls) -> tuple:
        """The columns :func:`activity_initiative` reads: an index rebuild selects these rather than whole
        objects (100,000 activities: about 5 s of CPU instead of 10)."""
        return (cls.id, cls.title, cls.description, cls.countries, cls.start_date, cls.end_date, cls.areas,
                cls.target_groups, cls.reporting_org_ref, cls.reporting_org_name, cls.participating_orgs,
                cls.language)


class ActivityLinkKind(str, enum.Enum):
    """What the other activity is to this one, as the publisher of this one says it."""

    funding = "funding"            # transaction/provider-org/@provider-activity-id: its money came from the other
    implementing = "implementing"  # transaction/receiver-org/@receiver-activity-id: its money went to the other
    participating = "participating"  # participating-org/@activity-id: a participant's own record of the work
    parent = "parent"              # related-activity type 1
    child = "child"                # related-activity type 2
    sibling = "sibling"            # related-activity type 3
    co_funded = "co_funded"        # related-activity type 4
    third_party = "third_party"    # related-activity type 5: another organisation's report of the same activity


class ActivityLink(db.Model):
    """A link that the publisher of an imported activity made to another activity (IATI traceability:
    provider and receiver activity ids of transactions, participating organisations' activity ids,
    related activities).

    The other side is kept as its IATI identifier, since it may be imported later or never. Links are
    replaced with their activity at each import that changes it; the publishers' link is read in both
    directions (see :mod:`app.overlaps.publisher_links`).
    """

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    # Found by activity through the unique constraint (its first column), by the other side through its index.
    activity_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("external_activity.id", ondelete="CASCADE"))
    other_identifier: so.Mapped[str] = so.mapped_column(sa.String(250), index=True)
    kind: so.Mapped[ActivityLinkKind] = so.mapped_column(enum_type(ActivityLinkKind, length=20))
    source: so.Mapped[str] = so.mapped_column(sa.String(40), default="")  # the element it was read from

    __table_args__ = (sa.UniqueConstraint("activity_id", "other_identifier", "kind", name="uq_activity_link"),)

    def __repr__(self) -> str:
        return f"<ActivityLink {self.id} {self.activity_id} {self.kind.value} {self.other_identifier}>"


def activity_initiative(row):
    """An imported activity (the object, or a row of :meth:`ExternalActivity.initiative_columns`) as the
    duplication detector's :class:`app.dedup.Initiative`."""
    lead = org_key_external(row.reporting_org_ref, row.reporting_org_name)
    partners = []
    for org in row.participating_orgs or []:
        key = org_key_external(org.get("ref", ""), org.get("name", ""))
        if key and key != lead and key not in partners:
            partners.append(key)
    return Initiative(
        id=f"external_activity:{row.id}", kind="external_activity", title=row.title,
        description=row.description or "", countries=tuple(row.countries or ()), start=row.start_date,
        end=row.end_date, themes=tuple(row.areas or ()), target_groups=tuple(row.target_groups or ()),
        lead_org=lead, partner_orgs=tuple(partners), language=(row.language or "en")[:2])


def org_key_external(ref: str, name: str) -> str | None:
    """The detector's organisation key for an organisation named in an imported activity."""
    ref = (ref or "").strip()
    if ref:
        return f"ext:{ref}"
    name = fold(name or "")
    return f"extname:{name}" if name else None
