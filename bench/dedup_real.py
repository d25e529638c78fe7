"""The duplication detector measured on REAL data: ``python -m bench dedup_real``.

Prints one table (figure, measured, target) from:

(a) the STS Benchmark dev split (English sentence pairs scored 0–5 by people): Spearman rank correlation
    with people's scores of the detector's text score, of the raw lexical cosine it is built from, and of
    the sentence model's cosine;
(b) retrieval: every distinct sentence of STS train + dev, plus sentences of the IATI development set's
    descriptions as distractors (≥ 20,000 texts, each its own initiative); for each STS pair scored ≥ 4,
    is the partner among the detector's top 10 for the first sentence;
(c) the IATI development set (1,800 real activities, the publishers' links hidden): share of the tier-A
    funder/implementer pairs of the HELD half reaching "possible overlap" or above, and the share of the
    held half's activities in a cross-organisation "likely duplicate" pair;
(d) when ``bench/data/dedup/iati_dev_labels.csv`` exists (hand-labelled pairs: activity_a, activity_b,
    label same|related|distinct, reason, source): precision of "likely" (same) and of "possible or
    likely" (same or related) on the held half's labelled pairs; and what "likely" holds: every distinct
    cross-organisation "likely" pair of the held half, the same work when the publishers linked them (tier A)
    or a label says so;
(e) when ``bench/data/dedup/trilingual.jsonl`` exists (initiatives with faithful en/fr/es translations):
    for each ordered language pair, the texts of language B indexed (each its own organisation) and
    queried in language A: the translation is the top match, and reaches "possible overlap" or above.

The real data sets are outside the repository (see ``bench/realdata.py``). Sentence embeddings of the
bench texts are cached in ``$HUB_BENCH_CACHE`` (default: the temp dir) so that a second run is quick.
"""
from __future__ import annotations

import csv
import json
import os
import re
import sys
import time
from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np

from app.dedup import DetectorConfig, DuplicateDetector, Initiative, Relation, Tier
from bench import realdata

LABELS_FILE = realdata.OWN_DATA / "iati_dev_labels.csv"
TRILINGUAL_FILE = realdata.OWN_DATA / "trilingual.jsonl"
LANGUAGES = ("en", "fr", "es")
RETRIEVAL_MIN_TEXTS = 20_000
TARGETS = {
    "sts_text": 0.80, "retrieval_top10": 0.97, "iati_linked_possible": 0.70, "iati_likely_share": 0.05,
    "labels_likely_precision": 0.80, "labels_possible_precision": 0.50, "trilingual_top1": 0.90,
    "trilingual_possible": 0.80,
}


# -- helpers ------------------------------------------------------------------------------------------------
def spearman(x: Iterable[float], y: Iterable[float]) -> float:
    """Spearman's rank correlation (average ranks for ties)."""
    from scipy.stats import spearmanr

    return float(spearmanr(list(x), list(y)).statistic)


_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+")


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_SPLIT.split(text or "") if len(s.split()) >= 4]


class CachedEncoder:
    """The sentence model's vectors of the bench texts, cached on disk by text (float16)."""

    def __init__(self, path: Path | None = None):
        root = Path(os.environ.get("HUB_BENCH_CACHE") or Path(os.environ.get("TMPDIR", "/tmp")) / "hub-bench-cache")
        root.mkdir(parents=True, exist_ok=True)
        self.path = path or root / "usem3-vectors.npz"
        self.vectors: dict[str, np.ndarray] = {}
        if self.path.exists():
            with np.load(self.path, allow_pickle=False) as data:
                for key, vec in zip(data["keys"].tolist(), data["vectors"]):
                    self.vectors[key] = vec

    @staticmethod
    def _key(text: str) -> str:
        import hashlib
        return hashlib.sha1(text.encode("utf-8")).hexdigest()

    def __call__(self, texts: list[str]) -> np.ndarray:
        missing = sorted({t for t in texts if self._key(t) not in self.vectors})
        if missing:
            encode = _model_encode()
            started = time.perf_counter()
            for start in range(0, len(missing), 2000):
                chunk = missing[start:start + 2000]
                for text, vec in zip(chunk, encode(chunk)):
                    self.vectors[self._key(text)] = vec.astype(np.float16)
                print(f"  encoded {min(start + 2000, len(missing))}/{len(missing)} texts "
                      f"({time.perf_counter() - started:.0f} s)", file=sys.stderr, flush=True)
            keys = list(self.vectors)
            np.savez(self.path, keys=np.array(keys), vectors=np.stack([self.vectors[k] for k in keys]))
        return np.stack([self.vectors[self._key(t)] for t in texts]).astype(np.float32) if texts else \
            np.zeros((0, 512), dtype=np.float32)


