"""Flask extensions, created unbound and initialised in :func:`app.create_app`."""
from __future__ import annotations

import importlib
import sqlite3

import click
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

from app.types import render_item
from app.utils import page_number

# Stable constraint names, so Alembic can alter and drop them (SQLite batch mode needs names).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class HubSQLAlchemy(SQLAlchemy):
    def paginate(self, select, *, page=None, per_page=None, max_per_page=None, error_out=True, count=True):
        """Flask-SQLAlchemy's paginate, with ``page=`` read through the project's bounded parser.

        Left to itself it reads ``page`` and ``per_page`` from the query string with ``int()``, so
        ``?page=9223372036854775808`` became an OFFSET the database refused (a 500 on every list page).
        """
        from flask import current_app, has_request_context, request

        if page is None:
            page = page_number(request.args.get("page")) if has_request_context() else 1
        if per_page is None:
            per_page = current_app.config["PAGE_SIZE"]
        return super().paginate(select, page=page, per_page=per_page, max_per_page=max_per_page,
                                error_out=error_out, count=count)


class LazyMigrate:
    """Flask-Migrate, imported the first time a command, a test or Alembic reads it: a web worker never loads
    Flask-Migrate and Alembic (about 11 MB of its memory). ``flask db`` is listed at once and loaded when run."""

    def __init__(self, **options):
        self.options = options

    def init_app(self, app, db, directory: str) -> None:
        app.extensions["migrate"] = _PendingMigrate(app, db, directory, self.options)
        app.cli.add_command(_LazyGroup("db", "flask_migrate.cli:db", help="Perform database migrations."))


class _PendingMigrate:
    """Stands in ``app.extensions["migrate"]`` until first read, then sets up Flask-Migrate in its place."""

    def __init__(self, app, db, directory, options):
        self._setup = (app, db, directory, options)

    def __getattr__(self, name):
        from flask_migrate import Migrate

        app, db, directory, options = self._setup
        Migrate(**options).init_app(app, db, directory=directory)
        return getattr(app.extensions["migrate"], name)


class _LazyGroup(click.Group):
    """A command group imported from ``module:attribute`` when it is run (its options, its commands and its
    help are then the real group's) or its commands are listed."""

    def __init__(self, name: str, import_path: str, **kwargs):
        super().__init__(name, **kwargs)
        self._import_path, self._group = import_path, None

    def _real(self) -> click.Group:
        if self._group is None:
            module, attribute = self._import_path.split(":")
            self._group = getattr(importlib.import_module(module), attribute)
        return self._group

    def make_context(self, info_name, args, parent=None, **extra):
        return self._real().make_context(info_name, args, parent=parent, **extra)

    def list_commands(self, ctx):
        return self._real().list_commands(ctx)

    def get_command(self, ctx, name):
        return self._real().get_command(ctx, name)


db = HubSQLAlchemy(model_class=Base)
migrate = LazyMigrate(render_as_batch=True, compare_type=True, render_item=render_item)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """Enforce foreign keys on SQLite and use WAL so readers don't block the writer."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()
