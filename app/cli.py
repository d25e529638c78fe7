"""Command-line tools: ``flask seed-demo``, ``flask run-worker`` (``run-scheduler``, its former name),
``flask run-jobs``, ``flask outbox-status``."""
from __future__ import annotations

import click
import sqlalchemy as sa
from flask import Flask

from app import demo_data
from app.actiongroups.models import ActionGroup, GroupRole, Membership, Visibility
from app.extensions import db
from app.members.models import Organisation, OrganisationStatus, OrgRole, StakeholderType, User, UserStatus
from app.members.passwords import hash_password
from app.utils import fold, utcnow


def register(app: Flask) -> None:
    from app.knowledge.cli import register as register_knowledge
    from app.overlaps.cli import register as register_overlaps

    app.cli.add_command(seed_demo)
    app.cli.add_command(run_worker)
    app.cli.add_command(run_scheduler)
    app.cli.add_command(outbox_status)
    app.cli.add_command(run_jobs)
    register_knowledge(app)
    register_overlaps(app)


def _slug(acronym: str) -> str:
    return "".join(ch for ch in acronym.lower() if ch.isalnum()) or "org"


def seed(now=None) -> dict[str, int]:
    """Create the demo organisations, people and action groups that are missing; return counts."""
    now = now or utcnow()
    created = {"organisations": 0, "users": 0, "action_groups": 0}
    password_hash = hash_password(demo_data.DEMO_PASSWORD)
    existing_orgs = {o.name_key: o for o in db.session.scalars(sa.select(Organisation))}
    existing_users = set(db.session.scalars(sa.select(User.email)))

    def person(email, name, org, *, role=OrgRole.focal_point, status=UserStatus.active, admin=False,
               job="Focal point", locale="en", timezone="UTC"):
        if email in existing_users:
            return
        db.session.add(User(email=email, full_name=name, job_title=job, organisation=org, org_role=role,
                            status=status, is_admin=admin, password_hash=password_hash, locale=locale,
                            timezone=timezone, approved_at=now if status is UserStatus.active else None))
        existing_users.add(email)
        created["users"] += 1

    n = len(demo_data.FIRST_NAMES)
    for i, (name, acronym, kind, country) in enumerate(demo_data.ORGANISATIONS):
        org = existing_orgs.get(fold(name))
        if org is None:
            # The last two organisations wait in the secretariat's queue, to show it at work.
            pending = i >= len(demo_data.ORGANISATIONS) - 2
            org = Organisation(acronym=acronym, stakeholder_type=StakeholderType(kind), country_code=country,
                               website=f"https://{_slug(acronym)}.example.org",
                               description=demo_data.DESCRIPTION.format(
                                   area=demo_data.AREAS[i % len(demo_data.AREAS)], country=country),
                               status=OrganisationStatus.pending if pending else OrganisationStatus.active,
                               approved_at=None if pending else now)
            org.set_name(name)
            db.session.add(org)
            created["organisations"] += 1
        full_name = f"{demo_data.FIRST_NAMES[i % n]} {demo_data.FAMILY_NAMES[i % len(demo_data.FAMILY_NAMES)]}"
        status = UserStatus.active if org.status is OrganisationStatus.active else UserStatus.pending
        locale = "fr" if country in {"SEN", "CIV", "MAR", "BFA", "CMR", "FRA", "BEL"} else (
            "es" if country in {"COL", "PER", "GTM", "MEX", "ARG"} else "en")
        if i == 0:
            person("admin@hub.example.org", "Demo Secretariat Admin", org, admin=True, job="Secretariat")
        person(f"focal@{_slug(acronym)}.example.org", full_name, org, status=status, locale=locale)
        if i in (1, 3, 22, 8):
            person(f"member@{_slug(acronym)}.example.org",
                   f"{demo_data.FIRST_NAMES[(i + 7) % n]} {demo_data.FAMILY_NAMES[(i + 3) % 10]}", org,
                   role=OrgRole.member, job="Programme officer", locale=locale)
    # Someone asking to join an existing organisation.
    org = existing_orgs.get(fold(demo_data.ORGANISATIONS[22][0])) or db.session.scalar(
        sa.select(Organisation).where(Organisation.name_key == fold(demo_data.ORGANISATIONS[22][0])))
    person("applicant@cfc.example.org", "Jonas Placeholder", org, status=UserStatus.pending)

    existing_groups = {g.slug: g for g in db.session.scalars(sa.select(ActionGroup))}
    for slug, name, mandate in demo_data.ACTION_GROUPS:
        if slug not in existing_groups:
            areas, countries = demo_data.GROUP_SCOPE[slug]
            group = ActionGroup(slug=slug, name=name, mandate=mandate, areas=areas, focus_countries=countries,
                                visibility=Visibility.partners if slug == "migration" else Visibility.members)
            db.session.add(group)
            existing_groups[slug] = group
            created["action_groups"] += 1
    db.session.flush()
    _seed_memberships(existing_groups)
    db.session.flush()
    return created


def _seed_memberships(groups: dict[str, ActionGroup]) -> None:
    users = {u.email: u for u in db.session.scalars(sa.select(User))}
    have = set(db.session.execute(sa.select(Membership.group_id, Membership.user_id)).all())
    for slug, people in demo_data.GROUP_MEMBERS.items():
        group = groups[slug]
        for email, role in people:
            user = users.get(email)
            if user is not None and user.is_approved and (group.id, user.id) not in have:
                db.session.add(Membership(group_id=group.id, user_id=user.id, role=GroupRole(role)))


