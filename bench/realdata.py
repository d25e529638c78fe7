"""Real data for the duplication detector's benchmarks: the STS Benchmark and the IATI development set.

Both live outside the repository (``../shared/data`` beside the checkout, or ``$HUB_SHARED_DATA``): they are
for development and tests, never shipped. Our own labelled sets (``bench/data/dedup/``) are in the repo.

* :func:`sts` gives ``(score 0-5, sentence1, sentence2)`` of the ``train`` or ``dev`` split.
* :func:`iati_activities` gives the 1,800 activities as detector :class:`~app.dedup.Initiative` s with the
  IATI identifier as id, with the publishers' traceability links hidden (the importer keeps them apart, in
  ``Record.links``, which :func:`initiative_of` never reads; ``bench/iati_links.py`` checks them).
* :func:`linked_pairs` gives the publishers' own funder/implementer links: the positives.
* :func:`half` splits anything keyed by strings into two stable halves, ``"tune"`` and ``"held"``: tune on
  one, report on the other.
"""
from __future__ import annotations

import csv
import hashlib
import os
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
OWN_DATA = ROOT / "bench" / "data" / "dedup"


def shared_data() -> Path:
    """Where the shared real data sets are; :raises FileNotFoundError: they are not on this machine."""
    path = Path(os.environ.get("HUB_SHARED_DATA") or ROOT.parent / "shared" / "data")
    if not (path / "stsb").is_dir() or not (path / "iati-dev").is_dir():
        raise FileNotFoundError(f"real data not found in {path} (set HUB_SHARED_DATA)")
    return path


def sts(split: str = "dev") -> list[tuple[float, str, str]]:
    """The STS Benchmark's ``train`` or ``dev`` pairs: tab-separated, no quoting, the first 7 fields."""
    rows = []
    with open(shared_data() / "stsb" / f"sts-{split}.csv", encoding="utf-8") as src:
        for line in src:
            fields = line.rstrip("\n").split("\t")
            if len(fields) >= 7:
                rows.append((float(fields[4]), fields[5], fields[6]))
    return rows


@lru_cache(maxsize=1)
def iati_records() -> tuple:
    """Every activity of the IATI development set as the importer reads it: ``(Record, file name)``."""
    from app.overlaps.importing import ImportReport, iati_records as read

    found, seen = [], set()
    for path in sorted((shared_data() / "iati-dev" / "activities").glob("*.xml")):
        for record, _where in read(path, ImportReport()):
            if record.identifier not in seen:  # the same activity saved in two query pages
                seen.add(record.identifier)
                found.append((record, path.name))
    return tuple(found)


def initiative_of(record):
    """An imported Record as the detector sees it: the app's own mapping (``activity_initiative``), with
    the IATI identifier as the id."""
    from dataclasses import replace

    from app.overlaps.models import activity_initiative

    row = SimpleNamespace(id=record.identifier, title=record.title, description=record.description,
                          countries=record.countries, start_date=record.start_date, end_date=record.end_date,
                          areas=record.areas, target_groups=record.target_groups,
                          reporting_org_ref=record.reporting_org_ref, reporting_org_name=record.reporting_org_name,
                          participating_orgs=record.participating_orgs, language=record.language)
    initiative = activity_initiative(row)
    return replace(initiative, id=record.identifier)


def iati_activities() -> list:
    """The IATI development set as detector Initiatives (id = IATI identifier)."""
    return [initiative_of(record) for record, _name in iati_records()]


def linked_pairs() -> list[dict[str, str]]:
    """The publishers' own links between activities of different publishers (``tier`` A or C)."""
    with open(shared_data() / "iati-dev" / "linked_pairs.csv", encoding="utf-8", newline="") as src:
        return list(csv.DictReader(src))


def half(*keys: str) -> str:
    """``"tune"`` or ``"held"``, stable for the same keys in any order."""
    digest = hashlib.sha1("\x1f".join(sorted(keys)).encode("utf-8")).digest()
    return "tune" if digest[0] % 2 == 0 else "held"
