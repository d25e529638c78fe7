"""The migration that gives sessions and consultations their countries: existing consultations of a group are
about the group's focus countries (as new ones are by default), everything else about none."""
from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa
from flask_migrate import upgrade

from app import create_app
from app.extensions import db
from config import TestingConfig
from tests.test_migrations import empty_database

BEFORE = "4c4df2f9e881"   # the knowledge gateway's revision, the one before ours
NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


def _insert(table: sa.Table, **values) -> None:
    """Insert a row, filling every other required column with an empty value of its type."""
    for column in table.columns:
        if column.name in values or column.nullable or column.server_default is not None or column.primary_key:
            continue
        python_type = column.type.python_type if not isinstance(column.type, sa.JSON) else list
        values[column.name] = {str: "", int: 0, bool: False, datetime: NOW, list: []}.get(python_type, "")
    db.session.execute(table.insert().values(**values))


def test_existing_consultations_get_their_groups_focus_countries(tmp_path):
    with empty_database(tmp_path) as url:
        app = create_app(TestingConfig, {"SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            try:
                upgrade(revision=BEFORE)
                meta = sa.MetaData()
                meta.reflect(db.engine, only=["action_group", "consultation", "forum", "forum_session"])
                tables = meta.tables
                _insert(tables["action_group"], id=1, slug="g", name="G", focus_countries=["UGA", "KEN"],
                        visibility="members")
                _insert(tables["action_group"], id=2, slug="h", name="H", focus_countries=[], visibility="members")
                for consultation_id, group_id in ((1, 1), (2, 2), (3, None)):
                    _insert(tables["consultation"], id=consultation_id, title=f"C{consultation_id}", group_id=group_id,
                            audience="group", state="polling", deadline_at=NOW, duration_minutes=60)
                _insert(tables["forum"], id=1, slug="f", title="F", starts_on=NOW.date(), ends_on=NOW.date())
                _insert(tables["forum_session"], id=1, forum_id=1, title="S", kind="panel", starts_at=NOW,
                        ends_at=NOW.replace(hour=1))
                db.session.commit()
                upgrade()
                countries = dict(db.session.execute(sa.text("SELECT id, countries FROM consultation ORDER BY id")).all())
                decode = (lambda v: v if isinstance(v, list) else __import__("json").loads(v))
                assert {k: decode(v) for k, v in countries.items()} == {1: ["KEN", "UGA"], 2: [], 3: []}
                session_countries = db.session.execute(sa.text("SELECT countries FROM forum_session")).scalar_one()
                assert decode(session_countries) == []
            finally:
                db.session.remove()
                db.engine.dispose()