DEMO_LOGINS = [
    ("admin@hub.example.org", "secretariat (admin)"),
    ("focal@mlswr.example.org", "focal point, Ministry of Labour (demo)"),
    ("member@mlswr.example.org", "member, Ministry of Labour (demo)"),
    ("focal@unodwp.example.org", "convener of the Supply Chains action group"),
    ("focal@std.example.org", "focal point, Secretaría de Trabajo Decente (demo), Spanish"),
    ("applicant@cfc.example.org", "applicant waiting for approval"),
    ("focal@ilsr.example.org", "curator of the knowledge library"),
]


@click.command("seed-demo")
@click.option("--size", type=click.Choice(["small", "large"]), default="small", show_default=True,
              help="large also creates a workspace with a 500-reply thread, 1,000 documents and 200 work items, "
                   "tops the public pledges up to 20,000 and adds 2,000 library resources.")
def seed_demo(size: str):
    """Load the demo organisations, people, action groups and their content (safe to run again)."""
    from app import demo_content
    from app.commitments.demo import seed_pledges
    from app.commitments.demo_bulk import top_up_public_pledges
    from app.demo_overlaps import seed_overlaps

    counts = seed()
    db.session.flush()
    counts["workspaces_with_content"] = demo_content.seed_small()
    counts["pledges"] = seed_pledges()
    from app.forums.demo import seed_forum

    counts["forum_items"] = seed_forum()
    db.session.commit()
    from app.demo_knowledge import seed_knowledge, seed_many_resources
    from app.knowledge.search import rebuild_index

    counts.update(seed_knowledge())
    db.session.commit()
    counts.update(seed_overlaps())
    db.session.commit()
    if size == "large":
        click.echo("Creating the large workspace (a minute or so)...")
        created = demo_content.seed_large()
        db.session.commit()
        click.echo(f"Large workspace: {'created' if created else 'already there'} at "
                   f"/actiongroups/{demo_content.LARGE_SLUG}/workspace")
        counts["bulk_pledges"] = top_up_public_pledges(20_000)
        db.session.commit()
        from app.knowledge.models import Resource

        if db.session.scalar(sa.select(sa.func.count(Resource.id))) < 2000:
            counts["bulk_resources"] = seed_many_resources(2000)
            db.session.commit()
        from app.overlaps.index import get_index

        click.echo("Rebuilding the overlap index...")
        counts["indexed_initiatives"] = len(get_index().rebuild(session=db.session))
    # Bulk rows bypass the ORM, so the search index is rebuilt from the database (a few seconds).
    rebuild_index()
    db.session.commit()
    # Fresh statistics, so the query planner (SQLite's especially) picks the right indexes.
    db.session.execute(sa.text("ANALYZE"))
    db.session.commit()
    click.echo("Demo data: " + ", ".join(f"{v} new {k.replace('_', ' ')}" for k, v in counts.items()))
    click.echo(f"Demo logins (password for all: {demo_data.DEMO_PASSWORD}):")
    for email, what in DEMO_LOGINS:
        click.echo(f"  {email:32} {what}")


@click.command("run-worker")
@click.option("--poll", default=1000, show_default=True, type=click.IntRange(10, 60_000),
              help="Milliseconds to wait before looking at the outbox again when nothing was due.")
@click.option("--jobs/--no-jobs", default=True, show_default=True,
              help="Also run the scheduled jobs (a second worker may only drain the outbox).")
def run_worker(poll: int, jobs: bool):
    """Run the worker until stopped: the scheduled jobs, and the outbox (e-mails, fan-outs, re-indexing)."""
    from flask import current_app

    from app.scheduler import run_worker as run

    click.echo(f"Worker running: outbox every {poll} ms when idle{', and the scheduled jobs' if jobs else ''} "
               "(Ctrl-C to stop)")
    run(current_app._get_current_object(), poll / 1000, jobs=jobs)


@click.command("run-scheduler", deprecated=True)
@click.pass_context
def run_scheduler(ctx):
    """Deprecated: the former name of run-worker (which drains the outbox too)."""
    ctx.invoke(run_worker)


@click.command("outbox-status")
@click.option("--retry-failed", is_flag=True, help="Give every failed row a new round of attempts.")
def outbox_status(retry_failed: bool):
    """Show what the outbox holds: pending, due, failed and done rows, and the failed ones."""
    from app import events

    if retry_failed:
        retried = events.retry_failed()
        db.session.commit()
        click.echo(f"Retrying {retried} failed row(s).")
    status = events.status()
    click.echo(f"pending {status.pending} (due now {status.due}), failed {status.failed}, done {status.done}")
    if status.oldest_due_at is not None:
        click.echo(f"oldest due since {status.oldest_due_at.isoformat()}")
    for event in events.failed_events():
        click.echo(f"  failed #{event.id} {event.kind} {event.key} after {event.attempts} attempts: {event.last_error}")


@click.command("run-jobs")
def run_jobs():
    """Run every scheduled job once, now (useful after downtime, or to try them out)."""
    from app.scheduler import JOBS

    for func, _trigger in JOBS:
        click.echo(f"{func.__name__}: {func()}")
