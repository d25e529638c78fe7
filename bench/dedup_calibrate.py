"""Calibrate the duplication detector on REAL data, and report on the half it was not tuned on.

    python -m bench dedup_calibrate              # report with app/dedup/thresholds.json (tune and held halves)
    python -m bench.dedup_calibrate --write      # fit, pick, save thresholds.json, report

1. The text fusion (:class:`app.dedup.Fusion`): a logistic fit of people's scores (0–5, as 0–1) on the
   lexical and semantic cosines of the STS Benchmark's **train** pairs (and of the lexical cosine alone,
   for a detector without the sentence model). The cosines are measured inside an index of 20,500 real
   texts (``bench/dedup_real.sts_corpus``), so that what counts as common wording is realistic.
2. The structure weights (:class:`app.dedup.Weights`): a class-balanced logistic regression on the
   **tune** half (``bench.realdata.half``) of the IATI development set: its publishers' tier-A
   funder/implementer links (1) against every other cross-organisation candidate the indexes hand over
   (0: unlabelled, nearly all different work); the text keeps weight 1 and structure weights are >= 0.
3. The tiers, on the tune halves of the IATI set, of the hand-labelled pairs
   (``bench/data/dedup/iati_dev_labels.csv``) and of the translated set (``bench/data/dedup/trilingual.jsonl``)
   when they exist (see :func:`pick`):

   * "possible overlap": the highest threshold where ``POSSIBLE_RECALL`` of the linked pairs (and of the
     translations) reach it, raised while labels say its flags would be mostly unrelated;
   * "likely duplicate": a text level (``likely_text``) and a threshold that put the most linked pairs at
     "likely" while at most ``LIKELY_SHARE`` of the activities are in a cross-organisation "likely" pair
     and, with labels, "likely" is the same work ``LIKELY_PRECISION`` of the time.

The report gives precision and recall per tier on the **held** half.
"""
from __future__ import annotations

import argparse
import json
from collections import defaultdict

import numpy as np

from app.dedup import DuplicateDetector, Fusion, Relation, Tier
from app.dedup.detector import THRESHOLDS_FILE
from bench import dedup_real, realdata

LIKELY_SHARE = 0.045         # at most this share of activities in a cross-organisation "likely" pair (target 5 %)
LIKELY_PRECISION = 0.85      # "likely" pairs that are the same work (labels)
POSSIBLE_RECALL = 0.75       # linked pairs and translations at "possible" or above
MARGIN = 0.15                # "likely" at least this far above "possible" (the pairs a gate holds under
#                              "likely" are compressed into this band, in order: it must leave them room)
POSSIBLE_PRECISION = 0.55    # "possible or likely" pairs that are the same or related work (labels)
RIDGE = 0.01                 # on the structure weights: a few dozen positives must not set extreme weights
GRID = [round(0.005 * i, 3) for i in range(20, 200)] + [0.9925, 0.995, 0.9975, 0.999]


# -- 1. the text fusion --------------------------------------------------------------------------------------
def _logistic(features: np.ndarray, target: np.ndarray, iterations: int = 50, ridge: float = 1e-3) -> np.ndarray:
    """Weights (last one the bias) of a logistic regression on soft targets in [0, 1] (Newton's method)."""
    x = np.hstack([features, np.ones((len(features), 1))])
    w = np.zeros(x.shape[1])
    for _ in range(iterations):
        p = 1 / (1 + np.exp(-x @ w))
        gradient = x.T @ (p - target) + ridge * w
        hessian = (x * (p * (1 - p))[:, None]).T @ x + ridge * np.eye(len(w))
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-9:
            break
    return w


