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

from .index import LexicalIndex, SimilarityIndex
from .model import R, IndexCorruptError, Initiative, Match, Overlaps, Reason, Tier
from .places import country_name_keys
from .records import Prepared, RecordStore, from_json, prepare, to_json
from .scoring import ScoringConfig, explain, quick_scores, text_score
from .storage import GenerationReader, GenerationWriter, current_generation
from .text import PhraseFinder

log = logging.getLogger(__name__)

THRESHOLDS_FILE = Path(__file__).with_name("thresholds.json")


def calibrated_scoring(semantic: bool = False) -> ScoringConfig:
    """The scoring defaults with the tier thresholds picked by the calibration script
    (``app/dedup/thresholds.json``, written by ``python -m bench.dedup_calibrate --write [--semantic]``);
    the semantic index changes the text scores, so it has its own pair of thresholds."""
    try:
        data = json.loads(THRESHOLDS_FILE.read_text(encoding="utf-8"))
        if semantic:
            data = data["semantic"]
        return ScoringConfig(likely=float(data["likely"]), possible=float(data["possible"]))
    except (OSError, ValueError, KeyError, TypeError):
        return ScoringConfig()


@dataclass(frozen=True)
class DetectorConfig:
    """Settings of a detector.

    ``regions`` maps a region code (UN M49) to its ISO alpha-3 countries; ``None`` reads
    ``app/data/regions.json``. ``shortlist`` is how many nearest texts each index hands over; at most ``scored`` of them
    (the closest texts first) are scored in full: a match's score never exceeds its text score, so the
    rest could only win with a text far below the ones already scored.
    ``semantic`` turns the optional embedding index on (``"auto"``: when its package is installed).
    """

    scoring: ScoringConfig = field(default_factory=calibrated_scoring)
    regions: Mapping[str, Sequence[str]] | None = None
    shortlist: int = 200
    scored: int = 40
    max_df: float = 0.05
    semantic: bool | str = False


