"""The migrations build exactly the schema the models describe."""
from __future__ import annotations

import os
import uuid
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from app import create_app
from app.extensions import db
from app.models import include_name
from config import TestingConfig


@contextmanager
def empty_database(tmp_path, url: str | None = None):
    """An empty database of the kind the suite runs on: a new SQLite file, or a new PostgreSQL database
    (on the server of ``url``, default TEST_DATABASE_URL; bench/search.py passes its own)."""
    url = url or os.environ.get("TEST_DATABASE_URL")
    if not url:
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    name = f"hub_migrations_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.engine.make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def migrated_app(tmp_path):
    with empty_database(tmp_path) as url:
        app = create_app(TestingConfig, {"SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            upgrade()
            yield app
            db.session.remove()
            db.engine.dispose()


def test_upgrade_from_empty_matches_the_models(migrated_app):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "include_name": include_name})
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"Models and migrations differ; run `flask db migrate`: {diff}"


def test_downgrade_to_base_and_up_again(migrated_app):
    downgrade(revision="base")
    assert "user" not in sa.inspect(db.engine).get_table_names()
    upgrade()
    assert "user" in sa.inspect(db.engine).get_table_names()


def test_the_outbox_migration_keeps_the_keys_of_emails_already_sent(migrated_app):
    """sent_email_key's keys become done marks in the outbox: no reminder or digest already sent goes again."""
    from app import events

    downgrade(revision="a20d05757c44")
    with db.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO sent_email_key (key, created_at) VALUES ('digest:1:2026-12-01', "
                             "CURRENT_TIMESTAMP)"))
    upgrade()
    db.session.remove()
    assert events.recorded(["digest:1:2026-12-01", "digest:1:2026-12-02"]) == {"digest:1:2026-12-01"}
    assert events.claim(["digest:1:2026-12-01"]) == set()
    assert events.status().pending == 0
    db.session.rollback()


def test_the_facets_migration_counts_the_pledges_already_there(migrated_app):
    """Pledges saved before pledge_facet existed are counted by the dashboard's region and area filters."""
    from datetime import date, datetime, timezone

    from app.commitments.models import Pledge, PledgeState
    from app.knowledge.dashboard import FIGURES, DashboardFilters, FigureContext
    from app.members.models import Organisation, OrganisationStatus, StakeholderType

    downgrade(revision="d7f3b1c5e920")
    org = Organisation(stakeholder_type=StakeholderType.government, country_code="KEN",
                       status=OrganisationStatus.active)
    org.set_name("Ministry")
    db.session.add(org)
    db.session.flush()
    # Core inserts: the model's own events would write the facets, into a table not there yet.
    for title, areas, countries, state in (("A", ["child_labour"], ["KEN", "UGA"], PledgeState.published),
                                           ("B", ["forced_labour", "child_labour"], ["FRA"], PledgeState.completed),
                                           ("C", ["child_labour"], ["KEN"], PledgeState.draft)):
        db.session.execute(sa.insert(Pledge.__table__).values(
            organisation_id=org.id, title=title, areas=areas, countries=countries, state=state,
            start_date=date(2026, 1, 1), end_date=date(2027, 12, 31)))
    db.session.commit()
    upgrade()
    db.session.remove()

    def rows(key, **filters):
        ctx = FigureContext(DashboardFilters(**filters), datetime(2026, 3, 1, tzinfo=timezone.utc))
        return {row[0]: row[1] for row in FIGURES[key].compute(ctx).rows if row[1]}

    with migrated_app.test_request_context():
        assert rows("area") == {"Child labour": 2, "Forced labour": 1}
        assert rows("region") == {"Africa": 1, "Europe": 1}
        assert rows("map") == {"KEN": 1, "UGA": 1}
        assert rows("pipeline", region="002") == {"Draft": 1, "Published": 1}
        assert rows("pipeline", area="forced_labour", year=2027) == {"Completed": 1}
