"""Discussions in an action group's workspace: threads, their posts, and who has read what."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.types import UTCDateTime
from app.utils import utcnow

TITLE_MAX = 200
BODY_MAX = 20_000


class Thread(db.Model):
    """A discussion; its first post is the opening message."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    group_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("action_group.id", ondelete="CASCADE"))
    author_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    title: so.Mapped[str] = so.mapped_column(sa.String(TITLE_MAX))
    is_pinned: so.Mapped[bool] = so.mapped_column(default=False)
    is_locked: so.Mapped[bool] = so.mapped_column(default=False)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    last_post_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    post_count: so.Mapped[int] = so.mapped_column(default=0)  # kept by the services: no COUNT per row

    group: so.Mapped["ActionGroup"] = so.relationship("ActionGroup")  # noqa: F821
    author: so.Mapped["User | None"] = so.relationship("User", foreign_keys=[author_id])  # noqa: F821
    posts: so.WriteOnlyMapped["Post"] = so.relationship(
        back_populates="thread", cascade="all, delete-orphan", passive_deletes=True)

    # The list of a group's threads: pinned first, then the most recently active.
    __table_args__ = (sa.Index("ix_thread_group_pinned_last_post", "group_id", "is_pinned", "last_post_at"),)

    def __repr__(self) -> str:
        return f"<Thread {self.id} group={self.group_id} {self.title!r}>"

    def __str__(self) -> str:
        return self.title

    @property
    def reply_count(self) -> int:
        return max(self.post_count - 1, 0)

    def can_reply(self, user) -> bool:
        return not self.is_locked and self.group.can_participate(user)


class Post(db.Model):
    """One message in a thread, written in Markdown (rendered and sanitised when shown)."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    thread_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("thread.id", ondelete="CASCADE"))
    author_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    body: so.Mapped[str] = so.mapped_column(sa.Text)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    edited_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    is_hidden: so.Mapped[bool] = so.mapped_column(default=False)
    hidden_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    hidden_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())

    thread: so.Mapped[Thread] = so.relationship(back_populates="posts")
    author: so.Mapped["User | None"] = so.relationship("User", foreign_keys=[author_id])  # noqa: F821
    hidden_by: so.Mapped["User | None"] = so.relationship("User", foreign_keys=[hidden_by_id])  # noqa: F821

    # A thread's posts are read in the order they were written (by id), one page at a time.
    __table_args__ = (sa.Index("ix_post_thread_id_id", "thread_id", "id"),)

    def __repr__(self) -> str:
        return f"<Post {self.id} thread={self.thread_id}>"

    def __str__(self) -> str:
        return f"#{self.id} in “{self.thread.title}”"

    def can_edit(self, user) -> bool:
        """Only the author, while they may post, the thread is open and no convener hid the post."""
        return bool(user and user.is_authenticated and self.author_id == user.id and not self.is_hidden
                    and self.thread.can_reply(user))


class ThreadRead(db.Model):
    """When a person last read a thread: the thread is unread for them if a post came later."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    thread_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("thread.id", ondelete="CASCADE"))
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    last_read_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (sa.UniqueConstraint("thread_id", "user_id", name="uq_thread_read_thread_user"),)

    def __repr__(self) -> str:
        return f"<ThreadRead thread={self.thread_id} user={self.user_id} {self.last_read_at.isoformat()}>"
