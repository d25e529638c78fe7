"""Discussion rules: threads, replies, edits, moderation, @mentions and read marks.

Services take explicit actors, flush but never commit, and raise DomainError with words for the person.
Every check happens before anything is added, so a refused action leaves no partial record.
"""
from __future__ import annotations

import logging
import re
from datetime import datetime
from html import unescape as html_unescape

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app, url_for
from markupsafe import Markup, escape
from flask_babel import gettext as _

from app import audit
from app.actiongroups.discussions.models import BODY_MAX, TITLE_MAX, Post, Thread, ThreadRead
from app.actiongroups.models import ActionGroup, Membership
from app.actiongroups.services import record_activity
from app.errors import DomainError, InvalidTransitionError, NotAllowedError
from app.extensions import db
from app.members.models import User
from app.notifications.services import notify
from app.utils import fold, utcnow

logger = logging.getLogger(__name__)

# @[Full Name] or @name@example.org; the lookbehind keeps "ann@example.org" in prose from counting.
MENTION_NAME = re.compile(r"@\[([^\[\]\n]{1,120})\]")
MENTION_EMAIL = re.compile(r"(?<![\w.@+-])@([\w.%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})")


# -- addresses ----------------------------------------------------------------------------------------------
def threads_url(group: ActionGroup) -> str:
    return f"/actiongroups/{group.slug}/threads"


def thread_url(group: ActionGroup, thread: Thread, page: int = 1, post: Post | None = None) -> str:
    url = f"{threads_url(group)}/{thread.id}"
    if page > 1:
        url += f"?page={page}"
    if post is not None:
        url += f"#post-{post.id}"
    return url


def _page_size() -> int:
    return current_app.config["PAGE_SIZE"]


