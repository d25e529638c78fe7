"""Who calls the API: nobody (public reads), or the owner of a personal access token.

A request with an ``Authorization`` header that is not a live token is refused (401) rather than
served as anonymous, so that a client with a revoked or expired token notices.
"""
from __future__ import annotations

from flask import abort, g, request

from app.api import bp
from app.api.tokens import find_token
from app.utils import as_utc, utcnow

READ, REPORTS_WRITE, PLEDGES_WRITE = "read", "reports:write", "pledges:write"


@bp.before_request
def _authenticate():
    g.api_token = None
    g.api_user = None
    if request.method == "OPTIONS":
        return
    header = request.headers.get("Authorization")
    if header is None:
        return
    kind, _sep, secret = header.strip().partition(" ")
    if kind.lower() != "bearer" or not secret.strip():
        abort(401)
    now = utcnow()
    token = find_token(secret.strip(), now)
    if token is None:
        abort(401)
    # Remember when a token was last used (at most once a minute per token: no write per request).
    if token.last_used_at is None or (now - _aware(token.last_used_at)).total_seconds() > 60:
        from app.extensions import db

        token.last_used_at = now
        db.session.commit()
    g.api_token = token
    g.api_user = token.user if token.has_scope(READ) or request.method not in ("GET", "HEAD") else None


def _aware(value):
    return as_utc(value)


def caller():
    """The person the request acts for (a token with the ``read`` scope), else None (the public)."""
    return g.get("api_user")


def require_scope(scope: str):
    """The token's owner, when the request carries a token with ``scope``.

    :raise 401: no token. :raise 403: a token without that scope.
    """
    token = g.get("api_token")
    if token is None:
        abort(401)
    if not token.has_scope(scope):
        abort(403)
    return token.user
