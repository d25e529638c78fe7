"""The lexical index hashes n-grams without scikit-learn (app/dedup/hashing.py): its vectors must be exactly
scikit-learn's HashingVectorizer's (an index saved with one is read with the other), and its copy of the
English stop words must be scikit-learn's. scikit-learn is a test dependency only (requirements-dev.txt)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.dedup import hashing
from app.dedup.index import LexicalIndex
from app.dedup.text import ENGLISH_STOP_WORDS, normalise

sklearn_text = pytest.importorskip("sklearn.feature_extraction.text")

TRILINGUAL = Path(__file__).resolve().parents[2] / "bench" / "data" / "dedup" / "trilingual.jsonl"

# IATI-like oddities: accents, mis-encoded accents, other scripts, long tokens, odd spaces, one-letter words
ODD = [
    "", " ", "a", "ab", "abc", "Lutte contre le travail des enfants — Côte d'Ivoire",
    "Programa de protecciÃ³n social Ã\xa0 la niÃ±ez (COVID-19)", "Réponse\u00a0COVID\t\n  au   Sénégal",
    "Соціальний захист дітей в Україні", "儿童劳动 监测 项目", "مكافحة عمل الأطفال", "🙂 emoji 👩🏽‍🌾 farm",
    "x" * 300, "US-GOV-1 7200AA20CA00001 FY2020/21 (Tranche 2)", "e\u0301cole e\u0301le\u0300ve",
]


def _sklearn(n_features=LexicalIndex.N_FEATURES, ngram_range=(3, 5)):
    return sklearn_text.HashingVectorizer(analyzer="char_wb", ngram_range=ngram_range, n_features=n_features,
                                          alternate_sign=False, norm=None, lowercase=False, dtype=np.float32)


def _texts():
    out = list(ODD)
    with open(TRILINGUAL, encoding="utf-8") as src:
        for line in src:
            for text in json.loads(line)["texts"].values():
                out.append(f"{text['title']}. {text['description']}")
    return out


def _same(a, b):
    a, b = a.tocsr(), b.tocsr()
    a.sort_indices()
    b.sort_indices()
    assert a.shape == b.shape
    assert np.array_equal(a.indptr, b.indptr)
    assert np.array_equal(a.indices, b.indices)
    assert np.array_equal(a.data, b.data)


def test_vectors_are_scikit_learns_on_real_and_odd_texts():
    texts = _texts()
    assert len(texts) > 400
    for variant in (texts, [normalise(t) for t in texts]):
        _same(hashing.CharHasher((3, 5), LexicalIndex.N_FEATURES).transform(variant), _sklearn().transform(variant))


def test_the_analyzer_is_scikit_learns():
    analyzer = _sklearn().build_analyzer()
    for text in _texts()[:60] + ODD:
        assert hashing.char_wb_ngrams(text, (3, 5)) == analyzer(text)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40), min_size=1, max_size=4),
       st.sampled_from([(3, 5), (2, 4), (1, 1)]), st.sampled_from([2 ** 21, 1000, 7]))
def test_vectors_match_on_any_text(texts, ngram_range, n_features):
    _same(hashing.CharHasher(ngram_range, n_features).transform(texts),
          _sklearn(n_features, ngram_range).transform(texts))


def test_columns_are_scikit_learns_murmurhash():
    from sklearn.utils import murmurhash3_32

    for feature in hashing.char_wb_ngrams(" ".join(ODD)) + ["", "é", "\x00"]:
        h = murmurhash3_32(feature, seed=0)
        expected = (2147483647 - 6) % 7 if h == -2147483648 else abs(h) % 7
        assert hashing.column(feature, 7) == expected


def test_the_most_negative_hash_is_handled_like_scikit_learn(monkeypatch):
    monkeypatch.setattr(hashing.mmh3, "hash", lambda *a, **k: -2147483648)
    assert hashing.column("anything", 2 ** 21) == (2147483647 - (2 ** 21 - 1)) % 2 ** 21


def test_word_counts_are_count_vectorizers():
    texts = [normalise(t) for t in _texts()[:100]] + ["", "same same same"]
    ours, words = hashing.word_counts(texts)
    vectorizer = sklearn_text.CountVectorizer(analyzer=str.split, dtype=np.float32)
    theirs = vectorizer.fit_transform(texts)
    assert words == list(vectorizer.get_feature_names_out())
    _same(ours, theirs)


def test_word_counts_of_no_word():
    matrix, words = hashing.word_counts(["", "  "])
    assert matrix.shape == (2, 0) and words == []


def test_stop_words_are_scikit_learns():
    assert ENGLISH_STOP_WORDS == sklearn_text.ENGLISH_STOP_WORDS
