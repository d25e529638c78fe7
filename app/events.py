"""The transactional outbox: what must happen after a change, recorded in the change's own transaction.

A service that changes data calls :func:`emit` ("send this e-mail", "tell these invitees", "re-index that
page"); the row is committed or rolled back with the change, so nothing is promised that did not happen,
and nothing that happened is forgotten. The worker (``flask run-worker``) calls :func:`deliver_due`,
which hands each due row to the handler registered for its kind and marks it done only after the
handler returned and its own writes committed with the mark. A handler that raises leaves the row
pending with a later ``next_attempt_at`` (exponential backoff), and after ``OUTBOX_MAX_ATTEMPTS``
attempts the row is ``failed``, shown to the secretariat at /admin/outbox, who may retry it.

Delivery is **at least once**: a worker killed after the effect but before its commit delivers the row
again. Handlers are written for that: an e-mail keeps the Message-ID it was given when recorded (a mail
server or reader drops the copy), a re-index or a fan-out that records rows with keys does it again
harmlessly.

On PostgreSQL several workers drain the outbox at once: each claims a row with ``FOR UPDATE SKIP
LOCKED``, so two never hold the same row; a worker that dies releases its row with its connection. On
SQLite one worker drains it.

**Once only.** Every row has a unique ``key``: emitting a key already recorded records nothing and says
so. That is the one "send once" mechanism of the Hub: a reminder, a digest or an e-mail about an event
passes a key naming it, and :func:`claim` records keys that stand for something done (kind ``mark``, born
done) when one effect stands for several of them (a pledge's reminders due the same day, one e-mail).
"""
from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from app.extensions import db
from app.types import UTCDateTime
from app.utils import utcnow

logger = logging.getLogger(__name__)

PENDING, DONE, FAILED = "pending", "done", "failed"
MARK = "mark"            # the kind of a row that only records a key (born done, never delivered)
KEY_MAX = 200
# Keys per INSERT: far under the bind-parameter limits of SQLite (32,766) and PostgreSQL (65,535).
_KEYS_PER_QUERY = 500
_EMITTED = "outbox_emitted"   # session.info: ids of the rows this session emitted (for discard_emitted)