def post_url(group: ActionGroup, thread: Thread, post: Post, position: int | None = None) -> str:
    """Where a post can be read: its thread, on the page that shows it.

    :param position: the post's 1-based place in the thread, if known (saves a query).
    """
    if position is None:
        position = db.session.scalar(sa.select(sa.func.count(Post.id)).where(
            Post.thread_id == thread.id, Post.id <= post.id)) or 1
    return thread_url(group, thread, (position - 1) // _page_size() + 1, post)


# -- checks ---------------------------------------------------------------------------------------------------
def _require_open(group: ActionGroup) -> None:
    if group.is_archived:
        raise InvalidTransitionError(_("This action group is archived: nothing can change in it."))


def _require_poster(actor: User, group: ActionGroup) -> None:
    _require_open(group)
    if not group.can_participate(actor):
        raise NotAllowedError(_("Only the group's members can take part in its discussions."))


def _require_moderator(actor: User, group: ActionGroup) -> None:
    _require_open(group)
    if not group.can_moderate(actor):
        raise NotAllowedError(_("Only the group's conveners can moderate its discussions."))


def clean_title(title: str | None) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise DomainError(_("Give the discussion a title."), field="title")
    if len(title) > TITLE_MAX:
        raise DomainError(_("The title is too long: at most %(max)d characters.", max=TITLE_MAX), field="title")
    return title


def clean_body(body: str | None) -> str:
    body = (body or "").strip()
    if not body:
        raise DomainError(_("Write a message: it cannot be empty."), field="body")
    if len(body) > BODY_MAX:
        raise DomainError(_("The message is too long: at most %(max)d characters.", max=BODY_MAX), field="body")
    return body


def check_editable(actor: User, post: Post) -> None:
    """Raise unless ``actor`` may edit ``post`` now (the author, in an open group and thread)."""
    thread = post.thread
    _require_poster(actor, thread.group)
    if post.author_id != actor.id:
        raise NotAllowedError(_("Only the author can edit a message."))
    if post.is_hidden:
        raise InvalidTransitionError(_("A convener hid this message: it can no longer be edited."))
    if thread.is_locked:
        raise InvalidTransitionError(_("This discussion is locked: its messages can no longer change."))


# -- threads and posts ---------------------------------------------------------------------------------------
def start_thread(actor: User, group: ActionGroup, title: str, body: str, now: datetime | None = None) -> Thread:
    """Start a discussion with its opening message; tell the group's other members.

    :raises InvalidTransitionError: the group is archived.
    :raises NotAllowedError: the actor may not post in this group.
    :raises DomainError: an empty or too long title or message (``field`` says which).
    """
    _require_poster(actor, group)
    title = clean_title(title)
    body = clean_body(body)
    now = now or utcnow()
    thread = Thread(group_id=group.id, group=group, author_id=actor.id, author=actor, title=title,
                    created_at=now, last_post_at=now, post_count=1)
    db.session.add(thread)
    db.session.flush()
    post = Post(thread_id=thread.id, thread=thread, author_id=actor.id, author=actor, body=body, created_at=now)
    db.session.add(post)
    db.session.flush()
    url = thread_url(group, thread)
    record_activity(group, actor, "thread_new", url=url, title=thread.title)
    mentioned = _notify_mentions(actor, group, thread, post, url, now)
    for person in _members(group, exclude={actor.id, *mentioned}):
        notify(person, "thread_new", key=f"thread_new:{thread.id}:{person.id}", url=url, actor=actor, now=now,
               thread=thread.title, group=group.name)
    mark_read(actor, thread, now)
    logger.info("Thread %r started by %s", thread, actor)
    return thread


def reply(actor: User, thread: Thread, body: str, now: datetime | None = None) -> Post:
    """Add a reply to a thread; tell the thread's other participants.

    :raises InvalidTransitionError: the group is archived or the thread is locked.
    :raises NotAllowedError: the actor may not post in this group.
    :raises DomainError: an empty or too long message (``field="body"``).
    """
    group = thread.group
    _require_poster(actor, group)
    if thread.is_locked:
        raise InvalidTransitionError(_("This discussion is locked: no new replies can be added."))
    body = clean_body(body)
    now = now or utcnow()
    post = Post(thread_id=thread.id, thread=thread, author_id=actor.id, author=actor, body=body, created_at=now)
    db.session.add(post)
    thread.post_count = Thread.post_count + 1  # in SQL: two replies at once both count
    thread.last_post_at = now
    db.session.flush()
    db.session.refresh(thread, ["post_count"])
    url = post_url(group, thread, post, position=thread.post_count)
    record_activity(group, actor, "thread_reply", url=url, title=thread.title)
    mentioned = _notify_mentions(actor, group, thread, post, url, now)
    for person in _participants(thread, exclude={actor.id, *mentioned}):
        notify(person, "thread_reply", key=f"reply:{post.id}:{person.id}", url=url, actor=actor, now=now,
               thread=thread.title, group=group.name)
    mark_read(actor, thread, now)
    logger.info("Reply %r by %s", post, actor)
    return post


def edit_post(actor: User, post: Post, body: str, now: datetime | None = None) -> Post:
    """Change a post's text (its author only) and mark it edited. People newly @mentioned are told.

    :raises NotAllowedError: someone else's post, or the actor may no longer post in the group.
    :raises InvalidTransitionError: archived group, locked thread, or a post hidden by a convener.
    :raises DomainError: an empty or too long message (``field="body"``).
    """
    check_editable(actor, post)
    body = clean_body(body)
    if body == post.body:
        return post
    now = now or utcnow()
    post.body = body
    post.edited_at = now
    db.session.flush()
    thread = post.thread
    if any(_mention_targets(body)):
        _notify_mentions(actor, thread.group, thread, post, post_url(thread.group, thread, post), now)
    logger.info("Post %r edited by %s", post, actor)
    return post


# -- moderation ----------------------------------------------------------------------------------------------
def set_pinned(actor: User, thread: Thread, pinned: bool) -> Thread:
    """Pin a thread to the top of the list, or unpin it (conveners and the secretariat)."""
    _require_moderator(actor, thread.group)
    if thread.is_pinned != pinned:
        thread.is_pinned = pinned
        audit.record(actor, "thread.pin" if pinned else "thread.unpin", thread, group=thread.group.name)
    return thread


def set_locked(actor: User, thread: Thread, locked: bool) -> Thread:
    """Lock a thread against new replies and edits, or open it again (conveners and the secretariat)."""
    _require_moderator(actor, thread.group)
    if thread.is_locked != locked:
        thread.is_locked = locked
        audit.record(actor, "thread.lock" if locked else "thread.unlock", thread, group=thread.group.name)
    return thread


def set_hidden(actor: User, post: Post, hidden: bool, now: datetime | None = None) -> Post:
    """Hide a post from the group (moderators still see it), or show it again."""
    thread = post.thread
    _require_moderator(actor, thread.group)
    if post.is_hidden != hidden:
        post.is_hidden = hidden
        post.hidden_by_id = actor.id if hidden else None
        post.hidden_at = (now or utcnow()) if hidden else None
        audit.record(actor, "post.hide" if hidden else "post.unhide", post, group=thread.group.name,
                     thread=thread.title, author=post.author.email if post.author else "")
    return post


# -- read marks ----------------------------------------------------------------------------------------------
def mark_read(user: User, thread: Thread, now: datetime | None = None) -> None:
    """Record that ``user`` has read ``thread`` up to ``now`` (never moves backwards).

    One statement, safe when two tabs read the same thread at once.
    """
    if not (user and user.is_authenticated):
        return
    now = now or utcnow()
    dialect = db.session.get_bind().dialect.name
    if dialect in ("sqlite", "postgresql"):
        if dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert
        else:
            from sqlalchemy.dialects.postgresql import insert
        stmt = insert(ThreadRead).values(thread_id=thread.id, user_id=user.id, last_read_at=now)
        stmt = stmt.on_conflict_do_update(
            index_elements=[ThreadRead.thread_id, ThreadRead.user_id],
            set_={"last_read_at": stmt.excluded.last_read_at},
            where=ThreadRead.last_read_at < stmt.excluded.last_read_at)
        db.session.execute(stmt)
        return
    read = db.session.scalar(sa.select(ThreadRead).where(ThreadRead.thread_id == thread.id,
                                                         ThreadRead.user_id == user.id))
    if read is None:
        db.session.add(ThreadRead(thread_id=thread.id, user_id=user.id, last_read_at=now))
    elif read.last_read_at < now:
        read.last_read_at = now
    db.session.flush()


def last_read_at(user: User, thread_ids: list[int]) -> dict[int, datetime]:
    """When ``user`` last read each of these threads (one query); threads never read are absent."""
    if not thread_ids or not (user and user.is_authenticated):
        return {}
    return dict(db.session.execute(sa.select(ThreadRead.thread_id, ThreadRead.last_read_at).where(
        ThreadRead.user_id == user.id, ThreadRead.thread_id.in_(thread_ids))).tuples().all())


def is_unread(thread: Thread, read_at: datetime | None) -> bool:
    return read_at is None or thread.last_post_at > read_at


# -- who hears about it --------------------------------------------------------------------------------------
def _members(group: ActionGroup, exclude: set[int]) -> list[User]:
    return list(db.session.scalars(
        sa.select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.group_id == group.id, User.id.not_in(exclude)).order_by(User.id)))


