"""Prepared initiatives: the fields scoring needs, resolved once (places, dates, sets), and the store that
keeps them for every indexed item (arrays for the base, memory-mapped after load; a dict for the delta)."""
from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from .model import IndexCorruptError, Initiative, R, Reason
from .places import Place, resolve
from .storage import GenerationReader, GenerationWriter
from .text import DESCRIPTION_LIMIT, TITLE_LIMIT, clip, content_word_count, repair


@dataclass(frozen=True, slots=True)
class Prepared:
    """An initiative as scoring sees it."""

    id: str | None
    kind: str
    title: str
    description: str
    place: Place
    start: date | None
    end: date | None
    themes: frozenset[str]
    target_groups: frozenset[str]
    lead_org: str | None
    orgs: frozenset[str]  # lead and partners
    content_words: int

    @property
    def text(self) -> str:
        return f"{self.title}. {self.description}" if self.description else self.title


def prepare(item: Initiative, regions=None, family=None) -> tuple[Prepared, tuple[Reason, ...]]:
    """Resolve an initiative; also return notes on what was cut, ignored or adjusted. ``family`` maps an
    organisation key to its family's (see :func:`app.dedup.orgs.publisher_family`)."""
    notes: list[Reason] = []
    title, title_cut = clip(repair(item.title).strip(), TITLE_LIMIT)
    description, cut = clip(repair(item.description).strip(), DESCRIPTION_LIMIT)
    if cut or title_cut:
        notes.append(Reason(R.TEXT_CUT, (DESCRIPTION_LIMIT if cut else TITLE_LIMIT,)))
    place = resolve(item.countries, regions)
    if place.unknown:
        notes.append(Reason(R.UNKNOWN_COUNTRIES, (place.unknown,)))
    start, end = item.start, item.end
    if start and end and end < start:
        notes.append(Reason(R.END_BEFORE_START, ()))
        end = None
    lead = (family(item.lead_org) if family else item.lead_org) or None
    orgs = frozenset((family(o) if family else o) for o in (item.lead_org, *item.partner_orgs) if o)
    text = f"{title}. {description}" if description else title
    prepared = Prepared(id=item.id, kind=item.kind or "initiative", title=title, description=description,
                        place=place, start=start, end=end, themes=frozenset(t for t in item.themes if t),
                        target_groups=frozenset(t for t in item.target_groups if t),
                        lead_org=lead, orgs=orgs, content_words=content_word_count(text))
    return prepared, tuple(notes)


def linked(a: Prepared, b: Prepared) -> bool:
    """One side's lead organisation is among the other's organisations (a funder and its implementer)."""
    return bool(a.lead_org and a.lead_org in b.orgs) or bool(b.lead_org and b.lead_org in a.orgs)


def _codes(rec: Prepared, name: str) -> frozenset[str]:
    return rec.place.countries if name == "countries" else getattr(rec, name)


@dataclass(frozen=True, slots=True)
class Columns:
    """What ranking needs of several records seen from one draft, as arrays aligned with the records: for
    each set of codes (countries, themes, target groups, organisations) its size and how many codes it
    shares with the draft. Built by :meth:`RecordStore.columns`, read by :func:`app.dedup.scoring.quick_scores`."""

    present: np.ndarray      # False where the record is unknown or removed
    words: np.ndarray        # content words
    is_global: np.ndarray
    from_region: np.ndarray
    starts: np.ndarray       # proleptic ordinals; 0 where not given
    ends: np.ndarray
    same_lead: np.ndarray    # the draft has a lead organisation and it is this record's
    linked: np.ndarray       # one side's lead organisation is among the other's organisations
    sizes: dict[str, np.ndarray]
    common: dict[str, np.ndarray]

    @classmethod
    def empty(cls, m: int) -> Columns:
        def zeros(dtype=np.int64):
            return np.zeros(m, dtype=dtype)
        return cls(present=zeros(bool), words=zeros(), is_global=zeros(bool), from_region=zeros(bool),
                   starts=zeros(), ends=zeros(), same_lead=zeros(bool), linked=zeros(bool),
                   sizes={s: zeros() for s in _SETS},
                   common={s: zeros() for s in _SETS})

    @classmethod
    def of(cls, draft: Prepared, records: Sequence[Prepared]) -> Columns:
        """The columns of records held as objects (the delta, or a test's)."""
        cols = cls.empty(len(records))
        for n, rec in enumerate(records):
            cols.put(n, draft, rec)
        return cols

    def put(self, n: int, draft: Prepared, rec: Prepared) -> None:
        self.present[n] = True
        self.words[n] = rec.content_words
        self.is_global[n], self.from_region[n] = rec.place.is_global, rec.place.from_region
        self.starts[n] = rec.start.toordinal() if rec.start else 0
        self.ends[n] = rec.end.toordinal() if rec.end else 0
        self.same_lead[n] = bool(draft.lead_org) and draft.lead_org == rec.lead_org
        self.linked[n] = linked(draft, rec)
        for name in _SETS:
            codes = _codes(rec, name)
            self.sizes[name][n] = len(codes)
            self.common[name][n] = len(codes & _codes(draft, name))


