"""Calibrate the duplication detector's tier thresholds on the labelled pairs and report precision and recall
per tier, on the pairs used to pick them (train) and on held-out pairs (test).

    python -m bench dedup_calibrate            # report with the thresholds in app/dedup/thresholds.json
    python -m bench.dedup_calibrate --write    # pick thresholds on train, save them, report

The pairs (``tests/dedup/data/pairs.jsonl``, see ``bench/dedup_pairs.py``) are scored inside a registry of
5,000 generated records, so that what counts as common wording (IDF, boilerplate) is realistic.
"""
from __future__ import annotations

import argparse
import json
from collections import Counter, defaultdict
from datetime import date

from app.dedup import DetectorConfig, DuplicateDetector, Initiative, R, Tier
from app.dedup.detector import THRESHOLDS_FILE
from bench.dedup_corpus import corpus
from bench.dedup_pairs import read

BACKGROUND = 5000
POSITIVE = {"likely": {"duplicate"}, "possible": {"duplicate", "overlap"}}


def initiative(data: dict) -> Initiative:
    return Initiative(**{**data, "start": data["start"] and date.fromisoformat(data["start"]),
                         "end": data["end"] and date.fromisoformat(data["end"])})


def build(pairs: list[dict], background: int = BACKGROUND, semantic: bool = False) -> DuplicateDetector:
    """A registry of generated records plus each distinct text of the pairs once (a text repeated across
    pairs would otherwise look like boilerplate copied into many initiatives)."""
    distinct = {(p[s]["title"], p[s]["description"]): p[s] for p in pairs for s in ("a", "b")}
    return DuplicateDetector.build(corpus(background, seed=11) + [initiative(x) for x in distinct.values()],
                                   DetectorConfig(semantic=semantic))


def score_pairs(detector: DuplicateDetector, pairs: list[dict]) -> list[dict]:
    """Each pair with the detector's score of b seen from a, and whether "likely" is allowed at all."""
    out = []
    for p in pairs:
        m = detector.compare(initiative(p["a"]), initiative(p["b"]))
        gated = m.subscores.place == 0.0 or m.subscores.time == 0.0 or m.reason(R.SHORT_TEXT) is not None
        out.append({**p, "score": m.score, "gated": gated, "match": m})
    return out


def flagged(row: dict, tier: str, likely: float, possible: float) -> bool:
    if tier == "likely":
        return row["score"] >= likely and not row["gated"]
    return row["score"] >= possible


def metrics(rows: list[dict], tier: str, likely: float, possible: float) -> dict:
    tp = fp = fn = 0
    for r in rows:
        hit, positive = flagged(r, tier, likely, possible), r["label"] in POSITIVE[tier]
        tp += hit and positive
        fp += hit and not positive
        fn += positive and not hit
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "tp": tp, "fp": fp, "fn": fn}


def f_beta(m: dict, beta: float) -> float:
    p, r = m["precision"], m["recall"]
    return (1 + beta ** 2) * p * r / (beta ** 2 * p + r) if p + r else 0.0


