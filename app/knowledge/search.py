"""The Hub's global search: one interface, a registry of searchable kinds, and two database backends.

**Kinds.** Each feature registers what it wants found with :func:`register_kind`: the model, how to turn
one object into an :class:`Entry` (title, body, language, who may find it, its URL; ``None`` when the
object must not be found, e.g. a draft), and a query returning every object that may be indexed (for
``flask search-reindex``). Forum sessions or imported external activities join later the same way.

**Kept in step, by the worker.** A service that creates, changes or deletes a searchable object says so:
``events.reindex_later(obj)`` (or ``events.reindex_later(model=Pledge, ids=ids)``). That records one outbox
row (:mod:`app.events`, kind ``search.reindex``) in the change's own transaction, so a rolled-back change
never reaches the index, and the worker rewrites the :class:`~app.knowledge.models.SearchDocument` rows
from the objects as they are then (an object gone, or one its kind says must not be found, loses its
document). The handler is idempotent, so a row delivered twice is harmless; the calls of one transaction
for the same object share a key and make one row. Nothing re-indexes inside a request and no session
listener does it. Until the worker has run, the search shows the object as it was (moments, in practice).

A kind whose entries read another kind's objects (a group's documents show the group's visibility) names
them in ``SearchKind.follows``: re-indexing a group re-indexes its documents too. Bulk inserts that bypass
the ORM (``seed-demo --size large``) are followed by :func:`rebuild_index`.

**Adding a kind** (e.g. a feature's news items), from the feature's ``gateway.py``::

    register_kind(SearchKind("news", _l("News"), NewsItem, news_entry, news_query, order=35))

and ``events.reindex_later(item)`` in every service that creates, edits, publishes or deletes one
(after the flush that gives a new object its id, and before a delete: the id is what is recorded).

**Backends.** The documents hold case- and accent-folded text (``title_key``, ``body_key``); the
database indexes that text with English stemming:

- SQLite: an FTS5 table over ``search_document`` (external content, ``porter`` tokenizer) kept in
  step by triggers; ranked with ``bm25`` (title weighted 5 to 1 against the body);
- PostgreSQL: a stored generated column ``search_tsv`` = ``setweight(to_tsvector('english', title_key),
  'A') || setweight(to_tsvector('english', body_key), 'B')`` with a GIN index; ranked with ``ts_rank``
  (stored, so ranking does not parse every matching body again).

Every word of a query must match the start of a word (prefix matching), after the same folding and
stemming. Snippets and their highlights are made here, in Python, from the text as written, so both
backends show the same thing.
"""
from __future__ import annotations

import bisect
import dataclasses
import logging
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

import snowballstemmer
import sqlalchemy as sa
from markupsafe import Markup, escape
from sqlalchemy import event
from sqlalchemy.orm import Session

from app import events
from app.extensions import db
from app.knowledge.models import SearchDocument
from app.knowledge.places import all_place_words, countries_named, place_words
from app.policy import is_partner, is_secretariat
from app.utils import fold, search_words, utcnow, whole_number

logger = logging.getLogger(__name__)

BODY_MAX = 8000        # characters of a body kept and indexed (summaries and descriptions, not whole books)
Q_MAX = 200            # characters of the search box that count
WORDS_MAX = 8          # words of a query that count
SNIPPET_WORDS = 36     # words around the first match shown under a result
REINDEX_CHUNK = 1000

