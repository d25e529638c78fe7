"""gunicorn hooks for ``bench/web_worker.py`` (``-c python:bench.web_worker_hooks``): each worker, once started,
answers one overlap query (index loaded, sentence model loaded, the draft encoded) and says so in a file."""
from __future__ import annotations

import json
import os
import time


def post_worker_init(worker):
    from app.dedup import Initiative
    from app.overlaps.index import detector

    started = time.perf_counter()
    with worker.wsgi.app_context():
        found = detector()
        matches = found.find_overlaps(Initiative(
            title="Community child labour monitoring in cocoa-growing districts",
            description="Set up child labour monitoring and remediation in cocoa farming communities, train "
                        "cooperative leaders and refer children to schools.", countries=("GHA",))) if found else []
    report = {"pid": os.getpid(), "first_query_s": time.perf_counter() - started, "matches": len(matches),
              "indexed": len(found) if found else 0, "semantic": bool(found and found._semantic is not None)}
    path = os.path.join(os.environ["BENCH_WORKER_DIR"], f"{os.getpid()}.json")
    with open(path + ".tmp", "w", encoding="utf-8") as out:
        json.dump(report, out)
    os.replace(path + ".tmp", path)
