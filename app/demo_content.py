"""Workspace content for the demo (``flask seed-demo``) and for benchmarks (``--size large``).

Everything goes through the same services as the web pages, so the demo shows real behaviour. E-mails
that these services queue are dropped: nobody should receive hundreds of demo notifications.
"""
from __future__ import annotations

import io
from datetime import date, timedelta

import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from app.actiongroups.discussions import services as discussions
from app.actiongroups.discussions.models import Thread
from app.actiongroups.documents import services as documents
from app.actiongroups.models import ActionGroup, GroupRole, Membership, Visibility
from app.actiongroups.workplan import services as workplan
from app.extensions import db
from app.mail import discard_queued_emails
from app.members.models import Organisation, User
from app.uploads import store_upload
from app.utils import utcnow

LARGE_SLUG = "scale-test"


def _csv_file(name: str, rows: int = 3) -> FileStorage:
    text = "country,indicator,year,value\n" + "".join(f"KEN,demo-{i},2024,{i * 1.5}\n" for i in range(rows))
    return FileStorage(stream=io.BytesIO(text.encode()), filename=name, content_type="text/csv")


def _people(group: ActionGroup) -> dict[GroupRole, list[User]]:
    by_role: dict[GroupRole, list[User]] = {role: [] for role in GroupRole}
    for membership in db.session.scalars(sa.select(Membership).where(Membership.group_id == group.id)
                                         .order_by(Membership.id)):
        by_role[membership.role].append(membership.user)
    return by_role


def seed_small(now=None) -> int:
    """Give each seeded group a little life: threads, a document and work items (once)."""
    now = now or utcnow()
    made = 0
    for group in db.session.scalars(sa.select(ActionGroup).where(ActionGroup.slug != LARGE_SLUG)):
        people = _people(group)
        if not people[GroupRole.convener] or db.session.scalar(
                sa.select(Thread.id).where(Thread.group_id == group.id).limit(1)):
            continue
        convener = people[GroupRole.convener][0]
        member = (people[GroupRole.member] or [convener])[0]
        thread = discussions.start_thread(
            convener, group, "Work plan for the coming year",
            "Welcome to the workspace. Please add your organisation's **priorities** for the work plan "
            "below, and share any recent research.", now=now - timedelta(days=6))
        discussions.reply(member, thread, "Thank you. We will share our survey results on recruitment fees "
                                          "next week.", now=now - timedelta(days=5))
        discussions.start_thread(member, group, "Useful data sources",
                                 "Which national surveys do you use for SDG indicator 8.7.1?",
                                 now=now - timedelta(days=2))
        stored = store_upload(_csv_file("indicator-sample.csv"))
        documents.add_document(member, group, documents.DocumentData(
            title="Illustrative indicator table", description="Invented numbers, for the demo.",
            areas=list(group.areas[:1]), language="en", is_public=True), stored, now=now - timedelta(days=4))
        lead = member.organisation_id
        for i, (title, status, due) in enumerate([
                ("Mapping of existing initiatives", "in_progress", date.today() + timedelta(days=30)),
                ("Joint training for labour inspectors", "planned", date.today() + timedelta(days=120)),
                ("Briefing note for the Partnership Forum", "planned", date.today() - timedelta(days=3))]):
            workplan.create_work_item(convener, group, workplan.WorkItemData(
                title=title, description="Demo work item.", lead_organisation_id=lead,
                countries=list(group.focus_countries[:2]), areas=list(group.areas[:1]),
                start_date=date.today() - timedelta(days=60), due_date=due, status=status,
                responsible_id=member.id if i % 2 == 0 else None), now=now)
        made += 1
    db.session.flush()
    discard_queued_emails()
    return made


def seed_large(now=None, *, replies: int = 500, documents_count: int = 1000, work_items: int = 200) -> bool:
    """A workspace at the scale the benchmarks need: a thread with ``replies`` replies, ``documents_count``
    documents and ``work_items`` work items. Created once; returns whether it was created now."""
    if db.session.scalar(sa.select(ActionGroup.id).where(ActionGroup.slug == LARGE_SLUG)):
        return False
    now = now or utcnow()
    people = list(db.session.scalars(sa.select(User).where(User.email.like("focal@%")).order_by(User.id).limit(3)))
    if len(people) < 3:
        raise RuntimeError("Load the small demo first: seed-demo without --size.")
    group = ActionGroup(slug=LARGE_SLUG, name="Scale test (demo)", mandate="A workspace full of data, for benchmarks.",
                        areas=["forced_labour"], focus_countries=["KEN"], visibility=Visibility.members)
    db.session.add(group)
    db.session.flush()
    for person, role in zip(people, (GroupRole.convener, GroupRole.member, GroupRole.member)):
        db.session.add(Membership(group_id=group.id, user_id=person.id, role=role))
    db.session.flush()
    convener, member, other = people
    thread = discussions.start_thread(convener, group, "A long discussion", "The first message.",
                                      now=now - timedelta(days=30))
    for i in range(replies):
        discussions.reply((member, other)[i % 2], thread, f"Reply number {i + 1}, with *Markdown*.",
                          now=now - timedelta(days=30) + timedelta(minutes=i + 1))
    organisation_id = db.session.scalar(sa.select(Organisation.id).order_by(Organisation.id).limit(1))
    for i in range(documents_count):
        stored = store_upload(_csv_file(f"table-{i}.csv", rows=2))
        documents.add_document((member, other)[i % 2], group, documents.DocumentData(
            title=f"Document {i + 1}", areas=["forced_labour"], language="en"), stored,
            now=now - timedelta(minutes=documents_count - i))
        if i % 100 == 99:
            db.session.flush()
            discard_queued_emails()
    for i in range(work_items):
        workplan.create_work_item(convener, group, workplan.WorkItemData(
            title=f"Work item {i + 1}", lead_organisation_id=organisation_id, countries=["KEN"],
            start_date=date.today() - timedelta(days=90), due_date=date.today() + timedelta(days=i - 50),
            status=("planned", "in_progress", "done")[i % 3]), now=now)
    db.session.flush()
    discard_queued_emails()
    return True
