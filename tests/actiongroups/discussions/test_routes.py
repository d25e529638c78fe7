"""Discussion pages: who may do what (route × role), bad input, rendering, unread markers."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.actiongroups.discussions import services
from app.actiongroups.discussions.models import BODY_MAX, Post, Thread
from app.actiongroups.models import Visibility
from app.extensions import db
from tests.actiongroups.conftest import ROLES
from tests.conftest import reload
from tests.actiongroups.discussions.conftest import at

LOGIN = 302
BASE = "/actiongroups/supply-chains/threads"


def _codes(anonymous, outsider, requester, observer, member, convener, admin):
    return dict(zip(ROLES, (anonymous, outsider, requester, observer, member, convener, admin)))


READERS = _codes(LOGIN, 403, 403, 200, 200, 200, 200)
POSTERS = _codes(LOGIN, 403, 403, 403, 302, 302, 302)
MODERATORS = _codes(LOGIN, 403, 403, 403, 403, 302, 302)
# An object of another group reached through this group's address: unknown here.
FOREIGN = _codes(LOGIN, 403, 403, 404, 404, 404, 404)

# (method, url template, form data, expected codes by role); {d} is the `discussion` fixture.
MATRIX = [
    ("GET", BASE, None, READERS),
    ("GET", BASE + "?page=2", None, READERS),
    ("GET", BASE + "/new", None, _codes(LOGIN, 403, 403, 403, 200, 200, 200)),
    ("POST", BASE + "/new", {"title": "A new one", "body": "Hello"}, POSTERS),
    ("GET", BASE + "/{d.thread.id}", None, READERS),
    ("POST", BASE + "/{d.thread.id}/reply", {"body": "Agreed."}, POSTERS),
    ("GET", BASE + "/{d.thread.id}/posts/{d.opening.id}/edit", None, _codes(LOGIN, 403, 403, 403, 200, 403, 403)),
    ("POST", BASE + "/{d.thread.id}/posts/{d.opening.id}/edit", {"body": "Edited."},
     _codes(LOGIN, 403, 403, 403, 302, 403, 403)),
    ("GET", BASE + "/{d.thread.id}/posts/{d.reply.id}/edit", None, _codes(LOGIN, 403, 403, 403, 403, 200, 403)),
    ("POST", BASE + "/{d.thread.id}/pin", {}, MODERATORS),
    ("POST", BASE + "/{d.thread.id}/lock", {}, MODERATORS),
    ("POST", BASE + "/{d.thread.id}/posts/{d.reply.id}/hide", {}, MODERATORS),
    # Guessed ids: the other group's thread and post, through this group's address.
    ("GET", BASE + "/{d.other_thread.id}", None, FOREIGN),
    ("POST", BASE + "/{d.other_thread.id}/reply", {"body": "Hi"}, FOREIGN),
    ("GET", BASE + "/{d.other_thread.id}/posts/{d.other_post.id}/edit", None, FOREIGN),
    ("GET", BASE + "/{d.thread.id}/posts/{d.other_post.id}/edit", None, FOREIGN),
    ("POST", BASE + "/{d.other_thread.id}/pin", {}, FOREIGN),
    ("POST", BASE + "/{d.other_thread.id}/lock", {}, FOREIGN),
    ("POST", BASE + "/{d.thread.id}/posts/{d.other_post.id}/hide", {}, FOREIGN),
    ("GET", BASE + "/999999", None, FOREIGN),
    ("GET", "/actiongroups/no-such-group/threads", None, _codes(404, 404, 404, 404, 404, 404, 404)),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method, template, data, expected", MATRIX, ids=[f"{m} {t}" for m, t, _d, _e in MATRIX])
def test_route_access(discussion, as_role, role, method, template, data, expected):
    client = as_role(role)
    url = template.format(d=discussion)
    response = client.open(url, method=method, data=data)
    assert response.status_code == expected[role], f"{role} {method} {url}"
    if expected[role] == LOGIN and role == "anonymous":
        assert "/login" in response.headers["Location"]


def test_every_route_is_in_the_matrix(app):
    """A new discussion route must be added to the matrix above."""
    covered = {(m, t.split("?")[0].replace("{d.thread.id}", "<int:thread_id>")
                .replace("{d.opening.id}", "<int:post_id>").replace("{d.reply.id}", "<int:post_id>"))
               for m, t, _d, _e in MATRIX}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("actiongroups.discussions."):
            path = rule.rule.replace("<slug>", "supply-chains")
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert (method, path) in covered, f"{method} {rule.rule}"


def test_posting_as_each_role_really_writes(discussion, as_role):
    """The matrix's 302s are successes, not refusals: the reply and the moderation took effect."""
    client = as_role("member")
    client.post(f"{BASE}/{discussion.thread.id}/reply", data={"body": "From the member."})
    assert db.session.scalar(sa.select(Post).where(Post.body == "From the member.")) is not None


