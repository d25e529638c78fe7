"""Workspace pages at scale: a 500-reply thread, 1,000 documents, 200 work items.

Builds a fresh SQLite database through the migrations, loads ``seed-demo --size large``, signs in as the
large workspace's convener and times each page through the WSGI app (no network), counting SQL queries.
"""
from __future__ import annotations

import sqlalchemy as sa

from bench.common import count_statements, fresh_app, time_pages


def run() -> None:
    from app.actiongroups.discussions.models import Thread
    from app.actiongroups.models import ActionGroup, GroupRole, Membership
    from app.demo_content import LARGE_SLUG
    from app.demo_data import DEMO_PASSWORD
    from app.extensions import db
    from app.members.models import User

    app = fresh_app("--size", "large")
    with app.app_context():
        group = db.session.scalar(sa.select(ActionGroup).where(ActionGroup.slug == LARGE_SLUG))
        convener = db.session.scalar(sa.select(User).join(Membership, Membership.user_id == User.id).where(
            Membership.group_id == group.id, Membership.role == GroupRole.convener))
        thread_id = db.session.scalar(sa.select(Thread.id).where(Thread.group_id == group.id))
        email = convener.email
        engine = db.engine
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": DEMO_PASSWORD}).status_code == 302
    base = f"/actiongroups/{LARGE_SLUG}"
    pages = {
        "workspace home": f"{base}/workspace",
        "thread, 500 replies (page 1)": f"{base}/threads/{thread_id}",
        "thread, 500 replies (last page)": f"{base}/threads/{thread_id}?page=26",
        "documents, 1,000": f"{base}/documents",
        "work plan, 200 items": f"{base}/workplan",
        "members": f"{base}/members",
    }
    statements = count_statements(engine)
    time_pages(client, statements, pages)
