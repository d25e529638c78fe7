"""gunicorn hooks for ``bench/web_worker.py`` (``-c python:bench.web_worker_hooks``): each worker, once started,
answers one overlap query (index loaded, sentence model loaded, the draft encoded), then serves each public page
of :data:`WARM_UP` once (in English, French and Spanish: templates compiled, queries cached, catalogs loaded), and
says so in a file."""
from __future__ import annotations

import json
import os
import time

# The public pages a visitor reaches from the home page (the browser test's list), and the API's main list (its
# rate limit counted in memory: the bench's Redis address is a closed port, see RATELIMIT_IN_MEMORY_FALLBACK_ENABLED).
WARM_UP = ["/", "/organisations", "/actiongroups/", "/pledges/", "/pledges/?country=GHA", "/forums/", "/library/",
           "/dashboard", "/overlaps/gaps", "/countries/", "/countries/GHA", "/search?q=Ghana", "/activities/",
           "/login", "/apply", "/api/v1/pledges"]


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
    first_query_s, answered_at = time.perf_counter() - started, time.time()
    client, statuses = worker.wsgi.test_client(), {}
    for language in ("en", "fr", "es"):
        for path in WARM_UP:
            statuses[path] = client.get(path, base_url=os.environ["BASE_URL"],
                                        headers={"Accept-Language": language}).status_code
    report = {"pid": os.getpid(), "first_query_s": first_query_s, "answered_at": answered_at, "matches": len(matches),
              "indexed": len(found) if found else 0, "semantic": bool(found and found._semantic is not None),
              "pages": {path: code for path, code in statuses.items() if code != 200}}
    path = os.path.join(os.environ["BENCH_WORKER_DIR"], f"{os.getpid()}.json")
    with open(path + ".tmp", "w", encoding="utf-8") as out:
        json.dump(report, out)
    os.replace(path + ".tmp", path)