def test_moderation_toggles(discussion, as_role):
    client = as_role("convener")
    thread_url = f"{BASE}/{discussion.thread.id}"
    client.post(thread_url + "/pin")
    client.post(thread_url + "/lock")
    client.post(f"{thread_url}/posts/{discussion.reply.id}/hide")
    thread, post = reload(discussion.thread), reload(discussion.reply)
    assert thread.is_pinned and thread.is_locked and post.is_hidden
    page = client.get(thread_url).get_data(as_text=True)
    assert "Unpin" in page and "Open for replies" in page and "Show again" in page
    client.post(thread_url + "/pin")
    client.post(thread_url + "/lock")
    client.post(f"{thread_url}/posts/{discussion.reply.id}/hide")
    thread, post = reload(discussion.thread), reload(discussion.reply)
    assert not (thread.is_pinned or thread.is_locked or post.is_hidden)


# -- other visibilities ----------------------------------------------------------------------------------
def test_partners_group_outsiders_read_but_do_not_post(discussion, as_role):
    discussion.group.visibility = Visibility.partners
    db.session.commit()
    client = as_role("outsider")
    assert client.get(BASE).status_code == 200
    page = client.get(f"{BASE}/{discussion.thread.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "What do you audit?" in html
    assert "reply-heading" not in html and "Only the group's members and conveners can reply." in html
    assert "Start a discussion" not in client.get(BASE).get_data(as_text=True)
    assert client.get(f"{BASE}/new").status_code == 403
    assert client.post(f"{BASE}/new", data={"title": "T", "body": "B"}).status_code == 403
    assert client.post(f"{BASE}/{discussion.thread.id}/reply", data={"body": "B"}).status_code == 403
    assert client.post(f"{BASE}/{discussion.thread.id}/pin").status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(Post.id))) == 3


@pytest.mark.parametrize("role", ["member", "convener", "admin"])
def test_archived_group_is_read_only_with_a_clear_message(discussion, as_role, role):
    discussion.group.is_archived = True
    db.session.commit()
    client = as_role(role)
    thread_url = f"{BASE}/{discussion.thread.id}"
    page = client.get(thread_url)
    assert page.status_code == 200 and "reply-heading" not in page.get_data(as_text=True)
    assert "Start a discussion" not in client.get(BASE).get_data(as_text=True)
    for url, data in [(f"{BASE}/new", {"title": "T", "body": "B"}), (thread_url + "/reply", {"body": "B"}),
                      (f"{thread_url}/posts/{discussion.opening.id}/edit", {"body": "Changed"}),
                      (thread_url + "/pin", {}), (thread_url + "/lock", {}),
                      (f"{thread_url}/posts/{discussion.reply.id}/hide", {})]:
        response = client.post(url, data=data, follow_redirects=True)
        assert response.status_code == 200, url
        assert "archived: nothing can change" in response.get_data(as_text=True), url
    thread = reload(discussion.thread)
    assert (thread.is_pinned, thread.is_locked, thread.post_count) == (False, False, 2)
    assert db.session.scalar(sa.select(sa.func.count(Post.id))) == 3
    assert db.session.scalar(sa.select(sa.func.count(Thread.id))) == 2
    assert reload(discussion.opening).body == "What do you audit?"
    assert not reload(discussion.reply).is_hidden


# -- bad input -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("body, message", [("", "cannot be empty"), ("   ", "cannot be empty"),
                                           ("z" * (BODY_MAX + 1), "too long")])
def test_bad_replies_show_the_thread_again_with_the_text_kept(discussion, as_role, body, message):
    client = as_role("member")
    response = client.post(f"{BASE}/{discussion.thread.id}/reply", data={"body": body})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in html and "Child labour risks first." in html
    if body.strip():
        assert body in html
    assert db.session.scalar(sa.select(sa.func.count(Post.id))) == 3


