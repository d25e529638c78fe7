"""Fixtures: an app per test on a shared schema, a client that behaves like a browser, factories."""
from __future__ import annotations

import os
from datetime import datetime
from collections.abc import Callable, Sequence

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from app import create_app, events
from app.announcements.services import start_with_none
from app.extensions import db
from app.memory import forget_everything
from app.members.models import Organisation, OrganisationStatus, OrgRole, StakeholderType, User, UserStatus
from app.members.passwords import hash_password
from config import TestingConfig

PASSWORD = "correct horse battery"


def pytest_sessionstart(session):
    """Compile the message catalogs when a .po is newer than its .mo (make does this too), so that
    running pytest directly never tests stale translations."""
    from pathlib import Path

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in (Path(__file__).resolve().parents[1] / "app" / "translations").glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with po.open("rb") as src:
                catalog = read_po(src, locale=po.parts[-3])
            with mo.open("wb") as dst:
                write_mo(dst, catalog)


class FreshContextClient(FlaskClient):
    """Run each request in its own application context, as a real server does.

    Without this, requests would share the test's application context, and with it ``g`` (where
    Flask-Login caches the signed-in user) and the database session.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "commits: the test needs real commits across connections (a live server, another thread or "
        "process): it runs on apps of its own and the tables are emptied afterwards, instead of in a "
        "transaction rolled back at the end")


def _worker() -> str:
    """The pytest-xdist worker running this process ("gw0", "gw1"...), or "" without xdist."""
    return os.environ.get("PYTEST_XDIST_WORKER", "")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    """PostgreSQL when TEST_DATABASE_URL is set (CI), else a SQLite file shared by the session.

    Under pytest-xdist each worker has a database of its own: its own SQLite file (tmp_path_factory is
    per worker), or a PostgreSQL database named after the worker, created here and dropped at the end.
    """
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
        return
    if not _worker():
        yield url
        return
    base = sa.engine.make_url(url)
    name = f"{base.database}_{_worker()}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


class _TestConnection(sa.engine.Connection):
    """The one connection a test runs on: it stands in for the engine of every app the test makes
    (``db.engine``), so everything the test and its requests write is in one transaction, rolled back
    at the end. ``db.engine.url`` and ``db.engine.pool`` keep working."""

    @property
    def url(self):
        return self.engine.url

    @property
    def pool(self):
        return self.engine.pool

    # The SAVEPOINTs that keep each session inside the test's transaction belong to the test, not to the
    # app: they bypass the statement events, so that tests counting the app's queries count the same.
    def _savepoint_impl(self, name=None):
        if name is None:
            self._Connection__savepoint_seq += 1
            name = f"sa_savepoint_{self._Connection__savepoint_seq}"
        self._unobserved(f"SAVEPOINT {name}")
        return name

    def _rollback_to_savepoint_impl(self, name):
        if self._still_open_and_dbapi_connection_is_valid:
            self._unobserved(f"ROLLBACK TO SAVEPOINT {name}")

    def _release_savepoint_impl(self, name):
        self._unobserved(f"RELEASE SAVEPOINT {name}")

    def _unobserved(self, statement: str) -> None:
        cursor = self.connection.dbapi_connection.cursor()
        try:
            cursor.execute(statement)
        finally:
            cursor.close()


def _begin_explicitly_on_sqlite(engine) -> None:
    """pysqlite opens a transaction only before a write, so a SAVEPOINT issued first would begin (and its
    RELEASE commit) a transaction of its own: let SQLAlchemy emit BEGIN itself (the SQLAlchemy docs'
    recipe "Serializable isolation / Savepoints / Transactional DDL" for pysqlite)."""
    if engine.dialect.name != "sqlite":
        return

    @sa.event.listens_for(engine, "connect")
    def _no_implicit_transactions(dbapi_connection, connection_record):
        dbapi_connection.isolation_level = None

    @sa.event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql("BEGIN")


class _SharedApp:
    """The app ``make_app()`` returns in every test of the session (of this worker), and how to put it
    back as it was: building an app takes ~50 ms (compiling ~170 URL rules), for every test."""

    def __init__(self, database_url: str):
        self.database_url = database_url
        self.app = None

    def get(self, uploads: str):
        if self.app is None:
            self.app = create_app(TestingConfig, {"SQLALCHEMY_DATABASE_URI": self.database_url})
            with self.app.app_context():
                _begin_explicitly_on_sqlite(db.engine)
            start_with_none(self.app)
            self.config = dict(self.app.config)
            self.extensions = dict(self.app.extensions)
            self.rules = len(self.app.url_map._rules)
        self.app.config["UPLOAD_DIR"] = uploads
        self.app.test_client_class = FreshContextClient
        # A test may add a URL rule to the app (an error page test): allowed until it serves a request.
        self.app._got_first_request = False
        return self.app

    @property
    def engine(self):
        with self.app.app_context():
            return db.engine

    def reset(self) -> None:
        """Undo what a test changed in the app: its config, the state kept in app.extensions (the mail
        outbox, the overlap index...); an app that got new URL rules is replaced by a new one."""
        app = self.app
        app.config.clear()
        app.config.update(self.config)
        for key in [key for key in app.extensions if key not in self.extensions]:
            del app.extensions[key]
        app.extensions.update(self.extensions)
        if len(app.url_map._rules) != self.rules:
            self.close()

    def close(self) -> None:
        if self.app is not None:
            with self.app.app_context():
                db.engine.dispose()
            self.app = None


@pytest.fixture(scope="session")
def _shared_app(database_url):
    shared = _SharedApp(database_url)
    yield shared
    shared.close()


@pytest.fixture(scope="session")
def _schema(database_url, _shared_app):
    # A new session joins the test's connection in a SAVEPOINT, so that its commit and rollback stay
    # inside the test's transaction (SQLAlchemy's "joining a Session into an external transaction").
    # Sessions bound to an engine (the `commits` tests) are not affected.
    db.session.session_factory.configure(join_transaction_mode="create_savepoint")
    app = _shared_app.get(uploads="")
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.session.remove()
    yield
    app = _shared_app.get(uploads="")
    with app.app_context():
        db.drop_all()
        db.session.remove()


def _empty_tables(app) -> None:
    with app.app_context():
        db.session.rollback()
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()
        db.session.remove()


@pytest.fixture
def make_app(request, _schema, _shared_app, database_url, tmp_path_factory) -> Callable:
    """Return a callable that builds an app with config overrides, inside an app context.

    Every test runs in one database transaction, rolled back at the end: the apps it makes all use one
    connection, on which each session (the test's, each request's) works in a SAVEPOINT. ``make_app()``
    without overrides returns the app shared by the session, reset after each test; with overrides, a
    new app. A test marked ``commits`` gets new apps on their own engines instead, and the tables are
    emptied after it.
    """
    contexts = []
    uploads = str(tmp_path_factory.mktemp("uploads"))  # never the real instance/uploads
    transactional = request.node.get_closest_marker("commits") is None
    connection = None
    swapped = []  # (app, its own engine) of every app whose engine the test's connection stands in for
    if transactional:
        _shared_app.get(uploads)
        connection = _TestConnection(_shared_app.engine)
        connection.begin()

    def _make_app(**overrides):
        forget_everything()  # pages remembered by a test before: ids and (pinned) times repeat
        if transactional and not overrides:
            app = _shared_app.get(uploads)
        else:
            app = create_app(TestingConfig, {"SQLALCHEMY_DATABASE_URI": database_url, "UPLOAD_DIR": uploads,
                                             **overrides})
            app.test_client_class = FreshContextClient
            start_with_none(app)
        if transactional and app.config["SQLALCHEMY_DATABASE_URI"] == database_url:
            engines = db._app_engines[app]
            swapped.append((app, engines[None]))
            engines[None] = connection
        ctx = app.app_context()
        ctx.push()
        contexts.append((app, ctx))
        return app

    yield _make_app
    # Close every app's session before disposing any engine: a session may hold a connection of another
    # app's engine (Flask-SQLAlchemy binds to the *current* app), and a connection left checked out when
    # its engine is disposed is only closed by the garbage collector, which psycopg reports as unraisable.
    if transactional:
        try:
            for app, ctx in reversed(contexts):
                db.session.remove()
                ctx.pop()
        finally:
            try:
                connection.close()  # rolls the test's transaction back
            finally:
                for app, engine in reversed(swapped):
                    db._app_engines[app][None] = engine
                shared = _shared_app.app
                _shared_app.reset()
                for app, engine in swapped:
                    if app is not shared:
                        engine.dispose()
        left = _shared_app.engine.pool.checkedout() if _shared_app.app is not None else 0
        assert not left, f"{left} database connection(s) left checked out at the end of the test"
        return
    for app, ctx in reversed(contexts):
        db.session.remove()
        ctx.pop()
    for app, _ctx in reversed(contexts):
        with app.app_context():
            left = db.engine.pool.checkedout()
        _empty_tables(app)
        with app.app_context():
            db.engine.dispose()
        assert not left, f"{left} database connection(s) left checked out at the end of the test"


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


def run_outbox(app, now=None) -> int:
    """Deliver what the outbox holds, as the worker would between two requests (in an app context and a
    session of its own, so the test's session is left as it was); return how many rows were delivered."""
    from app import events

    with app.app_context():
        try:
            return events.deliver_due(now=now, limit=100_000)
        finally:
            db.session.remove()


def drain() -> int:
    """:func:`run_outbox` for the current app: what the worker does moments after a commit (search tests
    call it before searching, the search being kept in step by the worker)."""
    from flask import current_app

    return run_outbox(current_app._get_current_object())


class SentMail(Sequence):
    """The e-mails the worker sent (memory backend). Each read first drains the outbox, as the worker does
    within moments in production, so a test reads what a person would have received by then."""

    def __init__(self, app):
        self.app = app
        self.sent = app.extensions.setdefault("mail_outbox", [])

    def _drained(self) -> list:
        run_outbox(self.app)
        return self.sent

    def __getitem__(self, index):
        return self._drained()[index]

    def __len__(self) -> int:
        return len(self._drained())

    def __eq__(self, other) -> bool:
        return self._drained() == list(other)

    def __repr__(self) -> str:
        return repr(self.sent)

    def clear(self) -> None:
        self._drained().clear()


@pytest.fixture
def outbox(app):
    """The e-mails sent during the test (memory backend), after the outbox was drained."""
    return SentMail(app)


@pytest.fixture
def make_org(app):
    counter = iter(range(1, 10_000))

    def _make_org(name=None, *, status=OrganisationStatus.active, kind=StakeholderType.civil_society,
                  country="KEN", **fields):
        org = Organisation(stakeholder_type=kind, country_code=country, status=status, **fields)
        org.set_name(name or f"Test Organisation {next(counter)}")
        db.session.add(org)
        events.reindex_later(org)  # as the services do: searchable once the worker ran
        db.session.commit()
        return org

    return _make_org


@pytest.fixture
def make_user(app, make_org):
    """Return a callable that creates people (indico's create_user, CTFd's gen_user)."""
    counter = iter(range(1, 10_000))

    def _make_user(email=None, *, org=None, role=OrgRole.focal_point, status=UserStatus.active,
                   admin=False, password=PASSWORD, **fields):
        n = next(counter)
        user = User(email=email or f"person{n}@example.org", full_name=fields.pop("full_name", f"Person {n}"),
                    organisation=org or make_org(), org_role=role, status=status, is_admin=admin,
                    password_hash=hash_password(password) if password else None, **fields)
        db.session.add(user)
        db.session.commit()
        return user

    return _make_user


@pytest.fixture
def login(client):
    """Sign a person in through the real form; returns the response."""

    def _login(user, password=PASSWORD):
        return client.post("/login", data={"email": user.email, "password": password})

    return _login


@pytest.fixture
def count_queries(app):
    """Every SQL statement run while the test is going on (clear it before the request you measure)."""
    from sqlalchemy import event

    statements: list[str] = []

    def _count(conn, cursor, statement, *args):
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", _count)
    yield statements
    event.remove(engine, "before_cursor_execute", _count)


@pytest.fixture
def clock(monkeypatch):
    """Pin the application's clock (``app.utils.utcnow``, which every request reads): ``clock(moment)``.

    Fixtures with fixed dates need it: a poll that closes on a fixed day would otherwise close under the
    tests once the real calendar passes that day."""
    import app.utils

    def _pin(moment: datetime) -> None:
        class _Frozen(datetime):
            @classmethod
            def now(cls, tz=None):
                return moment if tz is None else moment.astimezone(tz)

        monkeypatch.setattr(app.utils, "datetime", _Frozen)

    return _pin


def reload(obj):
    """Read an object again from the database after a request changed it."""
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)
