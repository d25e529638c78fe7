"""The monitoring dashboard with 20,000 public pledges: the whole page, a filtered page, one section, a CSV.

Builds a fresh SQLite database through the migrations, loads ``seed-demo`` and tops the public pledges up to
20,000 (as :mod:`bench.pledges` does), then times each page through the WSGI app (no network) as an anonymous
visitor, counting SQL queries. The issue's target: the unfiltered page in 150 ms or less.

Twice: as served (each process computes a figure at most once per DASHBOARD_FIGURES_SECONDS for the same filters,
language and kind of viewer, so all but the first request of a period read remembered figures), then with the
figures computed on every request (DASHBOARD_FIGURES_SECONDS=0), what the first request of each period costs.
"""
from __future__ import annotations

import time

import sqlalchemy as sa

from bench.common import count_statements, fresh_app, time_pages

PLEDGES = 20_000
PAGES = {
    "dashboard, unfiltered": "/dashboard",
    "dashboard, year + region + area": "/dashboard?year=2026&region=002&area=child_labour",
    "dashboard, one section (pledges)": "/dashboard?section=pledges",
    "figure CSV: compliance": "/dashboard/compliance.csv",
}


def app_with_pledges(count: int = PLEDGES):
    """A fresh app whose database holds ``count`` public pledges (and the demo data)."""
    from app.commitments.demo_bulk import top_up_public_pledges
    from app.extensions import db

    app = fresh_app()
    with app.app_context():
        started = time.perf_counter()
        added = top_up_public_pledges(count)
        db.session.commit()
        db.session.execute(sa.text("ANALYZE"))
        print(f"top_up_public_pledges: {added} pledges added in {time.perf_counter() - started:.1f} s "
              f"({count} public pledges)")
    return app


def run() -> None:
    from app.extensions import db

    app = app_with_pledges()
    with app.app_context():
        engine = db.engine
    statements = count_statements(engine)
    print(f"-- figures remembered for {app.config['DASHBOARD_FIGURES_SECONDS']} s (as served)")
    time_pages(app.test_client(), statements, PAGES)
    app.config["DASHBOARD_FIGURES_SECONDS"] = 0
    print("-- figures computed on every request (the first request of each period)")
    time_pages(app.test_client(), statements, PAGES)
