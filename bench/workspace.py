"""Workspace pages at scale: a 500-reply thread, 1,000 documents, 200 work items.

Builds a fresh SQLite database through the migrations, loads ``seed-demo --size large``, signs in as the
large workspace's convener and times each page through the WSGI app (no network), counting SQL queries.
"""
from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event

REQUESTS = 30


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def run() -> None:
    from flask_migrate import upgrade

    from app import create_app
    from app.actiongroups.discussions.models import Thread
    from app.actiongroups.models import ActionGroup, GroupRole, Membership
    from app.demo_content import LARGE_SLUG
    from app.demo_data import DEMO_PASSWORD
    from app.extensions import db
    from app.members.models import User
    from config import DevelopmentConfig

    tmp = Path(tempfile.mkdtemp(prefix="hub-bench-"))
    app = create_app(DevelopmentConfig, {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.sqlite3'}", "UPLOAD_DIR": str(tmp / "uploads"),
        "MAIL_BACKEND": "memory", "RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False,
        "SCHEDULER_ENABLED": False})
    with app.app_context():
        upgrade()
    runner = app.test_cli_runner()
    started = time.perf_counter()
    with app.app_context():  # `flask` pushes one for every command; the test runner does not
        result = runner.invoke(args=["seed-demo", "--size", "large"])
    assert result.exit_code == 0, f"{result.output}\n{result.exception!r}"
    print(f"seed-demo --size large: {time.perf_counter() - started:.1f} s")
    with app.app_context():
        group = db.session.scalar(sa.select(ActionGroup).where(ActionGroup.slug == LARGE_SLUG))
        convener = db.session.scalar(sa.select(User).join(Membership, Membership.user_id == User.id).where(
            Membership.group_id == group.id, Membership.role == GroupRole.convener))
        thread_id = db.session.scalar(sa.select(Thread.id).where(Thread.group_id == group.id))
        email = convener.email
        engine = db.engine
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": DEMO_PASSWORD}).status_code == 302
    base = f"/actiongroups/{LARGE_SLUG}"
    pages = {
        "workspace home": f"{base}/workspace",
        "thread, 500 replies (page 1)": f"{base}/threads/{thread_id}",
        "thread, 500 replies (last page)": f"{base}/threads/{thread_id}?page=26",
        "documents, 1,000": f"{base}/documents",
        "work plan, 200 items": f"{base}/workplan",
        "members": f"{base}/members",
    }
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    print(f"{'page':34} {'queries':>7} {'p50 ms':>8} {'p95 ms':>8}")
    for label, url in pages.items():
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
