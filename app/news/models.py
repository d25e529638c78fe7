"""News posts: written by the secretariat (for the whole Hub) and by a group's conveners (for their group)."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.policy import is_partner, is_secretariat
from app.types import UTCDateTime
from app.utils import utcnow

IMAGE_TYPES = ("png", "jpg", "jpeg", "gif", "webp")


class NewsPost(db.Model):
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    body: so.Mapped[str] = so.mapped_column(sa.Text, default="")  # Markdown
    language: so.Mapped[str] = so.mapped_column(sa.String(8), default="en")  # of title and body (app.multilingual)
    areas: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)      # app.taxonomy.AREAS
    countries: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)  # ISO 3166-1 alpha-3
    # None: news of the whole Hub; else of one action group.
    group_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("action_group.id", ondelete="CASCADE"),
                                                       index=True)
    is_public: so.Mapped[bool] = so.mapped_column(default=True)  # False: approved partners only
    image_path_key: so.Mapped[str] = so.mapped_column(sa.String(40), default="")
    image_mime: so.Mapped[str] = so.mapped_column(sa.String(100), default="")
    image_name: so.Mapped[str] = so.mapped_column(sa.String(255), default="")
    image_alt: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    author_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    published_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    group: so.Mapped["ActionGroup | None"] = so.relationship("ActionGroup")  # noqa: F821
    author: so.Mapped["User | None"] = so.relationship("User")  # noqa: F821

    __table_args__ = (sa.Index("ix_news_post_published", "published_at"),)

    def __repr__(self) -> str:
        return f"<NewsPost {self.id} {self.title!r}>"

    def __str__(self) -> str:
        return self.title

    @property
    def has_image(self) -> bool:
        return bool(self.image_path_key)

    # -- permissions ---------------------------------------------------------------------------------
    def can_view(self, user) -> bool:
        return self.is_public or is_partner(user)

    def can_edit(self, user) -> bool:
        """The secretariat; a group's conveners for their group's posts."""
        return can_write_news(user, self.group)

    @classmethod
    def readable_by(cls, user) -> sa.ColumnElement[bool] | None:
        """:meth:`can_view` as SQL (None: every post)."""
        return None if is_partner(user) else cls.is_public.is_(True)


def can_write_news(user, group=None) -> bool:
    """Whole-Hub news: the secretariat. A group's news: the secretariat and the group's conveners."""
    if is_secretariat(user):
        return True
    return group is not None and group.can_manage(user)