class OutboxEvent(db.Model):
    """One effect to deliver after a commit (or, for kind ``mark``, a key recording that it happened)."""

    __tablename__ = "outbox"
    __table_args__ = (sa.Index("ix_outbox_due", "state", "next_attempt_at"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(60))
    key: so.Mapped[str] = so.mapped_column(sa.String(KEY_MAX), unique=True)
    payload: so.Mapped[dict | None] = so.mapped_column(sa.JSON)
    state: so.Mapped[str] = so.mapped_column(sa.String(10), default=PENDING)
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    next_attempt_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    last_error: so.Mapped[str | None] = so.mapped_column(sa.Text)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    done_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"<OutboxEvent {self.id} {self.kind} {self.state}>"


# -- handlers ---------------------------------------------------------------------------------------------------
HANDLERS: dict[str, Callable[[dict, "OutboxEvent"], None]] = {}


def handler(kind: str):
    """Register the function that delivers rows of ``kind``: ``f(payload, event)``; it may read and write
    through ``db.session`` (its writes commit with the row's "done" mark) and raises to ask for a retry."""
    def register(func):
        HANDLERS[kind] = func
        return func
    return register


# -- recording --------------------------------------------------------------------------------------------------
def _insert():
    return postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert


def emit(kind: str, payload: dict | None = None, *, key: str | None = None, now: datetime | None = None) -> bool:
    """Record an effect to deliver after this transaction commits (never before, never if it rolls back).

    :param kind: a kind with a registered :func:`handler`.
    :param payload: plain JSON (ids, strings, numbers): the handler reads the objects as they are then.
    :param key: names the effect, e.g. ``f"digest:{user.id}:{day}"``: a key already recorded (by this
        transaction or an earlier one) records nothing. Without one, the effect is new.
    :return: whether the row was recorded (False: an effect with this key exists already).
    """
    key = key or f"{kind}:{uuid.uuid4().hex}"
    if len(key) > KEY_MAX:
        raise ValueError(f"An outbox key has at most {KEY_MAX} characters: {key!r}")
    now = now or utcnow()
    statement = (_insert()(OutboxEvent).values(kind=kind, key=key, payload=payload, state=PENDING, attempts=0,
                                               next_attempt_at=now, created_at=now)
                 .on_conflict_do_nothing(index_elements=["key"]).returning(OutboxEvent.id))
    event_id = db.session.execute(statement).scalar()
    if event_id is not None:
        db.session.info.setdefault(_EMITTED, []).append(event_id)
    return event_id is not None


def discard_emitted() -> int:
    """Delete the rows this session emitted that are still pending (demo data loads send no e-mail, and
    fan out none); return how many."""
    ids = db.session.info.pop(_EMITTED, [])
    deleted = 0
    for i in range(0, len(ids), _KEYS_PER_QUERY):
        deleted += db.session.execute(sa.delete(OutboxEvent).where(
            OutboxEvent.id.in_(ids[i:i + _KEYS_PER_QUERY]), OutboxEvent.state == PENDING)).rowcount
    return deleted


def claim(keys: Iterable[str], now: datetime | None = None) -> set[str]:
    """Record ``keys`` as done; return those this call recorded (the others were recorded before).

    For one effect that stands for several keys: claim them all, and act for those returned, in the same
    transaction. Keys are inserted in sorted order, so two workers never wait on each other in a cycle
    (PostgreSQL); of two running at once, the second waits on the first's rows and then gets none of them.
    """
    keys = sorted(set(keys))
    now = now or utcnow()
    won: set[str] = set()
    for i in range(0, len(keys), _KEYS_PER_QUERY):
        rows = [dict(kind=MARK, key=k, payload=None, state=DONE, attempts=0, created_at=now, done_at=now)
                for k in keys[i:i + _KEYS_PER_QUERY]]
        statement = (_insert()(OutboxEvent).values(rows).on_conflict_do_nothing(index_elements=["key"])
                     .returning(OutboxEvent.key))
        won.update(db.session.execute(statement).scalars())
    return won


def recorded(keys: Iterable[str]) -> set[str]:
    """Which of ``keys`` are recorded already (emitted or claimed), one query per 500 keys."""
    keys = sorted(set(keys))
    found: set[str] = set()
    for i in range(0, len(keys), _KEYS_PER_QUERY):
        found.update(db.session.scalars(sa.select(OutboxEvent.key).where(
            OutboxEvent.key.in_(keys[i:i + _KEYS_PER_QUERY]))))
    return found


# -- search re-indexing ------------------------------------------------------------------------------------------
REINDEX = "search.reindex"    # handled by app.knowledge.search: rewrites the objects' search documents
_TAG = "outbox_transaction_tag"   # session.info: (the transaction, its tag)


def transaction_tag() -> str:
    """A short random tag naming the current transaction, for keys that coalesce the effects one
    transaction asks for several times (``f"reindex:pledge:7:{tag}"``) while a later transaction records
    its own."""
    transaction = db.session().get_transaction()
    tagged = db.session.info.get(_TAG)
    if tagged is None or tagged[0] is not transaction:
        tagged = db.session.info[_TAG] = (transaction, uuid.uuid4().hex[:12])
    return tagged[1]


def reindex_later(obj: object | None = None, *, model: type | None = None, ids: Iterable[int] = ()) -> None:
    """Have the worker rewrite the search documents of an object this transaction created, changed or
    deletes (or of the ``model``'s objects ``ids``): the search shows the change once the worker ran.

    Services call it after the flush that gave a new object its id (it flushes if need be) and before
    deleting one. Calls for the same object in one transaction record one row; the handler reads the
    objects as they are when it runs, so a row delivered twice is harmless. Objects of a model that no
    search kind registers are skipped by the handler.
    """
    if obj is not None:
        if getattr(obj, "id", None) is None:
            db.session.flush()
        model, ids = type(obj), [obj.id]
    table, tag = model.__table__.name, transaction_tag()
    for object_id in sorted({int(i) for i in ids}):
        # One row per object and transaction: the key names both.
        emit(REINDEX, {"table": table, "ids": [object_id]}, key=f"reindex:{table}:{object_id}:{tag}")


# -- delivering -------------------------------------------------------------------------------------------------
def backoff(attempts: int) -> timedelta:
    """The wait before the next attempt after ``attempts`` failed ones: OUTBOX_RETRY_SECONDS doubled each
    time, at most an hour."""
    base = current_app.config["OUTBOX_RETRY_SECONDS"]
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 3600))