# -- the backends' objects (also written out in the migration) ----------------------------------------------
SQLITE_FTS = "search_fts"
SQLITE_DDL = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {SQLITE_FTS} USING fts5(title_key, body_key, content='search_document', "
    "content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')",
    f"CREATE TRIGGER IF NOT EXISTS search_document_ai AFTER INSERT ON search_document BEGIN "
    f"INSERT INTO {SQLITE_FTS}(rowid, title_key, body_key) VALUES (new.id, new.title_key, new.body_key); END",
    f"CREATE TRIGGER IF NOT EXISTS search_document_ad AFTER DELETE ON search_document BEGIN "
    f"INSERT INTO {SQLITE_FTS}({SQLITE_FTS}, rowid, title_key, body_key) "
    f"VALUES ('delete', old.id, old.title_key, old.body_key); END",
    f"CREATE TRIGGER IF NOT EXISTS search_document_au AFTER UPDATE ON search_document BEGIN "
    f"INSERT INTO {SQLITE_FTS}({SQLITE_FTS}, rowid, title_key, body_key) "
    f"VALUES ('delete', old.id, old.title_key, old.body_key); "
    f"INSERT INTO {SQLITE_FTS}(rowid, title_key, body_key) VALUES (new.id, new.title_key, new.body_key); END",
)
SQLITE_DROP = (f"DROP TABLE IF EXISTS {SQLITE_FTS}",)
PG_COLUMN = "search_tsv"
PG_INDEX = "ix_search_document_fts"
PG_DDL = (
    f"ALTER TABLE search_document ADD COLUMN IF NOT EXISTS {PG_COLUMN} tsvector GENERATED ALWAYS AS "
    "(setweight(to_tsvector('english'::regconfig, title_key), 'A') || "
    "setweight(to_tsvector('english'::regconfig, body_key), 'B')) STORED",
    f"CREATE INDEX IF NOT EXISTS {PG_INDEX} ON search_document USING gin ({PG_COLUMN})",
)


def backend_objects_ddl(dialect: str) -> tuple[str, ...]:
    return SQLITE_DDL if dialect == "sqlite" else PG_DDL if dialect == "postgresql" else ()


def is_backend_object(name: str | None) -> bool:
    """Whether a schema object belongs to a search backend rather than to the models (Alembic skips it)."""
    return bool(name) and (name.startswith(SQLITE_FTS) or name in (PG_INDEX, PG_COLUMN)
                           or name.startswith("search_document_a"))


@event.listens_for(SearchDocument.__table__, "after_create")
def _create_backend_objects(target, connection, **kw):
    # db.create_all() (the tests' schema) builds the same index objects as the migration.
    for statement in backend_objects_ddl(connection.dialect.name):
        connection.exec_driver_sql(statement)


@event.listens_for(SearchDocument.__table__, "before_drop")
def _drop_backend_objects(target, connection, **kw):
    if connection.dialect.name == "sqlite":
        for statement in SQLITE_DROP:
            connection.exec_driver_sql(statement)


# -- the registry -----------------------------------------------------------------------------------------
AUDIENCES = ("public", "partners", "members")


@dataclass(frozen=True)
class Entry:
    """What the search shows and matches for one object, and who may find it.

    :param audience: "public" (everyone), "partners" (signed-in approved partners) or "members" (the
        members of ``group_id`` and the secretariat).
    :param places: what the object is about, as codes; their names in the three languages (and the
        countries' continents) are indexed with the body but not shown (:func:`app.knowledge.places.place_words`).
    """

    title: str
    url: str
    body: str = ""
    language: str = "en"
    audience: str = "public"
    group_id: int | None = None
    updated_at: datetime | None = None
    places: tuple[str, ...] = ()    # country codes (alpha-3), region codes (M49), "global": see places.py


@dataclass(frozen=True)
class SearchKind:
    """A kind of object the search finds.

    :param name: a short key ("resource"), stored in every document and used in URLs.
    :param label: the plural label of the kind's tab ("Resources"), a lazy string.
    :param model: the mapped class; flushed objects of it are re-indexed on commit.
    :param entry: object -> Entry, or None when the object must not be found.
    :param query: a SELECT of every object of the kind (with what ``entry`` reads loaded), for reindexing.
    :param follows: the other kinds whose objects ``entry`` reads, each with a function of their ids giving
        a SELECT of this kind's ids to re-index with them (e.g. ``{"group": lambda ids:
        sa.select(Document.id).where(Document.group_id.in_(ids))}``).
    """

    name: str
    label: object
    model: type
    entry: Callable[[object], Entry | None]
    query: Callable[[], sa.Select]
    order: int = 50
    follows: dict[str, Callable[[list[int]], sa.Select]] = field(default_factory=dict)


