"""The security baseline: CSRF, rate limits, sessions, headers, production settings, error pages."""
from __future__ import annotations

import logging
import re

import pytest
import sqlalchemy as sa

from app import create_app
from app.extensions import db
from app.markdown import render_markdown
from app.members.models import Organisation, User
from config import ProductionConfig
from tests.conftest import PASSWORD


def csrf_token(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', html).group(1)


@pytest.fixture
def csrf_app(make_app):
    return make_app(WTF_CSRF_ENABLED=True)


@pytest.mark.parametrize("url", ["/login", "/logout", "/apply/organisation", "/password/forgot", "/language"])
def test_post_without_csrf_token_is_rejected(csrf_app, url):
    response = csrf_app.test_client().post(url, data={"email": "a@example.org", "password": "x", "lang": "fr"})
    assert response.status_code == 400
    assert "did not come from this site" in response.text


def test_admin_one_button_actions_need_csrf(csrf_app, make_user, make_org):
    from app.members.models import OrganisationStatus

    client = csrf_app.test_client()
    admin = make_user(admin=True)
    org = make_org(status=OrganisationStatus.pending)
    token = csrf_token(client.get("/login").text)
    client.post("/login", data={"email": admin.email, "password": PASSWORD, "csrf_token": token})
    assert client.post(f"/admin/organisations/{org.id}/approve").status_code == 400
    token = csrf_token(client.get("/admin/").text)
    assert client.post(f"/admin/organisations/{org.id}/approve", data={"csrf_token": token}).status_code == 302


def test_post_with_csrf_token_is_accepted(csrf_app, make_user):
    client = csrf_app.test_client()
    user = make_user()
    token = csrf_token(client.get("/login").text)
    response = client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302


@pytest.fixture
def limited_app(app, make_app):
    # Built after the default `app`: the limiter is one object per process and the last
    # init_app decides whether it is enabled.
    return make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per 15 minutes",
                    LOGIN_ADDRESS_RATE_LIMIT="6 per 15 minutes")


def test_failed_logins_from_one_address_are_rate_limited(limited_app, make_user):
    client = limited_app.test_client()
    for n in range(6):
        email = f"nobody{n}@example.org"
        assert client.post("/login", data={"email": email, "password": "wrong password"}).status_code == 200
    response = client.post("/login", data={"email": "other@example.org", "password": "wrong password"})
    assert response.status_code == 429
    assert "too many times" in response.text


def _attempt(client, user, password, address):
    return client.post("/login", data={"email": user.email, "password": password},
                       environ_base={"REMOTE_ADDR": address}).status_code


def test_a_stranger_guessing_an_account_cannot_lock_its_owner_out(limited_app, make_user):
    """Issue 14, item 4: failures are counted per account and address, and per address; not per account."""
    user = make_user()
    attacker, owner = limited_app.test_client(), limited_app.test_client()
    codes = [_attempt(attacker, user, f"guess {n}", "203.0.113.7") for n in range(10)]
    assert codes[:3] == [200, 200, 200] and set(codes[3:]) == {429}   # the attacker is slowed down...
    assert _attempt(owner, user, PASSWORD, "198.51.100.20") == 302    # ...the owner signs in from elsewhere
    assert _attempt(attacker, user, PASSWORD, "203.0.113.7") == 429   # and the attacker's address stays limited


def test_guesses_spread_over_many_addresses_each_stop_after_the_limit(limited_app, make_user):
    user = make_user()
    client = limited_app.test_client()
    for n in range(5):
        address = f"10.0.0.{n}"
        assert [_attempt(client, user, "wrong", address) for _ in range(4)] == [200, 200, 200, 429]
    assert _attempt(client, user, PASSWORD, "10.0.0.99") == 302


