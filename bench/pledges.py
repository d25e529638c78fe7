"""The public pledge registry with 20,000 pledges: unfiltered and filtered pages, and the exports.

Builds a fresh SQLite database through the migrations, loads ``seed-demo`` and tops the public pledges up
to 20,000 with ``seed_many_pledges``, then times each page through the WSGI app (no network) as an
anonymous visitor, counting SQL queries. The issue's target: a filtered page in under 100 ms.
"""
from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event

from bench.workspace import _percentile

PLEDGES = 20_000
REQUESTS = 30
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
    from flask_migrate import upgrade

    from app import create_app
    from app.commitments.demo_bulk import top_up_public_pledges
    from app.extensions import db
    from config import DevelopmentConfig

    tmp = Path(tempfile.mkdtemp(prefix="hub-bench-"))
    app = create_app(DevelopmentConfig, {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.sqlite3'}", "UPLOAD_DIR": str(tmp / "uploads"),
        "MAIL_BACKEND": "memory", "RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False,
        "SCHEDULER_ENABLED": False})
    with app.app_context():
        upgrade()
    with app.app_context():  # `flask` pushes one for every command; the test runner does not
        result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, f"{result.output}\n{result.exception!r}"
    with app.app_context():
        started = time.perf_counter()
        added = top_up_public_pledges(PLEDGES)
        db.session.commit()
        db.session.execute(sa.text("ANALYZE"))
        print(f"top_up_public_pledges: {added} pledges added in {time.perf_counter() - started:.1f} s "
              f"({PLEDGES} public pledges)")
        engine = db.engine
    client = app.test_client()
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    print(f"{'page':34} {'queries':>7} {'p50 ms':>8} {'p95 ms':>8}")
    for label, url in PAGES.items():
        assert client.get(url).status_code == 200, url
        statements.clear()
        client.get(url)
        queries = len(statements)
        times = []
        for _ in range(REQUESTS):
            t0 = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200
        print(f"{label:34} {queries:7d} {statistics.median(times):8.1f} {_percentile(times, 95):8.1f}")
    print(f"{'download':34} {'queries':>7} {'ms':>8} {'MB':>8}")
    for label, url in EXPORTS.items():
        statements.clear()
        t0 = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - t0) * 1000
        assert response.status_code == 200, url
        print(f"{label:34} {len(statements):7d} {elapsed:8.0f} {len(response.data) / 1e6:8.1f}")