_ORIGINAL_ENCODE = None


def _model_encode():
    if _ORIGINAL_ENCODE is not None:
        return _ORIGINAL_ENCODE
    from app.dedup.semantic import encode
    return encode


def use_cache() -> CachedEncoder:
    """Make the detector's sentence model read the bench's disk cache (the same vectors, computed once)."""
    global _ORIGINAL_ENCODE
    from app.dedup import semantic

    encoder = CachedEncoder()
    if _ORIGINAL_ENCODE is None:
        _ORIGINAL_ENCODE = semantic.encode

    def cached(texts):
        cleaned = [(t or "")[:semantic.TEXT_LIMIT].strip() for t in texts]
        out = np.zeros((len(cleaned), semantic.DIMENSIONS), dtype=np.float32)
        keep = [n for n, t in enumerate(cleaned) if t]
        if keep:
            out[keep] = encoder([cleaned[n] for n in keep])
        return out

    semantic.encode = cached
    return encoder


def config() -> DetectorConfig:
    return DetectorConfig()


# -- (a) and (b): STS --------------------------------------------------------------------------------------
def sts_corpus() -> tuple[list[str], dict[str, str]]:
    """≥ 20,000 distinct texts: the STS train+dev sentences, then IATI description sentences; text → id."""
    texts: dict[str, str] = {}
    for split in ("train", "dev"):
        for _score, a, b in realdata.sts(split):
            for s in (a, b):
                texts.setdefault(s, f"sts:{len(texts)}")
    for activity in realdata.iati_activities():
        for s in [activity.title, *_sentences(activity.description)]:
            if len(texts) >= RETRIEVAL_MIN_TEXTS + 500:
                break
            if len(s.split()) >= 4:
                texts.setdefault(s, f"iati:{len(texts)}")
    return list(texts), texts


def measure_sts(detector_factory=None, encoder: CachedEncoder | None = None, retrieval: bool = True) -> dict:
    encoder = encoder or use_cache()
    texts, id_of = sts_corpus()
    started = time.perf_counter()
    detector = (detector_factory or _build)([Initiative(id=i, title=t) for t, i in id_of.items()])
    build_s = time.perf_counter() - started
    dev = realdata.sts("dev")
    gold, text_scores, lexical, semantic = [], [], [], []
    vec_a = encoder([a for _, a, _ in dev])
    vec_b = encoder([b for _, _, b in dev])
    for n, (score, a, b) in enumerate(dev):
        match = detector.compare(id_of[a], id_of[b])
        gold.append(score)
        text_scores.append(match.subscores.text)
        lexical.append(detector._lexical.similarities(a, [id_of[b]])[0])
        semantic.append(float(vec_a[n] @ vec_b[n]))
    out = {"texts": len(texts), "build_s": build_s, "sts_text": spearman(gold, text_scores),
           "sts_lexical": spearman(gold, lexical), "sts_semantic": spearman(gold, semantic)}
    if not retrieval:
        return out
    pairs = [(a, b) for split in ("train", "dev") for s, a, b in realdata.sts(split) if s >= 4 and a != b]
    hits = lex_hits = sem_hits = 0
    matrix = encoder(texts)
    row = {t: n for n, t in enumerate(texts)}
    times = []
    for a, b in pairs:
        t0 = time.perf_counter()
        found = detector.find_overlaps(Initiative(id=id_of[a], title=a), k=10, include_below=True)
        times.append(time.perf_counter() - t0)
        hits += id_of[b] in {m.id for m in found}
        lex_hits += id_of[b] in {i for i, _ in detector._lexical.search(a, 10, exclude=id_of[a])}
        sims = matrix @ matrix[row[a]]
        sims[row[a]] = -2
        top = np.argpartition(-sims, 10)[:10]
        sem_hits += row[b] in set(top.tolist())
    out.update({"retrieval_queries": len(pairs), "retrieval_top10": hits / len(pairs),
                "retrieval_lexical_top10": lex_hits / len(pairs), "retrieval_semantic_top10": sem_hits / len(pairs),
                "retrieval_p95_ms": 1000 * float(np.percentile(times, 95))})
    return out


