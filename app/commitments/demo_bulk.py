"""Many public pledges at once, for the registry's scale tests and benchmarks (``seed-demo --size large``).

Core inserts in batches rather than the services: 20,000 pledges, each with one deliverable and one
indicator (and the facets the dashboard counts, see PledgeFacet), take seconds. The rows look like real
pledges (areas, countries, types of action, states, reporting dates giving every traffic light) and their
``search_text`` is filled, so searches and filters hit realistic data. Nothing here sends mail or writes
history.
"""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from functools import lru_cache

import sqlalchemy as sa

from app.commitments import schedule
from app.commitments.models import (
    PUBLIC_STATES, Deliverable, Indicator, Pledge, PledgeFacet, PledgePartner, PledgeState, facet_rows,
)
from app.extensions import db
from app.i18n import country_name
from app.members.models import Organisation, OrganisationStatus, StakeholderType
from app.taxonomy import ACTION_TYPES, AREAS, TARGET_GROUPS
from app.utils import search_text_of, utcnow

BATCH = 2000

# Where pledges are made: countries on every continent (ISO 3166-1 alpha-3).
COUNTRIES = ("KEN", "UGA", "TZA", "ETH", "GHA", "CIV", "NGA", "SEN", "MLI", "BFA", "MDG", "MWI", "ZAF", "EGY",
             "MAR", "IND", "BGD", "PAK", "NPL", "LKA", "THA", "VNM", "KHM", "MMR", "IDN", "PHL", "MYS", "CHN",
             "UZB", "BRA", "PER", "BOL", "COL", "GTM", "HND", "MEX", "ARG", "PRY", "HTI", "TUR", "LBN", "JOR",
             "FRA", "GBR", "NLD", "ITA", "ROU", "USA", "CAN", "AUS", "FJI", "PNG")

# Words that make the titles and descriptions read like pledges.
WHAT = {
    "policy_law": ("Strengthen the law against", "Adopt a national action plan on", "Ratify and apply the protocol on"),
    "programme_services": ("Train labour inspectors to detect", "Run shelters and legal aid for survivors of",
                           "Provide school places to children at risk of"),
    "research_data": ("Survey the prevalence of", "Publish open data on", "Study the drivers of"),
    "awareness": ("Run a radio campaign against", "Reach community leaders about", "Inform migrant workers about"),
    "funding": ("Fund local organisations fighting", "Create a grant window to end",
                "Finance social protection to prevent"),
    "supply_chain": ("Audit suppliers for", "Map the supply chain risks of", "Remediate cases of"),
    "other": ("Coordinate partners against", "Set up a helpline on", "Support unions organising against"),
}
TOPIC = {
    "child_labour": ("child labour in cocoa farming", "child labour in mining", "child labour in domestic work"),
    "worst_forms": ("hazardous work by children", "the commercial sexual exploitation of children",
                    "children in illicit activities"),
    "child_soldiers": ("the recruitment of child soldiers", "the reintegration of children leaving armed groups",
                       "the use of children by armed forces"),
    "forced_labour": ("forced labour in fishing", "debt bondage in brick kilns", "forced labour in garment factories"),
    "trafficking": ("trafficking of domestic workers", "human trafficking across borders",
                    "trafficking for forced begging"),
    "modern_slavery": ("modern slavery in construction", "forced marriage", "slavery-like practices in agriculture"),
}
INDICATORS = (("Inspectors trained", "people", 0, 400), ("Children back in school", "children", 0, 2500),
              ("Survivors assisted", "people", 10, 600), ("Suppliers audited", "suppliers", 0, 120),
              ("Share of districts covered", "%", 5, 80), ("Workers reached", "workers", 0, 50000))
CURRENCIES = ("USD", "EUR", "GBP", "CHF", "CAD")
DEMO_ORGANISATIONS = (
    ("Ministry of Labour (bulk demo)", StakeholderType.government, "KEN"),
    ("Cocoa Workers' Union (bulk demo)", StakeholderType.workers, "GHA"),
    ("Employers' Federation (bulk demo)", StakeholderType.employers, "IND"),
    ("Freedom Fund Partners (bulk demo)", StakeholderType.civil_society, "GBR"),
    ("Institute for Labour Research (bulk demo)", StakeholderType.academia, "BRA"),
    ("Global Apparel Co. (bulk demo)", StakeholderType.private_sector, "NLD"),
)


def _organisation_ids(now: datetime) -> list[int]:
    ids = list(db.session.scalars(sa.select(Organisation.id).where(Organisation.status == OrganisationStatus.active)
                                  .order_by(Organisation.id)))
    if ids:
        return ids
    for name, kind, country in DEMO_ORGANISATIONS:
        org = Organisation(stakeholder_type=kind, country_code=country, status=OrganisationStatus.active,
                           approved_at=now)
        org.set_name(name)
        db.session.add(org)
    db.session.flush()
    return _organisation_ids(now)


@lru_cache(maxsize=20_000)
def _reporting(start: date, end: date, every: int, behind: int, today: date):
    """The last reported date and the light's deadlines of a pledge ``behind`` reports behind on ``today``.

    Cached: the same few thousand schedules recur across 20,000 pledges, and computing one is slow.
    """
    past = [p.end for p in schedule.periods(start, end, every) if p.end <= today]
    reported_through = past[-1 - behind] if len(past) > behind else None
    return reported_through, schedule.deadlines(start, end, every, reported_through)


