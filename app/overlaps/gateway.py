"""The duplication detector in the knowledge gateway (app/knowledge), through two of its registries, so that
the gateway knows nothing of overlaps:

- **country pages** (:func:`~app.knowledge.countries.register_country_section`): who works on what in the
  country (its row of the gap view: the 8.7 areas no active initiative covers, and the crowded ones), the
  imported external activities there, and, for partners, the overlapping pairs flagged there;
- **dashboard** (:func:`~app.knowledge.dashboard.register_figure`): overlaps found and resolved per month;
- **notifications** (:func:`~app.notifications.kinds.register_kind`): likely duplicates, pairs to coordinate,
  partners asking to coordinate.
"""
from __future__ import annotations

from collections import Counter
from datetime import datetime, time, timezone

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.dedup import Tier
from app.extensions import db
from app.knowledge.countries import CountrySection, register_country_section
from app.knowledge.dashboard import Figure, Table, month_label, register_figure
from app.notifications.kinds import Kind
from app.notifications.kinds import register_kind as register_notification_kind
from app.notifications.models import Delivery
from app.overlaps import gaps
from app.overlaps.initiatives import Viewer
from app.overlaps.models import Decision, FlagStatus, OverlapDecision, OverlapFlag
from app.sqltools import json_list_contains, json_list_contains_any, month_of
from app.taxonomy import AREAS, region_countries
from app.utils import fold

LIST_MAX = 10


# -- country pages ------------------------------------------------------------------------------------------
def load_country_overlaps(ctx) -> dict:
    """The country's row of the gap view as ``ctx.user`` may see it, with the imported activities in it (at most
    LIST_MAX, and their number), and, for approved partners, the flagged pairs there by status and tier (one
    query, two for partners)."""
    viewer = Viewer(ctx.user)
    matrix = gaps.gap_matrix(viewer, today=ctx.today, country=ctx.code)
    coverage = [(area, AREAS[area], matrix.count(ctx.code, area), matrix.organisations(ctx.code, area))
                for area in AREAS]
    activities = sorted({e for entries in matrix.cells.values() for e in entries if e.kind == "external_activity"},
                        key=lambda e: (fold(e.title), e.pk))
    flags: Counter = Counter()
    if viewer.is_partner:
        for status, tier, n in db.session.execute(
                sa.select(OverlapFlag.status, OverlapFlag.tier, sa.func.count())
                .where(json_list_contains(OverlapFlag.countries, ctx.code))
                .group_by(OverlapFlag.status, OverlapFlag.tier)):
            flags[(status, tier)] += n
    return {"coverage": coverage, "crowded": gaps.CROWDED, "total": matrix.row_total(ctx.code),
            "gaps": [label for _area, label, n, _orgs in coverage if n == 0],
            "activities": activities[:LIST_MAX], "activities_total": len(activities),
            "partner": viewer.is_partner, "reviewer": viewer.is_secretariat,
            "open_likely": flags[(FlagStatus.open, Tier.LIKELY.value)],
            "open_possible": flags[(FlagStatus.open, Tier.POSSIBLE.value)],
            "decided": sum(n for (status, _tier), n in flags.items() if status is FlagStatus.decided)}


# -- dashboard ----------------------------------------------------------------------------------------------
def overlaps_per_month(ctx):
    """Per month (UTC): pairs flagged for the first time, and pairs resolved by a decision still standing
    ("same initiative", "related", "distinct"); the region and area filters select pairs by their places and
    areas (two queries)."""
    first, after = ctx.window
    start = datetime.combine(first, time.min, tzinfo=timezone.utc)
    end = datetime.combine(after, time.min, tzinfo=timezone.utc)
    conditions = []
    if ctx.filters.region:
        conditions.append(json_list_contains_any(OverlapFlag.countries, region_countries()[ctx.filters.region]))
    if ctx.filters.area:
        conditions.append(json_list_contains(OverlapFlag.areas, ctx.filters.area))
    found_month = month_of(OverlapFlag.first_flagged_at)
    found = dict(db.session.execute(
        sa.select(found_month, sa.func.count())
        .where(OverlapFlag.first_flagged_at >= start, OverlapFlag.first_flagged_at < end, *conditions)
        .group_by(found_month)).all())
    decided_month = month_of(OverlapDecision.decided_at)
    resolved: Counter = Counter()
    for month, decision, n in db.session.execute(
            sa.select(decided_month, OverlapDecision.decision, sa.func.count())
            .join(OverlapFlag, OverlapFlag.id == OverlapDecision.flag_id)
            .where(OverlapDecision.decided_at >= start, OverlapDecision.decided_at < end,
                   OverlapDecision.reverted_at.is_(None), *conditions)
            .group_by(decided_month, OverlapDecision.decision)):
        resolved[(month, decision)] += n
    decisions = list(Decision)
    rows = [[month_label(m), found.get(m, 0), *[resolved[(m, d)] for d in decisions]] for m in ctx.months]
    return Table([_("Month"), _("Overlaps found"), _("Resolved: same initiative"), _("Resolved: related"),
                  _("Resolved: distinct")], rows,
                 note=_("Pairs of initiatives the detector flagged for the first time that month, and the "
                        "decisions of the overlap review taken that month (reverted ones left out)."))


# -- notifications ------------------------------------------------------------------------------------------
def notification_kinds() -> list[Kind]:
    return [
        # params: actor, mine, other, organisation, contact (the other side's contact, may be empty),
        # note (the reviewer's note on the decision, may be empty)
        Kind("overlap_coordinate", _l("Initiatives the secretariat asks you to coordinate"),
             _l("“%(mine)s” and “%(other)s” (%(organisation)s) are related: please coordinate. "
                "Contact: %(contact)s"),
             Delivery.immediately,
             message_without={"contact": _l("“%(mine)s” and “%(other)s” (%(organisation)s) are related: please "
                                            "coordinate. No contact is recorded for it yet.")},
             subject=_l("Please coordinate: “%(mine)s” and “%(other)s”"),
             appendix={"note": _l("The reviewer's note: %(note)s")}, order=200),
        # params: mine, other, organisation
        Kind("overlap_likely", _l("Likely duplicates of your initiatives"),
             _l("“%(mine)s” looks like a likely duplicate of “%(other)s” (%(organisation)s)"), Delivery.immediately,
             order=210),
        # params: actor, other (your initiative), contact, message
        Kind("overlap_contact", _l("Partners who ask to coordinate with you"),
             _l("%(actor)s would like to coordinate on “%(other)s”: %(message)s Contact: %(contact)s"),
             Delivery.immediately, subject=_l("%(actor)s would like to coordinate on “%(other)s”"), order=220),
    ]


# -- wiring -------------------------------------------------------------------------------------------------
def register() -> None:
    """Plug overlaps into the cross-cutting registries (called by create_app)."""
    register_country_section(CountrySection("overlaps", _l("Who works on what: overlaps and gaps"),
                                            "overlaps/_country.html", load_country_overlaps, order=65))
    register_figure(Figure("overlaps", _l("Overlaps found and resolved per month"), overlaps_per_month,
                           chart="line", order=95, section="pledges",
                           description=_l("Pairs of initiatives flagged as possible duplicates, and the review's "
                                          "decisions, by month.")))
    for kind in notification_kinds():
        register_notification_kind(kind)
