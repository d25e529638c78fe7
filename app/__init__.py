"""The Alliance 8.7 Hub application factory."""
from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from urllib.parse import urlsplit

from flask import Flask, request
from flask_babel import format_decimal, get_locale
from sqlalchemy.engine import make_url
from werkzeug.middleware.proxy_fix import ProxyFix

from app.http import HubRequest, IdConverter
from app.utils import whole_number
from config import Config, config_from_env


def create_app(config_class: type[Config] | None = None, overrides: Mapping | None = None) -> Flask:
    """Build a configured application; tests pass TestingConfig and per-test overrides."""
    config_class = config_class or config_from_env()
    config_class.check()
    app = Flask(__name__)
    app.request_class = HubRequest
    app.url_map.converters["int"] = IdConverter  # before any route is added
    app.config.from_object(config_class)
    app.config.update(overrides or {})
    for name in ("SECRET_KEY", "LINK_SECRET_KEY"):
        if not app.config.get(name):
            raise RuntimeError(f"{name} is not set.")
    _trust_the_base_url_host(app)
    _refuse_memory_rate_limits(app)
    _trust_proxies(app)
    _configure_logging(app)
    register_extensions(app)
    register_blueprints(app)
    register_gateways(app)
    register_template_helpers(app)
    register_security_headers(app)
    register_cli(app)
    if app.config["SCHEDULER_ENABLED"]:
        from app.scheduler import init_scheduler

        init_scheduler(app)
    if app.config.get("DEDUP_PRELOAD_MODEL"):
        from app.overlaps.index import preload_model

        preload_model(app)
    return app


def _trust_the_base_url_host(app: Flask) -> None:
    """In production answer only to BASE_URL's host unless TRUSTED_HOSTS names others: a request with any
    other Host header gets 400 (Flask checks ``TRUSTED_HOSTS`` before routing)."""
    if not app.config.get("TRUSTED_HOSTS") and app.config.get("TRUSTED_HOSTS_FROM_BASE_URL"):
        host = urlsplit(app.config["BASE_URL"]).hostname
        if host:
            app.config["TRUSTED_HOSTS"] = [host]


def _refuse_memory_rate_limits(app: Flask) -> None:
    """Production counts failed sign-ins in a store every worker and host shares: in-memory counts are per
    process, so each worker (and each host) would let the limit through again."""
    storage = str(app.config.get("RATELIMIT_STORAGE_URI") or "memory://")
    if app.config.get("REFUSE_MEMORY_RATE_LIMITS") and storage.startswith("memory"):
        raise RuntimeError("ProductionConfig refuses to start: RATELIMIT_STORAGE_URI is memory://, which "
                           "every worker and host counts on its own. Set it to a shared store, e.g. "
                           "redis://127.0.0.1:6379")


def _trust_proxies(app: Flask) -> None:
    """Behind ``TRUSTED_PROXIES`` proxies, take the client's address, scheme, host and port from the
    X-Forwarded-* headers they add (the rightmost N values: those the trusted proxies wrote)."""
    count = app.config.get("TRUSTED_PROXIES") or 0
    if not isinstance(count, int) or count < 0:
        raise RuntimeError(f"TRUSTED_PROXIES must be a whole number >= 0, not {count!r}")
    if count:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count, x_port=count)


def _configure_logging(app: Flask) -> None:
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


