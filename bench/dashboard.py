"""The monitoring dashboard with 20,000 public pledges: the whole page, a filtered page, one section, a CSV.

Builds a fresh SQLite database through the migrations, loads ``seed-demo`` and tops the public pledges up to
20,000 (as :mod:`bench.pledges` does), then times each page through the WSGI app (no network) as an anonymous
visitor, counting SQL queries. The issue's target: the unfiltered page in 150 ms or less.

Then the time each registered figure takes to compute (unfiltered and filtered, as the secretariat, which sees
every figure), each on its own context so that it pays for the shared queries it reads (the pledges' summary and
item counts, also timed alone), and its query count: the slow figures are visible.

Twice: as served (each process computes a figure at most once per DASHBOARD_FIGURES_SECONDS for the same filters,
language and kind of viewer, so all but the first request of a period read remembered figures), then with the
figures computed on every request (DASHBOARD_FIGURES_SECONDS=0), what the first request of each period costs.
"""
from __future__ import annotations

import statistics
import time

import sqlalchemy as sa

from bench.common import count_statements, fresh_app, percentile, time_pages

PLEDGES = 20_000
PAGES = {
    "dashboard, unfiltered": "/dashboard",
    "dashboard, year + region + area": "/dashboard?year=2026&region=002&area=child_labour",
    "dashboard, one section (pledges)": "/dashboard?section=pledges",
    "figure CSV: compliance": "/dashboard/compliance.csv",
}
FIGURE_RUNS = 15
FILTERS = {"unfiltered": {}, "year + region + area": {"year": 2026, "region": "002", "area": "child_labour"}}


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


def time_figures(app, statements: list[str], runs: int = FIGURE_RUNS) -> None:
    """Print each registered figure's compute time (median, p95 over ``runs``) and query count, unfiltered and
    filtered, each on a fresh context (so it pays for the shared queries it reads), then the shared queries alone
    and every figure in one context (the page's figures without the page)."""
    from app.commitments.figures import item_counts, summary
    from app.knowledge.dashboard import FIGURES, DashboardFilters, FigureContext
    from app.members.models import User
    from app.utils import utcnow

    def timed(make_ctx, work) -> tuple[float, float, int]:
        work(make_ctx())  # warm up
        statements.clear()
        work(make_ctx())
        queries = len(statements)
        times = []
        for _ in range(runs):
            ctx = make_ctx()
            t0 = time.perf_counter()
            work(ctx)
            times.append((time.perf_counter() - t0) * 1000)
        return statistics.median(times), percentile(times, 95), queries

    with app.test_request_context("/dashboard"):
        from app.extensions import db
        from app.policy import is_secretariat

        admin = next(u for u in db.session.scalars(sa.select(User)) if is_secretariat(u))
        now = utcnow()
        for name, args in FILTERS.items():
            filters = DashboardFilters(**args)

            def make_ctx(filters=filters):
                return FigureContext(filters, now, admin)

            print(f"-- each figure computed alone, {name} ({runs} runs)")
            print(f"{'figure':34} {'queries':>7} {'p50 ms':>8} {'p95 ms':>8}")
            rows = [(f"shared: {fn.__name__}", fn) for fn in (summary, item_counts)]
            rows += [(key, figure.compute) for key, figure in FIGURES.items()]
            rows.append(("all figures, one context", lambda ctx: [f.compute(ctx) for f in FIGURES.values()]))
            for label, work in rows:
                p50, p95, queries = timed(make_ctx, work)
                print(f"{label:34} {queries:7d} {p50:8.1f} {p95:8.1f}")
            db.session.rollback()


def run() -> None:
    from app.extensions import db

    app = app_with_pledges()
    with app.app_context():
        engine = db.engine
    statements = count_statements(engine)
    time_figures(app, statements)
    print(f"-- figures remembered for {app.config['DASHBOARD_FIGURES_SECONDS']} s (as served)")
    time_pages(app.test_client(), statements, PAGES)
    app.config["DASHBOARD_FIGURES_SECONDS"] = 0
    print("-- figures computed on every request (the first request of each period)")
    time_pages(app.test_client(), statements, PAGES)
