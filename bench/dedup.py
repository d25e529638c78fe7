"""Benchmark of the duplication detector at 100,000 initiatives: ``python -m bench dedup``.

Measures, on a generated corpus (``bench/dedup_corpus.py``, seed 87) plus the labelled pairs' texts:
build time and index size; ``find_overlaps`` latency (k=10, scoring and reasons included) over 250
queries; 1,000 inserts/edits/deletes interleaved with queries (each change checked by the next query);
save/load; the memory of 1 and 4 processes that ``load()`` the saved index (PSS/USS from
/proc/<pid>/smaps_rollup); and, in the same run, the same queries answered as Decidim does (PostgreSQL
``similarity()`` over title and body, threshold 0.25, LIMIT 10, no index) and by a full rapidfuzz scan,
with speed ratios and recall on the labelled pairs.

PostgreSQL part: set ``BENCH_PG_URL`` (e.g. ``postgresql://postgres@127.0.0.1:5442/postgres`` after
``PGDATA_DIR=/tmp/pg-bench PGPORT=5442 sh scripts/pg.sh start``); without it that part is skipped and
says so. ``BENCH_DEDUP_N`` changes the corpus size (default 100000).
"""
from __future__ import annotations

import gc
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np

from app.dedup import DuplicateDetector, Initiative, Tier
from bench.common import percentile
from bench.dedup_corpus import corpus, make_record
from bench.dedup_pairs import near_copy_text, near_copy_title, read

N = int(os.environ.get("BENCH_DEDUP_N", "100000"))
QUERIES = 250
CHANGES = 1000
PROCESSES = 4
SAMPLE_PAIRS = 30      # labelled pairs per class for the slow methods (each Decidim query is a full scan)
SLOW_QUERIES = 10      # queries timed for the slow methods
DECIDIM_THRESHOLD = 0.25
ROOT = Path(__file__).resolve().parent.parent


def initiative(data: dict) -> Initiative:
    """A labelled pair's side (``tests/dedup/data/pairs.jsonl``) as an Initiative."""
    from datetime import date

    return Initiative(**{**data, "start": data["start"] and date.fromisoformat(data["start"]),
                         "end": data["end"] and date.fromisoformat(data["end"])})


def _ms(seconds: float) -> float:
    return seconds * 1000


def _stats(times_ms: list[float]) -> str:
    return f"p50 {statistics.median(times_ms):7.1f} ms  p95 {percentile(times_ms, 95):7.1f} ms"


def _text(item: Initiative) -> str:
    return f"{item.title}. {item.description}"


def _draft_like(rng: random.Random, item: Initiative) -> Initiative:
    """A draft someone might type when the item exists already: a near copy, without id."""
    return replace(item, id=None, title=near_copy_title(item.title, rng),
                   description=near_copy_text(item.description, rng), lead_org=f"org-new-{rng.randint(1, 99)}")


def smaps(pid: int) -> dict[str, int]:
    """Rss, Pss and USS (private clean + dirty) of a process, in kB."""
    fields = {}
    with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 2 and parts[1].isdigit():
                fields[parts[0].rstrip(":")] = int(parts[1])
    return {"rss": fields.get("Rss", 0), "pss": fields.get("Pss", 0),
            "uss": fields.get("Private_Clean", 0) + fields.get("Private_Dirty", 0)}


CHILD = r"""
import json, sys, time
import numpy as np
from app.dedup import DuplicateDetector, Initiative
load = sys.argv[1] == "load"
if load:
    d = DuplicateDetector.load(sys.argv[2])
    # touch every page of the index, as a long-running worker eventually does
    total = sum(float(np.asarray(a[::512]).sum()) for a in (d._lexical._postings.weights, d._lexical._postings.items))
    for a in d._records._arrays.values():
        np.asarray(a).sum()
    np.asarray(d._lexical._postings.weights).sum(); np.asarray(d._lexical._postings.items).sum()
    if d._semantic is not None:
        np.asarray(d._semantic._vectors).sum(dtype=np.float64); np.asarray(d._semantic._bits).sum()
    for line in open(sys.argv[3], encoding="utf-8"):
        d.find_overlaps(Initiative(**json.loads(line)))
print("ready", flush=True)
sys.stdin.read()
"""


