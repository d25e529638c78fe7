"""Similarity indexes: one interface, a default lexical index (character n-gram TF-IDF).

Every index has a **base** segment (built in one go, immutable, memory-mapped when loaded) and a small
in-memory **delta** segment for items added or edited since the build; a removed or edited base item
is hidden by a **tombstone**. A query searches both. Rebuilding folds the delta into a new base.
"""
from __future__ import annotations

import abc
import hashlib
import re
import threading
from collections import Counter
from functools import lru_cache
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from .hashing import CharHasher, SparseRow, column, word_counts
from .model import IndexCorruptError
from .storage import GenerationReader, GenerationWriter
from .text import normalise


class SimilarityIndex(abc.ABC):
    """Text similarity over a set of items, each known by its id.

    ``search`` returns the ``k`` most similar items with a similarity in [0, 1] (higher is closer);
    ``similarities`` scores given ids only. Changes (``upsert``/``remove``) are visible to the next call.
    """

    name: str = "index"

    @abc.abstractmethod
    def build(self, ids: Sequence[str], texts: Sequence[str]) -> None:
        """Replace everything with these items (the new base segment; the delta is emptied)."""

    @abc.abstractmethod
    def upsert(self, id: str, text: str) -> None:
        """Add an item or replace its text."""

    @abc.abstractmethod
    def remove(self, id: str) -> None:
        """Forget an item (no error when unknown)."""

    @abc.abstractmethod
    def search(self, text: str, k: int, exclude: str | None = None) -> list[tuple[str, float]]:
        """The ``k`` most similar items, most similar first, never ``exclude``."""

    @abc.abstractmethod
    def similarities(self, text: str, ids: Sequence[str]) -> list[float]:
        """Similarity of ``text`` to each of ``ids`` (0.0 for an unknown id)."""

    @abc.abstractmethod
    def save(self, writer: GenerationWriter, prefix: str) -> dict:
        """Write the base and delta into a generation; return JSON-able info for ``load``."""

    @classmethod
    @abc.abstractmethod
    def load(cls, reader: GenerationReader, prefix: str, info: dict, ids: Sequence[str]) -> SimilarityIndex:
        """Open a saved index whose base rows are ``ids`` (memory-mapped); raises
        :class:`IndexCorruptError` when damaged."""

    @abc.abstractmethod
    def __len__(self) -> int:
        """Number of live items."""

    @abc.abstractmethod
    def __contains__(self, id: str) -> bool: ...


