"""The detector: an index of initiatives that answers "what overlaps this draft, and why?"."""
from __future__ import annotations

import heapq
import json
import logging
import os
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from typing import TYPE_CHECKING

import numpy as np

from .index import LexicalIndex
from .model import R, IndexCorruptError, Initiative, Match, Overlaps, Reason, Tier
from .orgs import publisher_family
from .places import country_name_keys
from .records import Prepared, RecordStore, from_json, prepare, to_json
from .scoring import Fusion, ScoringConfig, Weights, explain, quick_scores
from .storage import GenerationReader, GenerationWriter, current_generation
from .text import PhraseFinder

if TYPE_CHECKING:
    from .semantic import SemanticIndex

log = logging.getLogger(__name__)

THRESHOLDS_FILE = Path(__file__).with_name("thresholds.json")


def _read_thresholds() -> dict:
    try:
        data = json.loads(THRESHOLDS_FILE.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def calibrated_scoring(semantic: bool = True) -> ScoringConfig:
    """The scoring defaults with the text fusion and the tier thresholds picked by the calibration script
    (``app/dedup/thresholds.json``, written by ``python -m bench dedup_calibrate --write``). Without the
    sentence model (``semantic=False``) the text score is the lexical one alone, with its own thresholds."""
    data = _read_thresholds()
    try:
        fusion = Fusion(**{k: float(v) for k, v in (data.get("fusion") or {}).items()})
        weights = Weights(**{k: float(v) for k, v in (data.get("weights") or {}).items()})
        tiers = data if semantic else data["lexical_only"]
        return ScoringConfig(likely=float(tiers["likely"]), possible=float(tiers["possible"]),
                             likely_text=float(tiers.get("likely_text", ScoringConfig.likely_text)), fusion=fusion,
                             weights=weights)
    except (KeyError, TypeError, ValueError):
        return ScoringConfig()


@dataclass(frozen=True)
class DetectorConfig:
    """Settings of a detector.

    ``regions`` maps a region code (UN M49) to its ISO alpha-3 countries; ``None`` reads
    ``app/data/regions.json``. ``shortlist`` is how many nearest texts each index hands over; at most ``scored`` of them
    (the closest texts first) are scored in full: a match's score never exceeds its text score, so the
    rest could only win with a text far below the ones already scored.
    ``semantic``: the sentence model's index (``"auto"``: when its package is installed; ``False``: lexical
    only). ``scoring`` is used with it, ``lexical_scoring`` while it is missing (being rebuilt, or turned
    off). ``org_family`` maps an organisation key to its family's (sister agencies count as one).
    """

    scoring: ScoringConfig = field(default_factory=calibrated_scoring)
    lexical_scoring: ScoringConfig = field(default_factory=lambda: calibrated_scoring(semantic=False))
    regions: Mapping[str, Sequence[str]] | None = None
    shortlist: int = 200
    scored: int = 40
    max_df: float = 0.05
    semantic: bool | str = "auto"
    org_family: Callable[[str | None], str | None] | None = publisher_family


class DuplicateDetector:
    """Finds initiatives that overlap a draft, with scores, tiers and reasons.

    Build one from the registry (:meth:`build`), or open a saved one (:meth:`load`); keep it fresh with
    :meth:`upsert`, :meth:`remove` or :meth:`apply_changes`; query it with :meth:`find_overlaps` and
    :meth:`compare`. Safe to use from several threads (changes and queries take a lock).
    """

    def __init__(self, config: DetectorConfig | None = None):
        self.config = config or DetectorConfig()
        self._regions = None if self.config.regions is None else {k: tuple(v) for k, v in self.config.regions.items()}
        self._lock = threading.RLock()
        self._records = RecordStore()
        self._lexical = LexicalIndex(max_df=self.config.max_df)
        self._semantic: SemanticIndex | None = None
        self.generation = 0                 # +1 for every change applied in this process
        self.applied_through: int | None = None  # position in the caller's change log (see apply_changes)
        self.base_name: str | None = None   # name of the saved generation this detector was loaded from
        self._rebuild_log: list[tuple[str, object]] | None = None
        self._embedding: threading.Thread | None = None
        self.semantic_error: str | None = None  # why the semantic index is missing, when it should be there

    @property
    def scoring(self) -> ScoringConfig:
        """The scoring in use: with the sentence model when its index is there, else the lexical one's."""
        return self.config.scoring if self._semantic is not None else self.config.lexical_scoring

    def _prepare(self, item: Initiative):
        return prepare(item, self._regions, self.config.org_family)

    # -- building ----------------------------------------------------------------------------------------
    @classmethod
    def build(cls, initiatives: Iterable[Initiative], config: DetectorConfig | None = None,
              progress: Callable[[int], None] | None = None, applied_through: int | None = None,
              embedding_cache: str | os.PathLike | None = None,
              embedding_progress: Callable[[int, int], None] | None = None,
              reuse: DuplicateDetector | None = None) -> DuplicateDetector:
        """A detector over these initiatives (later ones win when an id repeats).

        ``progress(n)`` is called as items are prepared (every 1,000 and at the end), for a progress bar;
        ``embedding_progress(done, total)`` as texts are encoded by the sentence model (the long part:
        100,000 texts take minutes). ``embedding_cache``: a directory where vectors are checkpointed while
        they are computed, so that a build stopped half-way and started again encodes only the rest.
        ``reuse``: a detector built before (the one being replaced), whose vectors of unchanged texts are
        kept instead of encoded again. ``applied_through`` records the caller's change-log position the
        data reflects.
        """
        detector = cls(config)
        if reuse is not None:
            detector._records, detector._lexical, detector._semantic = reuse._records, reuse._lexical, reuse._semantic
        prepared: dict[str, Prepared] = {}
        count = 0
        for item in initiatives:
            if item.id is None:
                raise ValueError("every indexed initiative needs an id")
            prepared[item.id] = detector._prepare(item)[0]
            count += 1
            if progress and count % 1000 == 0:
                progress(count)
        if progress:
            progress(count)
        detector._build_base(list(prepared.values()), embedding_cache, embedding_progress)
        detector.applied_through = applied_through
        return detector

    def _build_base(self, records: list[Prepared], embedding_cache=None, embedding_progress=None) -> None:
        store = RecordStore()
        store.build(records)
        lexical = LexicalIndex(max_df=self.config.max_df)
        lexical.build([r.id for r in records], [r.text for r in records])
        lexical._seg.set_base(store.ids, store.row_of)  # one id → row table for both
        semantic = None
        if self._semantic_wanted():
            semantic = self._build_semantic([r.text for r in records], lexical, store, embedding_cache,
                                            embedding_progress, previous=self._previous_vectors())
        with self._lock:
            self._records, self._lexical, self._semantic = store, lexical, semantic

    def _previous_vectors(self):
        """(text keys, vectors) of the semantic index held now, to be reused by a new build."""
        from .semantic import text_key
        with self._lock:
            semantic, store, lexical = self._semantic, self._records, self._lexical
        if semantic is None or not len(store.ids):
            return None
        _, vectors = semantic.base_vectors()
        keys = [text_key(lexical.strip(t)) for t in store.base_texts()]
        return keys, vectors

    def _build_semantic(self, texts: list[str], lexical: LexicalIndex, store: RecordStore, embedding_cache=None,
                        embedding_progress=None, previous=None) -> SemanticIndex | None:
        """The semantic index over the base rows' ``texts`` (None, logged, when the model fails: the
        lexical index goes on alone)."""
        from .semantic import SemanticIndex, VectorCache
        try:
            cache = VectorCache(embedding_cache)
            if previous is not None:
                cache.add_many(*previous)
            semantic = SemanticIndex(strip=lexical.strip)
            semantic.build(list(store.ids), texts, cache=cache, progress=embedding_progress)
            semantic._seg.set_base(store.ids, store.row_of)
            cache.clear()
            self.semantic_error = None
            return semantic
        except Exception as exc:  # the model's package broken or missing: lexical only, and say so
            log.exception("semantic index not built: the detector answers on the lexical index alone")
            self.semantic_error = repr(exc)
            return None

    def _semantic_wanted(self) -> bool:
        if self.config.semantic == "auto":
            from .semantic import available
            return available()
        return bool(self.config.semantic)

    def rebuild(self, initiatives: Iterable[Initiative] | None = None) -> None:
        """Fold every change into a new base (from ``initiatives``, or from what the detector holds)."""
        if initiatives is None:
            records = list(self._records.all_records())
        else:
            records = list({i.id: self._prepare(i)[0] for i in initiatives}.values())
        self._build_base(records)

    def rebuild_in_background(self, source: Callable[[], Iterable[Initiative]] | None = None) -> threading.Thread:
        """Rebuild in a thread while queries go on; changes made meanwhile are replayed before the swap.

        ``source()`` returns the initiatives (called in the thread); without it the detector's own
        records are used. Join the returned thread to wait.
        """
        with self._lock:
            self._rebuild_log = []
            snapshot = None if source is not None else list(self._records.all_records())

        def run():
            try:
                records = snapshot if source is None else \
                    list({i.id: self._prepare(i)[0] for i in source()}.values())
                fresh = DuplicateDetector(self.config)
                fresh._build_base(records)
                with self._lock:
                    for op, arg in self._rebuild_log or ():
                        if op == "upsert":
                            fresh._upsert_prepared(arg)
                        else:
                            fresh._remove(arg)
                    self._records, self._lexical, self._semantic = fresh._records, fresh._lexical, fresh._semantic
                    self.semantic_error = fresh.semantic_error
            except Exception:  # a failed rebuild leaves the old index serving
                log.exception("background rebuild of the duplicate detector failed")
            finally:
                with self._lock:
                    self._rebuild_log = None

        thread = threading.Thread(target=run, name="dedup-rebuild", daemon=True)
        thread.start()
        return thread

    def embed_in_background(self, embedding_cache: str | os.PathLike | None = None) -> threading.Thread | None:
        """Compute the semantic index of the records held (the saved one was missing, stale or damaged) in
        a thread; queries go on with the lexical index meanwhile, and changes made meanwhile are encoded
        before the swap. None when the model is not wanted or a computation is already running."""
        if not self._semantic_wanted():
            return None
        with self._lock:
            if self._embedding is not None and self._embedding.is_alive():
                return None
            store, lexical = self._records, self._lexical

        def run():
            semantic = self._build_semantic(store.base_texts(), lexical, store, embedding_cache)
            if semantic is None:
                return
            with self._lock:
                if self._records is not store:  # rebuilt meanwhile: that build made its own
                    return
                for rec in list(store.delta.values()):
                    semantic.upsert(rec.id, rec.text)
                for row in store.dead.nonzero()[0].tolist():
                    id = str(store.ids[row])
                    if id not in store.delta:
                        semantic._seg.kill_base(id)
                self._semantic = semantic
            log.info("semantic index ready (%d items)", len(semantic))

        self._embedding = threading.Thread(target=run, name="dedup-embed", daemon=True)
        self._embedding.start()
        return self._embedding

    # -- changes -----------------------------------------------------------------------------------------
    def upsert(self, initiative: Initiative) -> None:
        """Add an initiative or replace its previous version; visible to the next query."""
        if initiative.id is None:
            raise ValueError("an indexed initiative needs an id")
        self._upsert_prepared(self._prepare(initiative)[0])

    def _upsert_prepared(self, rec: Prepared, vector=None) -> None:
        with self._lock:
            self._records.upsert(rec)
            self._lexical.upsert(rec.id, rec.text)
            if self._semantic is not None:
                try:
                    self._semantic.upsert(rec.id, rec.text, vector)
                except Exception as exc:  # the model failed: lexical only until the next build
                    log.exception("sentence model failed on an update: semantic index dropped")
                    self._semantic, self.semantic_error = None, repr(exc)
            self.generation += 1
            if self._rebuild_log is not None:
                self._rebuild_log.append(("upsert", rec))

    def remove(self, id: str) -> None:
        """Forget an initiative (no error when unknown); visible to the next query."""
        with self._lock:
            self._remove(str(id))
            self.generation += 1
            if self._rebuild_log is not None:
                self._rebuild_log.append(("remove", str(id)))

    def _remove(self, id: str) -> None:
        self._records.remove(id)
        self._lexical.remove(id)
        if self._semantic is not None:
            self._semantic.remove(id)

    def apply_changes(self, upserts: Iterable[Initiative] = (), removals: Iterable[str] = (),
                      through: int | None = None) -> None:
        """Apply a batch of changes read from the caller's change log, then remember ``through`` (the
        position of the last change read) in :attr:`applied_through`. Removals are applied after upserts."""
        with self._lock:
            for item in upserts:
                self.upsert(item)
            for id in removals:
                self.remove(id)
            if through is not None:
                self.applied_through = through

    # -- queries -----------------------------------------------------------------------------------------
    def find_overlaps(self, draft: Initiative, k: int = 10, include_below: bool = False) -> Overlaps:
        """The ``k`` initiatives that overlap ``draft`` most, best first, each with reasons.

        Never the draft itself (same id). Matches below the line are left out unless ``include_below``.
        An empty draft gives no matches (and the note EMPTY_DRAFT), never an error.
        """
        prepared, notes = self._prepare(draft)
        if prepared.content_words == 0:
            return Overlaps([], notes + (Reason(R.EMPTY_DRAFT, ()),))
        with self._lock:
            cfg = self.scoring
            semantic_on = self._semantic is not None
            candidates = self._candidates(prepared, self.config.shortlist, cfg)[: self.config.scored]
            ids = [c[0] for c in candidates]
            scored = quick_scores(prepared, self._records.columns(prepared, ids), [c[1] for c in candidates],
                                  [c[2] for c in candidates] if semantic_on else None, cfg)
            heap: list[tuple[float, int, str, float, float | None]] = []
            for n, ((id, lexical, semantic, text), quick) in enumerate(zip(candidates, scored)):
                floor = heap[0][0] if len(heap) >= k else (0.0 if include_below else cfg.possible)
                if cfg.weights.bound(text) < floor:  # candidates come by text score: none after can win
                    break
                if quick is None:  # removed since the index answered
                    continue
                score, tier = quick
                if tier is Tier.BELOW and not include_below:
                    continue
                entry = (score, -n, id, lexical, semantic if semantic_on else None)
                if len(heap) < k:
                    heapq.heappush(heap, entry)
                elif entry > heap[0]:
                    heapq.heapreplace(heap, entry)
            ranked = sorted(heap, reverse=True)
            phrases = self._phrase_finder(prepared.text)
            matches = [explain(prepared, self._records.get(id), lexical, semantic, cfg, phrases)
                       for _, _, id, lexical, semantic in ranked]
        return Overlaps(matches, notes)

    def compare(self, a: Initiative | str, b: Initiative | str) -> Match:
        """The match of ``b`` seen from ``a`` (either an Initiative or the id of an indexed one), whatever
        its tier: for a side-by-side view. Raises KeyError for an unknown id."""
        pa = self._prepared(a)
        pb = self._prepared(b)
        with self._lock:
            lexical, semantic = self._pair_cosines(pa, pb)
            return explain(pa, pb, lexical, semantic, self.scoring, self._phrase_finder(pa.text))

    def pairs(self, ids: Iterable[str] | None = None, k: int = 10, min_tier: Tier = Tier.POSSIBLE):
        """Yield ``(id, match)`` for the overlaps of each indexed initiative in ``ids`` (default: all), each
        unordered pair once, at ``min_tier`` or above: for the review queue and the nightly rescan
        (about 100,000 × one query: minutes, so run it in a job, not on a request)."""
        seen: set[tuple[str, str]] = set()
        for id in (self._records.live_ids() if ids is None else ids):
            rec = self._records.get(str(id))
            if rec is None:
                continue
            draft = _as_initiative(rec)
            for match in self.find_overlaps(draft, k=k, include_below=min_tier is Tier.BELOW):
                key = (min(rec.id, match.id), max(rec.id, match.id))
                if match.tier.rank >= min_tier.rank and key not in seen:
                    seen.add(key)
                    yield rec.id, match

    def changed_materially(self, old: Initiative, new: Initiative, min_text_similarity: float = 0.9) -> bool:
        """Whether an edit changes what the detector compares enough to look at a pair again (for "distinct"
        decisions that are remembered until a side changes materially): the text moved (cosine below
        ``min_text_similarity``), or the countries, dates, 8.7 areas, target groups or lead organisation
        changed."""
        a, b = self._prepare(old)[0], self._prepare(new)[0]
        if (a.place.countries, a.place.is_global, a.start, a.end, a.themes, a.target_groups, a.lead_org) != \
                (b.place.countries, b.place.is_global, b.start, b.end, b.themes, b.target_groups, b.lead_org):
            return True
        if (a.title, a.description) == (b.title, b.description):
            return False
        with self._lock:
            return _cosine(self._lexical.vector(a.text), self._lexical.vector(b.text)) < min_text_similarity

    def _prepared(self, item: Initiative | str) -> Prepared:
        if isinstance(item, Initiative):
            return self._prepare(item)[0]
        rec = self._records.get(str(item))
        if rec is None:
            raise KeyError(item)
        return rec

    def _indexed(self, rec: Prepared) -> bool:
        return rec.id is not None and rec.id in self._records and self._records.get(rec.id) == rec

    def _pair_cosines(self, a: Prepared, b: Prepared) -> tuple[float, float | None]:
        """The lexical and semantic cosines of two records (semantic None without the sentence model)."""
        if self._indexed(b):
            lexical = self._lexical.similarities(a.text, [b.id])[0]
        else:
            lexical = _cosine(self._lexical.vector(a.text), self._lexical.vector(b.text))
        if self._semantic is None:
            return lexical, None
        va = self._semantic.stored_vector(a.id) if self._indexed(a) else None
        va = self._semantic.vector(a.text) if va is None else va
        vb = self._semantic.stored_vector(b.id) if self._indexed(b) else None
        vb = self._semantic.vector(b.text) if vb is None else vb
        return lexical, max(0.0, min(1.0, float(va @ vb)))

    def _candidates(self, draft: Prepared, n: int, cfg: ScoringConfig) -> list[tuple[str, float, float, float]]:
        """``(id, lexical, semantic, text score)`` of the union of both indexes' ``n`` nearest, by text score
        (semantic 0.0 without the sentence model)."""
        lexical = dict(self._lexical.search(draft.text, n, exclude=draft.id))
        if self._semantic is None:
            ordered = sorted(lexical.items(), key=lambda x: -x[1])
            text = cfg.fusion.text(np.array([c for _, c in ordered]))
            return [(id, c, 0.0, float(t)) for (id, c), t in zip(ordered, np.atleast_1d(text))]
        semantic = dict(self._semantic.search(draft.text, n, exclude=draft.id))
        missing_lex = [i for i in semantic if i not in lexical]
        lexical.update(zip(missing_lex, self._lexical.similarities(draft.text, missing_lex)))
        missing_sem = [i for i in lexical if i not in semantic]
        if missing_sem:
            semantic.update(zip(missing_sem, self._semantic.similarities(draft.text, missing_sem)))
        ids = list(lexical)
        lex = np.array([lexical[i] for i in ids])
        sem = np.array([semantic[i] for i in ids])
        text = np.atleast_1d(cfg.fusion.text(lex, sem))
        order = np.lexsort((np.arange(len(ids)), -text))
        return [(ids[i], float(lex[i]), float(sem[i]), float(text[i])) for i in order.tolist()]

    def _phrase_finder(self, draft_text: str):
        """``phrases_of(other_text)`` for :func:`explain`: the draft is tokenised once per query."""
        strip = self._lexical.strip
        finder = PhraseFinder(strip(draft_text), self._lexical.phrase_weight, skip=country_name_keys())
        return lambda other_text: finder.shared_with(strip(other_text))

    # -- persistence -------------------------------------------------------------------------------------
    def save(self, directory: str | os.PathLike) -> Path:
        """Save atomically as a new generation under ``directory`` (see :mod:`app.dedup.storage`).

        The base is written as memory-mappable arrays; changes since the build (the delta and the
        tombstones) as JSON, re-applied on load. Returns the generation's path.
        """
        writer = GenerationWriter(directory)
        try:
            with self._lock:
                info = {
                    "records": self._records.save(writer, "records"),
                    "lexical": self._lexical.save(writer, "lexical"),
                    "semantic": self._semantic.save(writer, "semantic") if self._semantic is not None else None,
                    "delta": [to_json(r) for r in self._records.delta.values()],
                    "removed": [str(self._records.ids[r]) for r in self._records.dead.nonzero()[0].tolist()
                                if str(self._records.ids[r]) not in self._records.delta],
                    "applied_through": self.applied_through,
                }
                path = writer.commit(info)
                self.base_name = path.name
                return path
        except BaseException:
            writer.abort()
            raise

    @classmethod
    def load(cls, directory: str | os.PathLike, config: DetectorConfig | None = None,
             embed_missing: bool = True) -> DuplicateDetector:
        """Open the live generation saved under ``directory``, memory-mapped (processes that load the same
        generation share its pages). Raises :class:`IndexCorruptError` when it is missing or damaged.

        A missing, stale (another model) or damaged semantic part does not stop the load: the detector
        answers on the lexical index, :attr:`needs_embedding` is true, and with ``embed_missing`` the
        vectors are computed in a background thread (:meth:`embed_in_background`)."""
        reader = GenerationReader(directory)
        info = reader.info
        detector = cls(config)
        try:
            records = RecordStore.load(reader, "records", info["records"])
            lexical = LexicalIndex.load(reader, "lexical", info["lexical"], ids=records.ids, row_of=records.row_of)
            semantic = None
            delta_vectors: dict = {}
            if detector._semantic_wanted():
                from .semantic import SemanticIndex
                try:
                    if info.get("semantic") is None:
                        raise IndexCorruptError("saved without semantic vectors")
                    semantic = SemanticIndex.load(reader, "semantic", info["semantic"], ids=records.ids,
                                                  row_of=records.row_of)
                    semantic.strip = lexical.strip
                    delta_vectors = {i: np.frombuffer(bytes.fromhex(v), dtype=np.float16).astype(np.float32)
                                     for i, v in (info["semantic"].get("delta") or {}).items()}
                except (IndexCorruptError, KeyError, TypeError, ValueError, AttributeError) as exc:
                    log.warning("semantic vectors of %s unusable (%s): lexical only until they are rebuilt",
                                reader.path, exc)
                    detector.semantic_error = str(exc)
                    semantic = None
            detector._records, detector._lexical, detector._semantic = records, lexical, semantic
            for data in info["delta"]:
                rec = from_json(data)
                vector = delta_vectors.get(rec.id)
                detector._upsert_prepared(rec, vector if vector is not None and vector.shape == (512,) else None)
            for id in info["removed"]:
                detector._remove(str(id))
            detector.applied_through = info.get("applied_through")
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise IndexCorruptError(f"saved index in {reader.path} is damaged: {exc!r}") from exc
        detector.generation = 0
        detector.base_name = reader.name
        if embed_missing and detector.needs_embedding:
            detector.embed_in_background()
        return detector

    @property
    def needs_embedding(self) -> bool:
        """The sentence model is wanted but its index is not there (being computed, or failed)."""
        return self._semantic is None and self._semantic_wanted()

    def is_stale(self, directory: str | os.PathLike) -> bool:
        """Whether a newer generation was saved under ``directory`` since this one was loaded or saved
        (reads one small file)."""
        return current_generation(directory, missing_ok=True) not in (None, self.base_name)

    # -- introspection -----------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._records)

    def __contains__(self, id: str) -> bool:
        return str(id) in self._records

    def stats(self) -> dict:
        """Sizes: items in the base and the delta, tombstones, bytes of the base arrays."""
        with self._lock:
            return {"items": len(self._records), "base": len(self._records.ids), "delta": len(self._records.delta),
                    "tombstones": int(self._records.dead.sum()), "generation": self.generation,
                    "applied_through": self.applied_through,
                    "bytes": self._records.nbytes + self._lexical.nbytes +
                    (self._semantic.nbytes if self._semantic is not None else 0),
                    "semantic": self._semantic is not None, "semantic_error": self.semantic_error}

    def with_scoring(self, **changes) -> DuplicateDetector:
        """A detector sharing this one's index with other scoring settings (for calibration): the changes
        apply to the scoring in use (with or without the sentence model)."""
        other = DuplicateDetector.__new__(DuplicateDetector)
        other.__dict__.update(self.__dict__)
        name = "scoring" if self._semantic is not None else "lexical_scoring"
        other.config = replace(self.config, **{name: replace(getattr(self.config, name), **changes)})
        return other


def _as_initiative(rec: Prepared) -> Initiative:
    """An indexed record as a query (its countries already resolved)."""
    countries = tuple(sorted(rec.place.countries)) + (("global",) if rec.place.is_global else ())
    return Initiative(id=rec.id, kind=rec.kind, title=rec.title, description=rec.description, countries=countries,
                      start=rec.start, end=rec.end, themes=tuple(sorted(rec.themes)),
                      target_groups=tuple(sorted(rec.target_groups)), lead_org=rec.lead_org,
                      partner_orgs=tuple(sorted(rec.orgs - {rec.lead_org})))


def _cosine(a, b) -> float:
    return a.dot(b)
