"""Configuration classes; every value can come from the environment."""
from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _list(name: str) -> list[str] | None:
    """A comma-separated setting as a list, or None when unset or empty."""
    items = [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]
    return items or None


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


# Keys written in this file, in the project's scripts or in tutorials: known to anyone, so never secret.
KNOWN_KEYS = frozenset({
    "dev-only-not-secret", "dev-only-links-not-secret", "testing-only", "testing-links-only", "e2e-secret",
    "bench-secret", "bench", "secret", "secret-key", "secret_key", "secretkey", "mysecret", "supersecret",
    "changeme", "change-me", "change_me", "changethis", "please-change-me", "your-secret-key", "your_secret_key",
    "development", "dev", "default", "password", "flask", "hub", "x",
})
MIN_KEY_LENGTH = 32


def weak_key(value: str | None) -> str | None:
    """Why ``value`` is not fit to sign anything in production (None when it is)."""
    if not value:
        return "it is not set"
    if value.strip().lower() in KNOWN_KEYS:
        return "it is a well-known key"
    if len(value) < MIN_KEY_LENGTH:
        return f"it is shorter than {MIN_KEY_LENGTH} characters"
    if len(set(value)) < 10:
        return "it repeats too few characters"
    return None


class Config:
    """Settings shared by every environment."""

    SECRET_KEY = os.environ.get("SECRET_KEY")
    # Signs the long-lived personal links (calendar feeds, consultation links): its own key, so that
    # rotating SECRET_KEY (sessions, e-mailed tokens) does not break every calendar subscription.
    LINK_SECRET_KEY = os.environ.get("LINK_SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / 'hub.sqlite3'}"
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    # Database connections are replaced after this many seconds (never an in-memory SQLite one, which
    # lives as long as its connection). On SQLite this is also how a running server picks up the
    # statistics `flask import-iati` refreshes: a connection plans with those it read when it opened.
    DB_POOL_RECYCLE = _int("DB_POOL_RECYCLE", 300)
    PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "http")
    # The Hub's public address: every absolute link (e-mails, invitations, password resets, calendar
    # feeds, exports) is built on it, never on the Host header a request came with. `make run PORT=...`
    # sets it for the web server and the worker alike.
    BASE_URL = (os.environ.get("BASE_URL")
                or f"http://127.0.0.1:{os.environ.get('FLASK_RUN_PORT') or os.environ.get('PORT') or 5000}")
    # Host names the web server answers to; any other Host header gets 400. Comma-separated; empty: any
    # host (development). In production the default is BASE_URL's host.
    TRUSTED_HOSTS = _list("TRUSTED_HOSTS")

    # Sessions: HttpOnly and SameSite=Lax always, Secure when served over https.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = PREFERRED_URL_SCHEME == "https"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = PREFERRED_URL_SCHEME == "https"

    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = 8 * 3600

    MAX_CONTENT_LENGTH = _int("MAX_CONTENT_LENGTH", 20 * 1024 * 1024)

    # Uploaded files (app/uploads.py): kept outside static/ under random names, served after a permission check.
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR") or str(INSTANCE_DIR / "uploads")
    # File name extensions people may upload; the file's bytes must match the extension.
    UPLOAD_ALLOWED_TYPES = tuple(os.environ.get("UPLOAD_ALLOWED_TYPES", "pdf,doc,docx,xls,xlsx,ppt,pptx,odt,ods,odp,"
                                                "png,jpg,jpeg,gif,webp,csv,txt").replace(" ", "").lower().split(","))
    UPLOAD_MAX_BYTES = _int("UPLOAD_MAX_BYTES", 20 * 1024 * 1024)  # per file; a request is capped by MAX_CONTENT_LENGTH
    # The secretariat's upload of activities to import (IATI XML or CSV); a request is capped by MAX_CONTENT_LENGTH.
    IMPORT_MAX_BYTES = _int("IMPORT_MAX_BYTES", 20 * 1024 * 1024)
    NEWS_IMAGE_MAX_BYTES = _int("NEWS_IMAGE_MAX_BYTES", 2 * 1024 * 1024)  # the image of a news post (app/news)
    # How long each process keeps the announcements it read (app/announcements): the banner's only query.
    ANNOUNCEMENT_QUIET_SECONDS = _int("ANNOUNCEMENT_QUIET_SECONDS", 60)
    # The monitoring dashboard (app/knowledge/dashboard.py): each process computes a figure at most once per
    # period of this many seconds (periods start at the same times on every host) for the same filters,
    # language and kind of viewer, and the page says when its figures were computed; 0 computes them on every
    # request.
    DASHBOARD_FIGURES_SECONDS = _int("DASHBOARD_FIGURES_SECONDS", 300)
    # The newsletter (app/newsletter): how often it goes out unless the secretariat chose otherwise at
    # /admin/newsletter (monthly, fortnightly or weekly), and how long its unsubscribe links work.
    NEWSLETTER_PERIOD = os.environ.get("NEWSLETTER_PERIOD", "monthly")
    NEWSLETTER_UNSUBSCRIBE_MAX_AGE = _int("NEWSLETTER_UNSUBSCRIBE_MAX_AGE", 400 * 24 * 3600)

    # An S3-compatible object store (app/objectstore.py), for more than one host: set S3_BUCKET and
    # uploads go there (under S3_UPLOAD_PREFIX) instead of UPLOAD_DIR. S3_ENDPOINT_URL for a store other
    # than AWS; credentials here or in boto3's usual AWS_* variables.
    S3_BUCKET = os.environ.get("S3_BUCKET") or None
    S3_ENDPOINT_URL = os.environ.get("S3_ENDPOINT_URL") or None
    S3_REGION = os.environ.get("S3_REGION") or None
    S3_ACCESS_KEY_ID = os.environ.get("S3_ACCESS_KEY_ID") or None
    S3_SECRET_ACCESS_KEY = os.environ.get("S3_SECRET_ACCESS_KEY") or None
    S3_UPLOAD_PREFIX = os.environ.get("S3_UPLOAD_PREFIX", "uploads/")

    # E-mail: "file" writes .eml files to instance/outbox, "smtp" sends, "memory" keeps them in a list.
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "file")
    MAIL_OUTBOX_DIR = os.environ.get("MAIL_OUTBOX_DIR") or str(INSTANCE_DIR / "outbox")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "Alliance 8.7 Hub <no-reply@hub.example.org>")
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = _int("MAIL_PORT", 25)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = _bool("MAIL_USE_TLS")
    MAIL_USE_SSL = _bool("MAIL_USE_SSL")
    # The domain part of calendar UIDs (consultation-12@<domain>). Calendar apps recognise an event again
    # by its UID, so it must never change for a deployment: it is a constant, not the host the Hub is
    # reached at (which changes with the port, a proxy or a new address).
    CALENDAR_UID_DOMAIN = os.environ.get("CALENDAR_UID_DOMAIN", "hub.alliance87.org")

    # How many proxies (load balancers) stand in front of the web server, each adding itself to
    # X-Forwarded-For: the client's address (what login limits count) is the one the outermost trusted
    # proxy saw (werkzeug ProxyFix). 0, the default: requests come straight from clients and every
    # X-Forwarded-* header is ignored, since anyone can send one.
    TRUSTED_PROXIES = _int("TRUSTED_PROXIES", 0)

    # Rate limits (Flask-Limiter). Memory storage by default (one process's own counts); with more than
    # one web worker or host, a shared store: redis://host:6379 (ProductionConfig refuses memory://).
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
    RATELIMIT_HEADERS_ENABLED = True
    # When the shared store cannot be reached, each process counts in its own memory (the same limits, logged)
    # until it can again, rather than answer 500 to every limited request (sign-in, the API, the overlap check).
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = _bool("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    # Failed sign-ins: per account and address (a stranger cannot lock the owner out from elsewhere), and
    # per address over all accounts (one address guessing many accounts).
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "5 per 15 minutes")
    LOGIN_ADDRESS_RATE_LIMIT = os.environ.get("LOGIN_ADDRESS_RATE_LIMIT", "20 per 15 minutes")
    RESET_RATE_LIMIT = os.environ.get("RESET_RATE_LIMIT", "5 per hour")
    # Saves through one personal consultation link (answers, comment, zone): a guest has no account to
    # count by, and the link is reached without signing in.
    PERSONAL_LINK_RATE_LIMIT = os.environ.get("PERSONAL_LINK_RATE_LIMIT", "30 per 10 minutes")

    # Tokens sent by e-mail.
    PASSWORD_RESET_MAX_AGE = _int("PASSWORD_RESET_MAX_AGE", 3600)
    INVITATION_MAX_AGE = _int("INVITATION_MAX_AGE", 14 * 24 * 3600)
    PASSWORD_MIN_LENGTH = 10

    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    LANGUAGES = ("en", "fr", "es")

    SCHEDULER_ENABLED = _bool("SCHEDULER_ENABLED")
    # The outbox (app/events.py), drained by `flask run-worker`: a row that fails is tried again after
    # OUTBOX_RETRY_SECONDS, doubled each time (at most an hour), and marked failed after
    # OUTBOX_MAX_ATTEMPTS attempts (about 5 hours with the defaults); the secretariat retries it at /admin/outbox.
    OUTBOX_MAX_ATTEMPTS = _int("OUTBOX_MAX_ATTEMPTS", 10)
    OUTBOX_RETRY_SECONDS = _int("OUTBOX_RETRY_SECONDS", 30)
    PAGE_SIZE = 20

    # IATI exports of pledges (app/commitments/iati.py): the Hub reports as a secondary reporter.
    # Set the organisation identifier the IATI Registry gave the secretariat; the default is made up.
    IATI_REPORTING_ORG_REF = os.environ.get("IATI_REPORTING_ORG_REF", "XI-IATI-A87HUB")
    IATI_REPORTING_ORG_NAME = os.environ.get("IATI_REPORTING_ORG_NAME", "Alliance 8.7 Hub secretariat")
    IATI_REPORTING_ORG_TYPE = os.environ.get("IATI_REPORTING_ORG_TYPE", "40")  # OrganisationType: multilateral

    # The duplication detector's index (app/overlaps/index.py): saved here, shared by the web workers
    # (memory-mapped), one sub-directory per database. Empty: kept in memory only, rebuilt per process.
    DEDUP_INDEX_DIR = os.environ.get("DEDUP_INDEX_DIR", str(INSTANCE_DIR / "dedup"))
    DEDUP_MODEL_DIR = os.environ.get("DEDUP_MODEL_DIR") or None  # sentence-model arrays (default: user cache)
    # Load the sentence model when the app is created: with `gunicorn --preload` that is once, before the
    # workers fork, and they share its tokenizer's memory (README, "Production"). Off: each worker loads it
    # at its first query.
    DEDUP_PRELOAD_MODEL = _bool("DEDUP_PRELOAD_MODEL", False)
    # A missing or damaged index of up to this many initiatives is rebuilt within the request; a larger
    # one in a background thread (the panel says "not ready yet" meanwhile).
    DEDUP_SYNC_REBUILD_LIMIT = _int("DEDUP_SYNC_REBUILD_LIMIT", 5000)
    # With DEDUP_INDEX_DIR set, only the worker builds the index (`flask run-scheduler` sets this; so do
    # commands that rebuild): web processes load the generation it publishes and never build one.
    OVERLAP_INDEX_BUILDER = _bool("OVERLAP_INDEX_BUILDER")
    # The worker publishes a new generation when the live one is this many changes behind (hosts apply
    # the changes since it at each query meanwhile).
    DEDUP_PUBLISH_AFTER_CHANGES = _int("DEDUP_PUBLISH_AFTER_CHANGES", 200)
    # With an object store (S3_BUCKET), the worker publishes each generation there too, under this
    # prefix, and DEDUP_INDEX_DIR is each host's own copy: a web process looks for a newer generation
    # at most this often (the changes since the one it has reach it through the change log meanwhile).
    S3_INDEX_PREFIX = os.environ.get("S3_INDEX_PREFIX", "overlap-index/")
    DEDUP_INDEX_POLL_SECONDS = _int("DEDUP_INDEX_POLL_SECONDS", 10)
    # Look for overlaps of an initiative when it is saved (the review queue shows them at once).
    OVERLAP_SCAN_ON_SAVE = _bool("OVERLAP_SCAN_ON_SAVE", True)
    # How often one person may ask the "possible overlaps" panel (it asks as they type, debounced).
    OVERLAP_CHECK_RATE_LIMIT = os.environ.get("OVERLAP_CHECK_RATE_LIMIT", "120 per minute")
    # How many "contact the focal point" messages one person may send (each is an e-mail to someone else).
    OVERLAP_CONTACT_RATE_LIMIT = os.environ.get("OVERLAP_CONTACT_RATE_LIMIT", "20 per hour")
    # Requests per client (token, else address) to the API, /api/v1/.
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "120 per minute")

    @classmethod
    def check(cls) -> None:
        """Refuse to start when a setting the environment needs is missing."""


