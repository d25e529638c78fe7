"""An announcement: a line of text shown as a banner between two times."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.news.models import can_write_news
from app.types import UTCDateTime
from app.utils import utcnow


class Announcement(db.Model):
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    text: so.Mapped[str] = so.mapped_column(sa.String(300))
    language: so.Mapped[str] = so.mapped_column(sa.String(8), default="en")  # of text (app.multilingual)
    # None: everyone (visitors too); else the members of one action group.
    group_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("action_group.id", ondelete="CASCADE"))
    starts_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime())
    ends_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), index=True)
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)

    group: so.Mapped["ActionGroup | None"] = so.relationship("ActionGroup")  # noqa: F821

    def __repr__(self) -> str:
        return f"<Announcement {self.id} {self.text!r}>"

    def can_edit(self, user) -> bool:
        return can_write_news(user, self.group)

    def is_active(self, now: datetime) -> bool:
        return self.starts_at <= now < self.ends_at
