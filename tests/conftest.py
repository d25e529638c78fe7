"""Fixtures: an app per test on a shared schema, a client that behaves like a browser, factories."""
from __future__ import annotations

import os
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

from app import create_app
from app.extensions import db
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


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    """PostgreSQL when TEST_DATABASE_URL is set (CI), else a SQLite file shared by the session."""
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def _schema(database_url):
    app = create_app(TestingConfig, {"SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield
    with app.app_context():
        db.drop_all()
        db.engine.dispose()


def _empty_tables(app) -> None:
    with app.app_context():
        db.session.rollback()
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()
        db.session.remove()


@pytest.fixture
def make_app(_schema, database_url, tmp_path_factory) -> Callable:
    """Return a callable that builds an app with config overrides, inside an app context."""
    contexts = []
    uploads = str(tmp_path_factory.mktemp("uploads"))  # never the real instance/uploads

    def _make_app(**overrides):
        app = create_app(TestingConfig, {"SQLALCHEMY_DATABASE_URI": database_url, "UPLOAD_DIR": uploads,
                                         **overrides})
        app.test_client_class = FreshContextClient
        ctx = app.app_context()
        ctx.push()
        contexts.append((app, ctx))
        return app

    yield _make_app
    # Close every app's session before disposing any engine: a session may hold a connection of another
    # app's engine (Flask-SQLAlchemy binds to the *current* app), and a connection left checked out when
    # its engine is disposed is only closed by the garbage collector, which psycopg reports as unraisable.
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


@pytest.fixture
def outbox(app):
    """The e-mails the app sent during the test (memory backend)."""
    return app.extensions.setdefault("mail_outbox", [])


@pytest.fixture
def make_org(app):
    counter = iter(range(1, 10_000))

    def _make_org(name=None, *, status=OrganisationStatus.active, kind=StakeholderType.civil_society,
                  country="KEN", **fields):
        org = Organisation(stakeholder_type=kind, country_code=country, status=status, **fields)
        org.set_name(name or f"Test Organisation {next(counter)}")
        db.session.add(org)
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


def reload(obj):
    """Read an object again from the database after a request changed it."""
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)