class _Segments:
    """Id bookkeeping shared by indexes: base rows (with tombstones) and a delta keyed by id."""

    def __init__(self, base_ids: Sequence[str] = ()):
        self.set_base(base_ids)

    def set_base(self, base_ids, row_of: dict[str, int] | None = None) -> None:
        """Use these base ids; ``row_of`` (id → row) may be shared with another structure over the same ids."""
        if not isinstance(base_ids, np.ndarray):
            base_ids = np.array([str(i) for i in base_ids], dtype=str)
        self.base_ids = base_ids
        self.row_of = row_of if row_of is not None else {str(i): r for r, i in enumerate(base_ids)}
        self.dead = np.zeros(len(base_ids), dtype=bool)
        self.dead_rows: list[int] = []
        self.delta: dict[str, object] = {}

    def kill_base(self, id: str) -> None:
        row = self.row_of.get(id)
        if row is not None and not self.dead[row]:
            self.dead[row] = True
            self.dead_rows.append(row)

    def live(self, id: str) -> bool:
        if id in self.delta:
            return True
        row = self.row_of.get(id)
        return row is not None and not self.dead[row]

    def __len__(self) -> int:
        return len(self.base_ids) - len(self.dead_rows) + len(self.delta)


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` largest positive scores, largest first."""
    if k <= 0 or scores.size == 0:
        return np.empty(0, dtype=np.int64)
    if k < scores.size:
        # The k smallest of the negated scores: most scores are 0, and numpy's introselect asked for the
        # k largest is then slow on many queries (p95 5.9 against 0.3 ms at 100,000: python -m bench dedup).
        idx = np.argpartition(-scores, k - 1)[:k]
    else:
        idx = np.arange(scores.size)
    idx = idx[scores[idx] > 0]
    return idx[np.lexsort((idx, -scores[idx]))]  # equal scores: the earlier row first


class LexicalIndex(SimilarityIndex):
    """Character n-gram TF-IDF (hashed ``char_wb`` 3–5 grams, :mod:`app.dedup.hashing`) with cosine.

    The "vocabulary" is a fixed hash space, so it never needs re-fitting: a new text is transformed
    with the IDF weights frozen at build time (n-grams unseen then get the highest weight). N-grams
    found in more than ``max_df`` of the base texts get no weight: they say nothing about which
    initiative this is, and their long posting lists would dominate query time; in a small registry an
    n-gram keeps its weight up to :attr:`MIN_COMMON_ITEMS` items (else "cocoa" in 4 of 60 initiatives would
    count for nothing, and a registry's first years would see no overlap at all). Sentences found word
    for word in ``boilerplate_sentence_items`` or more base items (a funder's standard paragraph) are
    removed before anything else (:meth:`strip`).

    The base segment is stored column-wise (for each n-gram, the items that contain it and its weight:
    :class:`Postings`), which is what a query needs: it reads only the posting lists of its own n-grams. A
    query uses numpy only; the build uses scipy's sparse matrices, imported there (see :mod:`.hashing`).
    """

    name = "lexical"
    N_FEATURES = 2 ** 21
    MIN_COMMON_ITEMS = 20
    PHRASE_CACHE = 50_000  # phrases whose weight is kept (a few MB)

    def __init__(self, ngram_range=(3, 5), max_df: float = 0.05, boilerplate_sentence_items: int = 5):
        self.ngram_range = tuple(ngram_range)
        self.max_df = max_df
        self.boilerplate_sentence_items = boilerplate_sentence_items
        self._lock = threading.RLock()
        self._vec = CharHasher(self.ngram_range, self.N_FEATURES)
        self._analyzer = self._vec.analyzer
        self._seg = _Segments()
        self._idf = np.zeros(self.N_FEATURES, dtype=np.float32)
        self._n_base_docs = 0
        self._postings = Postings.empty(self.N_FEATURES)
        self._boilerplate = np.zeros(0, dtype=np.int64)  # sorted hashes of the boilerplate sentences
        self._boilerplate_set: frozenset[int] = frozenset()
        self._delta_rows: _DeltaRows | None = None  # the delta items' rows together, rebuilt after a change
        self._phrase_weights: dict[tuple[str, ...], float] = {}  # the IDF is frozen: cached until rebuilt
        self._delta_order: list[str] = []
        self._last_vector: tuple[str, SparseRow] | None = None
        self._last_scores: tuple | None = None

    # -- vectors ---------------------------------------------------------------------------------------
    def vector(self, text: str) -> SparseRow:
        """The L2-normalised TF-IDF row of one text (boilerplate sentences removed). The last one is kept:
        a query asks for the same text's vector more than once."""
        last = self._last_vector
        if last is not None and last[0] == text:
            return last[1]
        counts = self._vec.row(normalise(self.strip(text)))
        weights = (np.log(counts.data) + 1.0) * self._idf[counts.indices]  # sublinear tf × idf
        kept = weights != 0
        weights = weights[kept]
        norm = float(np.sqrt((weights.astype(np.float64) ** 2).sum()))
        if norm > 0:
            weights /= norm
        vector = SparseRow(counts.indices[kept], weights)
        self._last_vector = (text, vector)
        return vector

    def strip(self, text: str) -> str:
        """The text without its boilerplate sentences."""
        if not self._boilerplate_set:
            return text
        return " ".join(s for s in _SENTENCE_RE.split(text) if _sentence_hash(s) not in self._boilerplate_set)

    # -- build -------------------------------------------------------------------------------------------
    def build(self, ids: Sequence[str], texts: Sequence[str]) -> None:
        import scipy.sparse as sp

        ids = [str(i) for i in ids]
        sentences = [[(s, _sentence_hash(s)) for s in _SENTENCE_RE.split(t)] for t in texts]
        counts_per_sentence: Counter = Counter()
        for parts in sentences:
            counts_per_sentence.update({h for _, h in parts})
        counts_per_sentence.pop(0, None)
        boilerplate = frozenset(h for h, c in counts_per_sentence.items() if c >= self.boilerplate_sentence_items)
        normalised = [normalise(" ".join(s for s, h in parts if h not in boilerplate)) for parts in sentences]
        n = len(normalised)
        # char_wb n-grams never cross a word boundary, so the item × n-gram counts are the product of
        # item × word counts and word × n-gram counts: each distinct word is hashed once, not each time
        # it occurs (several times faster than transforming every text, and exactly the same counts).
        item_words, vocabulary = word_counts(normalised)
        if len(vocabulary):
            counts = (item_words @ self._vec.transform(vocabulary)).tocsr()
        else:
            counts = sp.csr_matrix((n, self.N_FEATURES), dtype=np.float32)
        df = np.bincount(counts.indices, minlength=self.N_FEATURES)
        idf = (np.log((1.0 + n) / (1.0 + df)) + 1.0).astype(np.float32)  # smooth idf, as TfidfTransformer
        if n >= 50:
            idf[df > max(self.max_df * n, self.MIN_COMMON_ITEMS)] = 0.0
        counts.data = (np.log(counts.data) + 1.0) * idf[counts.indices]  # sublinear tf
        counts.eliminate_zeros()
        norms = np.sqrt(np.asarray(counts.multiply(counts).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        weighted = sp.csr_matrix(sp.diags((1.0 / norms).astype(np.float32)).dot(counts), dtype=np.float32)
        csc = weighted.tocsc()
        csc.sort_indices()
        postings = Postings(csc.indptr.astype(np.int32, copy=False), csc.indices.astype(np.int32, copy=False),
                            csc.data.astype(np.float32, copy=False), n)
        with self._lock:
            self._idf, self._n_base_docs, self._postings = idf, n, postings
            self._phrase_weights = {}
            self._boilerplate = np.array(sorted(boilerplate), dtype=np.int64)
            self._boilerplate_set = boilerplate
            self._seg.set_base(np.array(ids, dtype=str) if ids else np.array([], dtype="<U1"))
            self._delta_rows, self._delta_order, self._last_vector = None, [], None

    # -- changes -----------------------------------------------------------------------------------------
    def upsert(self, id: str, text: str) -> None:
        row = self.vector(text)
        with self._lock:
            self._seg.kill_base(id)
            self._seg.delta[id] = row
            self._delta_rows = None

    def remove(self, id: str) -> None:
        with self._lock:
            self._seg.kill_base(id)
            if self._seg.delta.pop(id, None) is not None:
                self._delta_rows = None

    def _delta(self) -> tuple[_DeltaRows, list[str]]:
        if self._delta_rows is None:
            self._delta_order = list(self._seg.delta)
            self._delta_rows = _DeltaRows.of([self._seg.delta[i] for i in self._delta_order])
        return self._delta_rows, self._delta_order

    # -- queries -----------------------------------------------------------------------------------------
    def _base_scores(self, q: SparseRow) -> np.ndarray:
        """Cosine of the query with every base item: only the posting lists of the query's n-grams are read.
        The last query's scores are kept (a query searches, then asks for the cosines of other candidates);
        the caller must not modify them."""
        last = self._last_scores
        if last is not None and last[0] is q and last[1] is self._postings:
            return last[2]
        scores = self._postings.scores(q)
        self._last_scores = (q, self._postings, scores)
        return scores

    def search(self, text: str, k: int, exclude: str | None = None) -> list[tuple[str, float]]:
        q = self.vector(text)
        with self._lock:
            scores = self._base_scores(q).copy()
            if self._seg.dead_rows:
                scores[self._seg.dead_rows] = 0.0
            if exclude is not None and exclude in self._seg.row_of:
                scores[self._seg.row_of[exclude]] = 0.0
            top = _top(scores, k + 1)
            out = list(zip(self._seg.base_ids[top].tolist(), scores[top].tolist()))
            delta, order = self._delta()
            if order and q.nnz:
                dscores = delta.scores(q, len(order))
                out += [(order[i], float(dscores[i])) for i in _top(dscores, k + 1)]
        out = [(i, min(1.0, s)) for i, s in out if i != exclude]
        out.sort(key=lambda x: -x[1])
        return out[:k]

    def similarities(self, text: str, ids: Sequence[str]) -> list[float]:
        q = self.vector(text)
        with self._lock:
            base_needed = any(i not in self._seg.delta and i in self._seg.row_of for i in ids)
            base_scores = self._base_scores(q) if base_needed else None
            out = []
            for i in ids:
                if i in self._seg.delta:
                    out.append(self._seg.delta[i].dot(q))
                elif self._seg.live(i):
                    out.append(float(base_scores[self._seg.row_of[i]]))
                else:
                    out.append(0.0)
        return [min(1.0, s) for s in out]

    def phrase_weight(self, gram: Sequence[str]) -> float:
        """How distinctive a phrase is: the mean IDF of its character n-grams; 0 when most of them are too
        common to count (found in more than ``max_df`` of the base items). Cached: the same phrases come
        back in query after query, and hashing their n-grams was a fifth of a query's time."""
        cached = self._phrase_weights.get(tuple(gram))
        if cached is not None:
            return cached
        weight = self._phrase_weight(gram)
        if len(self._phrase_weights) >= self.PHRASE_CACHE:
            self._phrase_weights.clear()
        self._phrase_weights[tuple(gram)] = weight
        return weight

    def _phrase_weight(self, gram: Sequence[str]) -> float:
        columns = [_hash_column(g, self.N_FEATURES) for g in self._analyzer(normalise(" ".join(gram)))]
        if not columns:
            return 0.0
        idf = self._idf[columns]
        if self._n_base_docs >= 50 and np.count_nonzero(idf) * 2 < len(columns):
            return 0.0
        return float(idf.mean()) * (1.0 + 0.25 * (len(gram) - 1))

    # -- introspection -----------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._seg)

    def __contains__(self, id: str) -> bool:
        return self._seg.live(id)

    @property
    def base_size(self) -> int:
        return len(self._seg.base_ids)

    @property
    def delta_size(self) -> int:
        return len(self._seg.delta)

    @property
    def nbytes(self) -> int:
        """Bytes held by the base segment's arrays (memory-mapped after ``load``)."""
        return int(self._postings.nbytes + self._idf.nbytes + self._boilerplate.nbytes)

    # -- persistence -------------------------------------------------------------------------------------
    def save(self, writer: GenerationWriter, prefix: str) -> dict:
        with self._lock:
            writer.array(f"{prefix}/postings_indptr", self._postings.indptr)
            writer.array(f"{prefix}/postings_items", self._postings.items)
            writer.array(f"{prefix}/postings_weights", self._postings.weights)
            writer.array(f"{prefix}/idf", self._idf)
            writer.array(f"{prefix}/boilerplate", self._boilerplate)
            return {"n_base_docs": self._n_base_docs, "n_items": self._postings.n_items,
                    "ngram_range": list(self.ngram_range), "max_df": self.max_df,
                    "boilerplate_sentence_items": self.boilerplate_sentence_items, "n_features": self.N_FEATURES}

    @classmethod
    def load(cls, reader: GenerationReader, prefix: str, info: dict, ids: Sequence[str],
             row_of: dict[str, int] | None = None) -> LexicalIndex:
        try:
            index = cls(ngram_range=tuple(info["ngram_range"]), max_df=float(info["max_df"]),
                        boilerplate_sentence_items=int(info["boilerplate_sentence_items"]))
            if info["n_features"] != cls.N_FEATURES:
                raise IndexCorruptError("index saved with another hash size")
            n_items = int(info["n_items"])
            indptr = reader.array(f"{prefix}/postings_indptr")
            items = reader.array(f"{prefix}/postings_items")
            weights = reader.array(f"{prefix}/postings_weights")
            if indptr.shape != (cls.N_FEATURES + 1,) or items.shape != weights.shape or int(indptr[-1]) != items.size:
                raise IndexCorruptError("lexical postings do not fit together")
            index._postings = Postings(indptr, items, weights, n_items)
            index._idf = reader.array(f"{prefix}/idf")
            index._boilerplate = reader.array(f"{prefix}/boilerplate")
            index._boilerplate_set = frozenset(index._boilerplate.tolist())
            index._n_base_docs = int(info["n_base_docs"])
        except (KeyError, TypeError, ValueError) as exc:
            raise IndexCorruptError(f"lexical index info damaged: {exc}") from exc
        if len(ids) != n_items:
            raise IndexCorruptError("lexical index and item list differ in length")
        index._seg.set_base(ids, row_of)
        return index


class Postings(NamedTuple):
    """The base segment column-wise (CSC): the items of n-gram ``j`` are ``items[indptr[j]:indptr[j + 1]]``,
    with their ``weights``; memory-mapped when loaded."""

    indptr: np.ndarray
    items: np.ndarray
    weights: np.ndarray
    n_items: int

    @classmethod
    def empty(cls, n_features: int) -> Postings:
        return cls(np.zeros(n_features + 1, np.int32), np.zeros(0, np.int32), np.zeros(0, np.float32), 0)

    @property
    def nbytes(self) -> int:
        return int(self.indptr.nbytes + self.items.nbytes + self.weights.nbytes)

    def scores(self, q: SparseRow) -> np.ndarray:
        """The dot product of ``q`` with every item: the posting lists of ``q``'s n-grams, summed per item."""
        if self.n_items == 0 or q.nnz == 0:
            return np.zeros(self.n_items, dtype=np.float32)
        starts = self.indptr[q.indices].astype(np.int64)
        lengths = self.indptr[q.indices + 1] - starts
        # the position of every posting read: list k's postings follow the lists before it
        positions = np.arange(int(lengths.sum()), dtype=np.int64) + np.repeat(starts - (np.cumsum(lengths) - lengths),
                                                                              lengths)
        weights = self.weights[positions] * np.repeat(q.data, lengths)
        return np.bincount(self.items[positions], weights=weights, minlength=self.n_items).astype(np.float32)


class _DeltaRows(NamedTuple):
    """The delta items' rows laid end to end: ``row[p]`` is the row (in order) of ``indices[p]``, ``data[p]``."""

    row: np.ndarray
    indices: np.ndarray
    data: np.ndarray

    @classmethod
    def of(cls, rows: Sequence[SparseRow]) -> _DeltaRows:
        if not rows:
            return cls(np.zeros(0, np.int64), np.zeros(0, np.int32), np.zeros(0, np.float32))
        return cls(np.repeat(np.arange(len(rows)), [r.nnz for r in rows]),
                   np.concatenate([r.indices for r in rows]), np.concatenate([r.data for r in rows]))

    def scores(self, q: SparseRow, n_rows: int) -> np.ndarray:
        """The dot product of ``q`` (at least one column) with each of the ``n_rows`` rows."""
        at = np.minimum(np.searchsorted(q.indices, self.indices), q.nnz - 1)
        products = np.where(q.indices[at] == self.indices, self.data * q.data[at], 0.0)
        return np.bincount(self.row, weights=products, minlength=n_rows).astype(np.float32)


_SENTENCE_RE = re.compile(r"(?<=[.!?;:])\s+|\n+")


@lru_cache(maxsize=65536)
def _sentence_hash(sentence: str) -> int:
    """A stable 64-bit hash of a sentence (case and spacing ignored); 0 for one too short to be boilerplate."""
    key = " ".join(sentence.lower().split()).rstrip(".!?;: ")
    if len(key) < 12:  # "Phase 2."
        return 0
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest(), "little", signed=True) or 1


def _hash_column(feature: str, n_features: int) -> int:
    """The column a feature hashes to (as scikit-learn's ``HashingVectorizer``: :mod:`app.dedup.hashing`)."""
    return column(feature, n_features)