def _plateau_middle(grid: list[float], values: list[float], tolerance: float) -> float:
    """The middle of the longest run of thresholds whose value is within ``tolerance`` of the best: the
    threshold farthest from the nearest mistakes (a margin for pairs never seen), not the first that works."""
    best = max(values)
    runs, run = [], []
    for t, v in zip(grid, values):
        if v >= best - tolerance:
            run.append(t)
        elif run:
            runs.append(run)
            run = []
    if run:
        runs.append(run)
    longest = max(runs, key=len)
    return longest[len(longest) // 2]


def pick(rows: list[dict]) -> tuple[float, float]:
    """Tier thresholds from labelled rows.

    "Likely duplicate" must be right when it is said: F0.5 (precision counts double). "Possible overlap"
    must miss little (a flag only asks someone to look): F2 (recall counts double). Each threshold is the
    middle of the range where its F-score is within 0.02 of the best, for a margin on unseen pairs.
    """
    grid = [round(0.01 * i, 2) for i in range(5, 96)]
    likely = _plateau_middle(grid, [f_beta(metrics(rows, "likely", t, 0), 0.5) for t in grid], 0.02)
    lower = [t for t in grid if t < likely]
    possible = _plateau_middle(lower, [f_beta(metrics(rows, "possible", likely, t), 2.0) for t in lower], 0.02)
    return likely, possible


def tier_of(row, likely, possible) -> str:
    if flagged(row, "likely", likely, possible):
        return Tier.LIKELY.value
    return Tier.POSSIBLE.value if row["score"] >= possible else Tier.BELOW.value


def report(rows: list[dict], likely: float, possible: float) -> None:
    print(f"thresholds: likely duplicate >= {likely:.2f}, possible overlap >= {possible:.2f}")
    print(f"{'split':6} {'tier':18} {'precision':>9} {'recall':>7} {'F1':>5} {'TP':>4} {'FP':>4} {'FN':>4} {'pairs':>6}")
    for split in ("train", "test", "all"):
        part = [r for r in rows if split == "all" or r["split"] == split]
        for tier, label in (("likely", "likely duplicate"), ("possible", "possible or likely")):
            m = metrics(part, tier, likely, possible)
            print(f"{split:6} {label:18} {m['precision']:9.2f} {m['recall']:7.2f} {m['f1']:5.2f} {m['tp']:4d} "
                  f"{m['fp']:4d} {m['fn']:4d} {len(part):6d}")
    print("\nper category (all splits): how many pairs land in each tier")
    by_cat: dict[str, Counter] = defaultdict(Counter)
    labels = {}
    for r in rows:
        by_cat[r["category"]][tier_of(r, likely, possible)] += 1
        labels[r["category"]] = r["label"]
    print(f"{'category':30} {'label':10} {'likely':>7} {'possible':>9} {'below':>6}")
    for cat in sorted(by_cat, key=lambda c: (labels[c], c)):
        c = by_cat[cat]
        print(f"{cat:30} {labels[cat]:10} {c[Tier.LIKELY.value]:7d} {c[Tier.POSSIBLE.value]:9d} {c[Tier.BELOW.value]:6d}")


def run(write: bool = False, verbose: bool = False, semantic: bool = False) -> dict:
    pairs = read()
    if semantic:
        from app.dedup.semantic import available
        if not available():
            raise SystemExit("the semantic index is not installed (make semantic)")
    # embedding thousands of background texts takes minutes: a smaller background with the semantic index
    detector = build(pairs, background=1500 if semantic else BACKGROUND, semantic=semantic)
    print(f"index: {'lexical + semantic' if semantic else 'lexical'}, {len(detector)} items")
    rows = score_pairs(detector, pairs)
    cfg = detector.config.scoring
    if write:
        likely, possible = pick([r for r in rows if r["split"] == "train"])
        try:
            data = json.loads(THRESHOLDS_FILE.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}
        entry = {"likely": likely, "possible": possible}
        if semantic:
            data["semantic"] = entry
        else:
            data.update(entry)
        data.update({"picked_on": "train split of tests/dedup/data/pairs.jsonl",
                     "by": "python -m bench.dedup_calibrate --write [--semantic]"})
        THRESHOLDS_FILE.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {THRESHOLDS_FILE.name}")
    else:
        likely, possible = cfg.likely, cfg.possible
    report(rows, likely, possible)
    if verbose:
        for r in rows:
            t = tier_of(r, likely, possible)
            wrong = (r["label"] == "distinct" and t != Tier.BELOW.value) or \
                    (r["label"] == "duplicate" and t != Tier.LIKELY.value) or \
                    (r["label"] == "overlap" and t != Tier.POSSIBLE.value)
            if wrong:
                print(f"\n[{r['split']}] {r['category']} ({r['label']}) -> {t} {r['match'].subscores}\n"
                      f"  A: {r['a']['title']}\n  B: {r['b']['title']}\n  {r['match']}")
    return {"likely": likely, "possible": possible, "rows": rows}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="pick thresholds on the train split and save them")
    parser.add_argument("--verbose", action="store_true", help="list the pairs put in the wrong tier")
    parser.add_argument("--semantic", action="store_true", help="with the semantic index (make semantic)")
    args = parser.parse_args(argv)
    run(write=args.write, verbose=args.verbose, semantic=args.semantic)


if __name__ == "__main__":
    main()
