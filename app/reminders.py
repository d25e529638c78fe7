"""Reminders that go out once: one key per (kind, object, recipient, due time), kept in the database.

A job works out which reminders are due *now* from the current state of things (a meeting's current start
time, who has not answered yet, ...), so a meeting that moves gets reminders computed from its new time
(the due time is part of the key, so they are new reminders), and a cancelled meeting gets none (it is no
longer among the things that have reminders). Then :func:`claim` records the keys, and only the reminders
it returns are sent.

:func:`claim` inserts the keys with ``INSERT ... ON CONFLICT DO NOTHING RETURNING``: of two schedulers
running the same job at once, the second waits on the first's uncommitted rows and then gets nothing back
for them, so it sends nothing twice; a second run later finds the keys and sends nothing either.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy.dialects import postgresql, sqlite

from app.extensions import db
from app.mail import SentEmailKey
from app.utils import utcnow


@dataclass(frozen=True)
class Reminder:
    kind: str           # e.g. "meeting", "poll-answers", "forum"
    object_type: str    # e.g. "consultation", "forum"
    object_id: int
    recipient_id: int
    due_at: datetime

    @property
    def key(self) -> str:
        due = self.due_at.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        return f"reminder:{self.kind}:{self.object_type}:{self.object_id}:{self.recipient_id}:{due}"


def claim(reminders: Iterable[Reminder], now: datetime | None = None) -> list[Reminder]:
    """Record the reminders' keys; return those recorded by this call (the ones to send now).

    Keys are inserted in sorted order, so two schedulers never wait on each other in a cycle (PostgreSQL).
    """
    by_key = {r.key: r for r in reminders}
    if not by_key:
        return []
    dialect = db.engine.dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    created = now or utcnow()
    won: set[str] = set()
    keys = sorted(by_key)
    for i in range(0, len(keys), 500):
        statement = (insert(SentEmailKey).values([{"key": k, "created_at": created} for k in keys[i:i + 500]])
                     .on_conflict_do_nothing(index_elements=["key"]).returning(SentEmailKey.key))
        won.update(db.session.execute(statement).scalars())
    return [by_key[k] for k in keys if k in won]