class DevelopmentConfig(Config):
    DEBUG = False
    # A development key is fine on a laptop; ProductionConfig refuses to run without a real one.
    SECRET_KEY = os.environ.get("SECRET_KEY") or "dev-only-not-secret"
    LINK_SECRET_KEY = os.environ.get("LINK_SECRET_KEY") or "dev-only-links-not-secret"


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing-only"
    LINK_SECRET_KEY = "testing-links-only"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL") or "sqlite://"
    BASE_URL = "http://127.0.0.1:5000"  # whatever PORT the shell running the tests has
    WTF_CSRF_ENABLED = False
    MAIL_BACKEND = "memory"
    RATELIMIT_ENABLED = False
    SCHEDULER_ENABLED = False
    # Hashing with production cost makes the suite slow; the scheme is the same.
    ARGON2_FAST = True
    # Figures computed on every request: tests change data between two pages (tests/knowledge/test_dashboard.py
    # turns the cache on to test it).
    DASHBOARD_FIGURES_SECONDS = 0
    # Each test builds its own overlap index in memory (a test that needs files passes a directory).
    DEDUP_INDEX_DIR = None
    # Files on the local disk unless a test configures an object store (S3_* may be set in the shell).
    S3_BUCKET = None
    S3_ENDPOINT_URL = None