def _claim_next(now: datetime) -> OutboxEvent | None:
    query = (sa.select(OutboxEvent).where(OutboxEvent.state == PENDING, OutboxEvent.next_attempt_at <= now)
             .order_by(OutboxEvent.next_attempt_at, OutboxEvent.id).limit(1))
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return db.session.scalars(query).first()


def deliver_one(now: datetime | None = None) -> OutboxEvent | None:
    """Claim the next due row, deliver it and commit; return it (None: nothing is due).

    Success: the handler's writes and the "done" mark commit together. Failure: they roll back, and the
    row gets one more attempt, a later ``next_attempt_at``, or the ``failed`` state.
    """
    now = now or utcnow()
    event = _claim_next(now)
    if event is None:
        db.session.rollback()
        return None
    event_id, kind = event.id, event.kind
    try:
        func = HANDLERS.get(kind)
        if func is None:
            raise LookupError(f"No outbox handler for kind {kind!r}")
        func(event.payload or {}, event)
        event.state, event.done_at, event.last_error = DONE, now, None
        event.attempts += 1
        db.session.commit()
        return event
    except Exception as error:  # noqa: BLE001 - every failure is a retry, recorded on the row
        db.session.rollback()
        logger.warning("Outbox %s (%s) failed: %s", event_id, kind, error, exc_info=True)
        event = db.session.get(OutboxEvent, event_id, with_for_update=True)
        if event.state != PENDING:  # another worker delivered it meanwhile
            db.session.rollback()
            return event
        event.attempts += 1
        event.last_error = f"{type(error).__name__}: {error}"[:2000]
        if event.attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"]:
            event.state = FAILED
            logger.error("Outbox %s (%s) failed for good after %d attempts", event_id, kind, event.attempts)
        else:
            event.next_attempt_at = now + backoff(event.attempts)
        db.session.commit()
        return event


def deliver_due(now: datetime | None = None, limit: int = 100) -> int:
    """Deliver up to ``limit`` due rows, one transaction each; return how many were delivered.

    Rows that a handler records while delivering (a fan-out's e-mails) are due at once and delivered in
    the same call while the limit allows.
    """
    delivered = 0
    for _ in range(limit):
        event = deliver_one(now)
        if event is None:
            break
        delivered += event.state == DONE
    return delivered


def drain_forever(poll_seconds: float, *, stop: Callable[[], bool] = lambda: False,
                  sleep: Callable[[float], object] = time.sleep) -> None:
    """The worker's loop: deliver what is due, wait ``poll_seconds`` when nothing was, until ``stop()``."""
    while not stop():
        try:
            busy = deliver_due() > 0
        except Exception:  # noqa: BLE001 - a lost database connection must not end the worker
            logger.exception("Outbox drain failed")
            db.session.rollback()
            busy = False
        db.session.remove()
        if not busy:
            sleep(poll_seconds)


# -- the secretariat's view --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Status:
    pending: int
    due: int
    failed: int
    done: int
    oldest_due_at: datetime | None


def status(now: datetime | None = None) -> Status:
    """Counts of the rows to deliver (marks left out)."""
    now = now or utcnow()
    counts = dict(db.session.execute(sa.select(OutboxEvent.state, sa.func.count()).where(
        OutboxEvent.kind != MARK).group_by(OutboxEvent.state)).all())
    due_query = sa.select(sa.func.count(), sa.func.min(OutboxEvent.next_attempt_at)).where(
        OutboxEvent.state == PENDING, OutboxEvent.next_attempt_at <= now)
    due, oldest = db.session.execute(due_query).one()
    return Status(pending=counts.get(PENDING, 0), due=due, failed=counts.get(FAILED, 0), done=counts.get(DONE, 0),
                  oldest_due_at=oldest)


def failed_events(limit: int = 100) -> list[OutboxEvent]:
    return list(db.session.scalars(sa.select(OutboxEvent).where(OutboxEvent.state == FAILED)
                                   .order_by(OutboxEvent.id.desc()).limit(limit)))


def retry_failed(ids: Iterable[int] | None = None, now: datetime | None = None) -> int:
    """Give failed rows (all, or those of ``ids``) a new round of attempts, due now; return how many
    (flushes, the caller commits)."""
    statement = sa.update(OutboxEvent).where(OutboxEvent.state == FAILED).values(
        state=PENDING, attempts=0, next_attempt_at=now or utcnow())
    if ids is not None:
        statement = statement.where(OutboxEvent.id.in_(list(ids)))
    return db.session.execute(statement).rowcount
