"""The registry's exports of 20,000 public pledges: time to the first byte and in total, streamed.

Same data as bench/dashboard.py (seed-demo topped up to 20,000 public pledges, SQLite). Each export is read
through the WSGI app (no network) as a stream: the first chunk's time is what a browser waits before the
download starts.
"""
from __future__ import annotations

import time

from bench.common import count_statements
from bench.dashboard import app_with_pledges

EXPORTS = {
    "export CSV, everything": "/pledges/export.csv",
    "export JSON, everything": "/pledges/export.json",
    "export CSV, area + country": "/pledges/export.csv?area=forced_labour&country=KEN",
}
RUNS = 3


def run() -> None:
    from app.extensions import db

    app = app_with_pledges()
    with app.app_context():
        engine = db.engine
    statements = count_statements(engine)
    client = app.test_client()
    print(f"{'download':30} {'queries':>7} {'first byte ms':>13} {'total ms':>9} {'MB':>6}")
    for label, url in EXPORTS.items():
        best = None
        for _ in range(RUNS):
            statements.clear()
            t0 = time.perf_counter()
            response = client.get(url, buffered=False)
            chunks = iter(response.response)
            size = len(next(chunks))
            first = (time.perf_counter() - t0) * 1000
            size += sum(len(chunk) for chunk in chunks)
            total = (time.perf_counter() - t0) * 1000
            response.close()
            assert response.status_code == 200, url
            if best is None or total < best[2]:
                best = (len(statements), first, total, size)
        queries, first, total, size = best
        print(f"{label:30} {queries:7d} {first:13.0f} {total:9.0f} {size / 1e6:6.1f}")
