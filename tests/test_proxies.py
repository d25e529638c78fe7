"""More than one web host: the client's address behind trusted proxies, and limits production keeps shared."""
from __future__ import annotations

import pytest

from app import create_app
from config import ProductionConfig
from tests.conftest import PASSWORD
from tests.test_security import OTHER_STRONG_KEY, STRONG_KEY


@pytest.fixture
def production_env(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", STRONG_KEY)
    monkeypatch.setenv("LINK_SECRET_KEY", OTHER_STRONG_KEY)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.setenv("BASE_URL", "https://hub.example.org")
    monkeypatch.setenv("MAIL_BACKEND", "smtp")


# Flask-Limiter keeps its storage and its on/off switch in one object per process, set by the last app
# built: an app that counted in a Redis nobody runs would break every later test's sign-in.
NO_REDIS = {"RATELIMIT_ENABLED": False}

PRODUCTION = {"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": STRONG_KEY, "LINK_SECRET_KEY": OTHER_STRONG_KEY,
              "BASE_URL": "https://hub.example.org"}


@pytest.mark.parametrize("storage", [None, "memory://", ""])
def test_production_refuses_in_memory_login_limits(production_env, storage):
    overrides = dict(PRODUCTION) if storage is None else {**PRODUCTION, "RATELIMIT_STORAGE_URI": storage}
    with pytest.raises(RuntimeError, match="RATELIMIT_STORAGE_URI is memory://"):
        create_app(ProductionConfig, overrides)


def test_production_starts_with_limits_in_redis(production_env):
    app = create_app(ProductionConfig, {**PRODUCTION, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:9", **NO_REDIS})
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:9"


def test_development_keeps_memory_limits(make_app):
    app = make_app(RATELIMIT_STORAGE_URI="memory://")
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"


@pytest.mark.parametrize("count", [-1, "2"])
def test_trusted_proxies_must_be_a_whole_number(make_app, count):
    with pytest.raises(RuntimeError, match="TRUSTED_PROXIES"):
        make_app(TRUSTED_PROXIES=count)


def _attempt(client, user, password, *, forwarded_for: str, peer: str = "10.9.9.9") -> int:
    return client.post("/login", data={"email": user.email, "password": password},
                       headers={"X-Forwarded-For": forwarded_for},
                       environ_base={"REMOTE_ADDR": peer}).status_code


def _limited(make_app, proxies: int):
    # Built after the default app: the limiter is one object per process, the last init_app decides.
    return make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per 15 minutes",
                    LOGIN_ADDRESS_RATE_LIMIT="100 per 15 minutes", TRUSTED_PROXIES=proxies)


def test_behind_a_trusted_proxy_each_client_is_counted_apart(app, make_app, make_user):
    """Behind a load balancer every request comes from its address: the client is in X-Forwarded-For."""
    limited = _limited(make_app, 1)
    user = make_user()
    client = limited.test_client()
    assert [_attempt(client, user, "wrong", forwarded_for="203.0.113.7") for _ in range(4)] == [200, 200, 200, 429]
    # the owner, through the same proxy from another address, is not locked out
    assert _attempt(client, user, PASSWORD, forwarded_for="198.51.100.20") == 302


def test_only_the_address_the_trusted_proxy_wrote_counts(app, make_app, make_user):
    """A client cannot pick a new address per guess by sending its own X-Forwarded-For: the proxy appends
    the address it saw, and only that (rightmost) value is trusted."""
    limited = _limited(make_app, 1)
    user = make_user()
    client = limited.test_client()
    codes = [_attempt(client, user, "wrong", forwarded_for=f"192.0.2.{n}, 203.0.113.7") for n in range(4)]
    assert codes == [200, 200, 200, 429]


def test_without_trusted_proxies_forwarded_headers_are_ignored(app, make_app, make_user):
    limited = _limited(make_app, 0)
    user = make_user()
    client = limited.test_client()
    codes = [_attempt(client, user, "wrong", forwarded_for=f"192.0.2.{n}") for n in range(4)]
    assert codes == [200, 200, 200, 429]  # all from the one peer address, whatever the header says
