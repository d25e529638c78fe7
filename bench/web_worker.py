"""A web worker's memory and start-up: ``python -m bench web_worker``.

Seeds a demo database (SQLite, production settings) in a temporary directory, saves the overlap index,
then starts ``gunicorn -w 2`` three ways: without ``--preload``; with ``--preload``; and with
``--preload`` and ``DEDUP_PRELOAD_MODEL=1`` (the sentence model loaded in the master, before the fork).
Each worker answers one overlap query as soon as it starts (``bench/web_worker_hooks.py``: the index and
the model loaded, the draft encoded) and serves 15 public pages and the API's pledge list in three
languages (its warm-up); then the resident memory of each process is read from
``/proc/<pid>/smaps_rollup``: RSS, PSS (shared pages divided among the processes that map them) and USS
(private pages: what one more worker costs); and, from ``/proc/<pid>/smaps``, the RSS besides the pages of
the memory-mapped index and model files (the index generation in ``DEDUP_INDEX_DIR`` and the sentence
model's arrays in ``DEDUP_MODEL_DIR``: page cache every process on the host shares), the figure issues 15
and 18 set at 150 MB. Start-up: from starting gunicorn until every worker has answered its overlap query
(and, second figure, served its pages). Linux only.
"""
from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 2
VARIANTS = [("no --preload", [], {}), ("--preload", ["--preload"], {}),
            ("--preload, DEDUP_PRELOAD_MODEL=1", ["--preload"], {"DEDUP_PRELOAD_MODEL": "1"})]


def smaps(pid: int) -> dict[str, int]:
    """kB of each field of /proc/<pid>/smaps_rollup."""
    out = {}
    with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as src:
        for line in src:
            parts = line.split()
            if len(parts) >= 2 and parts[0].endswith(":") and parts[1].isdigit():
                out[parts[0][:-1]] = int(parts[1])
    out["USS"] = out.get("Private_Clean", 0) + out.get("Private_Dirty", 0)
    return out


def mapped_kb(pid: int, roots: list[Path]) -> int:
    """kB resident of the process's mappings of files under ``roots`` (from /proc/<pid>/smaps)."""
    prefixes = tuple(str(root.resolve()) + os.sep for root in roots)
    total, counting = 0, False
    with open(f"/proc/{pid}/smaps", encoding="utf-8", errors="replace") as src:
        for line in src:
            first = line.split(None, 1)[0]
            if not first.endswith(":"):  # a mapping's header: address perms offset dev inode [path]
                parts = line.split(None, 5)
                counting = len(parts) == 6 and parts[5].strip().startswith(prefixes)
            elif first == "Rss:" and counting:
                total += int(line.split()[1])
    return total


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def environment(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HUB_", "DEDUP_", "DATABASE_"))}
    env.update(HUB_ENV="production", SECRET_KEY=secrets.token_hex(32), LINK_SECRET_KEY=secrets.token_hex(32),
               DATABASE_URL=f"sqlite:///{tmp / 'hub.sqlite3'}", BASE_URL="https://hub.example.org",
               MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", UPLOAD_DIR=str(tmp / "uploads"),
               DEDUP_INDEX_DIR=str(tmp / "dedup"), DEDUP_MODEL_DIR=str(tmp / "model"), SCHEDULER_ENABLED="0", PYTHONPATH=str(ROOT),
               # Production refuses per-process (memory://) sign-in limits. No step of the bench is rate-limited,
               # so this store is never reached; the client library is loaded as in production.
               RATELIMIT_STORAGE_URI="redis://127.0.0.1:9/0")
    return env


def prepare(env: dict[str, str]) -> None:
    """Schema, demo content and the saved index (the demo is seeded with the development settings: it
    builds links outside a request, which production refuses to do without one)."""
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    for args in (["db", "upgrade"], ["seed-demo"], ["dedup-rebuild"]):
        done = subprocess.run(flask + args, cwd=ROOT, env={**env, "HUB_ENV": "development"}, capture_output=True,
                              text=True)
        if done.returncode != 0:
            raise SystemExit(f"flask {' '.join(args)} failed:\n{done.stderr[-2000:]}")
        if args[0] == "dedup-rebuild":
            print(f"  {done.stdout.strip().splitlines()[-1]}")


def measure(env: dict[str, str], extra_args: list[str], extra_env: dict[str, str], tmp: Path) -> dict:
    reports = tmp / f"workers-{time.monotonic_ns()}"
    reports.mkdir()
    env = {**env, **extra_env, "BENCH_WORKER_DIR": str(reports)}
    command = [sys.executable, "-m", "gunicorn", "-w", str(WORKERS), "-b", f"127.0.0.1:{_free_port()}",
               "-c", "python:bench.web_worker_hooks", *extra_args, "wsgi:app"]
    started, started_at = time.perf_counter(), time.time()
    master = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True)
    try:
        while len(list(reports.glob("*.json"))) < WORKERS:
            if master.poll() is not None:
                raise SystemExit(f"gunicorn stopped:\n{master.stderr.read()[-2000:]}")
            if time.perf_counter() - started > 300:
                raise SystemExit("workers not ready after 300 s")
            time.sleep(0.05)
        startup = time.perf_counter() - started
        workers = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(reports.glob("*.json"))]
        failed = {path: code for w in workers for path, code in w["pages"].items()}
        if failed:
            raise SystemExit(f"warm-up pages did not answer 200: {failed}")
        memory = {w["pid"]: {**smaps(w["pid"]), "mapped": mapped_kb(w["pid"], [tmp / "dedup", tmp / "model"])}
                  for w in workers}
        answered = max(w["answered_at"] for w in workers) - started_at
        return {"startup_s": startup, "answered_s": answered, "workers": workers, "memory": memory, "master": smaps(master.pid)}
    finally:
        master.send_signal(signal.SIGTERM)
        try:
            master.wait(timeout=30)
        except subprocess.TimeoutExpired:
            master.kill()
            master.wait()


