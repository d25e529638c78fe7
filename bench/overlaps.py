"""The duplication detector inside the app, at 100,000 initiatives, through gunicorn on loopback.

1. A fresh migrated SQLite database with the demo data, topped up with 100,000 generated initiative-like
   records (``bench.dedup_corpus``) stored as imported activities; ``flask dedup-rebuild`` builds the index.
2. The panel's JSON endpoint (``POST /overlaps/check``) through ``gunicorn -w 4`` on 127.0.0.1: 10 clients,
   each signed in with its own session and CSRF token, send drafts back to back (no think time); p50/p95
   of 300 requests just after the start, then of 300 more (the steady state). The clients share the two
   cores with the server, so they are kept light (``http.client``).
3. Memory: the proportional set size (PSS, /proc/<pid>/smaps_rollup, which splits shared pages between the
   processes that map them) of the master and 4 workers, against 4 × one worker (``gunicorn -w 1``).
4. 1,000 inserts, edits and deletes made through the app's change log (each committed in its own
   transaction, as the services do), each followed at once by a query through gunicorn that must see it;
   and the workers' log, which must show no index build (no rebuild on the request path).
5. ``flask import-iati`` on generated IATI files of 10,000 and 40,000 activities: time and peak memory
   (streamed: memory should not grow with the file). Last, so the servers above do not see them.

``OVERLAPS_BENCH_N`` changes the number of records (default 100,000), ``OVERLAPS_BENCH_IMPORT`` the sizes of
the import files (default ``10000,40000``). Run: ``python -m bench overlaps``.
"""
from __future__ import annotations

import http.client
import http.cookiejar
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from xml.sax.saxutils import escape

import sqlalchemy as sa

from bench.common import fresh_app, percentile
from bench.dedup_corpus import corpus

N = int(os.environ.get("OVERLAPS_BENCH_N", "100000"))
CLIENTS = 10
REQUESTS_PER_CLIENT = 30
CHANGES = 1000
IMPORT_SIZES = tuple(int(n) for n in os.environ.get("OVERLAPS_BENCH_IMPORT", "10000,40000").split(","))
USER = "focal@mlswr.example.org"   # a demo focal point (app/demo_data.py)
PASSWORD = "hub-demo-2026!"
REPO = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
USER_AGENT = "hub-bench"
CSRF_RE = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


# -- data ----------------------------------------------------------------------------------------------------
def _row(record, i: int) -> dict:
    return {"identifier": f"BENCH-{i}", "source": "iati", "source_name": "bench", "title": record.title,
            "description": record.description, "countries": list(record.countries), "regions": [],
            "start_date": record.start, "end_date": record.end, "status": "2", "areas": list(record.themes),
            "target_groups": list(record.target_groups), "sdg_targets": [], "participating_orgs": [],
            "contact": {}, "url": "", "language": "en", "content_hash": "", "reporting_org_ref": record.lead_org,
            "reporting_org_name": record.lead_org}


def load_records(app, records) -> float:
    from app.extensions import db
    from app.overlaps.models import ExternalActivity
    from app.utils import utcnow

    started = time.perf_counter()
    now = utcnow()
    with app.app_context():
        table = ExternalActivity.__table__
        for start in range(0, len(records), 5000):
            rows = [{**_row(r, start + i), "imported_at": now, "updated_at": now}
                    for i, r in enumerate(records[start:start + 5000])]
            db.session.execute(table.insert(), rows)
        db.session.commit()
        from app.overlaps.importing import refresh_statistics

        refresh_statistics()  # as flask import-iati does after an import
        db.session.commit()
        # SQLite reads the statistics when a connection opens: a connection opened before the import (the
        # demo data's) would keep planning ``id IN (...)`` over the now large table as a full scan.
        db.engine.dispose()
    return time.perf_counter() - started


