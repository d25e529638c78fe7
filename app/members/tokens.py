"""Signed, expiring, single-use tokens for e-mailed links (itsdangerous).

A token carries the user id and a fingerprint of the state it was issued for (password hash and
status). Once the password is set or the status changes, the fingerprint no longer matches, so
each link works once.
"""
from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from app.extensions import db
from app.members.models import User
from app.utils import utcnow


def _serializer(purpose: str, now: datetime | None) -> URLSafeTimedSerializer:
    moment = int((now or utcnow()).timestamp())

    class _Signer(TimestampSigner):
        def get_timestamp(self) -> int:  # time injection for issuing and checking
            return moment

    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"hub-{purpose}", signer=_Signer)


def link_digest(message: str) -> str:
    """The secret part of a long-lived personal link (calendar feed, consultation link) for ``message``.

    Signed with LINK_SECRET_KEY, not SECRET_KEY: rotating the session key must not break every calendar
    subscription and personal link (and a leaked link key cannot forge a session).
    """
    key = current_app.config["LINK_SECRET_KEY"].encode()
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()[:40]


def fingerprint(user) -> str:
    state = f"{user.password_hash or ''}|{user.status.value}|{user.email}"
    return hashlib.sha256(state.encode()).hexdigest()[:20]


def make_token(user, purpose: str, *, now: datetime | None = None) -> str:
    return _serializer(purpose, now).dumps({"u": user.id, "f": fingerprint(user)})


class TokenInvalid(Exception):
    """The token is malformed, forged, expired or already used; ``reason`` says which."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def read_token(token: str, purpose: str, max_age: int, *, now: datetime | None = None):
    """Return the user the token was issued for, or raise :class:`TokenInvalid`."""
    try:
        data = _serializer(purpose, now).loads(token, max_age=max_age)
    except SignatureExpired:
        raise TokenInvalid("expired") from None
    except BadSignature:
        raise TokenInvalid("invalid") from None
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None:
        raise TokenInvalid("invalid")
    if fingerprint(user) != data.get("f"):
        raise TokenInvalid("used")
    return user
