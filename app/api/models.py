"""Personal access tokens for the API: named, scoped, expiring, revocable, stored hashed."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.types import UTCDateTime
from app.utils import as_utc, utcnow

# What a token may do. "read" sees what its owner sees; the write scopes add one kind of change each.
SCOPES = {
    "read": _l("Read what you can see on the Hub, drafts of your organisation included"),
    "reports:write": _l("Write progress report drafts for your organisation's pledges"),
    "pledges:write": _l("Mark your organisation's deliverables as done"),
}


class ApiToken(db.Model):
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(80))
    # SHA-256 of the secret (the secret is 32 random bytes: a slow hash would add nothing); the secret
    # itself is shown once and never stored.
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    # The first characters of the secret, so that the owner recognises a token in the list.
    prefix: so.Mapped[str] = so.mapped_column(sa.String(16))
    scopes: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    expires_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime())
    last_used_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    revoked_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())

    user: so.Mapped["User"] = so.relationship("User")  # noqa: F821

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.prefix} user={self.user_id}>"

    def __str__(self) -> str:
        return self.name

    def is_expired(self, now: datetime) -> bool:
        return as_utc(self.expires_at) <= now

    def is_usable(self, now: datetime) -> bool:
        return self.revoked_at is None and not self.is_expired(now)

    def has_scope(self, scope: str) -> bool:
        return scope in (self.scopes or ())

    def can_revoke(self, user) -> bool:
        return bool(user is not None and user.is_authenticated and user.id == self.user_id
                    and self.revoked_at is None)