def test_bad_new_thread_keeps_what_was_typed(discussion, as_role):
    client = as_role("member")
    response = client.post(f"{BASE}/new", data={"title": "", "body": "My careful text"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Give the discussion a title." in html and "My careful text" in html
    response = client.post(f"{BASE}/new", data={"title": "T" * 201, "body": "x"})
    assert "The title is too long" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Thread.id))) == 2


def test_a_locked_thread_refuses_replies_with_a_message(discussion, as_role):
    services.set_locked(discussion.people.convener, discussion.thread, True)
    db.session.commit()
    client = as_role("member")
    page = client.get(f"{BASE}/{discussion.thread.id}").get_data(as_text=True)
    assert "This discussion is locked" in page and "reply-heading" not in page
    response = client.post(f"{BASE}/{discussion.thread.id}/reply", data={"body": "Let me in"}, follow_redirects=True)
    assert response.status_code == 200
    assert "This discussion is locked: no new replies can be added." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(Post).where(Post.body == "Let me in")) is None
    assert reload(discussion.thread).post_count == 2


def test_editing_a_post_in_a_locked_thread_says_why(discussion, as_role):
    services.set_locked(discussion.people.convener, discussion.thread, True)
    db.session.commit()
    client = as_role("member")
    response = client.get(f"{BASE}/{discussion.thread.id}/posts/{discussion.opening.id}/edit", follow_redirects=True)
    assert "its messages can no longer change" in response.get_data(as_text=True)


def test_an_empty_edit_is_refused_with_the_form_shown_again(discussion, as_role):
    client = as_role("member")
    response = client.post(f"{BASE}/{discussion.thread.id}/posts/{discussion.opening.id}/edit", data={"body": ""})
    assert response.status_code == 200 and "cannot be empty" in response.get_data(as_text=True)
    assert reload(discussion.opening).edited_at is None


# -- rendering -----------------------------------------------------------------------------------------------
def test_markdown_is_rendered_and_sanitised(discussion, as_role):
    body = ("**bold** and <script>alert('x')</script> <img src=x onerror=alert(1)> "
            "[link](javascript:alert(2)) <a href=\"https://example.org\" onclick=\"evil()\">ok</a>")
    services.reply(discussion.people.member, discussion.thread, body, now=at(10))
    db.session.commit()
    html = as_role("observer").get(f"{BASE}/{discussion.thread.id}").get_data(as_text=True)
    assert "<strong>bold</strong>" in html
    assert "<script>alert" not in html and "onerror" not in html and "onclick" not in html
    assert "javascript:" not in html
    assert 'href="https://example.org"' in html