def _pledge_row(rng: random.Random, organisation_id: int, today, now: datetime) -> dict:
    action_type = rng.choice(tuple(ACTION_TYPES))
    areas = rng.sample(tuple(AREAS), rng.choice((1, 1, 2)))
    is_global = rng.random() < 0.05
    countries = [] if is_global else sorted(rng.sample(COUNTRIES, rng.choice((1, 1, 1, 2, 3))))
    topic = rng.choice(TOPIC[areas[0]])
    where = "worldwide" if is_global else " and ".join(country_name(c, "en") for c in countries)
    what = rng.choice(WHAT[action_type])
    title = f"{what} {topic}"[:200]
    description = (f"In {where}, we will {what[0].lower()}{what[1:]} {topic}, with government, workers' and "
                   f"employers' organisations and communities, and report on what changed for the people concerned.")
    # Started on the 1st or 15th of a month in the last three years: reports fall due at every stage,
    # so every light occurs. About half are up to date with their reports, the others 1 to 4 behind.
    start = schedule.add_months(today.replace(day=rng.choice((1, 15))), -rng.randint(0, 36))
    every = rng.choice((6, 6, 6, 3, 12))
    end = schedule.add_months(start, rng.choice((24, 36, 48, 60)))
    reported_through, due = _reporting(start, end, every, rng.choice((0, 0, 0, 1, 2, 3, 4)), today)
    roll = rng.random()
    state = PledgeState.published if roll < 0.8 else (PledgeState.completed if roll < 0.92 else PledgeState.withdrawn)
    published_at = datetime.combine(start - timedelta(days=rng.randint(1, 30)), time(9), tzinfo=timezone.utc)
    closed_at = None
    if state is not PledgeState.published:
        closed_at = min(now, published_at + timedelta(days=rng.randint(30, 700)))
    amount = Decimal(rng.choice((0, 10_000, 25_000, 50_000, 120_000, 500_000, 1_000_000))) or None
    return dict(
        organisation_id=organisation_id, title=title, description=description,
        contribution=f"Ending {topic} is part of SDG target 8.7.", areas=areas, action_type=action_type,
        countries=countries, is_global=is_global, target_groups=rng.sample(tuple(TARGET_GROUPS), rng.choice((1, 2))),
        start_date=start, end_date=end, resources_amount=amount,
        resources_currency=rng.choice(CURRENCIES) if amount else "", resources_in_kind="",
        report_every_months=every, state=state, search_text=search_text_of(title, description),
        reported_through=reported_through, report_due_on=due.report_due_on, red_from=due.red_from,
        inactive_from=due.inactive_from, created_at=published_at - timedelta(days=7),
        updated_at=closed_at or published_at, submitted_at=published_at - timedelta(days=2),
        published_at=published_at, closed_at=closed_at,
    )


def seed_many_pledges(count: int = 20_000, *, now: datetime | None = None, seed: int = 87) -> int:
    """Insert ``count`` public pledges (with one deliverable and one indicator each); flush, no commit.

    Pledges go to the active organisations (six demo ones are created if there are none); about one in
    five is a joint pledge with a partner. Returns how many pledges were inserted.
    """
    now = now or utcnow()
    today = now.date()
    rng = random.Random(seed)
    organisations = _organisation_ids(now)
    made = 0
    while made < count:
        size = min(BATCH, count - made)
        rows = [_pledge_row(rng, rng.choice(organisations), today, now) for _ in range(size)]
        table = Pledge.__table__
        ids = list(db.session.scalars(sa.insert(table).returning(table.c.id, sort_by_parameter_order=True), rows))
        deliverables, indicators, partners, facets = [], [], [], []
        for pledge_id, row in zip(ids, rows):
            # Core inserts pass by the ORM's events: the facets the pledge would have written (see PledgeFacet).
            facets += facet_rows(pledge_id, row["state"], row["start_date"], row["end_date"], row["areas"],
                                 row["countries"])
            due = min(row["end_date"], schedule.add_months(row["start_date"], 6))
            deliverables.append(dict(pledge_id=pledge_id, position=0, title="Baseline study published",
                                     due_date=due, done_on=due if due <= today and rng.random() < 0.7 else None))
            name, unit, baseline, target = rng.choice(INDICATORS)
            indicators.append(dict(pledge_id=pledge_id, position=0, name=name, unit=unit, baseline=Decimal(baseline),
                                   target=Decimal(target),
                                   current_value=Decimal(rng.randint(baseline, target)) if row["reported_through"]
                                   else None, current_as_of=row["reported_through"]))
            if len(organisations) > 1 and rng.random() < 0.2:
                partner = rng.choice([o for o in organisations if o != row["organisation_id"]])
                partners.append(dict(pledge_id=pledge_id, organisation_id=partner))
        db.session.execute(sa.insert(Deliverable.__table__), deliverables)
        db.session.execute(sa.insert(Indicator.__table__), indicators)
        db.session.execute(sa.insert(PledgeFacet.__table__), facets)
        if partners:
            db.session.execute(sa.insert(PledgePartner.__table__), partners)
        made += size
    db.session.flush()
    return made


def top_up_public_pledges(total: int = 20_000, *, now: datetime | None = None) -> int:
    """Add bulk pledges until ``total`` pledges are public (``seed-demo --size large``, the benchmark)."""
    public = db.session.scalar(sa.select(sa.func.count()).where(Pledge.state.in_(PUBLIC_STATES)))
    return seed_many_pledges(max(0, total - public), now=now)
