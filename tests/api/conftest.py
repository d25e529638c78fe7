"""API fixtures: the pledge world of the commitments tests, and tokens for its people."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from app.api import tokens
from app.extensions import db
from tests.commitments.conftest import NOW, ROLES, make_pledge, pledge_world  # noqa: F401  (fixtures)


@pytest.fixture
def make_token(app):
    """Create a token for ``user`` directly through the service; returns the secret."""

    def _make_token(user, scopes=("read",), *, days=90, now=None, revoked=False):
        token, secret = tokens.create_token(user, "test", list(scopes), days, now=now or datetime.now(timezone.utc))
        if revoked:
            tokens.revoke_token(user, token)
        db.session.commit()
        return secret

    return _make_token


def bearer(secret: str | None) -> dict:
    return {"Authorization": f"Bearer {secret}"} if secret else {}


@pytest.fixture
def expired_secret(make_token, pledge_world):
    return make_token(pledge_world.people.coordinator, now=datetime.now(timezone.utc) - timedelta(days=91))
