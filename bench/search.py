"""The global search with 100,000 indexed items, on SQLite (FTS5) and on PostgreSQL (tsvector + GIN); then
the knowledge pages (search, library, country, dashboard) with 20,000 public pledges, on SQLite.

    python -m bench search                       # SQLite only
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5443/postgres python -m bench search

With BENCH_DATABASE_URL, a throwaway database is created on that server, migrated, used and dropped.
Each query is timed in-process (``search()``: its SQL queries and the snippets) as an anonymous visitor
and as a signed-in partner (whose permission filter joins their memberships). The documents are a worst
case: every body draws 60 words from a vocabulary of 34, so a common word matches most of the 100,000
documents, and every match must be counted and ranked.
"""
from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from bench.common import count_statements, fresh_app, percentile, time_pages

ITEMS = 100_000
RUNS = 10
QUERIES = {
    "one common word": "labour",
    "one rare word": "kilns",
    "a prefix": "traff",
    "two words": "child mining",
    "three words, accents": "travail forcé pêche",
    "no match": "zyzzyva",
    "common word, page 50": ("children", 50),
    "common word, pledges only": ("forced", 1, "pledge"),
}
PAGES = {
    "search: child labour": "/search?q=child+labour",
    "search: traffick, pledges, page 3": "/search?q=traffick&kind=pledge&page=3",
    "library, unfiltered": "/library/",
    "library: q + country, relevance": "/library/?q=forced&country=KEN&sort=relevance",
    "country page (KEN)": "/countries/KEN",
    "dashboard, unfiltered": "/dashboard",
    "dashboard: year + region + area": "/dashboard?year=2025&region=002&area=child_labour",
    "dashboard CSV (compliance)": "/dashboard/compliance.csv",
}
WORDS = ("child labour forced trafficking slavery bondage kilns mining cocoa fishing domestic workers migrants "
         "inspection survey school remediation recruitment fees debt garment supply chain audit shelter "
         "survivors justice travail forcé pêche enfants trabajo infantil minería").split()


def _documents(count: int, seed: int = 87) -> list[dict]:
    """Documents of every kind, with titles and bodies drawn from the pledge generator's vocabulary."""
    from app.commitments.demo_bulk import TOPIC, WHAT
    from app.utils import fold, utcnow

    rng = random.Random(seed)
    kinds = ("resource", "pledge", "pledge", "pledge", "group", "organisation", "document")
    now = utcnow()
    rows = []
    for n in range(count):
        topic = rng.choice(rng.choice(list(TOPIC.values())))
        what = rng.choice(rng.choice(list(WHAT.values())))
        title = f"{what} {topic} #{n}"
        body = " ".join(rng.choice(WORDS) for _ in range(60))
        kind = rng.choice(kinds)
        audience = "members" if kind == "document" and n % 2 else "public"
        rows.append(dict(kind=kind, object_id=n + 1, title=title, body=body, title_key=fold(title),
                         body_key=fold(body), language="en", url=f"/x/{n}", audience=audience,
                         group_id=None, updated_at=now))
    return rows


def bench_search(url: str | None) -> None:
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from app.knowledge.models import SearchDocument
    from app.knowledge.search import Query, search
    from config import DevelopmentConfig

    from tests.test_migrations import empty_database

    with empty_database(Path(tempfile.mkdtemp(prefix="hub-bench-")), url) as database:
        app = create_app(DevelopmentConfig, {"SQLALCHEMY_DATABASE_URI": database, "MAIL_BACKEND": "memory",
                                             "SCHEDULER_ENABLED": False})
        with app.app_context(), app.test_request_context():
            upgrade()
            backend = db.engine.dialect.name
            started = time.perf_counter()
            rows = _documents(ITEMS)
            for start in range(0, len(rows), 5000):
                db.session.execute(sa.insert(SearchDocument.__table__), rows[start:start + 5000])
            db.session.commit()
            db.session.execute(sa.text("ANALYZE"))
            db.session.commit()
            print(f"{backend}: {ITEMS} documents indexed in {time.perf_counter() - started:.1f} s")

            class Partner:  # a signed-in, approved partner who belongs to no group
                is_authenticated, is_approved, is_admin, id = True, True, False, 1

            print(f"{'query':30} {'viewer':9} {'matches':>8} {'p50 ms':>8} {'p95 ms':>8}")
            for label, spec in QUERIES.items():
                q, page, kind = (spec, 1, "") if isinstance(spec, str) else (*spec, "")[:3]
                for viewer_name, viewer in (("anonymous", None), ("partner", Partner())):
                    query = Query(q=q, page=page, kind=kind)
                    results = search(query, viewer)  # warm up
                    times = []
                    for _ in range(RUNS):
                        t0 = time.perf_counter()
                        search(query, viewer)
                        times.append((time.perf_counter() - t0) * 1000)
                    print(f"{label:30} {viewer_name:9} {results.total:8d} {statistics.median(times):8.1f} "
                          f"{percentile(times, 95):8.1f}")
            db.session.remove()
            db.engine.dispose()


def bench_pages() -> None:
    from app.commitments.demo_bulk import top_up_public_pledges
    from app.extensions import db
    from app.demo_knowledge import seed_many_resources
    from app.knowledge.search import rebuild_index

    app = fresh_app()
    with app.app_context():
        started = time.perf_counter()
        top_up_public_pledges(20_000)
        seed_many_resources(2_000)
        db.session.commit()
        counts = rebuild_index()
        db.session.commit()
        db.session.execute(sa.text("ANALYZE"))
        print(f"20,000 public pledges and 2,000 resources added and indexed ({sum(counts.values())} documents) "
              f"in {time.perf_counter() - started:.1f} s")
        engine = db.engine
    time_pages(app.test_client(), count_statements(engine), PAGES, requests=10)


def run() -> None:
    bench_search(None)
    url = os.environ.get("BENCH_DATABASE_URL")
    if url:
        bench_search(url)
    else:
        print("postgresql: skipped (set BENCH_DATABASE_URL to a server, e.g. one started by scripts/pg.sh)")
    bench_pages()