def measure_processes(directory: Path, queries_file: Path, count: int, load: bool = True) -> list[dict]:
    """Start ``count`` processes that load the saved index and query it; measure them all while alive."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-c", CHILD, "load" if load else "bare", str(directory),
                               str(queries_file)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                              env=env, cwd=ROOT) for _ in range(count)]
    try:
        for p in procs:
            assert p.stdout.readline().strip() == "ready"
        return [smaps(p.pid) for p in procs]
    finally:
        for p in procs:
            p.stdin.close()
            p.wait(timeout=60)


def positive_and_negative_pairs(pairs: list[dict]) -> tuple[list[dict], list[dict]]:
    positives = [p for p in pairs if p["label"] in ("duplicate", "overlap")]
    negatives = [p for p in pairs if p["label"] == "distinct"]
    return positives, negatives


def run() -> None:
    rng = random.Random(87)
    print(f"machine load average: {os.getloadavg()[0]:.1f} (2 cores; other work on the machine slows every wall-clock "
          f"figure, so CPU time of this process is given too)")
    t0 = time.perf_counter()
    records = corpus(N)
    pairs = read()
    distinct_b = {(p["b"]["title"], p["b"]["description"]): p["b"] for p in pairs}
    pair_items = [initiative(b) for b in distinct_b.values()]
    print(f"corpus: {N:,} generated records + {len(pair_items)} texts of the labelled pairs "
          f"({time.perf_counter() - t0:.1f} s to generate)")
    items = records + pair_items

    # -- build ------------------------------------------------------------------------------------------
    gc.collect()
    t0, c0 = time.perf_counter(), time.process_time()
    encode_started = [None]

    def encoded(done: int, total: int) -> None:
        if encode_started[0] is None:
            encode_started[0] = time.perf_counter()
        if done == total or done % 10000 < 256:
            print(f"  sentence model: {done:,}/{total:,} texts encoded "
                  f"({time.perf_counter() - encode_started[0]:.0f} s)", file=sys.stderr, flush=True)

    detector = DuplicateDetector.build(items, embedding_progress=encoded)
    build_s, build_cpu = time.perf_counter() - t0, time.process_time() - c0
    if encode_started[0] is not None:
        print(f"sentence model: {N:,}+ texts encoded in {time.perf_counter() - encode_started[0]:.0f} s "
              f"(batched, one thread, checkpointed)")
    stats = detector.stats()
    semantic_mib = detector._semantic.nbytes / 2**20 if detector._semantic is not None else 0
    print(f"build: {build_s:.1f} s wall, {build_cpu:.1f} s CPU; index arrays {stats['bytes'] / 2**20:.0f} MiB "
          f"(postings {detector._lexical.nbytes / 2**20:.0f} MiB, records {detector._records.nbytes / 2**20:.0f} MiB, "
          f"sentence vectors {semantic_mib:.0f} MiB)")

    # -- queries ----------------------------------------------------------------------------------------
    drafts = [_draft_like(rng, records[rng.randrange(N)]) for _ in range(QUERIES)]
    for d in drafts[:5]:
        detector.find_overlaps(d)  # warm up
    times, cpu, counts, tiers = [], [], [], {t: 0 for t in Tier}
    for d in drafts:
        t0, c0 = time.perf_counter(), time.thread_time()
        result = detector.find_overlaps(d, k=10)
        times.append(_ms(time.perf_counter() - t0))
        cpu.append(_ms(time.thread_time() - c0))
        counts.append(len(result))
        for m in result:
            tiers[m.tier] += 1
    ours_times = times
    print(f"find_overlaps, {QUERIES} queries, k=10: wall {_stats(times)}; CPU {_stats(cpu)}; "
          f"{statistics.mean(counts):.1f} matches per query ({tiers[Tier.LIKELY]} likely, {tiers[Tier.POSSIBLE]} possible)")

    # Picking the shortlist out of 100,000 cosines, most of them 0: numpy's introselect is much slower asked
    # for the k largest than for the k smallest of the negated scores (what app.dedup.index._top does).
    lexical, k = detector._lexical, detector.config.shortlist + 1
    scores = [lexical._base_scores(lexical.vector(_text(d))) for d in drafts[:100]]
    largest, smallest = [], []
    for s in scores:
        t0 = time.perf_counter()
        np.argpartition(s, s.size - k)
        largest.append(_ms(time.perf_counter() - t0))
        t0 = time.perf_counter()
        np.argpartition(-s, k - 1)
        smallest.append(_ms(time.perf_counter() - t0))
    print(f"shortlist selection ({k} of {scores[0].size:,} cosines, {statistics.mean(np.count_nonzero(s) / s.size for s in scores):.0%} "
          f"non-zero): argpartition for the largest p50 {statistics.median(largest):.2f} ms, p95 "
          f"{percentile(largest, 95):.2f} ms; of the negated scores p50 {statistics.median(smallest):.2f} ms, p95 "
          f"{percentile(smallest, 95):.2f} ms")

    # -- changes ----------------------------------------------------------------------------------------
    base = stats["base"]
    change_times, check_times, failures = [], [], 0
    next_id = 0
    live = [r.id for r in records[:20000]]
    for i in range(CHANGES):
        op = ("insert", "edit", "delete")[i % 3]
        if op == "insert":
            item = replace(make_record(rng, 0), id=f"new:{next_id}")
            next_id += 1
            live.append(item.id)
        elif op == "edit":
            item = replace(make_record(rng, 0), id=live[rng.randrange(len(live))])
        else:
            victim = live.pop(rng.randrange(len(live)))
            item = next((r for r in records if r.id == victim), None) if victim.startswith("gen:") else None
        t0 = time.perf_counter()
        if op == "delete":
            detector.remove(victim)
        else:
            detector.upsert(item)
        change_times.append(_ms(time.perf_counter() - t0))
        probe = item if item is not None else None
        t0 = time.perf_counter()
        if probe is not None:
            found = [m.id for m in detector.find_overlaps(replace(probe, id=None, lead_org="org-probe"),
                                                           include_below=True)]
            target = victim if op == "delete" else item.id
            if (op == "delete") == (target in found):
                failures += 1
        check_times.append(_ms(time.perf_counter() - t0))
    after = detector.stats()
    print(f"{CHANGES} changes (inserts, edits, deletes interleaved with queries): change {_stats(change_times)}; "
          f"next query {_stats(check_times)}; {failures} changes not seen by the next query; "
          f"base still {after['base']:,} items (no rebuild: {after['base'] == base}), delta {after['delta']}, "
          f"tombstones {after['tombstones']}")

    # -- save, load, processes --------------------------------------------------------------------------
    with tempfile.TemporaryDirectory(prefix="dedup-bench-") as tmp:
        directory = Path(tmp) / "index"
        t0 = time.perf_counter()
        detector.save(directory)
        save_s = time.perf_counter() - t0
        size = sum(p.stat().st_size for p in directory.rglob("*") if p.is_file())
        t0 = time.perf_counter()
        loaded = DuplicateDetector.load(directory)
        load_s = time.perf_counter() - t0
        print(f"save {save_s:.1f} s ({size / 2**20:.0f} MiB on disk); load {_ms(load_s):.0f} ms (memory-mapped, "
              f"delta of {loaded.stats()['delta']} replayed)")
        queries_file = Path(tmp) / "queries.jsonl"
        with open(queries_file, "w", encoding="utf-8") as f:
            for d in drafts[:30]:
                f.write(json.dumps({"title": d.title, "description": d.description, "countries": list(d.countries),
                                    "themes": list(d.themes)}) + "\n")
        bare = measure_processes(directory, queries_file, 1, load=False)[0]
        one = measure_processes(directory, queries_file, 1)[0]
        many = measure_processes(directory, queries_file, PROCESSES)
        mib = lambda kb: kb / 1024  # noqa: E731
        print(f"memory of processes that load the index (every page touched, 30 queries each; kB from smaps_rollup):")
        print(f"  a bare process (Python, numpy/scipy, the app package; no index): RSS {mib(bare['rss']):.0f} MiB, "
              f"USS {mib(bare['uss']):.0f} MiB")
        print(f"  1 process:  RSS {mib(one['rss']):.0f} MiB, PSS {mib(one['pss']):.0f} MiB, USS {mib(one['uss']):.0f} MiB")
        print(f"  {PROCESSES} processes: PSS total {mib(sum(m['pss'] for m in many)):.0f} MiB "
              f"(vs {PROCESSES} x {mib(one['pss']):.0f} = {mib(PROCESSES * one['pss']):.0f} MiB if nothing were shared); "
              f"USS each {', '.join('%.0f' % mib(m['uss']) for m in many)} MiB; "
              f"RSS each {', '.join('%.0f' % mib(m['rss']) for m in many)} MiB")

    # -- the same queries, other methods ----------------------------------------------------------------
    positives, negatives = positive_and_negative_pairs(pairs)
    sample_rng = random.Random(7)
    pos_sample = sample_rng.sample(positives, min(SAMPLE_PAIRS, len(positives)))
    neg_sample = sample_rng.sample(negatives, min(SAMPLE_PAIRS, len(negatives)))
    text_of_id = {}
    by_text = {}
    for item in items:
        text_of_id[item.id] = (item.title, item.description)
    for b in distinct_b.values():
        by_text[(b["title"], b["description"])] = b["id"]

    def ours_hits(pair) -> bool:
        target = (pair["b"]["title"], pair["b"]["description"])
        return any(text_of_id.get(m.id) == target for m in detector.find_overlaps(initiative(pair["a"]), k=10))

    hits = {p["pair"]: ours_hits(p) for p in pairs}
    ours_recall_all = sum(hits[p["pair"]] for p in positives) / len(positives)
    ours_flags_all = sum(hits[p["pair"]] for p in negatives) / len(negatives)
    ours_recall = sum(hits[p["pair"]] for p in pos_sample) / len(pos_sample)
    ours_flags = sum(hits[p["pair"]] for p in neg_sample) / len(neg_sample)
    missed = Counter(p["category"] for p in positives if not hits[p["pair"]])
    flagged = Counter(p["category"] for p in negatives if hits[p["pair"]])
    print(f"labelled pairs (b among the {len(items):,}, query with a, hit = b in the top 10 at 'possible' or above): "
          f"recall {ours_recall_all:.2f} on all {len(positives)} positive pairs (missed: {dict(missed)}), "
          f"flagged {ours_flags_all:.2f} of {len(negatives)} distinct pairs ({dict(flagged)})")

    name = "this detector (lexical + sentence model)" if detector._semantic is not None else "this detector (lexical)"
    rows = [(name, f"{build_s:.1f} s", f"{stats['bytes'] / 2**20:.0f} MiB",
             statistics.median(ours_times), percentile(ours_times, 95), ours_recall, ours_flags)]
    rows.append(rapidfuzz_scan(items, drafts[:SLOW_QUERIES], pos_sample, neg_sample, text_of_id))
    rows.extend(decidim(items, drafts[:SLOW_QUERIES], pos_sample, neg_sample))

    print(f"machine load average at the end: {os.getloadavg()[0]:.1f}")
    print(f"\nside by side ({SLOW_QUERIES} queries timed for the full scans; recall and false flags on the same "
          f"{len(pos_sample)} positive and {len(neg_sample)} distinct labelled pairs):")
    print(f"{'method':34} {'build':>8} {'memory':>9} {'p50 ms':>9} {'p95 ms':>9} {'x slower':>9} {'recall':>7} {'flags':>6}")
    for name, build, memory, p50, p95, recall, flags in rows:
        if p50 is None:
            print(f"{name:34} {build}")
            continue
        ratio = p50 / statistics.median(ours_times)
        print(f"{name:34} {build:>8} {memory:>9} {p50:9.1f} {p95:9.1f} {ratio:9.1f} {recall:7.2f} {flags:6.2f}")
    print("recall: share of the positive pairs whose other side is among the 10 results (for this detector: at "
          "'possible overlap' or above); flags: the same for the distinct pairs (lower is better)")


def rapidfuzz_scan(items, drafts, pos_sample, neg_sample, text_of_id):
    """A full rapidfuzz token_set_ratio scan over every text, top 10 (the DEDUP.md baseline)."""
    from rapidfuzz import fuzz, process, utils

    choices = [utils.default_process(_text(i)) for i in items]
    ids = [i.id for i in items]

    def top(text):
        return [ids[j] for _, _, j in process.extract(utils.default_process(text), choices, scorer=fuzz.token_set_ratio,
                                                       limit=10, processor=None)]

    times = []
    for d in drafts:
        t0 = time.perf_counter()
        top(_text(d))
        times.append(_ms(time.perf_counter() - t0))

    def hit(pair):
        target = (pair["b"]["title"], pair["b"]["description"])
        return any(text_of_id.get(i) == target for i in top(_text(initiative(pair["a"]))))

    recall = sum(hit(p) for p in pos_sample) / len(pos_sample)
    flags = sum(hit(p) for p in neg_sample) / len(neg_sample)
    return ("rapidfuzz token_set_ratio full scan", "-", "-", statistics.median(times), percentile(times, 95),
            recall, flags)


def decidim(items, drafts, pos_sample, neg_sample):
    """Decidim's similar proposals: GREATEST(similarity(title, ?), similarity(body, ?)) >= 0.25 LIMIT 10,
    no ORDER BY, no trigram index: a sequential scan per query, which stops at the first 10 rows over the
    threshold (arbitrary ones when many pass). Also the same predicate ORDER BY the similarity: the best
    10, at the price of scanning every row."""
    url = os.environ.get("BENCH_PG_URL")
    name = "PostgreSQL similarity() (Decidim)"
    if not url:
        return [(name, "skipped: set BENCH_PG_URL to a PostgreSQL with pg_trgm (see the module docstring)",
                 None, None, None, None, None)]
    try:
        import psycopg
    except ImportError:
        return [(name, "skipped: psycopg is not installed", None, None, None, None, None)]
    try:
        conn = psycopg.connect(url, autocommit=True, connect_timeout=5)
    except psycopg.Error as exc:
        return [(name, f"skipped: cannot connect to BENCH_PG_URL ({exc.__class__.__name__})", None, None, None, None,
                 None)]
    results = []
    with conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        conn.execute("DROP TABLE IF EXISTS dedup_bench")
        conn.execute("CREATE TABLE dedup_bench (id text PRIMARY KEY, title text, body text)")
        t0 = time.perf_counter()
        with conn.cursor() as cur, cur.copy("COPY dedup_bench (id, title, body) FROM STDIN") as copy:
            for i in items:
                copy.write_row((i.id, i.title, i.description))
        conn.execute("ANALYZE dedup_bench")
        load_s = time.perf_counter() - t0
        size = conn.execute("SELECT pg_total_relation_size('dedup_bench')").fetchone()[0]
        predicate = f"GREATEST(similarity(title, %(t)s), similarity(body, %(b)s))"
        variants = [("PostgreSQL similarity() (Decidim)", f"SELECT id FROM dedup_bench WHERE {predicate} "
                     f">= {DECIDIM_THRESHOLD} LIMIT 10"),
                    ("  same, ORDER BY similarity", f"SELECT id FROM dedup_bench WHERE {predicate} "
                     f">= {DECIDIM_THRESHOLD} ORDER BY {predicate} DESC LIMIT 10")]
        for name, sql in variants:
            def query(item, sql=sql):
                return [r[0] for r in conn.execute(sql, {"t": item.title, "b": item.description}).fetchall()]

            times = []
            for d in drafts:
                t0 = time.perf_counter()
                query(d)
                times.append(_ms(time.perf_counter() - t0))

            def hit(pair, query=query):
                found = query(initiative(pair["a"]))
                if not found:
                    return False
                rows = conn.execute("SELECT title, body FROM dedup_bench WHERE id = ANY(%s)", (found,)).fetchall()
                return (pair["b"]["title"], pair["b"]["description"]) in {tuple(r) for r in rows}

            recall = sum(hit(p) for p in pos_sample) / len(pos_sample)
            flags = sum(hit(p) for p in neg_sample) / len(neg_sample)
            results.append((name, f"{load_s:.1f} s", f"{size / 2**20:.0f} MiB", statistics.median(times),
                            percentile(times, 95), recall, flags))
        conn.execute("DROP TABLE dedup_bench")
    return results


if __name__ == "__main__":
    run()
