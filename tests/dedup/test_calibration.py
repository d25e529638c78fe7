"""The shipped calibration (app/dedup/thresholds.json) is what the detector uses, and it keeps its promises
on the generated regression pairs (tests/dedup/data/pairs.jsonl). The calibration itself runs on real data
(`python -m bench.dedup_calibrate --write`; its figures: `python -m bench dedup_real`)."""
from __future__ import annotations

import json
from collections import defaultdict
from datetime import date

import pytest

from app.dedup import DetectorConfig, DuplicateDetector, Initiative, Tier, calibrated_scoring
from app.dedup.detector import THRESHOLDS_FILE
from bench.dedup_corpus import corpus
from bench.dedup_pairs import build_pairs, read


def test_the_pairs_file_is_what_the_generator_makes():
    assert read() == json.loads(json.dumps(build_pairs()))  # regenerate with `python -m bench.dedup_pairs`


def test_the_thresholds_file_is_used():
    data = json.loads(THRESHOLDS_FILE.read_text())
    with_model, lexical = calibrated_scoring(), calibrated_scoring(semantic=False)
    assert (with_model.likely, with_model.possible, with_model.likely_text) == \
        (data["likely"], data["possible"], data["likely_text"])
    assert (lexical.likely, lexical.possible) == (data["lexical_only"]["likely"], data["lexical_only"]["possible"])
    assert with_model.fusion.semantic == data["fusion"]["semantic"]
    assert with_model.weights.organisation == data["weights"]["organisation"]
    for cfg in (with_model, lexical):
        assert 0 < cfg.possible < cfg.likely < 1
    assert DetectorConfig().scoring == with_model and DetectorConfig().lexical_scoring == lexical


def _initiative(data: dict) -> Initiative:
    return Initiative(**{**data, "start": data["start"] and date.fromisoformat(data["start"]),
                         "end": data["end"] and date.fromisoformat(data["end"])})


@pytest.fixture(scope="module")
def rows():
    pairs = read()
    distinct = {(p[s]["title"], p[s]["description"]): p[s] for p in pairs for s in ("a", "b")}
    detector = DuplicateDetector.build(corpus(1500, seed=11) + [_initiative(x) for x in distinct.values()])
    return [(p, detector.compare(_initiative(p["a"]), _initiative(p["b"]))) for p in pairs]


def test_the_regression_pairs_are_ranked_by_label(rows):
    """Generated duplicates score above generated overlaps, and those above distinct pairs, on average."""
    scores = defaultdict(list)
    for pair, match in rows:
        scores[pair["label"]].append(match.score)
    mean = {label: sum(v) / len(v) for label, v in scores.items()}
    assert mean["duplicate"] > mean["overlap"] > mean["distinct"]
    distinct_likely = sum(m.tier is Tier.LIKELY for p, m in rows if p["label"] == "distinct")
    assert distinct_likely <= 0.02 * len(scores["distinct"])


def test_structure_gates_hold_on_every_pair(rows):
    for pair, match in rows:
        if pair["category"] in ("other_country", "other_period"):
            assert match.tier is not Tier.LIKELY, pair["pair"]
