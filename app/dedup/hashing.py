"""Hashed character n-gram counts, without scikit-learn.

The lexical index used scikit-learn's ``HashingVectorizer(analyzer="char_wb", alternate_sign=False,
norm=None, lowercase=False)``. Importing scikit-learn costs a web worker tens of megabytes, so this module
does the same with ``mmh3`` (MurmurHash3, the hash scikit-learn uses): the n-grams (:func:`char_wb_ngrams`)
are scikit-learn's ``char_wb`` n-grams, and a feature's column (:func:`column`) is its signed 32-bit
MurmurHash3 (seed 0, UTF-8 bytes), made positive and taken modulo the number of columns, as
``sklearn.feature_extraction._hashing_fast`` does. The vectors are identical (a test compares both on
real texts), so an index saved by one can be read by the other.

A query needs one text's row only (:meth:`CharHasher.row`, a :class:`SparseRow` in numpy). scipy's sparse
matrices serve the build (:meth:`CharHasher.transform`, :func:`word_counts`) and are imported there: importing
``scipy.sparse`` costs a web worker about 13 MB (it loads ``numpy.testing`` and ``numpy.f2py``).
"""
from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Sequence

import mmh3
import numpy as np

if TYPE_CHECKING:
    import scipy.sparse as sp

_WHITE_SPACES = re.compile(r"\s\s+")
_INT32_MIN = -2147483648


def column(feature: str, n_features: int) -> int:
    """The column of one feature: ``abs(murmurhash3_32(feature, seed=0))`` modulo ``n_features``."""
    h = mmh3.hash(feature, 0, signed=True)
    if h == _INT32_MIN:  # abs() would overflow in 32 bits: scikit-learn's special case
        return (2147483647 - (n_features - 1)) % n_features
    return abs(h) % n_features


def word_ngrams(word: str, ngram_range: tuple[int, int]) -> list[str]:
    """The ``char_wb`` n-grams of one word (padded with a space each side)."""
    low, high = ngram_range
    w = " " + word + " "
    size = len(w)
    out = []
    for n in range(low, high + 1):
        offset = 0
        out.append(w[offset:offset + n])
        while offset + n < size:
            offset += 1
            out.append(w[offset:offset + n])
        if offset == 0:  # a short word (shorter than n) counts once
            break
    return out


def char_wb_ngrams(text: str, ngram_range: tuple[int, int] = (3, 5)) -> list[str]:
    """scikit-learn's ``char_wb`` analyzer (no lower-casing, no accent stripping): n-grams inside words."""
    text = _WHITE_SPACES.sub(" ", text)
    out: list[str] = []
    for word in text.split():
        out += word_ngrams(word, ngram_range)
    return out


@dataclass(frozen=True, slots=True)
class SparseRow:
    """One sparse row: its columns (sorted, distinct) and their values."""

    indices: np.ndarray
    data: np.ndarray

    @property
    def nnz(self) -> int:
        return int(self.indices.size)

    def dot(self, other: SparseRow) -> float:
        _, mine, theirs = np.intersect1d(self.indices, other.indices, assume_unique=True, return_indices=True)
        return float(np.dot(self.data[mine].astype(np.float64), other.data[theirs]))


class CharHasher:
    """Counts of hashed ``char_wb`` n-grams: of one text (:meth:`row`), or one row per text (:meth:`transform`,
    a ``scipy.sparse.csr_matrix``)."""

    WORD_CACHE = 20_000  # distinct words whose columns are kept (a draft repeats the registry's words)

    def __init__(self, ngram_range: tuple[int, int] = (3, 5), n_features: int = 2 ** 21,
                 dtype=np.float32):
        self.ngram_range = (int(ngram_range[0]), int(ngram_range[1]))
        self.n_features = int(n_features)
        self.dtype = dtype
        self._word_columns = lru_cache(maxsize=self.WORD_CACHE)(self._columns_of_word)

    def _columns_of_word(self, word: str) -> tuple[int, ...]:
        n = self.n_features
        return tuple(column(g, n) for g in word_ngrams(word, self.ngram_range))

    def analyzer(self, text: str) -> list[str]:
        return char_wb_ngrams(text, self.ngram_range)

    def _counts(self, text: str) -> Counter:
        counts: Counter = Counter()
        for word in _WHITE_SPACES.sub(" ", text).split():
            counts.update(self._word_columns(word))
        return counts

    def row(self, text: str) -> SparseRow:
        """The n-gram counts of one text (columns sorted, duplicates summed): :meth:`transform`'s row."""
        counts = self._counts(text)
        columns = sorted(counts)
        return SparseRow(np.array(columns, dtype=np.int32), np.array([counts[c] for c in columns], dtype=self.dtype))

    def transform(self, texts: Iterable[str]) -> sp.csr_matrix:
        """One row of n-gram counts per text (columns sorted, duplicates summed)."""
        import scipy.sparse as sp

        indptr = [0]
        indices: list[int] = []
        values: list[float] = []
        for text in texts:
            counts = self._counts(text)
            for col in sorted(counts):
                indices.append(col)
                values.append(counts[col])
            indptr.append(len(indices))
        return sp.csr_matrix((np.array(values, dtype=self.dtype), np.array(indices, dtype=np.int32),
                              np.array(indptr, dtype=np.int64)), shape=(len(indptr) - 1, self.n_features))


def word_counts(texts: Sequence[str]) -> tuple[sp.csr_matrix, list[str]]:
    """Item × word counts of texts split on white space, and the words (sorted), like scikit-learn's
    ``CountVectorizer(analyzer=str.split)``."""
    import scipy.sparse as sp

    vocabulary: dict[str, int] = {}
    rows = []
    for text in texts:
        rows.append(Counter(vocabulary.setdefault(w, len(vocabulary)) for w in text.split()))
    words = sorted(vocabulary)
    order = np.empty(len(vocabulary), dtype=np.int64)
    for new, word in enumerate(words):
        order[vocabulary[word]] = new
    indptr = [0]
    indices: list[int] = []
    values: list[int] = []
    for row in rows:
        for col, count in row.items():
            indices.append(int(order[col]))
            values.append(count)
        indptr.append(len(indices))
    matrix = sp.csr_matrix((np.array(values, dtype=np.float32), np.array(indices, dtype=np.int64),
                            np.array(indptr, dtype=np.int64)), shape=(len(texts), len(words)))
    matrix.sort_indices()
    return matrix, words