def _build(items: list[Initiative]) -> DuplicateDetector:
    return DuplicateDetector.build(items, config())


# -- (c) and (d): IATI --------------------------------------------------------------------------------------
def iati_detector(detector_factory=None) -> DuplicateDetector:
    return (detector_factory or _build)(realdata.iati_activities())


def measure_iati(detector: DuplicateDetector, part: str = "held") -> dict:
    linked = [p for p in realdata.linked_pairs() if p["tier"].startswith("A")
              and realdata.half(p["activity_a"], p["activity_b"]) == part]
    reached = 0
    tiers = []
    for p in linked:
        if p["activity_a"] not in detector or p["activity_b"] not in detector:
            tiers.append(None)
            continue
        m = detector.compare(p["activity_a"], p["activity_b"])
        tiers.append(m.tier)
        reached += m.tier.rank >= Tier.POSSIBLE.rank
    ids = [a.id for a in realdata.iati_activities() if realdata.half(a.id) == part]
    touched_likely, touched_any, likely_pairs, possible_pairs = set(), set(), 0, 0
    for id, match in detector.pairs(ids, k=10, min_tier=Tier.POSSIBLE):
        if match.relation is Relation.SAME_ORGANISATION:
            continue
        touched_any.update((id, match.id))
        possible_pairs += 1
        if match.tier is Tier.LIKELY:
            touched_likely.update((id, match.id))
            likely_pairs += 1
    part_ids = set(ids)
    return {"iati_linked_pairs": len(linked), "iati_linked_possible": reached / max(1, len(linked)),
            "iati_linked_likely": sum(t is Tier.LIKELY for t in tiers) / max(1, len(linked)),
            "iati_likely_share": len(touched_likely & part_ids) / max(1, len(part_ids)),
            "iati_flag_share": len(touched_any & part_ids) / max(1, len(part_ids)),
            "iati_cross_org_likely_pairs": likely_pairs, "iati_cross_org_flagged_pairs": possible_pairs}


def read_labels(path: Path = LABELS_FILE) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as src:
        return [r for r in csv.DictReader(src) if r.get("label") in ("same", "related", "distinct")]


def measure_labels(detector: DuplicateDetector, rows: list[dict], part: str = "held") -> dict:
    rows = [r for r in rows if realdata.half(r["activity_a"], r["activity_b"]) == part
            and r["activity_a"] in detector and r["activity_b"] in detector]
    likely = possible = likely_ok = possible_ok = same = same_found = 0
    for r in rows:
        tier = detector.compare(r["activity_a"], r["activity_b"]).tier
        same += r["label"] == "same"
        if tier is Tier.LIKELY:
            likely += 1
            likely_ok += r["label"] == "same"
        if tier.rank >= Tier.POSSIBLE.rank:
            possible += 1
            possible_ok += r["label"] in ("same", "related")
            same_found += r["label"] == "same"
    return {"labels_pairs": len(rows), "labels_likely": likely, "labels_possible": possible,
            "labels_likely_precision": likely_ok / likely if likely else float("nan"),
            "labels_possible_precision": possible_ok / possible if possible else float("nan"),
            "labels_same_recall": same_found / same if same else float("nan")}


