"""The Hub's global search: one interface, a registry of searchable kinds, and two database backends.

**Kinds.** Each feature registers what it wants found with :func:`register_kind`: the model, how to turn
one object into an :class:`Entry` (title, body, language, who may find it, its URL; ``None`` when the
object must not be found, e.g. a draft), and a query returning every object that may be indexed (for
``flask search-reindex``). Forum sessions or imported external activities join later the same way.

**Kept in step.** A session listener notes every flushed object of a registered model and, just before
the transaction commits, rewrites its :class:`~app.knowledge.models.SearchDocument` row (or removes it).
So services do nothing special, and a rolled-back change never reaches the index. Bulk inserts that
bypass the ORM (``seed-demo --size large``) are followed by :func:`rebuild_index`.

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

import dataclasses
import logging
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

import snowballstemmer
import sqlalchemy as sa
from markupsafe import Markup, escape
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.extensions import db
from app.knowledge.models import SearchDocument
from app.utils import fold, search_words, utcnow, whole_number

logger = logging.getLogger(__name__)

BODY_MAX = 8000        # characters of a body kept and indexed (summaries and descriptions, not whole books)
Q_MAX = 200            # characters of the search box that count
WORDS_MAX = 8          # words of a query that count
SNIPPET_WORDS = 36     # words around the first match shown under a result
REINDEX_CHUNK = 1000
_PENDING = "search_pending"

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
    """

    title: str
    url: str
    body: str = ""
    language: str = "en"
    audience: str = "public"
    group_id: int | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class SearchKind:
    """A kind of object the search finds.

    :param name: a short key ("resource"), stored in every document and used in URLs.
    :param label: the plural label of the kind's tab ("Resources"), a lazy string.
    :param model: the mapped class; flushed objects of it are re-indexed on commit.
    :param entry: object -> Entry, or None when the object must not be found.
    :param query: a SELECT of every object of the kind (with what ``entry`` reads loaded), for reindexing.
    """

    name: str
    label: object
    model: type
    entry: Callable[[object], Entry | None]
    query: Callable[[], sa.Select]
    order: int = 50


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


def note_changed(obj, session: Session | None = None) -> None:
    """Re-index ``obj`` at the next commit though none of its columns changed (its translations did)."""
    kind = _BY_MODEL.get(type(obj))
    if kind is not None and getattr(obj, "id", None) is not None:
        (session or db.session()).info.setdefault(_PENDING, set()).add((kind.name, obj.id))


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
@event.listens_for(Session, "after_flush")
def _note_changes(session: Session, flush_context) -> None:
    if not _BY_MODEL:
        return
    pending = None
    for obj in (*session.new, *session.dirty, *session.deleted):
        kind = _BY_MODEL.get(type(obj))
        if kind is not None and getattr(obj, "id", None) is not None:
            if pending is None:
                pending = session.info.setdefault(_PENDING, set())
            pending.add((kind.name, obj.id))


@event.listens_for(Session, "before_commit")
def _index_changes(session: Session) -> None:
    # Flush first so that objects added since the last flush are noted too; loop because re-indexing
    # may itself flush.
    session.flush()
    for _ in range(3):
        pending = session.info.pop(_PENDING, None)
        if not pending:
            return
        index_objects(pending, session=session)


@event.listens_for(Session, "after_rollback")
def _forget_changes(session: Session) -> None:
    session.info.pop(_PENDING, None)


def _document_row(kind: SearchKind, obj, entry: Entry) -> dict:
    body = (entry.body or "")[:BODY_MAX]
    title = " ".join((entry.title or "").split())[:300]
    return dict(kind=kind.name, object_id=obj.id, title=title, body=body, title_key=fold(title),
                body_key=fold(body), language=entry.language or "en", url=entry.url[:300],
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
    if user is None or not user.is_authenticated or not user.is_approved:
        return table.c.audience == "public"
    if user.is_admin:
        return None
    from app.actiongroups.models import Membership

    my_groups = sa.select(Membership.group_id).where(Membership.user_id == user.id)
    return sa.or_(table.c.audience.in_(("public", "partners")),
                  sa.and_(table.c.audience == "members", table.c.group_id.in_(my_groups)))


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
    return Results(query, hits, total, ordered, per_page)


# -- snippets ----------------------------------------------------------------------------------------------
_WORD = re.compile(r"[^\W_]+")


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
    text = " ".join((text or "").split())
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