def test_a_password_reset_lets_the_owner_in_from_a_limited_address(limited_app, make_user):
    from app.members import services
    from app.members.tokens import make_token

    user = make_user()
    client = limited_app.test_client()
    for _ in range(3):
        _attempt(client, user, "wrong", "192.0.2.1")
    assert _attempt(client, user, PASSWORD, "192.0.2.1") == 429
    services.reset_password(make_token(user, "reset"), "a fresh phrase for me")
    db.session.commit()
    assert _attempt(client, user, "a fresh phrase for me", "192.0.2.1") == 302


def test_successful_logins_do_not_count(limited_app, make_user):
    user = make_user()
    client = limited_app.test_client()
    for _ in range(5):
        assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
        client.post("/logout")


def test_session_cookie_flags(client, make_user):
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_secure_cookies_over_https(make_app, make_user):
    app = make_app(SESSION_COOKIE_SECURE=True)
    user = make_user()
    response = app.test_client().post("/login", data={"email": user.email, "password": PASSWORD})
    assert "Secure" in response.headers["Set-Cookie"]


def test_login_starts_a_new_session(client, make_user):
    """Whatever the visitor's session held before signing in is dropped (session fixation)."""
    user = make_user()
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] == user.get_id()


def test_security_headers_on_every_response(client):
    for url in ["/", "/login", "/does-not-exist", "/static/css/hub.css"]:
        response = client.get(url)
        response.close()
        headers = response.headers
        csp = headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_no_inline_scripts_or_styles_in_pages(client):
    html = client.get("/").text + client.get("/apply/organisation").text
    assert "<script>" not in html and not re.search(r"<script(?![^>]*src=)", html)
    assert " style=" not in html


STRONG_KEY = "8c7d0a5e3f9b41c6a2e87d1f0b6c5a49e3d2f1a0b9c8d7e6"
OTHER_STRONG_KEY = "f1e2d3c4b5a69788796a5b4c3d2e1f00112233445566778899"


def test_production_refuses_to_start_without_secret_key_and_database(monkeypatch):
    for name in ("SECRET_KEY", "LINK_SECRET_KEY", "DATABASE_URL", "BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY, LINK_SECRET_KEY, DATABASE_URL, BASE_URL"):
        create_app(ProductionConfig)
    monkeypatch.setenv("SECRET_KEY", STRONG_KEY)
    monkeypatch.setenv("LINK_SECRET_KEY", OTHER_STRONG_KEY)
    with pytest.raises(RuntimeError, match="DATABASE_URL"):
        create_app(ProductionConfig)


@pytest.mark.parametrize("name", ["SECRET_KEY", "LINK_SECRET_KEY"])
@pytest.mark.parametrize("key", ["x", "x" * 64, "dev-only-not-secret", "changeme", "testing-only", "secret",
                                 "a1b2c3d4e5f6", "abababababababababababababababababab"])
def test_production_refuses_weak_or_known_keys(monkeypatch, name, key):
    monkeypatch.setenv("SECRET_KEY", STRONG_KEY)
    monkeypatch.setenv("LINK_SECRET_KEY", OTHER_STRONG_KEY)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.setenv("BASE_URL", "https://hub.example.org")
    monkeypatch.setenv("MAIL_BACKEND", "smtp")
    monkeypatch.setenv(name, key)
    with pytest.raises(RuntimeError, match=f"{name} is weak"):
        create_app(ProductionConfig)


def test_the_development_key_in_config_py_is_known():
    from config import DevelopmentConfig, weak_key

    assert weak_key(DevelopmentConfig.SECRET_KEY) and weak_key(DevelopmentConfig.LINK_SECRET_KEY)
    assert weak_key(STRONG_KEY) is None


def test_passwords_are_never_logged(client, make_user, caplog):
    user = make_user()
    with caplog.at_level(logging.DEBUG):
        client.post("/login", data={"email": user.email, "password": "a secret attempt"})
        client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert "a secret attempt" not in caplog.text and PASSWORD not in caplog.text


