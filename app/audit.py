"""The audit log: who did what to which object, and when."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.types import UTCDateTime
from app.utils import utcnow


class AuditEntry(db.Model):
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    action: so.Mapped[str] = so.mapped_column(sa.String(60), index=True)
    object_type: so.Mapped[str] = so.mapped_column(sa.String(40))
    object_id: so.Mapped[int | None]
    object_label: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    detail: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON, default=dict)

    actor: so.Mapped["User | None"] = so.relationship("User", foreign_keys=[actor_id])  # noqa: F821

    __table_args__ = (sa.Index("ix_audit_entry_object", "object_type", "object_id"),)

    def __repr__(self) -> str:
        return f"<AuditEntry {self.id} {self.action} {self.object_type}:{self.object_id}>"


def record(actor, action: str, obj, **detail: Any) -> AuditEntry:
    """Add an audit entry for ``action`` by ``actor`` (a User or None for the system) on ``obj``.

    :param obj: any model instance with an ``id``; its class name and ``str()`` are kept so the
        entry still reads well if the object is later renamed.
    """
    entry = AuditEntry(
        actor=actor,
        action=action,
        object_type=type(obj).__name__,
        object_id=getattr(obj, "id", None),
        object_label=str(obj)[:300],
        detail=detail,
    )
    db.session.add(entry)
    return entry