KINDS: dict[str, SearchKind] = {}
_BY_MODEL: dict[type, SearchKind] = {}


def register_kind(kind: SearchKind) -> None:
    """Make a kind of object searchable (idempotent: registering the same name again replaces it)."""
    KINDS[kind.name] = kind
    _BY_MODEL[kind.model] = kind
    ordered = sorted(KINDS.values(), key=lambda k: (k.order, k.name))
    KINDS.clear()
    KINDS.update((k.name, k) for k in ordered)


# More text of an object to index beside its entry's (e.g. its translations, app/multilingual):
# functions (model, ids) -> {id: text}.
TEXT_SOURCES: list[Callable[[type, list[int]], dict[int, str]]] = []


def register_text_source(source: Callable[[type, list[int]], dict[int, str]]) -> None:
    if source not in TEXT_SOURCES:
        TEXT_SOURCES.append(source)


def _rows(kind: SearchKind, objects) -> list[dict]:
    """The documents of ``objects``, with the text every registered source adds."""
    extra: dict[int, list[str]] = {}
    if TEXT_SOURCES and objects:
        ids = [obj.id for obj in objects]
        for source in TEXT_SOURCES:
            for object_id, text in source(kind.model, ids).items():
                extra.setdefault(object_id, []).append(text)
    rows = []
    for obj in objects:
        entry = kind.entry(obj)
        if entry is None:
            continue
        if obj.id in extra:
            entry = dataclasses.replace(entry, body="\n".join([entry.body or "", *extra[obj.id]]))
        rows.append(_document_row(kind, obj, entry))
    return rows


# -- keeping the index in step ----------------------------------------------------------------------------
def _with_followers(keys: Iterable[tuple[str, int]], session: Session) -> set[tuple[str, int]]:
    """``keys`` and the documents of the kinds that follow theirs (see ``SearchKind.follows``)."""
    keys = set(keys)
    by_kind: dict[str, list[int]] = {}
    for name, object_id in keys:
        by_kind.setdefault(name, []).append(object_id)
    for follower in KINDS.values():
        for name, select_ids in follower.follows.items():
            if by_kind.get(name):
                keys.update((follower.name, i) for i in session.scalars(select_ids(sorted(by_kind[name]))))
    return keys


@events.handler(events.REINDEX)
def _reindex(payload: dict, event) -> None:
    """The worker's side of :func:`app.events.reindex_later`: rewrite the documents of the objects (and of
    the kinds that follow theirs) from the objects as they are now; idempotent."""
    ids = [int(i) for i in payload.get("ids", ())]
    keys = {(kind.name, i) for kind in KINDS.values() if kind.model.__table__.name == payload.get("table")
            for i in ids}
    index_objects(_with_followers(keys, db.session))


def _document_row(kind: SearchKind, obj, entry: Entry) -> dict:
    body = plain_text(entry.body or "")[:BODY_MAX]
    title = " ".join((entry.title or "").split())[:300]
    body_key = fold(body)
    if entry.places:
        body_key = f"{body_key}\n{place_words(entry.places)}"
    return dict(kind=kind.name, object_id=obj.id, title=title, body=body, title_key=fold(title),
                body_key=body_key, language=entry.language or "en", url=entry.url[:300],
                audience=entry.audience if entry.audience in AUDIENCES else "members", group_id=entry.group_id,
                updated_at=entry.updated_at or utcnow())


