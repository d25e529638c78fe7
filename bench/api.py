"""The API's pledge list with 20,000 public pledges, page by page (``python -m bench api``).

Same data as bench/pledges.py (seed-demo topped up to 20,000 public pledges), then a client walks
``/api/v1/pledges`` from the first page to the last by ``next_cursor``, timing each page and counting its
SQL queries. Target (issue 17): p95 per page <= 50 ms, and the same number of queries on every page.
``BENCH_DATABASE_URL=postgresql+psycopg://...`` runs it on an empty PostgreSQL database instead of SQLite
(start a throwaway one with scripts/pg.sh).
"""
from __future__ import annotations

import os
import statistics
import time

import sqlalchemy as sa

from bench.common import count_statements, fresh_app, percentile

PLEDGES = 20_000
LIMITS = (50, 100)


def run() -> None:
    from app.commitments.demo_bulk import top_up_public_pledges
    from app.extensions import db

    overrides = {}
    if os.environ.get("BENCH_DATABASE_URL"):
        overrides["SQLALCHEMY_DATABASE_URI"] = os.environ["BENCH_DATABASE_URL"]
    app = fresh_app(**overrides)
    with app.app_context():
        started = time.perf_counter()
        added = top_up_public_pledges(PLEDGES)
        db.session.commit()
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
        print(f"top_up_public_pledges: {added} pledges added in {time.perf_counter() - started:.1f} s "
              f"({db.engine.dialect.name})")
        engine = db.engine
    client = app.test_client()
    statements = count_statements(engine)
    # Wall time, and this process's CPU time: on a shared, loaded machine the wall time mostly measures the
    # wait for a core; the CPU time is what the page costs (the database server's own time is not in it
    # on PostgreSQL).
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'limit':>5} {'pages':>6} {'items':>7} {'queries/page':>13} {'median ms':>10} {'p95 ms':>8} {'max ms':>8}"
          f" {'p95 CPU ms':>11}")
    for limit in LIMITS:
        url, times, cpu, queries, items = f"/api/v1/pledges?limit={limit}", [], [], set(), 0
        while url:
            statements.clear()
            t0, c0 = time.perf_counter(), time.process_time()
            response = client.get(url)
            times.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
            assert response.status_code == 200, response.get_data(as_text=True)
            body = response.get_json()
            items += len(body["items"])
            if body["next_cursor"]:
                queries.add(len(statements))
            url = f"/api/v1/pledges?limit={limit}&cursor={body['next_cursor']}" if body["next_cursor"] else None
        print(f"{limit:5d} {len(times):6d} {items:7d} {'/'.join(map(str, sorted(queries))):>13} "
              f"{statistics.median(times):10.1f} {percentile(times, 95):8.1f} {max(times):8.1f} "
              f"{percentile(cpu, 95):11.1f}")
