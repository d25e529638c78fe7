"""The migration that lets an invitee be a guest: on SQLite it rebuilds the invitee table, and the answers,
which cascade from it, must come through; down again, the guests go and the members stay."""
from __future__ import annotations

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from app import create_app
from app.extensions import db
from config import TestingConfig
from tests.forums.test_migration_countries import NOW, _insert
from tests.test_migrations import empty_database

BEFORE = "b8d35f1a2c42"
OURS = "c4e7a2d9b610"


def test_answers_survive_the_invitee_table_rebuild_and_guests_go_on_the_way_down(tmp_path):
    with empty_database(tmp_path) as url:
        app = create_app(TestingConfig, {"SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            try:
                upgrade(revision=BEFORE)
                meta = sa.MetaData()
                meta.reflect(db.engine, only=["organisation", "user", "consultation", "slot", "invitee", "answer"])
                t = meta.tables
                _insert(t["organisation"], id=1, status="active")
                _insert(t["user"], id=1, email="a@example.org", full_name="A", organisation_id=1, status="active")
                _insert(t["consultation"], id=1, title="C", audience="people", state="polling", deadline_at=NOW,
                        duration_minutes=60)
                _insert(t["slot"], id=1, consultation_id=1, starts_at=NOW)
                _insert(t["invitee"], id=1, consultation_id=1, user_id=1, response="needs_action")
                _insert(t["answer"], id=1, slot_id=1, invitee_id=1, choice="yes")
                db.session.commit()
                upgrade(revision=OURS)
                assert db.session.execute(sa.text("SELECT invitee_id, choice FROM answer")).all() == [(1, "yes")]
                db.session.execute(sa.text(
                    "INSERT INTO invitee (id, consultation_id, guest_name, guest_email, response, comment, created_at)"
                    " VALUES (2, 1, 'G', 'g@example.org', 'needs_action', '', :now)"), {"now": NOW})
                db.session.execute(sa.text("INSERT INTO answer (id, slot_id, invitee_id, choice) VALUES (2, 1, 2, 'no')"))
                db.session.commit()
                downgrade(revision=BEFORE)
                assert db.session.execute(sa.text("SELECT id FROM invitee")).scalars().all() == [1]
                assert db.session.execute(sa.text("SELECT invitee_id, choice FROM answer")).all() == [(1, "yes")]
            finally:
                db.session.remove()
                db.engine.dispose()
