"""Run every benchmark: ``python -m bench`` (``make bench``), or ``python -m bench workspace``."""
from __future__ import annotations

import importlib
import sys

BENCHMARKS = ["workspace", "pledges", "dashboard", "export", "api", "forums", "outbox", "search", "dedup_calibrate",
              "dedup_real", "dedup", "web_worker", "overlaps", "iati_links"]


def main(names: list[str]) -> None:
    for name in names or BENCHMARKS:
        print(f"== {name} ==", flush=True)
        importlib.import_module(f"bench.{name}").run()


if __name__ == "__main__":
    main(sys.argv[1:])
