"""Discussion rules, called directly: threads, replies, edits, moderation, mentions, read marks."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.actiongroups.discussions import services
from app.actiongroups.discussions.models import BODY_MAX, Post, Thread, ThreadRead
from app.actiongroups.models import Activity
from app.audit import AuditEntry
from app.errors import DomainError, InvalidTransitionError, NotAllowedError
from app.extensions import db
from app.notifications.models import Notification
from tests.actiongroups.discussions.conftest import at


def _notifications(kind=None):
    query = sa.select(Notification.recipient_id, Notification.kind, Notification.key).order_by(Notification.id)
    if kind:
        query = query.where(Notification.kind == kind)
    return db.session.execute(query).all()


def _recipients(kind):
    return {row.recipient_id for row in _notifications(kind)}


def _count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


# -- starting and replying ----------------------------------------------------------------------------------
def test_start_thread_creates_the_opening_post_and_tells_every_other_member(group_world):
    people = group_world.people
    thread = services.start_thread(people.member, group_world.group, "  Audits   in cocoa ", "Hello **all**",
                                   now=at(0))
    assert thread.title == "Audits in cocoa"
    assert thread.post_count == 1 and thread.last_post_at == at(0)
    posts = db.session.scalars(sa.select(Post).where(Post.thread_id == thread.id)).all()
    assert [p.body for p in posts] == ["Hello **all**"]
    assert _recipients("thread_new") == {people.observer.id, people.convener.id}
    keys = {row.key for row in _notifications("thread_new")}
    assert f"thread_new:{thread.id}:{people.observer.id}" in keys
    activity = db.session.scalar(sa.select(Activity).where(Activity.verb == "thread_new"))
    assert activity.params == {"title": "Audits in cocoa"}
    assert activity.url == f"/actiongroups/supply-chains/threads/{thread.id}"
    # The author has read their own thread.
    assert db.session.scalar(sa.select(ThreadRead.last_read_at).where(ThreadRead.user_id == people.member.id)) == at(0)


def test_reply_notifies_the_participants_but_not_the_author(discussion):
    people = discussion.people
    before = len(_notifications("thread_reply"))
    post = services.reply(people.member, discussion.thread, "Thanks, noted.", now=at(10))
    db.session.flush()
    thread = discussion.thread
    assert thread.post_count == 3 and thread.last_post_at == at(10)
    new = _notifications("thread_reply")[before:]
    # The convener took part; the observer did not; the member wrote this reply.
    assert [(row.recipient_id, row.key) for row in new] == [
        (people.convener.id, f"reply:{post.id}:{people.convener.id}")]
    activity = db.session.scalars(sa.select(Activity).where(Activity.verb == "thread_reply")).all()[-1]
    assert activity.params == {"title": "Audits in cocoa"} and activity.url.endswith(f"#post-{post.id}")


def test_participants_who_left_the_group_are_not_told(discussion):
    from app.actiongroups.models import Membership

    people = discussion.people
    db.session.execute(sa.delete(Membership).where(Membership.user_id == people.convener.id))
    before = len(_notifications("thread_reply"))
    services.reply(people.member, discussion.thread, "Anyone?", now=at(10))
    assert _notifications("thread_reply")[before:] == []


@pytest.mark.parametrize("body, message", [("", "cannot be empty"), ("   \n ", "cannot be empty"),
                                           ("x" * (BODY_MAX + 1), "too long")])
def test_bad_bodies_are_refused_and_leave_nothing(discussion, body, message):
    posts, threads = _count(Post), _count(Thread)
    with pytest.raises(DomainError, match=message) as caught:
        services.reply(discussion.people.member, discussion.thread, body, now=at(10))
    assert caught.value.field == "body"
    with pytest.raises(DomainError, match=message):
        services.start_thread(discussion.people.member, discussion.group, "A title", body, now=at(10))
    assert (_count(Post), _count(Thread)) == (posts, threads)


def test_a_body_of_exactly_the_limit_is_accepted(discussion):
    post = services.reply(discussion.people.member, discussion.thread, "y" * BODY_MAX, now=at(10))
    assert len(post.body) == BODY_MAX


@pytest.mark.parametrize("title, message", [("", "title"), ("t" * 201, "too long")])
def test_bad_titles_are_refused(group_world, title, message):
    with pytest.raises(DomainError, match=message) as caught:
        services.start_thread(group_world.people.member, group_world.group, title, "Body", now=at(0))
    assert caught.value.field == "title"
    assert _count(Thread) == 0


def test_a_locked_thread_refuses_replies(discussion):
    services.set_locked(discussion.people.convener, discussion.thread, True)
    posts = _count(Post)
    with pytest.raises(InvalidTransitionError, match="locked"):
        services.reply(discussion.people.member, discussion.thread, "Still here", now=at(10))
    with pytest.raises(InvalidTransitionError, match="locked"):
        services.reply(discussion.people.convener, discussion.thread, "Me too", now=at(10))
    assert _count(Post) == posts


def test_an_archived_group_refuses_everything(discussion):
    discussion.group.is_archived = True
    people = discussion.people
    posts, threads, audits = _count(Post), _count(Thread), _count(AuditEntry)
    for action in [lambda: services.start_thread(people.member, discussion.group, "T", "B", now=at(10)),
                   lambda: services.reply(people.member, discussion.thread, "B", now=at(10)),
                   lambda: services.edit_post(people.member, discussion.opening, "B2", now=at(10)),
                   lambda: services.set_pinned(people.convener, discussion.thread, True),
                   lambda: services.set_locked(people.admin, discussion.thread, True),
                   lambda: services.set_hidden(people.convener, discussion.reply, True, now=at(10))]:
        with pytest.raises(InvalidTransitionError, match="archived"):
            action()
    assert (_count(Post), _count(Thread), _count(AuditEntry)) == (posts, threads, audits)
    assert not discussion.thread.is_pinned and not discussion.reply.is_hidden


@pytest.mark.parametrize("role", ["outsider", "requester", "observer", "pending_user"])
def test_only_members_conveners_and_the_secretariat_post(discussion, role):
    person = getattr(discussion.people, role)
    with pytest.raises(NotAllowedError):
        services.reply(person, discussion.thread, "Hi", now=at(10))
    with pytest.raises(NotAllowedError):
        services.start_thread(person, discussion.group, "T", "B", now=at(10))


def test_the_secretariat_may_post_without_being_a_member(discussion):
    post = services.reply(discussion.people.admin, discussion.thread, "From the secretariat.", now=at(10))
    assert post.author_id == discussion.people.admin.id


# -- editing -------------------------------------------------------------------------------------------------
def test_the_author_edits_and_the_post_is_marked_edited(discussion):
    post = services.edit_post(discussion.people.member, discussion.opening, "What do you audit, and how?", now=at(30))
    assert post.body == "What do you audit, and how?" and post.edited_at == at(30)


def test_an_unchanged_text_is_not_an_edit(discussion):
    post = services.edit_post(discussion.people.member, discussion.opening, "What do you audit?", now=at(30))
    assert post.edited_at is None


@pytest.mark.parametrize("role", ["convener", "admin", "observer"])
def test_nobody_else_edits_a_post(discussion, role):
    with pytest.raises(NotAllowedError):
        services.edit_post(getattr(discussion.people, role), discussion.opening, "Changed", now=at(30))
    assert discussion.opening.body == "What do you audit?"


def test_hidden_posts_and_locked_threads_cannot_be_edited(discussion):
    people = discussion.people
    services.set_hidden(people.convener, discussion.opening, True, now=at(20))
    with pytest.raises(InvalidTransitionError, match="hid"):
        services.edit_post(people.member, discussion.opening, "Sneaky", now=at(30))
    services.set_hidden(people.convener, discussion.opening, False)
    services.set_locked(people.convener, discussion.thread, True)
    with pytest.raises(InvalidTransitionError, match="locked"):
        services.edit_post(people.member, discussion.opening, "Sneaky", now=at(30))
    assert discussion.opening.body == "What do you audit?"


def test_an_empty_edit_is_refused(discussion):
    with pytest.raises(DomainError, match="empty"):
        services.edit_post(discussion.people.member, discussion.opening, "  ", now=at(30))
    assert discussion.opening.edited_at is None


# -- moderation ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ["convener", "admin"])
def test_moderators_pin_lock_and_hide_and_it_is_audited(discussion, role):
    actor = getattr(discussion.people, role)
    services.set_pinned(actor, discussion.thread, True)
    services.set_locked(actor, discussion.thread, True)
    services.set_hidden(actor, discussion.opening, True, now=at(20))
    assert discussion.thread.is_pinned and discussion.thread.is_locked
    assert discussion.opening.is_hidden and discussion.opening.hidden_by_id == actor.id
    assert discussion.opening.hidden_at == at(20)
    services.set_hidden(actor, discussion.opening, False)
    assert not discussion.opening.is_hidden and discussion.opening.hidden_by_id is None
    db.session.flush()
    actions = db.session.execute(sa.select(AuditEntry.action, AuditEntry.actor_id).order_by(AuditEntry.id)).all()
    assert [a for a, who in actions if who == actor.id] == ["thread.pin", "thread.lock", "post.hide", "post.unhide"]


def test_setting_the_same_state_again_changes_and_audits_nothing(discussion):
    services.set_pinned(discussion.people.convener, discussion.thread, False)
    db.session.flush()
    assert _count(AuditEntry) == 0


@pytest.mark.parametrize("role", ["member", "observer", "outsider"])
def test_others_cannot_moderate(discussion, role):
    person = getattr(discussion.people, role)
    for action in [lambda: services.set_pinned(person, discussion.thread, True),
                   lambda: services.set_locked(person, discussion.thread, True),
                   lambda: services.set_hidden(person, discussion.reply, True)]:
        with pytest.raises(NotAllowedError):
            action()
    assert not (discussion.thread.is_pinned or discussion.thread.is_locked or discussion.reply.is_hidden)


# -- mentions ------------------------------------------------------------------------------------------------
def test_a_mention_notifies_exactly_the_mentioned_member(discussion):
    people = discussion.people
    before = len(_notifications("mention"))
    body = ("@[Obi Observer], what do you think? Also @outsider@example.org and @stranger@example.org, "
            "and write to mia@example.org.")
    post = services.reply(people.member, discussion.thread, body, now=at(10))
    new = _notifications("mention")[before:]
    # The observer is a member (any role); the outsider and the other group's convener are not.
    assert [(row.recipient_id, row.key) for row in new] == [
        (people.observer.id, f"mention:{post.id}:{people.observer.id}")]
    params = db.session.scalar(sa.select(Notification.params).where(Notification.kind == "mention"))
    assert params == {"actor": "Mia Member", "thread": "Audits in cocoa", "group": "Supply Chains"}


def test_mentions_by_email_ignore_case_and_names_ignore_accents(discussion, make_user, add_member):
    people = discussion.people
    elodie = make_user("elodie@example.org", full_name="Élodie Durand")
    add_member(discussion.group, elodie)
    found = services.mentioned_members(discussion.group, "Hi @[elodie  durand] and @CONVENER@Example.org.")
    assert {u.id for u in found} == {elodie.id, people.convener.id}
    assert services.mentioned_members(discussion.group, "mail convener@example.org or @[Nobody Here]") == []


def test_a_mentioned_member_gets_one_notification_not_two(discussion):
    people = discussion.people
    post = services.reply(people.member, discussion.thread, "@[Cleo Convener] see above", now=at(10))
    mine = [row.kind for row in _notifications() if row.recipient_id == people.convener.id and str(post.id) in row.key]
    assert mine == ["mention"]


def test_an_edit_tells_only_the_newly_mentioned(discussion):
    people = discussion.people
    post = services.reply(people.member, discussion.thread, "@[Obi Observer] first", now=at(10))
    services.edit_post(people.member, post, "@[Obi Observer] first, and @[Cleo Convener]", now=at(11))
    rows = [row.recipient_id for row in _notifications("mention") if row.key.startswith(f"mention:{post.id}:")]
    assert sorted(rows) == sorted([people.observer.id, people.convener.id])


def test_new_thread_mentions_replace_the_new_thread_notice(group_world):
    people = group_world.people
    services.start_thread(people.convener, group_world.group, "Hello", "@[Mia Member] please start", now=at(0))
    assert _recipients("mention") == {people.member.id}
    assert _recipients("thread_new") == {people.observer.id}


# -- read marks ----------------------------------------------------------------------------------------------
def test_read_marks_only_move_forward(discussion):
    people = discussion.people
    thread = discussion.thread
    assert services.last_read_at(people.observer, [thread.id]) == {}
    services.mark_read(people.observer, thread, at(20))
    services.mark_read(people.observer, thread, at(15))  # an older tab finishing late
    assert services.last_read_at(people.observer, [thread.id]) == {thread.id: at(20)}
    assert not services.is_unread(thread, at(20))
    services.reply(people.member, thread, "New!", now=at(25))
    assert services.is_unread(thread, services.last_read_at(people.observer, [thread.id])[thread.id])
    assert db.session.scalar(sa.select(sa.func.count(ThreadRead.id)).where(
        ThreadRead.user_id == people.observer.id)) == 1


def test_post_url_points_at_the_page_holding_the_post(discussion, app):
    app.config["PAGE_SIZE"] = 2
    people = discussion.people
    third = services.reply(people.member, discussion.thread, "Third", now=at(10))
    assert services.post_url(discussion.group, discussion.thread, third) == (
        f"/actiongroups/supply-chains/threads/{discussion.thread.id}?page=2#post-{third.id}")
    assert services.post_url(discussion.group, discussion.thread, discussion.reply).endswith(
        f"/threads/{discussion.thread.id}#post-{discussion.reply.id}")


def test_two_members_with_the_same_name_are_told_apart_by_their_organisation(app, discussion, make_user, make_org,
                                                                            add_member):
    """A bare name two members share tells nobody (it notified both); "Name (Organisation)" tells one."""
    group = discussion.group
    ana_ilo = make_user("ana.ilo@example.org", full_name="Ana Silva", org=make_org("ILO Brasil"))
    ana_ngo = make_user("ana.ngo@example.org", full_name="Ana Silva", org=make_org("Repórter Brasil"))
    add_member(group, ana_ilo)
    add_member(group, ana_ngo)
    assert services.mentioned_members(group, "Thanks @[Ana Silva]!") == []
    assert services.mentioned_members(group, "Thanks @[Ana Silva (Repórter Brasil)]!") == [ana_ngo]
    assert services.mentioned_members(group, "Thanks @[ana silva (reporter brasil)]!") == [ana_ngo]
    with app.test_request_context():
        html = str(services.link_mentions("<p>Thanks @[Ana Silva (ILO Brasil)] and @[Ana Silva]</p>", group))
    assert f'href="/actiongroups/{group.slug}/members#member-{ana_ilo.id}">@Ana Silva (ILO Brasil)</a>' in html
    assert "and @[Ana Silva]</p>" in html  # ambiguous: left as typed, not linked