def index_objects(keys: Iterable[tuple[str, int]], *, session: Session | None = None) -> int:
    """Rewrite the documents of the given (kind, id) pairs from the objects as they are now; an object
    that is gone, or whose kind says it must not be found, loses its document. Returns documents written."""
    session = session or db.session
    by_kind: dict[str, set[int]] = {}
    for name, object_id in keys:
        if name in KINDS:
            by_kind.setdefault(name, set()).add(object_id)
    written = 0
    table = SearchDocument.__table__
    for name, ids in by_kind.items():
        kind = KINDS[name]
        objects = session.scalars(kind.query().where(kind.model.id.in_(ids))).unique().all()
        rows = _rows(kind, objects)
        session.execute(table.delete().where(table.c.kind == name, table.c.object_id.in_(ids)))
        if rows:
            session.execute(table.insert(), rows)
        written += len(rows)
    return written


def rebuild_index(kinds: Iterable[str] | None = None) -> dict[str, int]:
    """Rebuild the documents of every kind (or the given ones) from the database; flush, no commit.

    :return: documents written per kind.
    """
    table = SearchDocument.__table__
    counts = {}
    for name in list(kinds or KINDS):
        kind = KINDS[name]
        db.session.execute(table.delete().where(table.c.kind == name))
        ids = db.session.scalars(kind.query().with_only_columns(kind.model.id).order_by(kind.model.id)).all()
        counts[name] = 0
        for start in range(0, len(ids), REINDEX_CHUNK):
            chunk = ids[start:start + REINDEX_CHUNK]
            objects = db.session.scalars(kind.query().where(kind.model.id.in_(chunk))).unique().all()
            rows = _rows(kind, objects)
            if rows:
                db.session.execute(table.insert(), rows)
            counts[name] += len(rows)
    if db.engine.dialect.name == "sqlite":
        db.session.execute(sa.text(f"INSERT INTO {SQLITE_FTS}({SQLITE_FTS}) VALUES ('optimize')"))
    logger.info("Search index rebuilt: %s", counts)
    return counts


# -- querying ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Query:
    """A search as asked: the words, an optional kind, a page."""

    q: str = ""
    kind: str = ""
    page: int = 1

    @classmethod
    def from_args(cls, args) -> Query:
        page = (args.get("page") or "").strip()
        kind = (args.get("kind") or "").strip()
        return cls(q=" ".join((args.get("q") or "").replace("\x00", "").split())[:Q_MAX],
                   kind=kind if kind in KINDS else "",
                   page=whole_number(page, 1, 9_999) or 1)

    @property
    def words(self) -> list[str]:
        return query_words(self.q)


def query_words(q: str) -> list[str]:
    """The words that count: folded, letters and digits only (so nothing to escape), at most WORDS_MAX."""
    return search_words(q)[:WORDS_MAX]


@dataclass
class Hit:
    kind: str
    object_id: int
    title: str
    url: str
    body: str
    rank: float
    title_html: Markup = field(default_factory=Markup)
    snippet_html: Markup = field(default_factory=Markup)


@dataclass
class Results:
    query: Query
    hits: list[Hit]
    total: int                 # matches in the chosen kind (or all kinds)
    per_kind: dict[str, int]   # matches per kind, whatever kind is chosen
    per_page: int
    countries: list[str] = field(default_factory=list)   # countries the query names (alpha-3), shown first
    suggestion: str = ""       # when nothing matches: the query with its unknown words respelt, if that finds some

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def page(self) -> int:
        return self.query.page

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1

    def iter_pages(self, left_edge=2, left_current=2, right_current=4, right_edge=2):
        last = 0
        for num in range(1, self.pages + 1):
            if (num <= left_edge or self.page - left_current - 1 < num < self.page + right_current
                    or num > self.pages - right_edge):
                if last + 1 != num:
                    yield None
                yield num
                last = num


def audience_condition(user) -> sa.ColumnElement[bool] | None:
    """Which documents ``user`` may find (None: all of them, for the secretariat)."""
    table = SearchDocument.__table__
    if not is_partner(user):
        return table.c.audience == "public"
    if is_secretariat(user):
        return None
    members = (sa.and_(table.c.audience == "members", table.c.group_id.in_(MEMBER_GROUPS[0](user)))
               if MEMBER_GROUPS else sa.false())
    return sa.or_(table.c.audience.in_(("public", "partners")), members)


