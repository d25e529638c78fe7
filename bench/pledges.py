"""The public pledge registry with 20,000 pledges: unfiltered and filtered pages, and the exports.

Builds a fresh SQLite database through the migrations, loads ``seed-demo`` and tops the public pledges up
to 20,000 (as ``seed-demo --size large`` does), then times each page through the WSGI app (no network) as an
anonymous visitor, counting SQL queries. The issue's target: a filtered page in under 100 ms.
"""
from __future__ import annotations

import time

import sqlalchemy as sa

from bench.common import count_statements, fresh_app, time_pages

PLEDGES = 20_000
PAGES = {
    "registry, unfiltered": "/pledges/",
    "registry, last page by end date": "/pledges/?sort=end&page=1000",
    "filter: area + country": "/pledges/?area=forced_labour&country=KEN",
    "filter: area + region (Africa)": "/pledges/?area=child_labour&country=002",
    "filter: search word": "/pledges/?q=cocoa",
    "filter: light = red": "/pledges/?light=red",
    "filter: search + light + type": "/pledges/?q=inspectors&light=amber&stakeholder_type=government",
}
EXPORTS = {  # one request each: a download, not a page
    "export CSV, area + country": "/pledges/export.csv?area=forced_labour&country=KEN",
    "export JSON, area + country": "/pledges/export.json?area=forced_labour&country=KEN",
    "export IATI XML, area + country": "/pledges/export.xml?area=forced_labour&country=KEN",
    "export CSV, everything": "/pledges/export.csv",
}


def run() -> None:
    from app.commitments.demo_bulk import top_up_public_pledges
    from app.extensions import db

    app = fresh_app()
    with app.app_context():
        started = time.perf_counter()
        added = top_up_public_pledges(PLEDGES)
        db.session.commit()
        db.session.execute(sa.text("ANALYZE"))
        print(f"top_up_public_pledges: {added} pledges added in {time.perf_counter() - started:.1f} s "
              f"({PLEDGES} public pledges)")
        engine = db.engine
    client = app.test_client()
    statements = count_statements(engine)
    time_pages(client, statements, PAGES)
    print(f"{'download':34} {'queries':>7} {'ms':>8} {'MB':>8}")
    for label, url in EXPORTS.items():
        statements.clear()
        t0 = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - t0) * 1000
        assert response.status_code == 200, url
        print(f"{label:34} {len(statements):7d} {elapsed:8.0f} {len(response.data) / 1e6:8.1f}")
