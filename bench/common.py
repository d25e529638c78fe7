"""What every benchmark does: a fresh migrated SQLite app, the demo data, and timed pages with query counts."""
from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import event

REQUESTS = 30


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def fresh_app(*seed_args: str, **overrides):
    """A new app on a throwaway SQLite database, migrated, with ``seed-demo *seed_args`` loaded (its overlap
    index kept in the same throwaway directory); ``overrides`` are extra configuration values."""
    from flask_migrate import upgrade

    from app import create_app
    from config import DevelopmentConfig

    tmp = Path(tempfile.mkdtemp(prefix="hub-bench-"))
    app = create_app(DevelopmentConfig, {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.sqlite3'}", "UPLOAD_DIR": str(tmp / "uploads"),
        "MAIL_BACKEND": "memory", "RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False,
        "SCHEDULER_ENABLED": False, "DEDUP_INDEX_DIR": str(tmp / "dedup"), **overrides})
    with app.app_context():
        upgrade()
    started = time.perf_counter()
    with app.app_context():  # `flask` pushes one for every command; the test runner does not
        result = app.test_cli_runner().invoke(args=["seed-demo", *seed_args])
    assert result.exit_code == 0, f"{result.output}\n{result.exception!r}"
    print(f"seed-demo {' '.join(seed_args)}: {time.perf_counter() - started:.1f} s")
    return app


def count_statements(engine) -> list[str]:
    """A list that collects every SQL statement the engine runs from now on."""
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    return statements


def time_pages(client, statements: list[str], pages: dict[str, str], requests: int = REQUESTS) -> None:
    """Print, for each page, its SQL query count and median and 95th-percentile time over ``requests`` runs."""
    print(f"{'page':34} {'queries':>7} {'p50 ms':>8} {'p95 ms':>8}")
    for label, url in pages.items():
        assert client.get(url).status_code == 200, url  # warm up
        statements.clear()
        client.get(url)
        queries = len(statements)
        times = []
        for _ in range(requests):
            t0 = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200
        print(f"{label:34} {queries:7d} {statistics.median(times):8.1f} {percentile(times, 95):8.1f}")