# (user) -> a SELECT of the ids of the groups the user belongs to, who find the documents of audience "members"
# of those groups: given by the action groups' gateway (set_member_groups); without it, no one finds them.
MEMBER_GROUPS: list[Callable[[Any], sa.Select]] = []


def set_member_groups(query: Callable[[Any], sa.Select]) -> None:
    MEMBER_GROUPS[:] = [query]


class Backend(ABC):
    """How one database matches and ranks: a FROM clause, a match condition and a rank expression."""

    @abstractmethod
    def matches(self, words: list[str]) -> tuple[sa.FromClause, sa.ColumnElement[bool], sa.ColumnElement]:
        """The documents that contain every word (each a prefix), and how well each matches (higher is better)."""

    def best(self, words: list[str], cap: int) -> tuple[sa.FromClause, sa.ColumnElement] | None:
        """The ``cap`` best matches ranked inside the index alone, joined back to the documents, when that
        is cheaper than ranking the join (None: rank the join)."""
        return None


class SQLiteBackend(Backend):
    def matches(self, words):
        table = SearchDocument.__table__
        fts = sa.table(SQLITE_FTS, sa.column("rowid"))
        expression = " ".join(f'"{word}"*' for word in words)  # every word a prefix; words are [^\W_]+ only
        source = table.join(fts, fts.c.rowid == table.c.id)
        condition = sa.literal_column(SQLITE_FTS).op("MATCH")(expression)
        # bm25 is lower for better matches: negate it so that higher is better on both backends.
        rank = -sa.func.bm25(sa.literal_column(SQLITE_FTS), 5.0, 1.0)
        return source, condition, rank

    def best(self, words, cap):
        # Ranking in FTS5 alone, then joining the few best rows, is about three times faster than ranking
        # the join when a word matches most documents.
        _source, condition, rank = self.matches(words)
        fts = sa.table(SQLITE_FTS, sa.column("rowid"))
        top = (sa.select(fts.c.rowid.label("doc_id"), rank.label("rank")).select_from(fts).where(condition)
               .order_by(sa.desc("rank")).limit(cap).subquery("top"))
        table = SearchDocument.__table__
        return table.join(top, top.c.doc_id == table.c.id), top.c.rank


class PostgresBackend(Backend):
    def matches(self, words):
        table = SearchDocument.__table__
        query = sa.func.to_tsquery(sa.literal_column("'english'::regconfig"),
                                   " & ".join(f"{word}:*" for word in words))
        vector = sa.literal_column(f"search_document.{PG_COLUMN}")
        return table, vector.op("@@")(query), sa.func.ts_rank(vector, query)


def backend() -> Backend:
    return PostgresBackend() if db.engine.dialect.name == "postgresql" else SQLiteBackend()


def matching_objects(kind: str, q: str) -> sa.Subquery | None:
    """The ids (``object_id``) and ranks (``rank``, higher is better) of the ``kind`` documents matching
    ``q``, as a subquery to join with the kind's table (e.g. the library's filters); None without words."""
    words = query_words(q)
    if not words:
        return None
    table = SearchDocument.__table__
    source, condition, rank = backend().matches(words)
    return (sa.select(table.c.object_id, rank.label("rank")).select_from(source)
            .where(condition, table.c.kind == kind).subquery("matches"))


