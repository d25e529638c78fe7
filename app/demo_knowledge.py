"""Demo content of the knowledge gateway (``flask seed-demo``): resources, a curator, citations, Pathfinder
countries with roadmaps and milestones, and the illustrative indicator sample (beside the other demo
modules, as it cites pledges and action groups).

Everything is invented (titles say "(demo)"); the indicator values are the sample file's, marked
illustrative. Running it again adds nothing: resources are keyed by title, countries by code.
"""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from app.actiongroups.models import ActionGroup
from app.commitments.models import PUBLIC_STATES, Pledge
from app.extensions import db
from app.knowledge.indicators import import_indicators
from app.knowledge.models import (
    LibraryCurator, PathfinderCountry, Resource, ResourceCitation, ResourceState, RoadmapMilestone,
)
from app.members.models import Organisation, User
from app.utils import fold, utcnow

SAMPLE = Path(__file__).resolve().parent / "knowledge" / "data" / "indicators-sample.csv"
CURATOR_EMAIL = "focal@ilsr.example.org"

# title, type, areas, countries, language, year, publisher acronym (or name), summary, state
RESOURCES = [
    ("Child labour in cocoa-growing communities: a household survey (demo)", "research", ["child_labour"],
     ["GHA", "CIV"], "en", 2024, "ILSR", "A survey of 2,400 households in cocoa-growing districts: who works, "
     "at what age, doing which tasks, and what keeps children in school.", "published"),
    ("Guide for labour inspectors on forced labour indicators (demo)", "guidance_tools", ["forced_labour"],
     [], "en", 2023, "UNODWP", "A field guide to the eleven indicators of forced labour, with interview "
     "checklists for labour inspectors and case examples from agriculture and construction.", "published"),
    ("Guide de l'inspection du travail sur le travail des enfants (demo)", "guidance_tools", ["child_labour"],
     ["SEN", "BFA"], "fr", 2022, "MEPS", "Un guide pratique pour les inspecteurs du travail : repérer le travail "
     "des enfants dans l'agriculture familiale et orienter les enfants vers l'école.", "published"),
    ("Fair recruitment of migrant domestic workers: policy brief (demo)", "policy", ["forced_labour", "trafficking"],
     ["NPL", "JOR"], "en", 2024, "IMSA", "Recruitment fees and debt push migrant domestic workers into forced "
     "labour. This brief sets out five policy options for countries of origin and destination.", "published"),
    ("Debt bondage in brick kilns: what works to end it (demo)", "good_practice", ["forced_labour", "modern_slavery"],
     ["PAK", "NPL", "IND"], "en", 2021, "FBI-D", "Lessons from ten years of work with brick kiln workers: "
     "collective bargaining, advance-free wages and access to credit.", "published"),
    ("Trafficking in persons: survivors' access to justice (demo)", "research", ["trafficking"],
     ["NGA", "MDA"], "en", 2023, "UCASR", "Interviews with 120 survivors of human trafficking on what helped and "
     "what stopped them from seeking justice.", "published"),
    ("Reintegrating children formerly associated with armed groups (demo)", "good_practice",
     ["child_soldiers", "worst_forms"], ["CMR"], "en", 2022, "UNCPF", "How community-based reintegration "
     "programmes helped 800 children leave armed groups and return to school or training.", "published"),
    ("Trabajo infantil en la minería artesanal de oro (demo)", "research", ["child_labour", "worst_forms"],
     ["PER", "COL"], "es", 2024, "CETF", "Estudio sobre niñas y niños en la minería artesanal de oro: riesgos, "
     "cadenas de suministro y respuestas de las autoridades locales.", "published"),
    ("Supply chain due diligence toolkit for small suppliers (demo)", "guidance_tools",
     ["child_labour", "forced_labour"], ["BGD", "IND"], "en", 2024, "GASG", "Checklists and templates that let "
     "small garment suppliers map risks of child labour and forced labour in their own supply chains.",
     "published"),
    ("Seafood traceability and forced labour at sea (demo)", "data", ["forced_labour", "trafficking"],
     ["THA", "IDN"], "en", 2023, "STP", "An open data set of 3,100 fishing vessel inspections with the forced "
     "labour indicators found on board.", "published"),
    ("Online course: identifying victims of trafficking (demo)", "training", ["trafficking"], [], "en", 2024,
     "SPSN", "A four-module online course for frontline workers in shelters, hospitals and the police.",
     "published"),
    ("Radio programmes against child marriage and child labour (demo)", "good_practice",
     ["child_labour", "worst_forms"], ["CMR"], "fr", 2021, "RVE", "Comment une radio communautaire a "
     "sensibilisé les familles au travail des enfants et au mariage précoce.", "published"),
    ("National action plans on child labour: a comparison (demo)", "policy", ["child_labour"],
     ["GHA", "KEN", "NPL", "PER"], "en", 2022, "Institute of Comparative Labour Policy (demo)",
     "A side-by-side reading of four national action plans: targets, budgets, coordination and monitoring.",
     "published"),
    ("Alliance 8.7 partners meet on supply chains (demo news)", "news", ["child_labour", "forced_labour"], [],
     "en", 2025, "A87S", "The Supply Chains action group met to agree its two-year workplan.", "published"),
    ("Migrant workers' helpline: first year in numbers (demo)", "data", ["forced_labour", "trafficking"], ["JOR"],
     "en", 2025, "GMWHD", "Calls received, problems reported and cases referred in the helpline's first year.",
     "submitted"),
    ("Kenya tea estates: child labour risk assessment (demo)", "research", ["child_labour"], ["KEN"], "en", 2025,
     "CFC", "A risk assessment of child labour on smallholder tea farms supplying three estates.", "submitted"),
]