# -- gunicorn ------------------------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env(app) -> dict[str, str]:
    env = os.environ.copy()
    env.update({"HUB_ENV": "development", "SECRET_KEY": "bench-secret", "FLASK_APP": "wsgi",
                "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "DEDUP_INDEX_DIR": app.config["DEDUP_INDEX_DIR"],
                "MAIL_BACKEND": "memory", "RATELIMIT_ENABLED": "0", "SCHEDULER_ENABLED": "0"})
    return env


@contextmanager
def gunicorn(app, workers: int, log: Path, preload: bool = False):
    port = _free_port()
    pidfile = log.with_suffix(".pid")
    with log.open("wb") as out:
        proc = subprocess.Popen([str(VENV_BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}",
                                 "--timeout", "120", "--pid", str(pidfile), *(["--preload"] if preload else []),
                                 "wsgi:app"],
                                cwd=REPO, env=_env(app), stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(url + "/healthz", timeout=2)
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError(f"gunicorn did not start:\n{log.read_text()}")
        yield url, proc.pid
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)


def pss_kib(pid: int) -> tuple[int, int]:
    """(PSS, RSS) in KiB of one process."""
    values = {}
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            name, _, rest = line.partition(":")
            if name in ("Pss", "Rss"):
                values[name] = int(rest.split()[0])
    return values["Pss"], values["Rss"]


def family(master: int) -> list[int]:
    children = []
    for task in Path(f"/proc/{master}/task").iterdir():
        children += [int(c) for c in (task / "children").read_text().split()]
    return [master, *children]


# -- HTTP clients ----------------------------------------------------------------------------------------------
class Client:
    """A signed-in browser: its own cookies, the CSRF token of the pledge form.

    The panel's requests go out through ``http.client`` with the session cookie set by hand: the client
    runs on the same two cores as the server, and urllib's cookie handling cost it about 1 ms of CPU per
    request that the server then did not have.
    """

    def __init__(self, base: str):
        self.base = base
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        self.opener.addheaders = [("User-Agent", USER_AGENT)]  # the session is bound to it (strong protection)
        page = self.get("/login")
        token = CSRF_RE.search(page).group(1)
        self.post("/login", {"email": USER, "password": PASSWORD, "csrf_token": token})
        self.token = CSRF_RE.search(self.get("/pledges/new")).group(1)
        self.cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
        address = urllib.parse.urlsplit(base)
        self.host, self.port = address.hostname, address.port

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=60) as response:
            return response.read().decode("utf-8")

    def post(self, path: str, data: dict) -> bytes:
        body = urllib.parse.urlencode(data, doseq=True).encode()
        with self.opener.open(urllib.request.Request(self.base + path, data=body), timeout=60) as response:
            return response.read()

    def check(self, draft: dict) -> tuple[float, dict]:
        body = urllib.parse.urlencode({**draft, "csrf_token": self.token}, doseq=True)
        started = time.perf_counter()
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            connection.request("POST", "/overlaps/check?kind=pledge", body, {
                "Cookie": self.cookie, "User-Agent": USER_AGENT, "Content-Type": "application/x-www-form-urlencoded"})
            response = connection.getresponse()
            data = response.read()
        finally:
            connection.close()
        elapsed = (time.perf_counter() - started) * 1000
        if response.status != 200:
            raise RuntimeError(f"POST /overlaps/check answered {response.status}: {data[:200]!r}")
        return elapsed, json.loads(data)


def as_form(record) -> dict:
    return {"title": record.title, "description": record.description, "countries": list(record.countries),
            "areas": list(record.themes), "target_groups": list(record.target_groups),
            "start_date": record.start.isoformat() if record.start else "",
            "end_date": record.end.isoformat() if record.end else ""}


def drafts(records, count: int, seed: int = 4242) -> list[dict]:
    """Half new records in the corpus's style, half near-copies of existing ones (a sentence dropped)."""
    rng = random.Random(seed)
    fresh = corpus(count, seed=seed)
    out = []
    for i in range(count):
        if i % 2:
            out.append(as_form(fresh[i]))
        else:
            copy = as_form(records[rng.randrange(len(records))])
            copy["description"] = copy["description"].split(". ")[0]
            out.append(copy)
    return out