def search(query: Query, user, *, per_page: int = 20) -> Results:
    """The page of results ``query`` asks for, among what ``user`` may find: two SQL queries (the counts
    per kind, then the page; a third when few of the best matches are for this viewer), however many
    documents match."""
    words = query.words
    if not words:
        return Results(query, [], 0, {}, per_page)
    countries = countries_named(query.q) if query.page == 1 and not query.kind else []
    table = SearchDocument.__table__
    source, condition, rank = backend().matches(words)
    conditions = [condition, table.c.kind.in_(list(KINDS))]
    allowed = audience_condition(user)
    if allowed is not None:
        conditions.append(allowed)
    per_kind = dict(db.session.execute(
        sa.select(table.c.kind, sa.func.count()).select_from(source).where(*conditions).group_by(table.c.kind)).all())
    total = per_kind.get(query.kind, 0) if query.kind else sum(per_kind.values())
    if query.kind:
        conditions.append(table.c.kind == query.kind)
    offset = (query.page - 1) * per_page
    wanted = max(0, min(per_page, total - offset))

    def page(source, rank, conditions):
        return db.session.execute(
            sa.select(table.c.kind, table.c.object_id, table.c.title, table.c.url, table.c.body, rank.label("rank"))
            .select_from(source).where(*conditions)
            .order_by(sa.desc("rank"), table.c.updated_at.desc(), table.c.id.desc())
            .limit(per_page).offset(offset)).all()

    best = backend().best(words, cap=4 * (offset + per_page) + 200)
    rows = page(best[0], best[1], conditions[1:]) if best is not None else page(source, rank, conditions)
    if best is not None and len(rows) < wanted:
        # Too few of the best matches are for this viewer (or this kind): rank every match instead.
        rows = page(source, rank, conditions)
    hits = []
    for row in rows:
        hit = Hit(row.kind, row.object_id, row.title, row.url, row.body, float(row.rank or 0))
        hit.title_html = highlight(row.title, words)
        hit.snippet_html = snippet(row.body, words)
        hits.append(hit)
    ordered = {name: per_kind[name] for name in KINDS if per_kind.get(name)}
    suggestion = suggest(words, user) if not ordered and not countries else ""
    return Results(query, hits, total, ordered, per_page, countries=countries, suggestion=suggestion)


# -- spelling suggestions -----------------------------------------------------------------------------------
VOCABULARY_DOCUMENTS = 20_000   # titles read for the vocabulary (only when a search finds nothing)


def vocabulary() -> dict[str, int]:
    """The words the search knows, with how many titles hold them: the folded words of public documents'
    titles (no one learns a word of a private title from a suggestion) and the names of countries and
    regions (counted 0)."""
    table = SearchDocument.__table__
    words = dict.fromkeys(all_place_words(), 0)
    for title_key in db.session.scalars(sa.select(table.c.title_key).where(table.c.audience == "public")
                                        .order_by(table.c.id.desc()).limit(VOCABULARY_DOCUMENTS)):
        for word in set(_WORD.findall(title_key or "")):
            if len(word) > 3 and not word.isdigit():
                words[word] = words.get(word, 0) + 1
    return words


def edit_distance(a: str, b: str, most: int) -> int:
    """Letters to insert, delete, change or swap with a neighbour to turn ``a`` into ``b`` ("cocao" -> "cocoa":
    1); ``most + 1`` as soon as it is known to be more than ``most``."""
    if abs(len(a) - len(b)) > most:
        return most + 1
    before, row = None, list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            current[j] = min(row[j] + 1, current[j - 1] + 1, row[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], before[j - 2] + 1)
        if min(current) > most:
            return most + 1
        before, row = row, current
    return row[-1]


def respell(word: str, known: dict[str, int], ordered: list[str] | None = None) -> str:
    """``word``, or the known word closest to it when no known word starts with it ("cocao" -> "cocoa"):
    one typo in words of up to six letters, two in longer ones, the first letter right; among equally close
    words the one in most titles."""
    ordered = ordered if ordered is not None else sorted(known)
    at = bisect.bisect_left(ordered, word)
    if len(word) < 4 or word.isdigit() or (at < len(ordered) and ordered[at].startswith(word)):
        return word
    most = 1 if len(word) <= 6 else 2
    best = None
    for candidate, count in known.items():
        if candidate[0] == word[0] and abs(len(candidate) - len(word)) <= most:
            distance = edit_distance(word, candidate, most)
            if distance <= most:
                key = (distance, -count, candidate)
                best = key if best is None or key < best else best
    return best[2] if best else word


