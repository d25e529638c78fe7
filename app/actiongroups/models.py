"""Action groups. The workspace (membership, discussions, documents, work plan) comes later."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.types import UTCDateTime
from app.utils import utcnow


class ActionGroup(db.Model):
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    slug: so.Mapped[str] = so.mapped_column(sa.String(80), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    mandate: so.Mapped[str] = so.mapped_column(sa.Text, default="")  # Markdown
    is_archived: so.Mapped[bool] = so.mapped_column(default=False)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<ActionGroup {self.id} {self.slug}>"

    def __str__(self) -> str:
        return self.name