class _Vocabulary:
    """Strings ↔ small ints, for storing sets of codes as integer arrays."""

    def __init__(self, words: Sequence[str] = ()):
        self.words = list(words)
        self.index = {w: i for i, w in enumerate(self.words)}

    def id(self, word: str) -> int:
        i = self.index.get(word)
        if i is None:
            i = self.index[word] = len(self.words)
            self.words.append(word)
        return i


_SETS = ("countries", "themes", "target_groups", "orgs")
_FLAG_GLOBAL, _FLAG_REGION = 1, 2
_NOTHING: frozenset[str] = frozenset()


class RecordStore:
    """Prepared records by id: the base in column arrays (shareable), changes since in a dict, and
    tombstones for base items removed or replaced."""

    def __init__(self):
        self._lock = threading.RLock()
        self._vocab = {name: _Vocabulary() for name in (*_SETS, "kinds")}
        self._arrays: dict[str, np.ndarray] = {}
        self.ids = np.array([], dtype="<U1")
        self.row_of: dict[str, int] = {}
        self.dead = np.zeros(0, dtype=bool)
        self.delta: dict[str, Prepared] = {}
        self._cache: dict[int, Prepared] = {}
        self._sets: dict[str, tuple] = {}

    # -- build and persistence ---------------------------------------------------------------------------
    def build(self, records: Sequence[Prepared]) -> None:
        vocab = {name: _Vocabulary() for name in (*_SETS, "kinds")}
        arrays: dict[str, list] = {f"{s}_{part}": [] for s in _SETS for part in ("ptr", "val")}
        for s in _SETS:
            arrays[f"{s}_ptr"].append(0)
        kinds, flags, starts, ends, leads, words = [], [], [], [], [], []
        text_parts, text_ptr, title_len = [], [0], []
        for rec in records:
            for s in _SETS:
                arrays[f"{s}_val"].extend(vocab[s].id(v) for v in sorted(_codes(rec, s)))
                arrays[f"{s}_ptr"].append(len(arrays[f"{s}_val"]))
            kinds.append(vocab["kinds"].id(rec.kind))
            flags.append((_FLAG_GLOBAL if rec.place.is_global else 0) | (_FLAG_REGION if rec.place.from_region else 0))
            starts.append(rec.start.toordinal() if rec.start else 0)
            ends.append(rec.end.toordinal() if rec.end else 0)
            leads.append(vocab["orgs"].id(rec.lead_org) if rec.lead_org else -1)
            words.append(min(rec.content_words, 32767))
            title = rec.title.encode("utf-8")
            blob = title + rec.description.encode("utf-8")
            text_parts.append(blob)
            text_ptr.append(text_ptr[-1] + len(blob))
            title_len.append(len(title))
        out = {k: np.asarray(v, dtype=np.int32) for k, v in arrays.items()}
        out.update(kinds=np.asarray(kinds, dtype=np.int16), flags=np.asarray(flags, dtype=np.uint8),
                   starts=np.asarray(starts, dtype=np.int32), ends=np.asarray(ends, dtype=np.int32),
                   leads=np.asarray(leads, dtype=np.int32), words=np.asarray(words, dtype=np.int16),
                   text=np.frombuffer(b"".join(text_parts), dtype=np.uint8).copy(),
                   text_ptr=np.asarray(text_ptr, dtype=np.int64), title_len=np.asarray(title_len, dtype=np.int32))
        ids = [str(r.id) for r in records]
        with self._lock:
            self._vocab, self._arrays = vocab, out
            self._set_ids(np.array(ids, dtype=str) if ids else np.array([], dtype="<U1"))
            self.delta = {}

    def _set_ids(self, ids: np.ndarray) -> None:
        # Per set of codes: its pointer and value arrays, and its words.
        self._sets = {name: (self._arrays[f"{name}_ptr"], self._arrays[f"{name}_val"], self._vocab[name].words)
                      for name in _SETS} if self._arrays else {}
        self.ids = ids
        self.row_of = {str(i): r for r, i in enumerate(ids.tolist())}
        if len(self.row_of) != len(ids):
            raise ValueError("duplicate ids in the base")
        self.dead = np.zeros(len(ids), dtype=bool)
        self._cache = {}

    def save(self, writer: GenerationWriter, prefix: str) -> dict:
        with self._lock:
            writer.array(f"{prefix}/ids", self.ids)
            for name, value in self._arrays.items():
                writer.array(f"{prefix}/{name}", value)
            return {"vocabularies": {k: v.words for k, v in self._vocab.items()}, "n_items": int(len(self.ids)),
                    "arrays": sorted(self._arrays)}

    @classmethod
    def load(cls, reader: GenerationReader, prefix: str, info: dict) -> RecordStore:
        store = cls()
        try:
            store._vocab = {k: _Vocabulary(v) for k, v in info["vocabularies"].items()}
            store._arrays = {name: reader.array(f"{prefix}/{name}") for name in info["arrays"]}
            ids = reader.array(f"{prefix}/ids")
            n = int(info["n_items"])
        except (KeyError, TypeError, AttributeError) as exc:
            raise IndexCorruptError(f"record store info damaged: {exc}") from exc
        a = store._arrays
        if len(ids) != n or any(len(a[f"{s}_ptr"]) != n + 1 for s in _SETS) or len(a["text_ptr"]) != n + 1 \
                or int(a["text_ptr"][-1]) != len(a["text"]):
            raise IndexCorruptError("record arrays do not fit together")
        try:
            store._set_ids(ids)
        except ValueError as exc:
            raise IndexCorruptError(str(exc)) from exc
        return store

    # -- access ------------------------------------------------------------------------------------------
    def _base(self, row: int) -> Prepared:
        cached = self._cache.get(row)
        if cached is not None:
            return cached
        a, v = self._arrays, self._vocab
        sets = self._sets

        def values(name):
            ptr, val, words = sets[name]
            start, end = ptr[row:row + 2].tolist()
            if start == end:
                return _NOTHING
            return frozenset([words[i] for i in val[start:end].tolist()])

        flags = int(a["flags"][row])
        t0, t1 = int(a["text_ptr"][row]), int(a["text_ptr"][row + 1])
        blob = bytes(a["text"][t0:t1])
        tl = int(a["title_len"][row])
        s, e, lead = int(a["starts"][row]), int(a["ends"][row]), int(a["leads"][row])
        rec = Prepared(
            id=str(self.ids[row]), kind=v["kinds"].words[int(a["kinds"][row])],
            title=blob[:tl].decode("utf-8", "replace"), description=blob[tl:].decode("utf-8", "replace"),
            place=Place(values("countries"), bool(flags & _FLAG_GLOBAL), bool(flags & _FLAG_REGION), ()),
            start=date.fromordinal(s) if s else None, end=date.fromordinal(e) if e else None,
            themes=values("themes"), target_groups=values("target_groups"),
            lead_org=v["orgs"].words[lead] if lead >= 0 else None, orgs=values("orgs"),
            content_words=int(a["words"][row]))
        if len(self._cache) > 8192:
            self._cache.clear()
        self._cache[row] = rec
        return rec

    def base_texts(self) -> list[str]:
        """The text of every base row, removed or replaced ones included (row order)."""
        return [self._base(row).text for row in range(len(self.ids))]

    def get(self, id: str) -> Prepared | None:
        """The live record of ``id`` (None when unknown or removed)."""
        with self._lock:
            rec = self.delta.get(id)
            if rec is not None:
                return rec
            row = self.row_of.get(id)
            if row is None or self.dead[row]:
                return None
            return self._base(row)

    def columns(self, draft: Prepared, ids: Sequence[str]) -> Columns:
        """The :class:`Columns` of ``ids`` seen from ``draft``. Base records are read straight from the
        arrays, all at once: decoding each into a :class:`Prepared` to score it cost more than the scoring."""
        cols = Columns.empty(len(ids))
        with self._lock:
            rows, at = [], []
            for n, id in enumerate(ids):
                rec = self.delta.get(id)
                if rec is not None:
                    cols.put(n, draft, rec)
                    continue
                row = self.row_of.get(id)
                if row is not None and not self.dead[row]:
                    rows.append(row)
                    at.append(n)
            if rows:
                self._fill(cols, draft, np.asarray(rows, dtype=np.int64), np.asarray(at, dtype=np.int64))
        return cols

    def _fill(self, cols: Columns, draft: Prepared, rows: np.ndarray, at: np.ndarray) -> None:
        a = self._arrays
        flags = a["flags"][rows]
        cols.present[at] = True
        cols.words[at] = a["words"][rows]
        cols.is_global[at] = (flags & _FLAG_GLOBAL) != 0
        cols.from_region[at] = (flags & _FLAG_REGION) != 0
        cols.starts[at], cols.ends[at] = a["starts"][rows], a["ends"][rows]
        lead = self._vocab["orgs"].index.get(draft.lead_org) if draft.lead_org else None
        if lead is not None:
            cols.same_lead[at] = a["leads"][rows] == lead
        draft_orgs = [i for i in (self._vocab["orgs"].index.get(o) for o in draft.orgs) if i is not None]
        if draft_orgs:
            cols.linked[at] = np.isin(a["leads"][rows], draft_orgs)
        if lead is not None:  # the draft's lead among the record's organisations
            ptr, val, _words = self._sets["orgs"]
            first, size = ptr[rows], ptr[rows + 1] - ptr[rows]
            total = int(size.sum())
            if total:
                owner = np.repeat(np.arange(len(rows)), size)
                where = np.arange(total) - np.repeat(np.cumsum(size) - size, size) + np.repeat(first, size)
                hits = val[where] == lead
                cols.linked[at] |= np.bincount(owner[hits], minlength=len(rows)) > 0
        for name in _SETS:
            ptr, val, _words = self._sets[name]
            first, size = ptr[rows], ptr[rows + 1] - ptr[rows]
            cols.sizes[name][at] = size
            index = self._vocab[name].index
            wanted = [index[c] for c in _codes(draft, name) if c in index]
            total = int(size.sum())
            if not wanted or not total:
                continue
            # the positions in ``val`` of every code of every row, and the row each belongs to
            owner = np.repeat(np.arange(len(rows)), size)
            where = np.arange(total) - np.repeat(np.cumsum(size) - size, size) + np.repeat(first, size)
            hits = np.isin(val[where], wanted)
            cols.common[name][at] = np.bincount(owner[hits], minlength=len(rows))

    def upsert(self, rec: Prepared) -> None:
        with self._lock:
            row = self.row_of.get(rec.id)
            if row is not None:
                self.dead[row] = True
            self.delta[rec.id] = rec

    def remove(self, id: str) -> None:
        with self._lock:
            row = self.row_of.get(id)
            if row is not None:
                self.dead[row] = True
            self.delta.pop(id, None)

    def live_ids(self):
        """Every live id: the base minus tombstones, then the delta."""
        with self._lock:
            base = [str(i) for i, dead in zip(self.ids.tolist(), self.dead.tolist())
                    if not dead and i not in self.delta]
            return base + list(self.delta)

    def all_records(self):
        for id in self.live_ids():
            rec = self.get(id)
            if rec is not None:
                yield rec

    def __len__(self) -> int:
        with self._lock:
            return int(len(self.ids) - self.dead.sum()) + len(self.delta)

    def __contains__(self, id: str) -> bool:
        return self.get(id) is not None

    @property
    def nbytes(self) -> int:
        return int(sum(a.nbytes for a in self._arrays.values()) + self.ids.nbytes)


def to_json(rec: Prepared) -> dict:
    """A prepared record as plain JSON data (for the delta saved beside a base)."""
    return {"id": rec.id, "kind": rec.kind, "title": rec.title, "description": rec.description,
            "countries": sorted(rec.place.countries), "global": rec.place.is_global, "region": rec.place.from_region,
            "start": rec.start.isoformat() if rec.start else None, "end": rec.end.isoformat() if rec.end else None,
            "themes": sorted(rec.themes), "target_groups": sorted(rec.target_groups), "lead_org": rec.lead_org,
            "orgs": sorted(rec.orgs), "content_words": rec.content_words}


def from_json(data: dict) -> Prepared:
    return Prepared(
        id=str(data["id"]), kind=data["kind"], title=data["title"], description=data["description"],
        place=Place(frozenset(data["countries"]), bool(data["global"]), bool(data["region"]), ()),
        start=date.fromisoformat(data["start"]) if data["start"] else None,
        end=date.fromisoformat(data["end"]) if data["end"] else None,
        themes=frozenset(data["themes"]), target_groups=frozenset(data["target_groups"]),
        lead_org=data["lead_org"], orgs=frozenset(data["orgs"]), content_words=int(data["content_words"]))