class ProductionConfig(Config):
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "smtp")
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    # Without TRUSTED_HOSTS, answer only to BASE_URL's host (app/__init__.py).
    TRUSTED_HOSTS_FROM_BASE_URL = True
    # Each gunicorn worker (and each host) would count failed sign-ins on its own: ten got through
    # under `gunicorn -w 2` instead of five. Production refuses memory:// limits (app/__init__.py).
    REFUSE_MEMORY_RATE_LIMITS = True

    @classmethod
    def check(cls) -> None:
        missing = [name for name in ("SECRET_KEY", "LINK_SECRET_KEY", "DATABASE_URL", "BASE_URL")
                   if not os.environ.get(name)]
        if missing:
            raise RuntimeError(f"ProductionConfig refuses to start: set {', '.join(missing)} in the environment.")
        for name in ("SECRET_KEY", "LINK_SECRET_KEY"):
            reason = weak_key(os.environ.get(name))
            if reason:
                raise RuntimeError(f"ProductionConfig refuses to start: {name} is weak ({reason}). Generate one "
                                   "with: python -c 'import secrets; print(secrets.token_hex(32))'")
        # The file outbox shows every password-reset and invitation link to admins: fine on a
        # laptop, an account takeover path in production.
        if os.environ.get("MAIL_BACKEND", "smtp") != "smtp":
            raise RuntimeError("ProductionConfig refuses to start: MAIL_BACKEND must be smtp in production.")


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_env() -> type[Config]:
    """Pick the configuration class named by HUB_ENV (default: development)."""
    name = os.environ.get("HUB_ENV", "development")
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(f"HUB_ENV must be one of {', '.join(CONFIGS)}, not {name!r}") from None