def sts_cosines(split: str = "train") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(people's score / 5, lexical cosine, semantic cosine) of the split's pairs, in the 20,500-text index."""
    dedup_real.use_cache()
    from app.dedup import Initiative

    texts, id_of = dedup_real.sts_corpus()
    detector = DuplicateDetector.build([Initiative(id=i, title=t) for t, i in id_of.items()])
    rows = realdata.sts(split)
    gold, lexical, semantic = [], [], []
    for score, a, b in rows:
        lex, sem = detector._pair_cosines(detector._records.get(id_of[a]), detector._records.get(id_of[b]))
        gold.append(score / 5)
        lexical.append(lex)
        semantic.append(sem)
    return np.array(gold), np.array(lexical), np.array(semantic)


def fit_fusion() -> Fusion:
    gold, lexical, semantic = sts_cosines("train")
    both = _logistic(np.column_stack([lexical, semantic]), gold)
    alone = _logistic(lexical[:, None], gold)
    fusion = Fusion(lexical=round(float(both[0]), 3), semantic=round(float(both[1]), 3), bias=round(float(both[2]), 3),
                    lexical_only=round(float(alone[0]), 3), lexical_only_bias=round(float(alone[1]), 3))
    print(f"fusion fitted on STS train ({len(gold)} pairs): {fusion}")
    print(f"  Spearman on train: fused {dedup_real.spearman(gold, fusion.text(lexical, semantic)):.3f}, "
          f"lexical {dedup_real.spearman(gold, lexical):.3f}, semantic {dedup_real.spearman(gold, semantic):.3f}")
    return fusion


# -- 2. the structure weights -----------------------------------------------------------------------------------
STRUCTURE = ("place", "place_unknown", "time", "time_unknown", "theme", "theme_unknown", "organisation",
             "organisation_unknown")


def features(sub) -> list[float]:
    text = min(max(sub.text, 1e-6), 1 - 1e-6)
    row = [float(np.log(text / (1 - text)))]
    for name in ("place", "time", "theme", "organisation"):
        value = getattr(sub, name)
        row += [0.0, 1.0] if value is None else [float(value), 0.0]
    return row


def training_pairs(detector: DuplicateDetector, part: str) -> tuple[np.ndarray, np.ndarray]:
    """Features of the tune half's tier-A linked pairs (1) and of every other cross-organisation candidate
    the indexes hand over for the tune half's activities (0: unlabelled, nearly all different work)."""
    from app.dedup.scoring import score_pair

    linked = {frozenset((p["activity_a"], p["activity_b"])) for p in realdata.linked_pairs()}
    x, y = [], []
    for p in realdata.linked_pairs():
        if p["tier"].startswith("A") and realdata.half(p["activity_a"], p["activity_b"]) == part \
                and p["activity_a"] in detector and p["activity_b"] in detector:
            x.append(features(detector.compare(p["activity_a"], p["activity_b"]).subscores))
            y.append(1.0)
    cfg = detector.scoring
    for activity in realdata.iati_activities():
        if realdata.half(activity.id) != part:
            continue
        rec = detector._records.get(activity.id)
        for id, lexical, semantic, _ in detector._candidates(rec, detector.config.shortlist, cfg)[:40]:
            other = detector._records.get(id)
            if other is None or frozenset((activity.id, id)) in linked:
                continue
            _, _, sub, relation, _ = score_pair(rec, other, lexical, semantic if detector._semantic else None, cfg)
            if relation is Relation.SAME_ORGANISATION:
                continue
            x.append(features(sub))
            y.append(0.0)
    return np.array(x), np.array(y)


def fit_weights(detector: DuplicateDetector, part: str = "tune") -> dict:
    """Structure weights by a class-balanced logistic regression, structure weights bounded at 0 (L-BFGS-B)."""
    from scipy.optimize import minimize

    x, y = training_pairs(detector, part)
    weight = np.where(y == 1, 0.5 / max(1, y.sum()), 0.5 / max(1, (1 - y).sum()))
    design = np.hstack([x, np.ones((len(x), 1))])

    def loss(w):
        z = design @ w
        p = 1 / (1 + np.exp(-z))
        value = -(weight * (y * np.log(p + 1e-12) + (1 - y) * np.log(1 - p + 1e-12))).sum()
        value += RIDGE * (w[:-1] ** 2).sum()
        grad = design.T @ (weight * (p - y)) + 2 * RIDGE * np.append(w[:-1], 0)
        return value, grad

    # the text keeps its odds (weight 1); shared 8.7 areas count at least 1 (IATI activities rarely carry
    # them, so the development set cannot say how much they weigh: a prior, not a fit)
    bounds = [(1.0, 1.0)] + [(1.0, None) if name == "theme" else (0.0, None) for name in STRUCTURE] + [(None, None)]
    found = minimize(loss, np.append(np.ones(len(STRUCTURE) + 1), -1.0), jac=True, bounds=bounds, method="L-BFGS-B")
    w = found.x
    fitted = {"text": round(float(w[0]), 3), "bias": round(float(w[-1]), 3)}
    fitted.update({name: round(float(v), 3) for name, v in zip(STRUCTURE, w[1:-1])})
    print(f"structure weights fitted on the {part} half ({int(y.sum())} linked pairs, {int((1 - y).sum())} other "
          f"candidates): {fitted}")
    return fitted


# -- 3. scores on the real sets --------------------------------------------------------------------------------
def collect(detector: DuplicateDetector, part: str) -> dict:
    """The scores a threshold is picked from, on one half."""
    from app.dedup.detector import _as_initiative

    linked = [_scores(detector.compare(p["activity_a"], p["activity_b"])) for p in realdata.linked_pairs()
              if p["tier"].startswith("A") and realdata.half(p["activity_a"], p["activity_b"]) == part
              and p["activity_a"] in detector and p["activity_b"] in detector]
    ids = [a.id for a in realdata.iati_activities() if realdata.half(a.id) == part]
    best: dict[str, list] = defaultdict(list)  # per activity, the scores of its cross-org candidates
    for id in ids:
        for match in detector.find_overlaps(_as_initiative(detector._records.get(id)), k=10, include_below=True):
            if match.relation is not Relation.SAME_ORGANISATION:
                best[id].append(_scores(match))
    labels = []
    if dedup_real.LABELS_FILE.exists():
        for r in dedup_real.read_labels():
            if realdata.half(r["activity_a"], r["activity_b"]) == part and r["activity_a"] in detector \
                    and r["activity_b"] in detector:
                labels.append((*_scores(detector.compare(r["activity_a"], r["activity_b"])), r["label"]))
    translations = []
    if dedup_real.TRILINGUAL_FILE.exists():
        translations = trilingual_scores(dedup_real.read_trilingual(), part, detector.config)
    return {"linked": np.array(linked).reshape(-1, 3), "best": [best[i] for i in ids], "labels": labels,
            "translations": np.array(translations).reshape(-1, 3), "activities": len(ids)}


def _scores(match) -> tuple[float, float, float]:
    """(score as a "possible" candidate, score as a "likely" candidate: 0 when a gate other than
    ``likely_text`` forbids "likely", text score)."""
    return match.score, (0.0 if _gated(match) else match.score), match.subscores.text


def _gated(match) -> bool:
    """Whether a gate other than the text level keeps the pair from "likely" (:func:`app.dedup.scoring.likely_gate`)."""
    from app.dedup.scoring import likely_gate
    from app.dedup import R
    gate = likely_gate(match.subscores, _CFG[0], short_text=match.reason(R.SHORT_TEXT) is not None)
    return gate not in (None, "text")


_CFG = [None]


def trilingual_scores(items: list[dict], part: str, config) -> list[tuple[float, float]]:
    """The scores of each translation seen from each other language."""
    out = []
    for target in dedup_real.LANGUAGES:
        detector = DuplicateDetector.build([dedup_real.trilingual_initiative(i, target, id=f"{i['id']}:{target}")
                                            for i in items if target in i["texts"]], config)
        detector = detector.with_scoring(likely=1.01, possible=1.0)
        for source in dedup_real.LANGUAGES:
            if source == target:
                continue
            for item in items:
                if realdata.half(str(item["id"])) != part or source not in item["texts"] or target not in item["texts"]:
                    continue
                match = detector.compare(dedup_real.trilingual_initiative(item, source), f"{item['id']}:{target}")
                out.append(_scores(match))
    return out


def _likely(rows, likely: float, likely_text: float) -> np.ndarray:
    rows = np.asarray(rows).reshape(-1, 3)
    return (rows[:, 1] >= likely) & (rows[:, 2] >= likely_text)


def _share(best, likely: float, likely_text: float, column: int | None = None, possible: float = 0.0) -> float:
    """Share of activities with a cross-organisation candidate at "likely" (or, with ``column`` 0, at
    ``possible`` or above)."""
    hits = [bool(_likely(rows, likely, likely_text).any()) if column is None
            else bool(rows) and bool((np.asarray(rows)[:, 0] >= possible).any()) for rows in best]
    return float(np.mean(hits)) if hits else 0.0


def _precision(labels, good: set[str], flagged_of) -> tuple[float, int]:
    flagged = [row[3] for row in labels if flagged_of(row)]
    return (sum(label in good for label in flagged) / len(flagged) if flagged else float("nan")), len(flagged)


def pick(data: dict) -> tuple[float, float, float]:
    """(likely, likely_text, possible).

    "Possible overlap": the highest threshold where POSSIBLE_RECALL of the linked pairs (and of the
    translations) reach it, raised while labels say the flags would be mostly unrelated (POSSIBLE_PRECISION).
    "Likely duplicate": the text level (``likely_text``) and threshold that put the most linked pairs at
    "likely" while at most LIKELY_SHARE of the activities are in a cross-organisation "likely" pair (and,
    with labels, "likely" is the same work LIKELY_PRECISION of the time); of the thresholds that do as
    well, the lowest one at least ``MARGIN`` (or half the room left) above "possible" (the gates select, and
    pairs held under "likely" by a gate keep their order below it).
    """
    possible = GRID[0]
    for t in reversed(GRID):
        recall = float((data["linked"][:, 0] >= t).mean()) if len(data["linked"]) else 1.0
        translated = float((data["translations"][:, 0] >= t).mean()) if len(data["translations"]) else 1.0
        if recall >= POSSIBLE_RECALL and translated >= POSSIBLE_RECALL:
            possible = t
            break
    precision, n = _precision(data["labels"], {"same", "related"}, lambda r: r[0] >= possible)
    while n >= 5 and precision < POSSIBLE_PRECISION and possible < GRID[-1]:
        possible = round(possible + 0.005, 3)
        precision, n = _precision(data["labels"], {"same", "related"}, lambda r: r[0] >= possible)
    best_choice = None
    for likely_text in (0.5, 0.6, 0.7, 0.75, 0.8, 0.85):
        margin = min(MARGIN, round((1 - possible) / 2, 3))  # a high "possible" (lexical only) leaves less room
        for t in [u for u in GRID if u >= possible + margin]:
            if _share(data["best"], t, likely_text) > LIKELY_SHARE:
                continue
            precision, n = _precision(data["labels"], {"same"}, lambda r: r[1] >= t and r[2] >= likely_text)
            if n >= 5 and precision < LIKELY_PRECISION:
                continue
            recall = float(_likely(data["linked"], t, likely_text).mean()) if len(data["linked"]) else 0.0
            key = (recall, -t)
            if best_choice is None or key > best_choice[0]:
                best_choice = (key, t, likely_text)
            break
    _, likely, likely_text = best_choice if best_choice else (None, GRID[-1], 0.85)
    return likely, likely_text, possible


# -- 4. report ------------------------------------------------------------------------------------------------
def report(data: dict, likely: float, likely_text: float, possible: float, part: str) -> dict:
    out = {}
    linked = data["linked"]
    out["linked_likely"] = float(_likely(linked, likely, likely_text).mean()) if len(linked) else float("nan")
    out["linked_possible"] = float((linked[:, 0] >= possible).mean()) if len(linked) else float("nan")
    out["likely_share"] = _share(data["best"], likely, likely_text)
    out["flag_share"] = _share(data["best"], likely, likely_text, column=0, possible=possible)
    print(f"\n{part} half: likely >= {likely:.3f} (text >= {likely_text:.2f}), possible >= {possible:.3f}")
    print(f"  IATI tier-A linked pairs ({len(linked)}): recall of likely {out['linked_likely']:.2f}, "
          f"of possible or likely {out['linked_possible']:.2f}")
    print(f"  IATI activities ({data['activities']}): in a cross-org likely pair {out['likely_share']:.3f}, "
          f"in a cross-org flagged pair {out['flag_share']:.3f}")
    if data["labels"]:
        labels = data["labels"]
        for tier, good, flagged_of in (
                ("likely", {"same"}, lambda r: r[1] >= likely and r[2] >= likely_text),
                ("possible or likely", {"same", "related"}, lambda r: r[0] >= possible)):
            precision, n = _precision(labels, good, flagged_of)
            positives = sum(row[3] in good for row in labels)
            recall = sum(1 for row in labels if flagged_of(row) and row[3] in good) / positives \
                if positives else float("nan")
            out[f"labels_{tier.split()[0]}_precision"], out[f"labels_{tier.split()[0]}_recall"] = precision, recall
            print(f"  labelled pairs ({len(labels)}): {tier:18} precision {precision:.2f} recall {recall:.2f} "
                  f"(flagged {n}, positives {positives})")
    if len(data["translations"]):
        t = data["translations"]
        out["translations_possible"] = float((t[:, 0] >= possible).mean())
        print(f"  translations ({len(t)} ordered pairs): likely {float(_likely(t, likely, likely_text).mean()):.2f}, "
              f"possible or likely {out['translations_possible']:.2f}")
    return out


def run(write: bool = False, keep_fusion: bool = False) -> dict:
    dedup_real.use_cache()
    current = json.loads(THRESHOLDS_FILE.read_text(encoding="utf-8")) if THRESHOLDS_FILE.exists() else {}
    if write and not keep_fusion:
        fusion = fit_fusion()
        current["fusion"] = {k: getattr(fusion, k) for k in ("lexical", "semantic", "bias", "lexical_only",
                                                             "lexical_only_bias")}
        current.setdefault("likely", 0.5)
        current.setdefault("possible", 0.3)
        THRESHOLDS_FILE.write_text(json.dumps(current, indent=2) + "\n", encoding="utf-8")
    results = {}
    for semantic in (True, False):
        from app.dedup import DetectorConfig
        from app.dedup.detector import calibrated_scoring
        config = DetectorConfig(semantic="auto" if semantic else False)
        detector = DuplicateDetector.build(realdata.iati_activities(), config)
        if write and semantic:
            current["weights"] = {**current.get("weights", {}), **fit_weights(detector)}
            THRESHOLDS_FILE.write_text(json.dumps(current, indent=2) + "\n", encoding="utf-8")
            detector = DuplicateDetector.build(realdata.iati_activities(), DetectorConfig())
        name = "with the sentence model" if semantic else "lexical only"
        print(f"\n== {name} ==")
        open_detector = detector.with_scoring(likely=1.01, possible=1.0)  # scores not held under a threshold
        _CFG[0] = open_detector.scoring
        tune = collect(open_detector, "tune")
        held = collect(open_detector, "held")
        if write:
            likely, likely_text, possible = pick(tune)
            entry = {"likely": likely, "likely_text": likely_text, "possible": possible}
            if semantic:
                current.update(entry)
            else:
                current["lexical_only"] = entry
        else:
            cfg = calibrated_scoring(semantic)
            likely, likely_text, possible = cfg.likely, cfg.likely_text, cfg.possible
        report(tune, likely, likely_text, possible, "tune")
        results[name] = report(held, likely, likely_text, possible, "held")
    if write:
        current.update({"picked_on": "STS train (fusion); tune half of the IATI development set, of the labelled "
                                     "pairs and of the translations (thresholds)",
                        "by": "python -m bench.dedup_calibrate --write"})
        THRESHOLDS_FILE.write_text(json.dumps(current, indent=2) + "\n", encoding="utf-8")
        print(f"\nwrote {THRESHOLDS_FILE.name}")
    return results


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="fit and pick on the tune half, save thresholds.json")
    parser.add_argument("--keep-fusion", action="store_true", help="keep the text fusion in thresholds.json")
    args = parser.parse_args(argv)
    run(write=args.write, keep_fusion=args.keep_fusion)


if __name__ == "__main__":
    main()
