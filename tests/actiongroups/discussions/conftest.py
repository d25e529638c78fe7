"""Discussion fixtures: a thread in the group_world's group, and one in another group."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from app.actiongroups.discussions import services
from app.actiongroups.discussions.models import Post
from app.actiongroups.models import GroupRole
from app.extensions import db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def at(minutes: int) -> datetime:
    """A fixed moment, ``minutes`` after T0 (services take ``now=``; no test sleeps)."""
    return T0 + timedelta(minutes=minutes)


@pytest.fixture
def discussion(group_world, make_group, make_user, add_member):
    """A thread started by the member with a reply by the convener; another group with its own thread."""
    people = group_world.people
    thread = services.start_thread(people.member, group_world.group, "Audits in cocoa", "What do you audit?",
                                   now=at(0))
    reply = services.reply(people.convener, thread, "Child labour risks first.", now=at(5))
    other_group = make_group("Migration", slug="migration")
    stranger = make_user("stranger@example.org", full_name="Sam Stranger")
    add_member(other_group, stranger, GroupRole.convener)
    other_thread = services.start_thread(stranger, other_group, "Elsewhere", "Not yours.", now=at(1))
    db.session.commit()
    opening = db.session.scalar(sa.select(Post).where(Post.thread_id == thread.id).order_by(Post.id))
    other_post = db.session.scalar(sa.select(Post).where(Post.thread_id == other_thread.id))
    return SimpleNamespace(group=group_world.group, people=people, thread=thread, opening=opening, reply=reply,
                           other_group=other_group, other_thread=other_thread, other_post=other_post,
                           stranger=stranger)


