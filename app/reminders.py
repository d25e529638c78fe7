"""Reminders that go out once: one key per (kind, object, recipient, due time), kept in the database.

A job works out which reminders are due *now* from the current state of things (a meeting's current start
time, who has not answered yet, ...), so a meeting that moves gets reminders computed from its new time
(the due time is part of the key, so they are new reminders), and a cancelled meeting gets none (it is no
longer among the things that have reminders). Then :func:`claim` records the keys, and only the reminders
it returns are sent.

:func:`claim` records the keys in the outbox (``INSERT ... ON CONFLICT DO NOTHING RETURNING``) in the
transaction that records the e-mails: of two workers running the same job at once, the second waits on
the first's uncommitted rows and then gets nothing back for them, so it sends nothing twice; a second
run later finds the keys and sends nothing either; a run that fails before its commit records neither
the keys nor the e-mails, and the next run sends them.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone

from app import events


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
    """Record the reminders' keys in the outbox (:func:`app.events.claim`); return those recorded by this
    call (the ones to send now, in the same transaction)."""
    by_key = {r.key: r for r in reminders}
    won = events.claim(by_key, now)
    return [by_key[k] for k in sorted(by_key) if k in won]
