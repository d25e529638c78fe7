"""Command-line tools."""
from __future__ import annotations

import sqlalchemy as sa

from app.actiongroups.models import ActionGroup
from app.extensions import db
from app.members.models import Organisation, OrganisationStatus, StakeholderType, User, UserStatus
from tests.conftest import run_outbox


def test_seed_demo_is_idempotent_and_realistic(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "admin@hub.example.org" in first.output and "password for all" in first.output
    orgs = db.session.scalar(sa.select(sa.func.count(Organisation.id)))
    users = db.session.scalar(sa.select(sa.func.count(User.id)))
    assert orgs >= 40
    # Every stakeholder type is represented.
    kinds = set(db.session.scalars(sa.select(Organisation.stakeholder_type)))
    assert kinds == set(StakeholderType)
    assert {g.name for g in db.session.scalars(sa.select(ActionGroup))} == {
        "Supply Chains", "Migration", "Rule of Law & Governance", "Conflict & Humanitarian Settings"}
    # Something is waiting in the secretariat's queue.
    assert db.session.scalar(sa.select(sa.func.count(Organisation.id)).where(
        Organisation.status == OrganisationStatus.pending)) >= 1
    assert db.session.scalar(sa.select(sa.func.count(User.id)).where(User.status == UserStatus.pending)) >= 1
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0
    assert "0 new organisations, 0 new users, 0 new action groups, 0 new workspaces with content" in second.output
    assert db.session.scalar(sa.select(sa.func.count(Organisation.id))) == orgs
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == users


def test_demo_emails_use_reserved_example_domains(app):
    app.test_cli_runner().invoke(args=["seed-demo"])
    emails = db.session.scalars(sa.select(User.email)).all()
    assert emails and all(e.endswith(".example.org") or e.endswith("@hub.example.org") for e in emails)


def test_demo_logins_work(app, client):
    from app.demo_data import DEMO_PASSWORD

    app.test_cli_runner().invoke(args=["seed-demo"])
    response = client.post("/login", data={"email": "admin@hub.example.org", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_run_jobs_runs_every_job_once(app):
    result = app.test_cli_runner().invoke(args=["run-jobs"])
    assert result.exit_code == 0
    assert "remind_admins_of_pending_applications: 0" in result.output


def test_demo_groups_have_conveners_and_members(app):
    from app import demo_data
    from app.actiongroups.models import GroupRole, Membership

    app.test_cli_runner().invoke(args=["seed-demo"])
    emails = set(db.session.scalars(sa.select(User.email)))
    wanted = {email for people in demo_data.GROUP_MEMBERS.values() for email, _role in people}
    assert wanted <= emails, f"demo memberships name unknown people: {wanted - emails}"
    for group in db.session.scalars(sa.select(ActionGroup)):
        roles = list(db.session.scalars(sa.select(Membership.role).where(Membership.group_id == group.id)))
        assert GroupRole.convener in roles and GroupRole.member in roles, group.slug


def test_seed_demo_gives_groups_content_once(app):
    from app.actiongroups.discussions.models import Thread
    from app.actiongroups.documents.models import Document
    from app.actiongroups.workplan.models import WorkItem

    runner = app.test_cli_runner()
    runner.invoke(args=["seed-demo"])
    counts = [db.session.scalar(sa.select(sa.func.count(m.id))) for m in (Thread, Document, WorkItem)]
    assert all(n >= 4 for n in counts)
    runner.invoke(args=["seed-demo"])
    assert [db.session.scalar(sa.select(sa.func.count(m.id))) for m in (Thread, Document, WorkItem)] == counts
    run_outbox(app)
    assert app.extensions.get("mail_outbox", []) == []  # demo content sends nobody any e-mail


def test_seed_demo_large_creates_data_at_scale(app):
    from app import demo_content
    from app.actiongroups.discussions.models import Post
    from app.actiongroups.documents.models import Document

    app.test_cli_runner().invoke(args=["seed-demo"])
    assert demo_content.seed_large(replies=30, documents_count=25, work_items=10)
    db.session.commit()
    group = db.session.scalar(sa.select(ActionGroup).where(ActionGroup.slug == demo_content.LARGE_SLUG))
    assert db.session.scalar(sa.select(sa.func.count(Document.id)).where(Document.group_id == group.id)) == 25
    assert db.session.scalar(sa.select(sa.func.count(Post.id))) >= 31
    assert not demo_content.seed_large()  # once
