"""Demo content for overlaps (``flask seed-demo``; beside the other demo modules, as it fills pledges and work
items too): a pledge that duplicates another partner's, a work item that overlaps a pledge, invented IATI
activities (``app/overlaps/demo/iati-demo.xml``), the index, the flagged pairs,
and one decision, so the panels, the initiative pages, the review queue and the gap view show something.

Safe to run again: pledges and work items are found by title, the import is idempotent, a decided pair
keeps its decision.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

from app.actiongroups.models import ActionGroup
from app.actiongroups.workplan.models import WorkItem, WorkItemStatus
from app.commitments import schedule
from app.commitments.models import Deliverable, Indicator, Pledge, PledgePartner, PledgeState
from app.commitments.services import record_event
from app.extensions import db
from app.members.models import User
from app.overlaps import importing
from app.overlaps.index import ensure_state
from app.overlaps.jobs import scan_everything
from app.overlaps.models import Decision, FlagStatus, OverlapFlag
from app.overlaps.services import decide
from app.utils import search_text_of, utcnow

DEMO_IATI = Path(__file__).parent / "overlaps" / "demo" / "iati-demo.xml"

# A pledge of the Chamber of Commerce of the Coast that does what the Cocoa Sourcing Collective's pledge
# "Child labour monitoring and remediation for 50,000 cocoa farmers" already does: a likely duplicate.
DUPLICATE_PLEDGE = dict(
    org="ccic", title="Child labour monitoring and remediation in cocoa-growing communities",
    description="Set up a child labour monitoring and remediation system for the cocoa farmers who supply our "
                "member companies: community facilitators visit households, and every child found in "
                "hazardous work gets remediation support and a place in school.",
    contribution="Monitoring finds children at risk early, and remediation keeps them out of hazardous farm "
                 "work.",
    areas=["child_labour", "worst_forms"], countries=["CIV", "GHA"], targets=["children"],
    deliverables=["Facilitators trained in every cooperative", "Remediation fund set up"],
    indicator=("Children found in hazardous work who received remediation", "children", 0, 5000),
    money=(2500000, "XOF"), partners=["efrb"])

# A work item of the Supply Chains group that overlaps the same cocoa pledges (one of its members leads it).
WORK_ITEM = dict(
    group="supply-chains", lead="csc",
    title="Pilot of a shared child labour monitoring system for cocoa cooperatives",
    description="Test one child labour monitoring and remediation system shared by several cocoa buyers in the "
                "same cooperatives of Côte d'Ivoire, so that households are visited once, not three times.",
    countries=["CIV"], areas=["child_labour"])


def _focal(slug: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == f"focal@{slug}.example.org"))


def _seed_pledge(now: datetime) -> int:
    spec = DUPLICATE_PLEDGE
    focal = _focal(spec["org"])
    admin = db.session.scalar(sa.select(User).where(User.email == "admin@hub.example.org"))
    if focal is None or admin is None or db.session.scalar(sa.select(Pledge.id).where(Pledge.title == spec["title"])):
        return 0
    start = schedule.add_months(now.date(), -2)
    pledge = Pledge(organisation_id=focal.organisation_id, coordinator_id=focal.id, created_by_id=focal.id,
                    title=spec["title"], description=spec["description"], contribution=spec["contribution"],
                    areas=spec["areas"], action_type="supply_chain", countries=spec["countries"],
                    target_groups=spec["targets"], start_date=start, end_date=schedule.add_months(start, 24),
                    resources_amount=Decimal(spec["money"][0]), resources_currency=spec["money"][1],
                    state=PledgeState.published, created_at=now - timedelta(days=40),
                    submitted_at=now - timedelta(days=35), published_at=now - timedelta(days=30))
    pledge.search_text = search_text_of(pledge.title, pledge.description)
    for slug in spec["partners"]:
        partner = _focal(slug)
        if partner is not None:
            pledge.partners.append(PledgePartner(organisation_id=partner.organisation_id))
    for position, title in enumerate(spec["deliverables"]):
        pledge.deliverables.append(Deliverable(position=position, title=title,
                                               due_date=schedule.add_months(start, 6 * (position + 1))))
    name, unit, baseline, target = spec["indicator"]
    pledge.indicators.append(Indicator(position=0, name=name, unit=unit, baseline=Decimal(baseline),
                                       target=Decimal(target)))
    pledge.refresh_schedule()
    db.session.add(pledge)
    db.session.flush()
    record_event(pledge, focal, "created", now=pledge.created_at)
    record_event(pledge, focal, "submitted", now=pledge.submitted_at)
    record_event(pledge, admin, "published", now=pledge.published_at)
    return 1


def _seed_work_item(now: datetime) -> int:
    spec = WORK_ITEM
    group = db.session.scalar(sa.select(ActionGroup).where(ActionGroup.slug == spec["group"]))
    lead = _focal(spec["lead"])
    exists = db.session.scalar(sa.select(WorkItem.id).where(WorkItem.title == spec["title"]))
    if group is None or lead is None or exists:
        return 0
    today = now.date()
    db.session.add(WorkItem(group_id=group.id, title=spec["title"], description=spec["description"],
                            lead_organisation_id=lead.organisation_id, countries=spec["countries"],
                            areas=spec["areas"], start_date=today - timedelta(days=20),
                            due_date=today + timedelta(days=300), status=WorkItemStatus.in_progress,
                            responsible_id=lead.id, created_by_id=lead.id, created_at=now, updated_at=now))
    db.session.flush()
    return 1


def seed_overlaps(now: datetime | None = None) -> dict[str, int]:
    """Add the demo overlap content that is missing, build the index and flag the pairs. Flushes.

    :return: counts (pledges, work items, activities imported, pairs flagged).
    """
    now = now or utcnow()
    ensure_state()
    counts = {"overlap_demo_pledges": _seed_pledge(now), "overlap_demo_work_items": _seed_work_item(now)}
    report = importing.run_import([DEMO_IATI], kind="iati", now=now)
    counts["imported_activities"] = report.created
    db.session.flush()
    before = db.session.scalar(sa.select(sa.func.count(OverlapFlag.id)))
    scan_everything(now=now)
    counts["flagged_pairs"] = db.session.scalar(sa.select(sa.func.count(OverlapFlag.id))) - before
    _one_decision(now)
    return counts


def _one_decision(now: datetime) -> None:
    """The secretariat already judged one pair distinct (its history shows on the pair's page)."""
    admin = db.session.scalar(sa.select(User).where(User.email == "admin@hub.example.org"))
    if admin is None or db.session.scalar(sa.select(OverlapFlag.id).where(OverlapFlag.decision.is_not(None))):
        return
    flag = db.session.scalar(sa.select(OverlapFlag).where(OverlapFlag.status == FlagStatus.open)
                             .order_by(OverlapFlag.score, OverlapFlag.id).limit(1))
    if flag is not None:
        decide(admin, flag, Decision.distinct, note="Same theme and region, but different activities and "
                                                    "target groups (demo decision).", now=now)
