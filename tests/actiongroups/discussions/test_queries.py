"""The heavy discussion pages run the same number of SQL queries whatever the amount of data."""
from __future__ import annotations

import sqlalchemy as sa

from app.actiongroups.discussions import services
from app.actiongroups.discussions.models import Post, Thread
from app.extensions import db
from tests.actiongroups.discussions.conftest import at

BASE = "/actiongroups/supply-chains/threads"


def _add_replies(thread, people, upto: int, start_minute: int) -> None:
    """Bring the thread to ``upto`` posts quickly (rows, not the service: notifications aren't measured)."""
    authors = [people.member, people.convener, people.admin]
    posts = [Post(thread_id=thread.id, author_id=authors[n % 3].id, body=f"Reply **{n}**",
                  created_at=at(start_minute + n), edited_at=at(start_minute + n + 1) if n % 7 == 0 else None,
                  is_hidden=n % 11 == 0, hidden_by_id=people.convener.id if n % 11 == 0 else None,
                  hidden_at=at(start_minute + n) if n % 11 == 0 else None)
             for n in range(thread.post_count, upto)]
    db.session.add_all(posts)
    thread.post_count = upto
    thread.last_post_at = at(start_minute + upto)
    db.session.commit()


def _measure(client, url, count_queries) -> int:
    count_queries.clear()
    response = client.get(url)
    assert response.status_code == 200
    return len(count_queries)


def test_thread_page_queries_do_not_grow_with_replies(discussion, as_role, count_queries):
    people = discussion.people
    thread = discussion.thread
    url = f"{BASE}/{thread.id}"
    for role in ("convener", "observer"):  # a moderator sees hidden posts' text and who hid them
        client = as_role(role)
        _add_replies(thread, people, 5, 10)
        client.get(url)  # warm up: the first request of a client loads things once
        small = _measure(client, url, count_queries)
        _add_replies(thread, people, 500, 100)
        assert db.session.scalar(sa.select(sa.func.count(Post.id)).where(Post.thread_id == thread.id)) == 500
        large = _measure(client, url, count_queries)
        assert small == large, "\n".join(count_queries)
        assert large <= 15
        client.post("/logout")
        db.session.execute(sa.delete(Post).where(Post.thread_id == thread.id, Post.id > discussion.reply.id))
        thread.post_count = 2
        db.session.commit()


def test_thread_list_queries_do_not_grow_with_threads(discussion, as_role, count_queries):
    people = discussion.people
    client = as_role("member")
    client.get(BASE)

    def grow_to(n):
        existing = db.session.scalar(sa.select(sa.func.count(Thread.id)).where(Thread.group_id == discussion.group.id))
        for i in range(existing, n):
            author = [people.member, people.convener, people.admin][i % 3]
            thread = services.start_thread(author, discussion.group, f"Thread {i}", "Body", now=at(i))
            if i % 4 == 0:
                services.set_pinned(people.convener, thread, True)
            if i % 5 == 0:
                services.set_locked(people.convener, thread, True)
            if i % 2 == 0:
                services.mark_read(people.member, thread, at(i))
        db.session.commit()

    grow_to(5)
    small = _measure(client, BASE, count_queries)
    grow_to(50)
    large = _measure(client, BASE, count_queries)
    assert small == large, "\n".join(count_queries)
    assert large <= 15