# country, Pathfinder since (years ago), roadmap title, milestones (title, months from now, done?)
PATHFINDERS = [
    ("GHA", 6, "National action plan on child labour", [
        ("Child labour monitoring system in all cocoa districts", -12, True),
        ("Hazardous work list updated", -3, False), ("Labour inspectors trained in every region", 9, False)]),
    ("NPL", 5, "National action plan on child labour", [
        ("Child labour survey published", -18, True), ("Brick kiln inspections in 10 districts", 4, False)]),
    ("PER", 4, "National action plan on child labour", [
        ("Strategy on child labour in mining adopted", -6, True), ("Regional committees set up", 6, False)]),
]


def _org_ids() -> dict[str, int]:
    from app.demo_data import ORGANISATIONS

    ids = {o.name_key: o.id for o in db.session.scalars(sa.select(Organisation))}
    return {acronym: ids[fold(name)] for name, acronym, _kind, _country in ORGANISATIONS if fold(name) in ids}


def seed_knowledge(now: datetime | None = None) -> dict[str, int]:
    """Create what is missing; return how many resources, Pathfinder countries and indicator values were added."""
    now = now or utcnow()
    orgs = _org_ids()
    users = {u.email: u for u in db.session.scalars(sa.select(User).where(User.email.like("focal@%")))}
    admin = db.session.scalar(sa.select(User).where(User.email == "admin@hub.example.org"))
    curator = users.get(CURATOR_EMAIL)
    if curator is not None and db.session.get(LibraryCurator, curator.id) is None:
        db.session.add(LibraryCurator(user_id=curator.id, appointed_by_id=admin.id if admin else None,
                                      appointed_at=now))
    existing = set(db.session.scalars(sa.select(Resource.title)))
    added = 0
    for i, (title, kind, areas, countries, language, year, publisher, summary, state) in enumerate(RESOURCES):
        if title in existing:
            continue
        submitter = users.get(f"focal@{publisher.lower().replace('-', '')}.example.org") or admin
        when = now - timedelta(days=200 - i * 11)
        db.session.add(Resource(
            title=title, resource_type=kind, areas=areas, countries=countries, language=language,
            publication_year=year, summary=summary, publisher_id=orgs.get(publisher),
            publisher_name="" if publisher in orgs else publisher, licence="cc_by" if i % 3 else "copyright",
            external_url=f"https://resources.example.org/demo-{i + 1}", state=ResourceState(state),
            submitted_by_id=submitter.id if submitter else None,
            organisation_id=submitter.organisation_id if submitter else None,
            reviewed_by_id=admin.id if admin and state == "published" else None,
            created_at=when, updated_at=when, submitted_at=when,
            published_at=when + timedelta(days=2) if state == "published" else None))
        added += 1
    db.session.flush()
    _seed_citations(now)
    pathfinders = _seed_pathfinders(now)
    values = 0
    if not db.session.scalar(sa.select(sa.func.count()).select_from(sa.text("indicator_value"))):
        result = import_indicators(SAMPLE.read_text(encoding="utf-8"), now=now)
        values = result.added
    return {"resources": added, "pathfinder_countries": pathfinders, "indicator_values": values}