def measure_likely_pairs(detector: DuplicateDetector, rows: list[dict], part: str = "held") -> dict:
    """What the review queue's "likely" holds: every distinct cross-organisation pair of this half at "likely",
    judged by what is known of it: the publishers' own tier-A link (the same work, reported by funder and
    implementer) or a hand label. Pairs known neither way are counted, not guessed."""
    linked = {tuple(sorted((p["activity_a"], p["activity_b"]))): p["tier"] for p in realdata.linked_pairs()}
    labels = {tuple(sorted((r["activity_a"], r["activity_b"]))): r["label"] for r in rows}
    found = set()
    for id, match in detector.pairs([a.id for a in realdata.iati_activities()], k=10, min_tier=Tier.LIKELY):
        key = tuple(sorted((id, match.id)))
        if match.relation is not Relation.SAME_ORGANISATION and realdata.half(*key) == part:
            found.add(key)
    same = sum(linked.get(k, "").startswith("A") or labels.get(k) == "same" for k in found)
    known = sum(k in labels or linked.get(k, "").startswith("A") for k in found)
    return {"likely_pairs": len(found), "likely_pairs_unknown": len(found) - known,
            "likely_pairs_precision": same / known if known else float("nan")}


# -- (e): three languages -------------------------------------------------------------------------------------
def read_trilingual(path: Path = TRILINGUAL_FILE) -> list[dict]:
    with open(path, encoding="utf-8") as src:
        return [json.loads(line) for line in src if line.strip()]


def trilingual_initiative(item: dict, lang: str, id: str | None = None) -> Initiative:
    text = item["texts"][lang]

    def day(value):
        return date.fromisoformat(value) if value else None

    return Initiative(id=id, kind=item.get("org_type") or "initiative", title=text.get("title", ""),
                      description=text.get("description", ""), countries=tuple(item.get("countries") or ()),
                      start=day(item.get("start")), end=day(item.get("end")), themes=tuple(item.get("themes") or ()),
                      target_groups=tuple(item.get("target_groups") or ()), lead_org=f"org:{item['id']}:{lang}",
                      language=lang)


def measure_trilingual(items: list[dict], detector_factory=None, part: str | None = "held") -> dict:
    chosen = [i for i in items if part is None or realdata.half(str(i["id"])) == part]
    out = {"trilingual_items": len(chosen)}
    top1_all, possible_all = [], []
    for target in LANGUAGES:
        detector = (detector_factory or _build)(
            [trilingual_initiative(i, target, id=f"{i['id']}:{target}") for i in items if target in i["texts"]])
        for source in LANGUAGES:
            if source == target:
                continue
            top1 = possible = n = 0
            for item in chosen:
                if source not in item["texts"] or target not in item["texts"]:
                    continue
                n += 1
                found = detector.find_overlaps(trilingual_initiative(item, source), k=10, include_below=True)
                want = f"{item['id']}:{target}"
                top1 += bool(found) and found[0].id == want
                possible += any(m.id == want and m.tier.rank >= Tier.POSSIBLE.rank for m in found)
            out[f"trilingual_{source}_{target}_top1"] = top1 / max(1, n)
            out[f"trilingual_{source}_{target}_possible"] = possible / max(1, n)
            top1_all.append(top1 / max(1, n))
            possible_all.append(possible / max(1, n))
    out["trilingual_top1"] = min(top1_all) if top1_all else float("nan")
    out["trilingual_possible"] = min(possible_all) if possible_all else float("nan")
    return out


