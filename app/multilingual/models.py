"""The one table of translations of people's content."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.types import UTCDateTime
from app.utils import utcnow


class ContentTranslation(db.Model):
    """One field of one object in one language other than its original."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(20))      # a kind of app.multilingual.registry
    object_id: so.Mapped[int] = so.mapped_column()
    language: so.Mapped[str] = so.mapped_column(sa.String(8))   # one of config LANGUAGES
    field: so.Mapped[str] = so.mapped_column(sa.String(40))
    text: so.Mapped[str] = so.mapped_column(sa.Text)
    updated_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("kind", "object_id", "language", "field", name="uq_content_translation"),
    )

    def __repr__(self) -> str:
        return f"<ContentTranslation {self.kind}:{self.object_id} {self.language} {self.field}>"