def _pool_options(app: Flask) -> None:
    """Recycle pooled connections after ``DB_POOL_RECYCLE`` seconds, except for an in-memory SQLite
    database, which would be lost with its connection. A SQLite connection keeps planning with the
    statistics it read when it opened: after an import grew a table from 0 to 100,000 rows, looking up
    ten rows by id took 20 ms instead of 0.2 ms until the connection was replaced."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        return
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_recycle": app.config["DB_POOL_RECYCLE"],
                                               **app.config["SQLALCHEMY_ENGINE_OPTIONS"]}


def register_extensions(app: Flask) -> None:
    from app.extensions import babel, csrf, db, limiter, login_manager, migrate
    from app.i18n import select_locale, select_timezone

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        os.makedirs(app.instance_path, exist_ok=True)
    _pool_options(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(app.root_path), "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    limiter.init_app(app)

    login_manager.init_app(app)
    login_manager.login_view = "members.login"
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    from flask_babel import lazy_gettext as _l

    login_manager.login_message = _l("Please sign in to see this page.")

    @login_manager.user_loader
    def load_user(user_id: str):
        from app.members.models import User

        ident, _sep, token = user_id.partition(":")
        pk = whole_number(ident)
        if pk is None:
            return None
        user = db.session.get(User, pk)
        # A rotated session token (password change, suspension) signs out every old session.
        if user is None or user.session_token != token:
            return None
        return user

    import app.models  # noqa: F401  (every model registered before the first query)


def register_blueprints(app: Flask) -> None:
    from app import (
        actiongroups, admin, announcements, commitments, errors, forums, knowledge, members, multilingual, news,
        newsletter, notifications, overlaps, pages,
    )

    app.register_blueprint(pages.bp)
    app.register_blueprint(members.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(actiongroups.bp)
    app.register_blueprint(commitments.bp)
    app.register_blueprint(forums.bp)
    app.register_blueprint(knowledge.bp)
    app.register_blueprint(notifications.bp)
    app.register_blueprint(overlaps.bp)
    app.register_blueprint(multilingual.bp)
    app.register_blueprint(news.bp)
    app.register_blueprint(announcements.bp)
    app.register_blueprint(newsletter.bp)
    app.register_blueprint(errors.bp)
    from app import api

    api.register(app)


def register_gateways(app: Flask) -> None:
    """Plug each feature into the cross-cutting packages (search, country pages, dashboard, notifications,
    translations, the overlap detector) through its ``gateway.py``: those packages import no feature
    (DESIGN.md §6, the import-linter contracts in pyproject.toml). Registering again replaces, so a second
    app in the same process (tests) finds the same registries."""
    for gateway in feature_gateways():
        gateway.register()


def feature_gateways() -> tuple:
    """Each feature's ``gateway`` module, in the order they register (their ``register()`` is idempotent); the
    library's and the duplication detector's too, which plug into the other cross-cutting packages."""
    from app.actiongroups import gateway as actiongroups_gateway
    from app.commitments import gateway as commitments_gateway
    from app.forums import gateway as forums_gateway
    from app.knowledge import gateway as knowledge_gateway
    from app.news import gateway as news_gateway
    from app.overlaps import gateway as overlaps_gateway

    return (knowledge_gateway, actiongroups_gateway, commitments_gateway, forums_gateway, news_gateway,
            overlaps_gateway)


def register_template_helpers(app: Flask) -> None:
    from app.i18n import (LANGUAGE_NAMES, country_name, currency_name, format_clock, format_day, format_dt, format_money,
                          iso_moment, language_name)
    from app.markdown import render_markdown
    from app.taxonomy import area_labels
    from app.forms import error_fields, own_errors
    from app.urls import external_url
    from app.members.models import ROLE_LABELS, STAKEHOLDER_LABELS, STATUS_LABELS
    from app.notifications.services import current_unread_count

    app.jinja_env.filters.update(
        markdown=render_markdown, country=country_name, datetime=format_dt, clock=format_clock, date=format_day, iso=iso_moment,
        language=language_name, number=format_decimal, money=format_money, currency_name=currency_name,
        area_labels=area_labels,
    )
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.globals["external_url"] = external_url
    from app.multilingual.registry import kind_of
    from app.multilingual.services import localized, preload_translations

    # preload_translations: a list page reads its objects' translations in one query before showing them
    app.jinja_env.globals.update(localized=localized, translatable_kind=kind_of,
                                 preload_translations=preload_translations)
    app.jinja_env.globals["error_fields"] = error_fields
    from app import policy

    policy.init_app(app)  # is_secretariat(current_user), convenes(current_user, group), ... in every template
    app.jinja_env.filters["own_errors"] = own_errors

    @app.context_processor
    def inject_globals():
        return {
            "current_locale": str(get_locale() or "en"),
            "language_names": LANGUAGE_NAMES,
            "stakeholder_labels": STAKEHOLDER_LABELS,
            "status_labels": STATUS_LABELS,
            "role_labels": ROLE_LABELS,
            "unread_notification_count": current_unread_count,  # a function: one query, only if a page asks
        }


CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
       "form-action 'self'; frame-ancestors 'none'")


def register_security_headers(app: Flask) -> None:
    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if app.config["PREFERRED_URL_SCHEME"] == "https":
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if request.endpoint and request.endpoint != "static":
            # Personal pages must not be stored by shared caches.
            response.headers.setdefault("Cache-Control", "no-store")
        return response


def register_cli(app: Flask) -> None:
    from app.cli import register

    register(app)