def run() -> None:
    mib = lambda kb: kb / 1024  # noqa: E731
    print(f"machine load average: {os.getloadavg()[0]:.1f} (2 cores)")
    with tempfile.TemporaryDirectory(prefix="hub-web-worker-") as name:
        tmp = Path(name)
        env = environment(tmp)
        prepare(env)
        rows = []
        for label, args, extra in VARIANTS:
            result = measure(env, args, extra, tmp)
            rows.append((label, result))
        print(f"\ngunicorn -w {WORKERS}, each worker after its first overlap query and warm-up pages (MiB, from smaps_rollup):")
        print(f"{'':36} {'start-up':>9} {'+ pages':>8} {'1st query':>10} {'RSS':>6} {'PSS':>6} {'USS':>6} {'RSS w/o index+model':>20} {'master RSS':>11} "
              f"{'sentence model':>15}")
        for label, result in rows:
            mem = list(result["memory"].values())
            first = max(w["first_query_s"] for w in result["workers"])
            print(f"{label:36} {result['answered_s']:8.1f}s {result['startup_s']:7.1f}s {first:9.2f}s "
                  f"{sum(mib(m['Rss']) for m in mem) / len(mem):6.0f} {sum(mib(m['Pss']) for m in mem) / len(mem):6.0f} "
                  f"{sum(mib(m['USS']) for m in mem) / len(mem):6.0f} "
                  f"{sum(mib(m['Rss'] - m['mapped']) for m in mem) / len(mem):20.0f} {mib(result['master']['Rss']):11.0f} "
                  f"{'yes' if all(w['semantic'] for w in result['workers']) else 'no':>15}")
        indexed = rows[0][1]["workers"][0]["indexed"]
        print(f"(mean of the {WORKERS} workers; {indexed} initiatives indexed; USS = private memory, what one more "
              f"worker costs; start-up = from starting gunicorn until every worker has answered its first overlap "
              f"query; + pages = until every worker has also served its warm-up pages)")


if __name__ == "__main__":
    run()
