"""Absolute links come from BASE_URL, never from the Host header a request came with (issue 14, item 1)."""
from __future__ import annotations

import re

import pytest

from app import create_app
from app.urls import external_url
from config import ProductionConfig
from tests.conftest import run_outbox
from tests.test_proxies import NO_REDIS

EVIL = {"Host": "evil.example"}


def _links(text: str) -> list[str]:
    return re.findall(r"(?:https?|webcal)://[^\s\"'<>]+", text)


def test_a_password_reset_asked_for_with_another_host_links_to_the_configured_one(make_app, make_user):
    app = make_app(BASE_URL="https://hub.example.org")
    user = make_user()
    app.test_client().post("/password/forgot", data={"email": user.email}, headers=EVIL)
    run_outbox(app)  # the worker renders nothing: the links were made in the request
    body = app.extensions["mail_outbox"][-1].get_content()
    links = _links(body)
    assert any("/password/reset/" in link for link in links)
    assert links and all(link.startswith("https://hub.example.org/") for link in links), links
    assert "evil.example" not in body


def test_an_invitation_sent_with_another_host_links_to_the_configured_one(make_app, make_user, make_org):
    app = make_app(BASE_URL="https://hub.example.org/")
    admin = make_user(admin=True)
    client = app.test_client()
    client.post("/login", data={"email": admin.email, "password": "correct horse battery"}, headers=EVIL)
    org = make_org()
    response = client.post("/admin/invite", headers=EVIL, data={
        "organisation_id": org.id, "full_name": "Invited Person", "email": "invited@example.org", "role": "member",
        "locale": "en"})
    assert response.status_code == 302
    run_outbox(app)
    body = app.extensions["mail_outbox"][-1].get_content()
    assert "https://hub.example.org/invitation/" in body and "evil.example" not in body


def test_links_made_outside_a_request_use_the_configured_port(make_app):
    app = make_app(BASE_URL="http://127.0.0.1:5077")
    with app.app_context():
        assert external_url("members.login") == "http://127.0.0.1:5077/login"
    with app.test_request_context("/", base_url="http://evil.example:9999"):
        assert external_url("members.login") == "http://127.0.0.1:5077/login"


def test_make_run_passes_the_port_to_the_web_server_and_the_worker():
    from pathlib import Path

    makefile = (Path(__file__).resolve().parents[1] / "Makefile").read_text()
    assert "BASE_URL ?= http://$(HOST):$(PORT)" in makefile
    assert "BASE_URL=$(BASE_URL) $(BIN)/flask run-worker" in makefile
    assert "BASE_URL=$(BASE_URL) $(BIN)/flask run " in makefile


STRONG_KEY = "8c7d0a5e3f9b41c6a2e87d1f0b6c5a49e3d2f1a0b9c8d7e6"


@pytest.fixture
def production_env(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", STRONG_KEY)
    monkeypatch.setenv("LINK_SECRET_KEY", STRONG_KEY[::-1])
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.setenv("BASE_URL", "https://hub.example.org")
    monkeypatch.setenv("MAIL_BACKEND", "smtp")


def test_production_refuses_requests_for_unknown_hosts(production_env):
    app = create_app(ProductionConfig, {"BASE_URL": "https://hub.example.org", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                                        "SECRET_KEY": STRONG_KEY, "LINK_SECRET_KEY": STRONG_KEY[::-1],
                                        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:9",
                                        **NO_REDIS})
    assert app.config["TRUSTED_HOSTS"] == ["hub.example.org"]
    client = app.test_client()
    assert client.get("/healthz", headers=EVIL).status_code == 400
    assert client.get("/healthz", headers={"Host": "hub.example.org"}).status_code == 200


def test_production_trusts_the_hosts_it_is_told_to(production_env):
    app = create_app(ProductionConfig, {"TRUSTED_HOSTS": ["hub.example.org", "hub.internal"],
                                        "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": STRONG_KEY, "LINK_SECRET_KEY": STRONG_KEY[::-1],
                                        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:9",
                                        **NO_REDIS})
    client = app.test_client()
    assert client.get("/healthz", headers={"Host": "hub.internal"}).status_code == 200
    assert client.get("/healthz", headers=EVIL).status_code == 400


def test_production_needs_a_base_url(production_env, monkeypatch):
    monkeypatch.delenv("BASE_URL")
    with pytest.raises(RuntimeError, match="BASE_URL"):
        create_app(ProductionConfig)
