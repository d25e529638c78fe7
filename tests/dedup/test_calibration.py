"""The shipped tier thresholds do what the calibration report says, on the held-out pairs too."""
from __future__ import annotations

import json

import pytest

from app.dedup import calibrated_scoring
from app.dedup.detector import THRESHOLDS_FILE
from bench import dedup_calibrate
from bench.dedup_pairs import build_pairs, read


def test_the_pairs_file_is_what_the_generator_makes():
    assert read() == json.loads(json.dumps(build_pairs()))  # regenerate with `python -m bench.dedup_pairs`


def test_the_thresholds_file_is_used():
    data = json.loads(THRESHOLDS_FILE.read_text())
    cfg = calibrated_scoring()
    assert (cfg.likely, cfg.possible) == (data["likely"], data["possible"]) and cfg.possible < cfg.likely


@pytest.fixture(scope="module")
def rows():
    pairs = read()
    assert len(pairs) >= 300 and {p["split"] for p in pairs} == {"train", "test"}
    return dedup_calibrate.score_pairs(dedup_calibrate.build(pairs, background=1500), pairs)


@pytest.mark.parametrize("split", ["train", "test"])
def test_precision_and_recall_per_tier(rows, split):
    cfg = calibrated_scoring()
    part = [r for r in rows if r["split"] == split]
    likely = dedup_calibrate.metrics(part, "likely", cfg.likely, cfg.possible)
    possible = dedup_calibrate.metrics(part, "possible", cfg.likely, cfg.possible)
    assert likely["precision"] >= 0.95 and likely["recall"] >= 0.8, likely
    assert possible["precision"] >= 0.9 and possible["recall"] >= 0.85, possible


def test_structure_gates_hold_on_every_pair(rows):
    for r in rows:
        if r["category"] in ("other_country", "other_period"):
            assert r["match"].tier.value != "likely_duplicate", r["pair"]