# -- report ----------------------------------------------------------------------------------------------------
ROWS = [
    ("sts_text", "STS dev: Spearman of the detector's text score", ">= 0.80"),
    ("sts_lexical", "STS dev: Spearman of the raw lexical cosine", "-"),
    ("sts_semantic", "STS dev: Spearman of the sentence model's cosine", "-"),
    ("texts", "retrieval corpus (texts)", ">= 20000"),
    ("retrieval_queries", "retrieval queries (STS pairs scored >= 4)", "-"),
    ("retrieval_top10", "retrieval: partner in the detector's top 10", ">= 0.97"),
    ("retrieval_lexical_top10", "retrieval: partner in the raw lexical top 10", "-"),
    ("retrieval_semantic_top10", "retrieval: partner in the sentence model's top 10", "-"),
    ("retrieval_p95_ms", "retrieval: find_overlaps p95 (ms, ~20,000 texts)", "-"),
    ("iati_linked_pairs", "IATI held: tier-A linked pairs", "-"),
    ("iati_linked_possible", "IATI held: linked pairs at possible or above", ">= 0.70"),
    ("iati_linked_likely", "IATI held: linked pairs at likely", "-"),
    ("iati_likely_share", "IATI held: activities in a cross-org likely pair", "<= 0.05"),
    ("iati_flag_share", "IATI held: activities in a cross-org flagged pair", "-"),
    ("iati_cross_org_likely_pairs", "IATI held: cross-org likely pairs", "-"),
    ("iati_cross_org_flagged_pairs", "IATI held: cross-org possible-or-likely pairs", "-"),
    ("labels_pairs", "labels held: pairs", "-"),
    ("labels_likely", "labels held: flagged likely", "-"),
    ("labels_likely_precision", "labels held: precision of likely (same)", ">= 0.80"),
    ("likely_pairs", "held: every cross-org likely pair (distinct)", "-"),
    ("likely_pairs_unknown", "held: of them, neither linked nor labelled", "-"),
    ("likely_pairs_precision", "held: likely pairs the same work (publisher link or label)", ">= 0.80"),
    ("labels_possible", "labels held: flagged possible or likely", "-"),
    ("labels_possible_precision", "labels held: precision of possible+ (same/related)", ">= 0.50"),
    ("labels_same_recall", "labels held: 'same' pairs flagged possible or above", "-"),
    ("trilingual_items", "trilingual held: initiatives", "-"),
    ("trilingual_top1", "trilingual held: translation is the top match (worst pair)", ">= 0.90"),
    ("trilingual_possible", "trilingual held: translation possible or above (worst pair)", ">= 0.80"),
]


def table(results: dict) -> str:
    lines = [f"{'figure':62} {'measured':>9}  target", "-" * 82]
    keys = {k for k, _, _ in ROWS}
    for key, label, target in ROWS:
        if key in results:
            value = results[key]
            shown = f"{value:9.3f}" if isinstance(value, float) else f"{value:9d}"
            lines.append(f"{label:62} {shown}  {target}")
    for key in sorted(k for k in results if k.startswith("trilingual_") and k not in keys):
        lines.append(f"{'  ' + key:62} {results[key]:9.3f}")
    return "\n".join(lines)


def run(parts: str = "abcde", part: str = "held") -> dict:
    use_cache()
    results: dict = {}
    started = time.perf_counter()
    if "a" in parts or "b" in parts:
        results.update(measure_sts(retrieval="b" in parts))
        print(f"  STS done ({time.perf_counter() - started:.0f} s)", file=sys.stderr, flush=True)
    if "c" in parts or "d" in parts:
        detector = iati_detector()
        if "c" in parts:
            results.update(measure_iati(detector, part))
        if "d" in parts and LABELS_FILE.exists():
            results.update(measure_labels(detector, read_labels(), part))
            results.update(measure_likely_pairs(detector, read_labels(), part))
        elif "d" in parts:
            print(f"  (d) skipped: {LABELS_FILE.relative_to(realdata.ROOT)} not found", file=sys.stderr)
    if "e" in parts and TRILINGUAL_FILE.exists():
        results.update(measure_trilingual(read_trilingual(), part=part))
    elif "e" in parts:
        print(f"  (e) skipped: {TRILINGUAL_FILE.relative_to(realdata.ROOT)} not found", file=sys.stderr)
    print(table(results))
    print(f"({time.perf_counter() - started:.0f} s)")
    return results


if __name__ == "__main__":
    run(*(sys.argv[1:2] or ["abcde"]))