def _seed_citations(now: datetime) -> None:
    if db.session.scalar(sa.select(sa.func.count(ResourceCitation.id))):
        return
    by_title = {r.title: r for r in db.session.scalars(sa.select(Resource).where(
        Resource.state == ResourceState.published))}
    groups = {g.slug: g for g in db.session.scalars(sa.select(ActionGroup))}
    for title, slug in ((RESOURCES[8][0], "supply-chains"), (RESOURCES[3][0], "migration"),
                        (RESOURCES[1][0], "rule-of-law-governance"), (RESOURCES[6][0], "conflict-humanitarian-settings")):
        if title in by_title and slug in groups:
            db.session.add(ResourceCitation(resource_id=by_title[title].id, group_id=groups[slug].id, created_at=now))
    cocoa = by_title.get(RESOURCES[0][0])
    if cocoa is not None:
        pledges = db.session.scalars(sa.select(Pledge).where(Pledge.state.in_(PUBLIC_STATES))
                                     .order_by(Pledge.id).limit(60)).all()
        for pledge in [p for p in pledges if {"GHA", "CIV"} & set(p.countries or [])][:3]:
            db.session.add(ResourceCitation(resource_id=cocoa.id, pledge_id=pledge.id, created_at=now))


def _seed_pathfinders(now: datetime) -> int:
    added = 0
    roadmaps = {r.title: r for r in db.session.scalars(sa.select(Resource).where(Resource.resource_type == "policy"))}
    for code, years, roadmap_title, milestones in PATHFINDERS:
        if db.session.get(PathfinderCountry, code) is not None:
            continue
        title = f"{roadmap_title}: roadmap of {code} (demo)"
        roadmap = roadmaps.get(title)
        if roadmap is None:
            roadmap = Resource(title=title, resource_type="policy", areas=["child_labour", "forced_labour"],
                               countries=[code], language="en", publication_year=now.year - years,
                               summary="The country's Pathfinder roadmap: priorities, key actions, responsibilities, "
                                       "timelines, budgets and indicators to measure progress (demo).",
                               external_url=f"https://resources.example.org/roadmap-{code.lower()}",
                               state=ResourceState.published, licence="cc_by", created_at=now, updated_at=now,
                               submitted_at=now, published_at=now)
            db.session.add(roadmap)
            db.session.flush()
        country = PathfinderCountry(country_code=code, since=date(now.year - years, 3, 15),
                                    roadmap_resource_id=roadmap.id, notes="", updated_at=now)
        from app.commitments.schedule import add_months

        country.milestones = [RoadmapMilestone(position=i, title=title, due_date=add_months(now.date(), months),
                                               done_on=add_months(now.date(), months - 1) if done else None)
                              for i, (title, months, done) in enumerate(milestones)]
        db.session.add(country)
        added += 1
    db.session.flush()
    return added


def seed_many_resources(count: int, *, now: datetime | None = None, seed: int = 87) -> int:
    """Insert ``count`` published resources at once (``seed-demo --size large``, tests and benchmarks)."""
    from app.commitments.demo_bulk import COUNTRIES, TOPIC
    from app.knowledge.models import RESOURCE_TYPES

    now = now or utcnow()
    rng = random.Random(seed)
    rows = []
    for n in range(count):
        area = rng.choice(list(TOPIC))
        topic = rng.choice(TOPIC[area])
        kind = rng.choice(list(RESOURCE_TYPES))
        countries = sorted(rng.sample(COUNTRIES, rng.choice((0, 1, 1, 2))))
        when = now - timedelta(minutes=n)
        rows.append(dict(title=f"{RESOURCES[n % len(RESOURCES)][1].replace('_', ' ').capitalize()} on {topic} "
                               f"#{n + 1} (bulk demo)", resource_type=kind, areas=[area], countries=countries,
                         language=rng.choice(("en", "en", "en", "fr", "es")), publication_year=rng.randint(2015, 2025),
                         summary=f"What partners learned about {topic}, and what to do next.", publisher_id=None,
                         publisher_name="Bulk demo publisher", licence="cc_by", external_url="https://example.org/r",
                         file_path_key="", file_name="", file_mime="", file_size=0, file_sha256="",
                         state=ResourceState.published, review_comment="", created_at=when, updated_at=when,
                         submitted_at=when, published_at=when))
    for start in range(0, len(rows), 2000):
        db.session.execute(sa.insert(Resource.__table__), rows[start:start + 2000])
    db.session.flush()
    return count