def _participants(thread: Thread, exclude: set[int]) -> list[User]:
    """The thread's authors who may still read it: current members of the group, and the secretariat."""
    authors = sa.select(Post.author_id).where(Post.thread_id == thread.id, Post.author_id.is_not(None))
    is_member = sa.exists().where(Membership.group_id == thread.group_id, Membership.user_id == User.id)
    return list(db.session.scalars(
        sa.select(User).where(User.id.in_(authors), User.id.not_in(exclude), sa.or_(is_member, User.is_admin))
        .order_by(User.id)))


def _mention_targets(body: str) -> tuple[set[str], set[str]]:
    """The e-mail addresses (lowercase) and folded names that ``body`` @mentions."""
    emails = {m.lower() for m in MENTION_EMAIL.findall(body)}
    names = {fold(m) for m in MENTION_NAME.findall(body)} - {""}
    return emails, names


def resolve_mention(text: str, members: list[User]) -> User | None:
    """The one member ``@[text]`` names: ``Name (Organisation)`` picks the person of that organisation; a bare
    name only counts when a single member has it (two Ana Silvas: nobody is told rather than both)."""
    key = fold(text)
    exact = [u for u in members if fold(u.name_with_org) == key]
    if len(exact) == 1:
        return exact[0]
    by_name = [u for u in members if fold(u.full_name) == key]
    return by_name[0] if len(by_name) == 1 else None


def group_members(group: ActionGroup) -> list[User]:
    return list(db.session.scalars(
        sa.select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.group_id == group.id).options(so.joinedload(User.organisation)).order_by(User.id)))


def mentioned_members(group: ActionGroup, body: str) -> list[User]:
    """The group's members (any role) that ``body`` @mentions as ``@[Full Name (Organisation)]``, ``@[Full
    Name]`` (when only one member has that name) or ``@name@example.org``.

    People who are not members are ignored, so a mention never leaks a private discussion.
    """
    emails = {m.lower() for m in MENTION_EMAIL.findall(body)}
    names = [m for m in MENTION_NAME.findall(body) if fold(m)]
    if not (emails or names):
        return []
    members = group_members(group)
    chosen = {u.id for u in members if u.email.lower() in emails}
    chosen |= {u.id for u in (resolve_mention(name, members) for name in names) if u is not None}
    return [u for u in members if u.id in chosen]


def link_mentions(html: str, group: ActionGroup, members: list[User] | None = None) -> Markup:
    """Rendered post ``html`` with each resolvable ``@[…]`` mention turned into a link to the person on the
    group's member list (the text between the brackets was escaped by the Markdown renderer)."""
    members = group_members(group) if members is None else members

    def replace(match: re.Match) -> str:
        person = resolve_mention(html_unescape(match.group(1)), members)
        if person is None:
            return match.group(0)
        href = url_for("actiongroups.members", slug=group.slug) + f"#member-{person.id}"
        return f'<a class="mention" href="{escape(href)}">@{escape(person.name_with_org)}</a>'

    return Markup(MENTION_NAME.sub(replace, str(html)))


def _notify_mentions(actor: User, group: ActionGroup, thread: Thread, post: Post, url: str,
                     now: datetime) -> set[int]:
    """Tell each member @mentioned in ``post`` (once per post); return their ids."""
    people = mentioned_members(group, post.body)
    for person in people:
        notify(person, "mention", key=f"mention:{post.id}:{person.id}", url=url, actor=actor, now=now,
               thread=thread.title, group=group.name)
    return {person.id for person in people}
