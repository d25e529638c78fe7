"""Who gets the newsletter, the issues sent, and the period the secretariat chose."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.types import UTCDateTime
from app.utils import utcnow

# An issue's states: e-mails being recorded, all recorded, or nothing new (no e-mail at all).
SENDING, SENT, EMPTY = "sending", "sent", "empty"


class NewsletterSubscription(db.Model):
    """One partner who opted in to the newsletter (no row: no newsletter)."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), unique=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)

    user: so.Mapped["User"] = so.relationship("User")  # noqa: F821

    def __repr__(self) -> str:
        return f"<NewsletterSubscription {self.id} user={self.user_id}>"


class NewsletterIssue(db.Model):
    """One issue: what was new between ``since_at`` and ``until_at``, and what was coming up to ``upcoming_until``.

    ``period_key`` names the period it belongs to (``monthly:2026-12``), so that a period has one issue only.
    """

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    period_key: so.Mapped[str] = so.mapped_column(sa.String(40), unique=True)
    since_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime())
    until_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), index=True)
    upcoming_until: so.Mapped[datetime] = so.mapped_column(UTCDateTime())
    state: so.Mapped[str] = so.mapped_column(sa.String(10), default=SENDING)
    items: so.Mapped[int] = so.mapped_column(default=0)        # how many things it lists
    recipients: so.Mapped[int] = so.mapped_column(default=0)   # e-mails recorded for it
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    finished_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"<NewsletterIssue {self.id} {self.period_key} {self.state}>"


class NewsletterSetting(db.Model):
    """The secretariat's choice of period (one row; none: the ``NEWSLETTER_PERIOD`` configuration)."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    period: so.Mapped[str] = so.mapped_column(sa.String(20))
    updated_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<NewsletterSetting {self.period}>"