class DuplicateDetector:
    """Finds initiatives that overlap a draft, with scores, tiers and reasons.

    Build one from the registry (:meth:`build`), or open a saved one (:meth:`load`); keep it fresh with
    :meth:`upsert`, :meth:`remove` or :meth:`apply_changes`; query it with :meth:`find_overlaps` and
    :meth:`compare`. Safe to use from several threads (changes and queries take a lock).
    """

    def __init__(self, config: DetectorConfig | None = None):
        config = config or DetectorConfig()
        self._semantic_thresholds = False
        if config.semantic and config.scoring == calibrated_scoring():
            # the default (lexical) thresholds were left in place: use the semantic ones
            from .semantic import available
            if config.semantic is True or available():
                config = replace(config, scoring=calibrated_scoring(semantic=True))
                self._semantic_thresholds = True
        self.config = config
        self._regions = None if self.config.regions is None else {k: tuple(v) for k, v in self.config.regions.items()}
        self._lock = threading.RLock()
        self._records = RecordStore()
        self._lexical = LexicalIndex(max_df=self.config.max_df)
        self._semantic: SimilarityIndex | None = None
        self.generation = 0                 # +1 for every change applied in this process
        self.applied_through: int | None = None  # position in the caller's change log (see apply_changes)
        self.base_name: str | None = None   # name of the saved generation this detector was loaded from
        self._rebuild_log: list[tuple[str, object]] | None = None

    # -- building ----------------------------------------------------------------------------------------
    @classmethod
    def build(cls, initiatives: Iterable[Initiative], config: DetectorConfig | None = None,
              progress: Callable[[int], None] | None = None, applied_through: int | None = None) -> DuplicateDetector:
        """A detector over these initiatives (later ones win when an id repeats).

        ``progress(n)`` is called as items are prepared (every 1,000 and at the end), for a progress bar.
        ``applied_through`` records the caller's change-log position the data reflects.
        """
        detector = cls(config)
        prepared: dict[str, Prepared] = {}
        count = 0
        for item in initiatives:
            if item.id is None:
                raise ValueError("every indexed initiative needs an id")
            prepared[item.id] = prepare(item, detector._regions)[0]
            count += 1
            if progress and count % 1000 == 0:
                progress(count)
        if progress:
            progress(count)
        detector._build_base(list(prepared.values()))
        detector.applied_through = applied_through
        return detector

    def _build_base(self, records: list[Prepared]) -> None:
        store = RecordStore()
        store.build(records)
        lexical = LexicalIndex(max_df=self.config.max_df)
        lexical.build([r.id for r in records], [r.text for r in records])
        lexical._seg.set_base(store.ids, store.row_of)  # one id → row table for both
        semantic = None
        if self._semantic_wanted():
            from .semantic import SemanticIndex
            semantic = SemanticIndex(strip=lexical.strip)
            semantic.build([r.id for r in records], [r.text for r in records])
            semantic._seg.set_base(store.ids, store.row_of)
        with self._lock:
            self._records, self._lexical, self._semantic = store, lexical, semantic

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
            records = list({i.id: prepare(i, self._regions)[0] for i in initiatives}.values())
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
                    list({i.id: prepare(i, self._regions)[0] for i in source()}.values())
                fresh = DuplicateDetector(self.config)
                fresh._build_base(records)
                with self._lock:
                    for op, arg in self._rebuild_log or ():
                        if op == "upsert":
                            fresh._upsert_prepared(arg)
                        else:
                            fresh._remove(arg)
                    self._records, self._lexical, self._semantic = fresh._records, fresh._lexical, fresh._semantic
            except Exception:  # a failed rebuild leaves the old index serving
                log.exception("background rebuild of the duplicate detector failed")
            finally:
                with self._lock:
                    self._rebuild_log = None

        thread = threading.Thread(target=run, name="dedup-rebuild", daemon=True)
        thread.start()
        return thread

    # -- changes -----------------------------------------------------------------------------------------
    def upsert(self, initiative: Initiative) -> None:
        """Add an initiative or replace its previous version; visible to the next query."""
        if initiative.id is None:
            raise ValueError("an indexed initiative needs an id")
        self._upsert_prepared(prepare(initiative, self._regions)[0])

    def _upsert_prepared(self, rec: Prepared) -> None:
        with self._lock:
            self._records.upsert(rec)
            self._lexical.upsert(rec.id, rec.text)
            if self._semantic is not None:
                self._semantic.upsert(rec.id, rec.text)
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
        prepared, notes = prepare(draft, self._regions)
        if prepared.content_words == 0:
            return Overlaps([], notes + (Reason(R.EMPTY_DRAFT, ()),))
        cfg = self.config.scoring
        with self._lock:
            candidates = self._candidates(prepared, self.config.shortlist)[: self.config.scored]
            scored = quick_scores(prepared, self._records.columns(prepared, [id for id, _ in candidates]),
                                  [cosine for _, cosine in candidates], cfg)
            heap: list[tuple[float, int, str, float]] = []
            for n, ((id, cosine), quick) in enumerate(zip(candidates, scored)):
                bound = text_score(cosine, prepared, prepared, cfg)[0]  # the score never exceeds the text score
                floor = heap[0][0] if len(heap) >= k else (0.0 if include_below else cfg.possible)
                if bound < floor or bound <= 0:
                    break
                if quick is None:  # removed since the index answered
                    continue
                score, tier = quick
                if tier is Tier.BELOW and not include_below:
                    continue
                entry = (score, -n, id, cosine)
                if len(heap) < k:
                    heapq.heappush(heap, entry)
                elif entry > heap[0]:
                    heapq.heapreplace(heap, entry)
            ranked = sorted(heap, reverse=True)
            phrases = self._phrase_finder(prepared.text)
            matches = [explain(prepared, self._records.get(id), cosine, cfg, phrases) for _, _, id, cosine in ranked]
        return Overlaps(matches, notes)

    def compare(self, a: Initiative | str, b: Initiative | str) -> Match:
        """The match of ``b`` seen from ``a`` (either an Initiative or the id of an indexed one), whatever
        its tier: for a side-by-side view. Raises KeyError for an unknown id."""
        pa = self._prepared(a)
        pb = self._prepared(b)
        with self._lock:
            cosine = self._pair_cosine(pa, pb)
            return explain(pa, pb, cosine, self.config.scoring, self._phrase_finder(pa.text))

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
        a, b = prepare(old, self._regions)[0], prepare(new, self._regions)[0]
        if (a.place.countries, a.place.is_global, a.start, a.end, a.themes, a.target_groups, a.lead_org) != \
                (b.place.countries, b.place.is_global, b.start, b.end, b.themes, b.target_groups, b.lead_org):
            return True
        if (a.title, a.description) == (b.title, b.description):
            return False
        with self._lock:
            return _cosine(self._lexical.vector(a.text), self._lexical.vector(b.text)) < min_text_similarity

    def _prepared(self, item: Initiative | str) -> Prepared:
        if isinstance(item, Initiative):
            return prepare(item, self._regions)[0]
        rec = self._records.get(str(item))
        if rec is None:
            raise KeyError(item)
        return rec

    def _pair_cosine(self, a: Prepared, b: Prepared) -> float:
        if b.id is not None and b.id in self._records and self._records.get(b.id) == b:
            cosine = self._lexical.similarities(a.text, [b.id])[0]
        else:
            cosine = _cosine(self._lexical.vector(a.text), self._lexical.vector(b.text))
        if self._semantic is not None:
            cosine = max(cosine, self._semantic.similarity_of_texts(a.text, b.text))
        return cosine

    def _candidates(self, draft: Prepared, n: int) -> list[tuple[str, float]]:
        found = dict(self._lexical.search(draft.text, n, exclude=draft.id))
        if self._semantic is not None:
            semantic = dict(self._semantic.search(draft.text, n, exclude=draft.id))
            missing_lex = [i for i in semantic if i not in found]
            for i, s in zip(missing_lex, self._lexical.similarities(draft.text, missing_lex)):
                found[i] = s
            missing_sem = [i for i in found if i not in semantic]
            for i, s in zip(missing_sem, self._semantic.similarities(draft.text, missing_sem)):
                semantic[i] = s
            found = {i: max(s, semantic.get(i, 0.0)) for i, s in found.items()}
        return sorted(found.items(), key=lambda x: -x[1])

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
    def load(cls, directory: str | os.PathLike, config: DetectorConfig | None = None) -> DuplicateDetector:
        """Open the live generation saved under ``directory``, memory-mapped (processes that load the same
        generation share its pages). Raises :class:`IndexCorruptError` when it is missing or damaged."""
        reader = GenerationReader(directory)
        info = reader.info
        detector = cls(config)
        try:
            records = RecordStore.load(reader, "records", info["records"])
            lexical = LexicalIndex.load(reader, "lexical", info["lexical"], ids=records.ids, row_of=records.row_of)
            semantic = None
            if info.get("semantic") is not None and detector.config.semantic is not False:
                from .semantic import SemanticIndex, available
                if available():
                    semantic = SemanticIndex.load(reader, "semantic", info["semantic"], ids=records.ids,
                                                  row_of=records.row_of)
                    semantic.strip = lexical.strip
            detector._records, detector._lexical, detector._semantic = records, lexical, semantic
            for data in info["delta"]:
                detector._upsert_prepared(from_json(data))
            for id in info["removed"]:
                detector._remove(str(id))
            detector.applied_through = info.get("applied_through")
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise IndexCorruptError(f"saved index in {reader.path} is damaged: {exc!r}") from exc
        if detector._semantic is None and detector._semantic_thresholds:  # saved without embeddings
            detector.config = replace(detector.config, scoring=calibrated_scoring())
            detector._semantic_thresholds = False
        detector.generation = 0
        detector.base_name = reader.name
        return detector

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
                    "semantic": self._semantic is not None}

    def with_scoring(self, **changes) -> DuplicateDetector:
        """A detector sharing this one's index with other scoring settings (for calibration)."""
        other = DuplicateDetector.__new__(DuplicateDetector)
        other.__dict__.update(self.__dict__)
        other.config = replace(self.config, scoring=replace(self.config.scoring, **changes))
        return other


def _as_initiative(rec: Prepared) -> Initiative:
    """An indexed record as a query (its countries already resolved)."""
    countries = tuple(sorted(rec.place.countries)) + (("global",) if rec.place.is_global else ())
    return Initiative(id=rec.id, kind=rec.kind, title=rec.title, description=rec.description, countries=countries,
                      start=rec.start, end=rec.end, themes=tuple(sorted(rec.themes)),
                      target_groups=tuple(sorted(rec.target_groups)), lead_org=rec.lead_org,
                      partner_orgs=tuple(sorted(rec.orgs - {rec.lead_org})))


def _cosine(a, b) -> float:
    return float(a.multiply(b).sum())
