"""Personal access tokens: create (the secret is returned once), revoke, and look up a Bearer secret."""
from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from app import audit
from app.api.models import SCOPES, ApiToken
from app.errors import DomainError, NotAllowedError
from app.extensions import db
from app.members.models import User
from app.policy import may_have_api_tokens
from app.utils import utcnow

logger = logging.getLogger(__name__)

PREFIX = "a87_"
NAME_MAX = 80
# The lifetimes a person can choose, in days; a token never lives longer than a year.
LIFETIMES = (30, 90, 180, 365)
ACTIVE_MAX = 10  # live tokens per person


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


# Focal points of an active organisation (and the secretariat) create tokens: the rule is app.policy's.
can_have_tokens = may_have_api_tokens


def user_tokens(user: User) -> list[ApiToken]:
    """The person's tokens, newest first (revoked and expired ones too, for the record)."""
    return list(db.session.scalars(sa.select(ApiToken).where(ApiToken.user_id == user.id)
                                   .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def create_token(actor: User, name: str, scopes, days: int, *, now: datetime | None = None) -> tuple[ApiToken, str]:
    """Create a token for ``actor``; returns it and its secret, which is not stored and is shown once.

    :raises NotAllowedError: not a focal point of an active organisation.
    :raises DomainError: no name, a name too long, no scope or an unknown one, a lifetime not offered,
        or too many live tokens (``field`` names the form field).
    """
    if not can_have_tokens(actor):
        raise NotAllowedError(_("Only focal points of an active organisation can create API tokens."))
    now = now or utcnow()
    name = " ".join((name or "").split())
    if not name:
        raise DomainError(_("Give the token a name, e.g. the system that will use it."), field="name")
    if len(name) > NAME_MAX:
        raise DomainError(_("Keep the name under %(max)d characters.", max=NAME_MAX), field="name")
    scopes = sorted(set(scopes or ()))
    if not scopes or any(scope not in SCOPES for scope in scopes):
        raise DomainError(_("Choose at least one permission from the list."), field="scopes")
    if days not in LIFETIMES:
        raise DomainError(_("Choose a lifetime from the list."), field="days")
    live = db.session.scalar(sa.select(sa.func.count(ApiToken.id)).where(
        ApiToken.user_id == actor.id, ApiToken.revoked_at.is_(None), ApiToken.expires_at > now))
    if live >= ACTIVE_MAX:
        raise DomainError(_("You have %(max)d live tokens: revoke one first.", max=ACTIVE_MAX), field="name")
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=actor.id, name=name, token_hash=digest(secret), prefix=secret[:10], scopes=scopes,
                     created_at=now, expires_at=now + timedelta(days=days))
    db.session.add(token)
    db.session.flush()
    audit.record(actor, "api_token.created", token, scopes=scopes, expires_at=token.expires_at.isoformat())
    logger.info("API token %r created by %s", token, actor)
    return token, secret


def revoke_token(actor: User, token: ApiToken, *, now: datetime | None = None) -> None:
    """:raises NotAllowedError: not the owner's token, or already revoked."""
    if not token.can_revoke(actor):
        raise NotAllowedError(_("This token cannot be revoked."))
    token.revoked_at = now or utcnow()
    audit.record(actor, "api_token.revoked", token)


def revoke_all(user: User, *, now: datetime | None = None) -> None:
    """When a person loses access (suspended, declined, organisation suspended) their tokens stop working."""
    now = now or utcnow()
    db.session.execute(sa.update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                       .values(revoked_at=now))


def find_token(secret: str, now: datetime) -> ApiToken | None:
    """The live token with this secret whose owner still has access, else None."""
    if not secret.startswith(PREFIX) or len(secret) > 100:
        return None
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == digest(secret)))
    if token is None or not token.is_usable(now) or not can_have_tokens(token.user):
        return None
    return token