def concurrent(clients: list[Client], forms: list[dict]) -> tuple[list[float], float, int]:
    times: list[float] = []
    matches = [0]
    lock = threading.Lock()

    def worker(client: Client, mine: list[dict]):
        for form in mine:
            elapsed, answer = client.check(form)
            with lock:
                times.append(elapsed)
                matches[0] += answer["count"]

    per = len(forms) // len(clients)
    threads = [threading.Thread(target=worker, args=(c, forms[i * per:(i + 1) * per])) for i, c in enumerate(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return times, time.perf_counter() - started, matches[0]


# -- changes through the change log ----------------------------------------------------------------------------
SYLLABLES = ["ka", "mo", "tu", "re", "la", "vi", "zo", "ne", "pa", "ri", "gu", "sel", "dor", "fin", "bak", "lum"]


def marker(rng: random.Random) -> str:
    words = ["".join(rng.choice(SYLLABLES) for _ in range(4)) for _ in range(8)]
    return f"Programme {words[0]} {words[1]} for {words[2]} {words[3]}", \
           f"Household visits by {words[4]} {words[5]} facilitators, and support for each {words[6]} {words[7]} family."


def changes(app, client: Client, existing_ids: list[int]) -> tuple[int, int, list[float], dict]:
    from app.extensions import db
    from app.overlaps.models import ExternalActivity
    from app.overlaps.services import initiative_deleted, record_change

    rng = random.Random(7)
    seen_right = 0
    times: list[float] = []
    inserted: list[int] = []
    ops = {"insert": 0, "edit": 0, "delete": 0}
    with app.app_context():
        for i in range(CHANGES):
            title, text = marker(rng)
            op = ("insert", "edit", "delete")[i % 3]
            if op == "delete" and not inserted:
                op = "insert"
            if op == "insert":
                activity = ExternalActivity(identifier=f"BENCH-CHANGE-{i}", title=title, description=text,
                                            countries=["KEN"], status="2", source="iati", source_name="bench")
                db.session.add(activity)
                db.session.flush()
                record_change(activity.initiative_id)
                inserted.append(activity.id)
            elif op == "edit":
                activity = db.session.get(ExternalActivity, rng.choice(existing_ids))
                activity.title, activity.description = title, text
                record_change(activity.initiative_id)
            else:
                activity = db.session.get(ExternalActivity, inserted.pop(rng.randrange(len(inserted))))
                title, text = activity.title, activity.description
                initiative_deleted(activity.initiative_id)
                db.session.delete(activity)
            # the draft is the changed activity as it now reads, in its own countries (a copy in another
            # country is vetoed below "possible overlap" on purpose: issue 15)
            target, countries = activity.initiative_id, list(activity.countries or ["KEN"])
            db.session.commit()
            ops[op] += 1
            elapsed, answer = client.check({"title": title, "description": text, "countries": countries})
            times.append(elapsed)
            found = target in [m["id"] for m in answer["matches"]]
            seen_right += found if op != "delete" else not found
    return seen_right, CHANGES, times, ops


# -- IATI import -------------------------------------------------------------------------------------------------
def iati_file(path: Path, records, offset: int) -> None:
    with path.open("w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<iati-activities version="2.03">\n')
        for i, r in enumerate(records):
            countries = "".join(f'<recipient-country code="{c}"/>' for c in r.countries)
            start = f'<activity-date type="2" iso-date="{r.start}"/>' if r.start else ""
            end = f'<activity-date type="3" iso-date="{r.end}"/>' if r.end else ""
            f.write(f'<iati-activity><iati-identifier>XM-IMPORT-{offset + i}</iati-identifier>'
                    f'<reporting-org ref="XM-{escape(r.lead_org)}"><narrative>{escape(r.lead_org)}</narrative>'
                    f'</reporting-org><title><narrative>{escape(r.title)}</narrative></title>'
                    f'<description type="1"><narrative>{escape(r.description)}</narrative></description>'
                    f'<activity-status code="2"/>{start}{end}{countries}</iati-activity>\n')
        f.write("</iati-activities>\n")


IMPORT_SCRIPT = """
import sys, time
from app import create_app
app = create_app()
with app.app_context():
    started = time.perf_counter()
    result = app.test_cli_runner().invoke(args=["import-iati", "--no-rebuild", sys.argv[1]])
    elapsed = time.perf_counter() - started
summary = [line for line in result.output.splitlines() if line.startswith("Files read")]
# VmHWM: this process's peak resident memory (getrusage's ru_maxrss would include the parent's, kept
# across fork and exec).
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(f"{elapsed:.1f} {peak // 1024} {summary[0] if summary else result.output[-300:]}")
"""


def import_run(app, path: Path) -> str:
    result = subprocess.run([sys.executable, "-c", IMPORT_SCRIPT, str(path)], cwd=REPO, env=_env(app),
                            capture_output=True, text=True, timeout=1800)
    return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else result.stderr[-500:]


def in_process(app, detector, forms: list[dict]) -> None:
    """Where a request's time goes: the engine alone, then the app's service (visibility, cards, reasons
    in words), both without HTTP, one at a time."""
    from app.extensions import db
    from app.members.models import User
    from app.overlaps import drafts as draft_forms
    from app.overlaps.services import check_draft

    engine_times, service_times = [], []
    with app.test_request_context():
        user = db.session.scalar(sa.select(User).where(User.email == USER))
        for form in forms[:10]:  # warm up
            check_draft(draft_forms.draft_from_form("pledge", form, organisation_id=user.organisation_id,
                                                    initiative_id=None), user)
        for form in forms[:100]:
            draft = draft_forms.draft_from_form("pledge", form, organisation_id=user.organisation_id,
                                                initiative_id=None)
            started = time.perf_counter()
            detector.find_overlaps(draft, k=10)
            engine_times.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            check_draft(draft, user)
            service_times.append((time.perf_counter() - started) * 1000)
    print(f"in process, one at a time, 100 drafts: engine find_overlaps(k=10) p50 "
          f"{statistics.median(engine_times):.0f} ms, p95 {percentile(engine_times, 95):.0f} ms; app service "
          f"check_draft (engine + visibility + cards + reasons in words) p50 {statistics.median(service_times):.0f} "
          f"ms, p95 {percentile(service_times, 95):.0f} ms")


# -- the run -------------------------------------------------------------------------------------------------
def run() -> None:
    from app.dedup import DuplicateDetector
    from app.extensions import db
    from app.overlaps.models import ExternalActivity

    tmp = Path(tempfile.mkdtemp(prefix="hub-bench-overlaps-"))
    app = fresh_app()
    records = corpus(N)
    print(f"{N} generated records stored as imported activities in {load_records(app, records):.1f} s")

    with app.app_context():
        started = time.perf_counter()
        result = app.test_cli_runner().invoke(args=["dedup-rebuild"])
        build = time.perf_counter() - started
    assert result.exit_code == 0, result.output
    index_dir = Path(app.config["DEDUP_INDEX_DIR"])
    on_disk = sum(p.stat().st_size for p in index_dir.rglob("*") if p.is_file())
    detector = DuplicateDetector.load(next(p for p in index_dir.iterdir() if p.is_dir()))
    print(f"flask dedup-rebuild: {build:.1f} s for {len(detector)} initiatives; index {on_disk / 2**20:.0f} MiB on "
          f"disk, {detector.stats()['bytes'] / 2**20:.0f} MiB of arrays")

    forms = drafts(records, CLIENTS * REQUESTS_PER_CLIENT)
    in_process(app, detector, forms)
    with gunicorn(app, 4, tmp / "gunicorn-4.log") as (url, master):
        clients = [Client(url) for _ in range(CLIENTS)]
        for form in drafts(records, 4 * CLIENTS, seed=1):  # every worker loads the index before we time
            clients[0].check(form)
        # Twice: just after the start (each worker still faults in the index pages it reads and fills its
        # caches), then in the steady state a long-running server is in. The target is read on the second.
        for label, batch in (("just after start", drafts(records, len(forms), seed=2)), ("steady state", forms)):
            times, wall, found = concurrent(clients, batch)
            print(f"POST /overlaps/check through gunicorn -w 4, {CLIENTS} concurrent clients, {len(times)} requests, "
                  f"{label}: p50 {statistics.median(times):.0f} ms, p95 {percentile(times, 95):.0f} ms, "
                  f"max {max(times):.0f} ms, {len(times) / wall:.0f} requests/s, {found / len(times):.1f} matches each")
        pss4 = [pss_kib(pid) for pid in family(master)]
        with app.app_context():
            existing = list(db.session.scalars(sa.select(ExternalActivity.id).where(
                ExternalActivity.identifier.like("BENCH-%")).limit(3000)))
        right, total, change_times, ops = changes(app, clients[1], existing)
        print(f"{total} changes through the change log ({ops}), each followed by a query through gunicorn: "
              f"{right}/{total} answered as the change says; query p50 {statistics.median(change_times):.0f} ms, "
              f"p95 {percentile(change_times, 95):.0f} ms")
    log = (tmp / "gunicorn-4.log").read_text()
    print(f"workers' log: {log.count('Overlap index loaded')} index loads, {log.count('Overlap index built')} "
          f"index builds (a build on the request path would show here)")

    with gunicorn(app, 1, tmp / "gunicorn-1.log") as (url, master):
        client = Client(url)
        for form in drafts(records, 20, seed=3):
            client.check(form)
        pss1 = [pss_kib(pid) for pid in family(master)]
    with gunicorn(app, 4, tmp / "gunicorn-4-preload.log", preload=True) as (url, master):
        clients = [Client(url) for _ in range(4)]
        for form in drafts(records, 40, seed=4):  # reach every worker
            clients[0].check(form)
        concurrent(clients, drafts(records, 40, seed=5))
        pss4p = [pss_kib(pid) for pid in family(master)]
    total4, total4p = sum(p for p, _r in pss4), sum(p for p, _r in pss4p)
    worker1 = sum(p for p, _r in pss1[1:])
    master1 = pss1[0][0]
    print(f"memory, gunicorn -w 4: PSS {total4 / 1024:.0f} MiB in all (master {pss4[0][0] / 1024:.0f}, workers "
          f"{', '.join(f'{p / 1024:.0f}' for p, _r in pss4[1:])}); RSS of the workers "
          f"{', '.join(f'{r / 1024:.0f}' for _p, r in pss4[1:])} MiB")
    print(f"memory, gunicorn -w 4 --preload: PSS {total4p / 1024:.0f} MiB in all (master {pss4p[0][0] / 1024:.0f}, "
          f"workers {', '.join(f'{p / 1024:.0f}' for p, _r in pss4p[1:])})")
    print(f"memory, gunicorn -w 1: PSS master {master1 / 1024:.0f} MiB + worker {worker1 / 1024:.0f} MiB; "
          f"4 × (one worker) + master = {(master1 + 4 * worker1) / 1024:.0f} MiB against "
          f"{total4 / 1024:.0f} MiB measured with -w 4 and {total4p / 1024:.0f} MiB with -w 4 --preload")

    # Last: the imports add activities (and change-log rows) the servers above must not see.
    for size in IMPORT_SIZES:
        path = tmp / f"iati-{size}.xml"
        iati_file(path, corpus(size, seed=size), offset=size * 10)
        print(f"flask import-iati, {size} activities ({path.stat().st_size / 2**20:.0f} MiB): "
              f"[seconds, peak memory (VmHWM) MiB, summary] {import_run(app, path)}")


if __name__ == "__main__":
    run()