def suggest(words: list[str], user) -> str:
    """A query like ``words`` that finds something for ``user``, with each unknown word replaced by the
    closest known one; "" when there is none (one query for the vocabulary, one to count)."""
    known = vocabulary()
    ordered = sorted(known)
    respelt = [respell(word, known, ordered) for word in words]
    if respelt == words:
        return ""
    table = SearchDocument.__table__
    source, condition, _rank = backend().matches(respelt)
    conditions = [condition, table.c.kind.in_(list(KINDS))]
    allowed = audience_condition(user)
    if allowed is not None:
        conditions.append(allowed)
    found = db.session.scalar(sa.select(sa.func.count()).select_from(
        sa.select(table.c.id).select_from(source).where(*conditions).limit(1).subquery()))
    return " ".join(respelt) if found else ""


# -- snippets ----------------------------------------------------------------------------------------------
_WORD = re.compile(r"[^\W_]+")
_MARKDOWN = (
    (re.compile(r"!?\[([^\]]*)\]\([^)]*\)"), r"\1"),          # links and images keep their text
    (re.compile(r"(?m)^\s{0,3}(?:#{1,6}\s+|>\s?|[-*+]\s+|\d+[.)]\s+)"), ""),  # headings, quotes, list marks
    (re.compile(r"(\*\*|__|~~|`+)"), ""),                          # strong, code, strike-through
    (re.compile(r"(?<![\w*])[*_](?=[^\s*_])|(?<=[^\s*_])[*_](?![\w*])"), ""),  # emphasis
)


def plain_text(text: str) -> str:
    """Markdown as the words a reader sees, for snippets: no ``**``, ``#`` or link targets (raw HTML stays, and
    is escaped like any text)."""
    for pattern, replacement in _MARKDOWN:
        text = pattern.sub(replacement, text)
    return text


@lru_cache(maxsize=1)
def _stemmer():
    return snowballstemmer.stemmer("english")


@lru_cache(maxsize=4096)
def _stem(word: str) -> str:
    return _stemmer().stemWord(word)


def _matcher(words: list[str]) -> Callable[[str], bool]:
    """Whether a word of the text matches one of the query's words as the index does: the folded word
    starts with the query word, or with its stem ("trafficking" finds "trafficked")."""
    prefixes = tuple({w for w in words} | {_stem(w) for w in words if len(_stem(w)) >= 3})
    return lambda token: fold(token).startswith(prefixes)


def highlight(text: str, words: list[str]) -> Markup:
    """``text`` escaped, with the words that match the query wrapped in <mark>."""
    matches = _matcher(words)
    out, last = [], 0
    for m in _WORD.finditer(text or ""):
        if matches(m.group(0)):
            out.append(escape(text[last:m.start()]))
            out.append(Markup("<mark>%s</mark>") % m.group(0))
            last = m.end()
    out.append(escape((text or "")[last:]))
    return Markup("").join(out)


def snippet(text: str, words: list[str], size: int = SNIPPET_WORDS) -> Markup:
    """Some words of ``text`` around its first match (the start if nothing matches), highlighted."""
    text = " ".join(plain_text(text or "").split())
    if not text:
        return Markup("")
    tokens = list(_WORD.finditer(text))
    matches = _matcher(words)
    first = next((i for i, m in enumerate(tokens) if matches(m.group(0))), 0)
    start_index = max(0, first - size // 3)
    end_index = min(len(tokens), start_index + size)
    start = tokens[start_index].start() if start_index else 0
    end = tokens[end_index - 1].end() if end_index < len(tokens) else len(text)
    piece = highlight(text[start:end], words)
    return Markup("{}{}{}").format("… " if start else "", piece, " …" if end < len(text) else "")