@pytest.mark.parametrize("code, text", [(404, "Page not found"), (403, "Not allowed"), (400, "Bad request"),
                                        (413, "File too large"), (429, "Too many attempts")])
def test_error_pages_use_the_site_layout(app, client, code, text):
    from flask import abort

    app.add_url_rule(f"/boom{code}", f"boom{code}", lambda: abort(code))
    response = client.get(f"/boom{code}")
    assert response.status_code == code
    assert text in response.text and "Alliance 8.7 Hub" in response.text


def test_a_server_error_rolls_back_logs_and_shows_no_trace(app, client, caplog):
    def explode():
        org = Organisation(name="Half written", name_key="half written", stakeholder_type="other",
                           country_code="FRA")
        db.session.add(org)
        db.session.flush()
        raise ZeroDivisionError("secret internals")

    app.add_url_rule("/explode", "explode", explode)
    with caplog.at_level(logging.ERROR):
        response = client.get("/explode")
    assert response.status_code == 500
    assert "Something went wrong" in response.text and "secret internals" not in response.text
    assert "ZeroDivisionError" in caplog.text
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(Organisation.id))) == 0


def test_oversize_upload_gets_413(make_app):
    app = make_app(MAX_CONTENT_LENGTH=1024)
    response = app.test_client().post("/login", data={"email": "a@example.org", "password": "x" * 5000})
    assert response.status_code == 413
    assert "File too large" in response.text


def test_markdown_is_sanitised():
    html = render_markdown("**bold** <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=y>")
    assert "<strong>bold</strong>" in html
    assert "<script" not in html and "javascript:" not in html and "onerror" not in html and "<img" not in html


def test_markdown_links_get_safe_rel():
    html = render_markdown("[site](https://example.org)")
    assert 'href="https://example.org"' in html and "noopener" in html


def test_users_table_holds_no_plain_passwords(client, make_user):
    user = make_user()
    stored = db.session.scalar(sa.select(User.password_hash).where(User.id == user.id))
    assert PASSWORD not in stored and stored.startswith("$argon2id$")


@pytest.mark.parametrize("url", ["/organisations?q=a%00b", "/admin/users?q=%00"])
def test_nul_characters_in_queries_never_reach_the_database(client, login, make_user, url):
    login(make_user(admin=True))
    assert client.get(url).status_code == 200


def test_nul_characters_in_forms_are_dropped(client, make_user, login):
    user = make_user()
    login(user)
    response = client.post("/profile", data={"full_name": "Ada\x00 Lovelace", "job_title": "\x00",
                                             "timezone": "UTC", "locale": "en"})
    assert response.status_code == 302
    from tests.conftest import reload
    assert reload(user).full_name == "Ada Lovelace"


def test_production_refuses_the_file_mail_backend(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", STRONG_KEY)
    monkeypatch.setenv("LINK_SECRET_KEY", OTHER_STRONG_KEY)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.setenv("BASE_URL", "https://hub.example.org")
    monkeypatch.setenv("MAIL_BACKEND", "file")
    with pytest.raises(RuntimeError, match="MAIL_BACKEND must be smtp"):
        create_app(ProductionConfig)


def test_names_with_line_breaks_are_kept_on_one_line(client, make_org, outbox):
    org = make_org()
    client.post("/apply/join", data={"organisation_id": org.id, "full_name": "Ada\nLovelace",
                                     "email": "ada@example.org", "timezone": "UTC", "locale": "en",
                                     "password": "a long enough phrase", "confirm": "a long enough phrase"})
    assert db.session.scalar(sa.select(User.full_name).where(User.email == "ada@example.org")) == "Ada Lovelace"


def test_admin_search_takes_wildcards_literally(client, login, make_user):
    login(make_user("the-admin@example.org", admin=True))
    make_user("someone@example.org", full_name="Someone Else")
    assert "someone@example.org" not in client.get("/admin/users?q=%25").text  # "%" matches nobody
