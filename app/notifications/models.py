"""A notification for one person, and each person's delivery choice per kind."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.types import UTCDateTime, enum_type
from app.utils import utcnow


class Delivery(str, enum.Enum):
    immediately = "immediately"   # an e-mail as soon as it happens
    daily = "daily"               # grouped with the day's others in one e-mail (send_notification_digests)
    off = "off"                   # not recorded at all


class Notification(db.Model):
    """Something that happened which one person should know about.

    The text is not stored: ``kind`` and ``params`` are rendered in the viewer's language when shown
    (see :func:`app.notifications.kinds.render`). ``key`` names the event for this recipient, so the
    same event never notifies the same person twice.
    """

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    recipient_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id"), index=True)
    actor_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id"))
    kind: so.Mapped[str] = so.mapped_column(sa.String(50))
    params: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON, default=dict)
    url: so.Mapped[str] = so.mapped_column(sa.String(500))  # a path inside the Hub, e.g. /actiongroups/x
    key: so.Mapped[str] = so.mapped_column(sa.String(200), unique=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow, index=True)
    read_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    emailed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())

    recipient: so.Mapped["User"] = so.relationship(foreign_keys=[recipient_id])  # noqa: F821
    actor: so.Mapped["User | None"] = so.relationship(foreign_keys=[actor_id])  # noqa: F821

    def __repr__(self) -> str:
        return f"<Notification {self.id} {self.kind} {self.key!r}>"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationPreference(db.Model):
    """How one person wants one kind of notification. No row means the kind's default."""

    __table_args__ = (sa.UniqueConstraint("user_id", "kind"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id"))
    kind: so.Mapped[str] = so.mapped_column(sa.String(50))
    delivery: so.Mapped[Delivery] = so.mapped_column(
        enum_type(Delivery, length=20))

    def __repr__(self) -> str:
        return f"<NotificationPreference {self.id} user={self.user_id} {self.kind}={self.delivery.value}>"
