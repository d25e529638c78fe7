"""The Forum: the programme .ics with 150 sessions, a personal feed with 500 events (through the WSGI app,
with query counts), and the programme page with 150 sessions under ``gunicorn -w 2`` with 10 concurrent
clients (a small threaded HTTP client). DESIGN.md §8: .ics and feed ≤ 50 ms and ≤ 5 queries; the page
p50 ≤ 60 ms under load.

The machine's load average is printed before and after the load test: on a 2-core machine shared with other
work the same code measures several times slower when the load is high, so a figure means little without it.
"""
from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bench.common import count_statements, fresh_app, percentile, time_pages

SESSIONS = 150
FEED_EVENTS = 500
CLIENTS = 10
LOAD_REQUESTS = 400


def _big_forum(app) -> tuple[str, str]:
    """A 150-session Forum, and one person with 500 events in their feed; returns (programme URL, feed URL)."""
    from app.extensions import db
    from app.forums import feeds, services
    from app.forums.models import AgendaEntry, Forum, ForumSession
    from app.members.models import User

    with app.app_context():
        admin = db.session.scalar(db.select(User).where(User.is_admin.is_(True)))
        person = db.session.scalar(db.select(User).where(User.email == "focal@mlswr.example.org"))
        forum = db.session.scalar(db.select(Forum).where(Forum.slug == "forum-2027"))
        big = services.create_forum(admin, services.ForumData(
            title="Bench Forum", slug="bench", starts_on=forum.starts_on, ends_on=forum.ends_on,
            timezone="Europe/Zurich", is_published=True, tracks=["A", "B", "C"], rooms=["R1", "R2", "R3", "R4", "R5"]))
        start = datetime.combine(forum.starts_on, datetime.min.time(), tzinfo=timezone.utc) + timedelta(hours=7)
        sessions = []
        for i in range(SESSIONS):
            day, slot = divmod(i, 50)
            begins = start + timedelta(days=day % 3, minutes=15 * slot)
            sessions.append(ForumSession(forum_id=big.id, title=f"Session {i}: due diligence in practice",
                                         description="What works and what does not.", starts_at=begins,
                                         ends_at=begins + timedelta(minutes=60), room_id=big.rooms[i % 5].id,
                                         track_id=big.tracks[i % 3].id))
        db.session.add_all(sessions)
        db.session.flush()
        services.register(person, big)
        # The person's agenda: the 150 sessions, plus 350 more in a second (past-proof) edition.
        more = services.create_forum(admin, services.ForumData(
            title="Bench Forum 2", slug="bench2", starts_on=forum.starts_on, ends_on=forum.ends_on,
            timezone="Europe/Zurich", is_published=True))
        extra = [ForumSession(forum_id=more.id, title=f"Extra {i}", starts_at=start + timedelta(minutes=10 * i),
                              ends_at=start + timedelta(minutes=10 * i + 30)) for i in range(FEED_EVENTS - SESSIONS)]
        db.session.add_all(extra)
        db.session.flush()
        db.session.add_all(AgendaEntry(user_id=person.id, session_id=s.id) for s in sessions + extra)
        token = feeds.reset_feed(person)
        db.session.commit()
        return "/forums/bench", f"/forums/calendar/{person.id}/{token}.ics"


def _serve(database: str, port: int, log: Path) -> subprocess.Popen:
    env = {**os.environ, "HUB_ENV": "development", "SECRET_KEY": "bench", "DATABASE_URL": database,
           "MAIL_BACKEND": "file", "MAIL_OUTBOX_DIR": str(log.parent / "outbox"), "RATELIMIT_ENABLED": "0"}
    gunicorn = Path(sys.executable).parent / "gunicorn"
    proc = subprocess.Popen([str(gunicorn), "-w", "2", "-b", f"127.0.0.1:{port}", "wsgi:app"], env=env,
                            stdout=log.open("wb"), stderr=subprocess.STDOUT)
    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return proc
        except OSError:
            time.sleep(0.1)
    proc.terminate()
    raise RuntimeError(log.read_text())


def _load(url: str) -> list[float]:
    """CLIENTS threads fetch ``url`` LOAD_REQUESTS times in all; returns each request's milliseconds."""
    times: list[float] = []
    lock = threading.Lock()
    per_client = LOAD_REQUESTS // CLIENTS

    def client():
        for _ in range(per_client):
            t0 = time.perf_counter()
            with urllib.request.urlopen(url, timeout=30) as response:
                response.read()
                assert response.status == 200
            with lock:
                times.append((time.perf_counter() - t0) * 1000)

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(f"  {len(times)} requests in {time.perf_counter() - started:.1f} s")
    return times


def run() -> None:
    app = fresh_app()
    programme, feed = _big_forum(app)
    with app.app_context():
        from app.extensions import db

        engine = db.engine
        database = str(engine.url)
    client = app.test_client()
    statements = count_statements(engine)
    time_pages(client, statements, {
        f"programme .ics ({SESSIONS} sessions)": programme + "/programme.ics",
        f"personal feed ({FEED_EVENTS} events)": feed,
        f"programme page ({SESSIONS}, in-process)": programme,
    })
    # The same page for a registered partner (their buttons on every session: not shared with anyone).
    from app.demo_data import DEMO_PASSWORD

    partner = app.test_client()
    assert partner.post("/login", data={"email": "focal@mlswr.example.org",
                                        "password": DEMO_PASSWORD}).status_code == 302
    time_pages(partner, statements, {f"programme page, signed in ({SESSIONS})": programme})
    port = 8091
    log = Path(tempfile.mkdtemp(prefix="hub-bench-gunicorn-")) / "gunicorn.log"
    proc = _serve(database, port, log)
    try:
        url = f"http://127.0.0.1:{port}{programme}"
        print("load average before: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
        _load(url)  # warm up both workers
        times = _load(url)
        print(f"programme page, gunicorn -w 2, {CLIENTS} clients: p50 {statistics.median(times):.1f} ms, "
              f"p95 {percentile(times, 95):.1f} ms")
        print("load average after: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