def test_the_edited_marker_shows_with_its_date(discussion, as_role):
    client = as_role("member")
    page = client.get(f"{BASE}/{discussion.thread.id}").get_data(as_text=True)
    assert "post-edited" not in page
    response = client.get(f"{BASE}/{discussion.thread.id}/posts/{discussion.opening.id}/edit")
    assert "What do you audit?" in response.get_data(as_text=True)  # the form starts with the text
    response = client.post(f"{BASE}/{discussion.thread.id}/posts/{discussion.opening.id}/edit",
                           data={"body": "What do you audit, exactly?"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"#post-{discussion.opening.id}")
    post = reload(discussion.opening)
    assert post.edited_at is not None and post.body == "What do you audit, exactly?"
    page = client.get(f"{BASE}/{discussion.thread.id}").get_data(as_text=True)
    assert "post-edited" in page and "edited " in page and "What do you audit, exactly?" in page


def test_hidden_posts_show_a_note_to_members_and_the_text_to_moderators(discussion, as_role, client, login):
    services.set_hidden(discussion.people.convener, discussion.reply, True, now=at(20))
    db.session.commit()
    member_page = as_role("member").get(f"{BASE}/{discussion.thread.id}").get_data(as_text=True)
    assert "This message was hidden by a convener." in member_page
    assert "Child labour risks first." not in member_page
    client.post("/logout")
    login(discussion.people.admin)
    admin_page = client.get(f"{BASE}/{discussion.thread.id}").get_data(as_text=True)
    assert "Child labour risks first." in admin_page and "Hidden by Cleo Convener" in admin_page


def test_edit_links_only_for_the_author_and_moderation_buttons_only_for_moderators(discussion, as_role, client,
                                                                                     login):
    page = as_role("member").get(f"{BASE}/{discussion.thread.id}").get_data(as_text=True)
    assert f"/posts/{discussion.opening.id}/edit" in page and f"/posts/{discussion.reply.id}/edit" not in page
    assert "/pin" not in page and "/hide" not in page
    client.post("/logout")
    login(discussion.people.convener)
    page = client.get(f"{BASE}/{discussion.thread.id}").get_data(as_text=True)
    assert "/pin" in page and f"/posts/{discussion.opening.id}/hide" in page
    assert f"/posts/{discussion.opening.id}/edit" not in page


def test_threads_list_pinned_first_then_most_recent(discussion, as_role):
    people = discussion.people
    older = services.start_thread(people.member, discussion.group, "Older but pinned", "x", now=at(-60))
    newer = services.start_thread(people.member, discussion.group, "Newest", "x", now=at(60))
    services.set_pinned(people.convener, older, True)
    db.session.commit()
    html = as_role("observer").get(BASE).get_data(as_text=True)
    assert html.index("Older but pinned") < html.index("Newest") < html.index("Audits in cocoa")
    assert "Pinned" in html


def test_threads_and_posts_paginate(discussion, as_role, app):
    app.config["PAGE_SIZE"] = 2
    people = discussion.people
    for n in range(3):
        services.reply(people.member, discussion.thread, f"Reply number {n}", now=at(10 + n))
        services.start_thread(people.member, discussion.group, f"Thread {n}", "x", now=at(10 + n))
    db.session.commit()
    client = as_role("observer")
    first = client.get(f"{BASE}/{discussion.thread.id}").get_data(as_text=True)
    assert "What do you audit?" in first and "Reply number 0" not in first and "page=2" in first
    third = client.get(f"{BASE}/{discussion.thread.id}?page=3").get_data(as_text=True)
    assert "Reply number 2" in third and "What do you audit?" not in third
    index2 = client.get(BASE + "?page=2").get_data(as_text=True)
    assert "Thread 0" in index2 and "Thread 2" not in index2


def test_empty_list_says_what_to_do(group_world, as_role):
    assert "Start one to ask the group" in as_role("member").get(BASE).get_data(as_text=True)


def test_unread_marker_appears_then_disappears_after_reading(discussion, as_role):
    client = as_role("observer")
    assert "thread-unread" in client.get(BASE).get_data(as_text=True)
    client.get(f"{BASE}/{discussion.thread.id}")
    assert "thread-unread" not in client.get(BASE).get_data(as_text=True)
    # A later reply makes it unread again, and the new post is marked on the thread page.
    later = services.reply(discussion.people.member, discussion.thread, "Something new", now=at(60 * 24 * 365 * 5))
    db.session.commit()
    assert "thread-unread" in client.get(BASE).get_data(as_text=True)
    page = client.get(f"{BASE}/{discussion.thread.id}").get_data(as_text=True)
    assert page.index(f'id="post-{later.id}"') < page.rindex(">New<")
    assert "thread-unread" not in client.get(BASE).get_data(as_text=True)


def test_the_author_does_not_see_their_own_thread_as_unread(discussion, as_role):
    client = as_role("member")
    html = client.get(BASE).get_data(as_text=True)
    # The member started the thread but the convener replied after: unread. Other groups' threads never show.
    assert "thread-unread" in html and "Elsewhere" not in html
    services.start_thread(discussion.people.member, discussion.group, "Mine only", "x", now=at(60 * 24 * 365 * 5))
    db.session.commit()
    client.get(f"{BASE}/{discussion.thread.id}")
    assert "thread-unread" not in client.get(BASE).get_data(as_text=True)


def test_reply_through_the_page_notifies_and_redirects_to_the_post(discussion, as_role):
    from app.notifications.models import Notification

    client = as_role("member")
    response = client.post(f"{BASE}/{discussion.thread.id}/reply", data={"body": "Thanks @[Obi Observer]"})
    post = db.session.scalar(sa.select(Post).where(Post.body == "Thanks @[Obi Observer]"))
    assert response.headers["Location"].endswith(f"/threads/{discussion.thread.id}#post-{post.id}")
    kinds = dict(db.session.execute(sa.select(Notification.recipient_id, Notification.kind)
                                    .where(Notification.key.contains(f":{post.id}:"))).tuples().all())
    assert kinds == {discussion.people.observer.id: "mention", discussion.people.convener.id: "thread_reply"}


def test_the_discussions_tab_is_in_the_workspace(discussion, as_role):
    html = as_role("member").get("/actiongroups/supply-chains/workspace").get_data(as_text=True)
    assert 'href="/actiongroups/supply-chains/threads"' in html
    assert "Audits in cocoa" in html  # the activity feed links the new discussion
