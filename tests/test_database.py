"""How the app holds its database connections."""
from __future__ import annotations

from contextlib import contextmanager

import sqlalchemy as sa

from app import create_app
from app.extensions import db
from config import TestingConfig


@contextmanager
def _app_on(url: str, **overrides):
    app = create_app(TestingConfig, {"SQLALCHEMY_DATABASE_URI": url, **overrides})
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


def _two_checkouts():
    with db.engine.connect() as connection:
        first = connection.connection.dbapi_connection
    with db.engine.connect() as connection:
        return first, connection.connection.dbapi_connection


def test_a_file_database_connection_is_replaced_once_it_is_older_than_the_recycle_age(tmp_path):
    # SQLite plans with the statistics a connection read when it opened: replacing old connections is
    # how a running server sees the figures an import refreshed.
    with _app_on(f"sqlite:///{tmp_path / 'old.sqlite3'}", DB_POOL_RECYCLE=0):
        first, second = _two_checkouts()
        assert first is not second
    with _app_on(f"sqlite:///{tmp_path / 'young.sqlite3'}"):  # the default age: 300 s
        first, second = _two_checkouts()
        assert first is second


def test_an_in_memory_database_keeps_its_one_connection():
    with _app_on("sqlite://", DB_POOL_RECYCLE=0):
        with db.engine.begin() as connection:
            connection.execute(sa.text("CREATE TABLE kept (n INTEGER)"))
            connection.execute(sa.text("INSERT INTO kept VALUES (1)"))
        with db.engine.connect() as connection:
            assert connection.execute(sa.text("SELECT n FROM kept")).scalar() == 1
