"""Atom feeds of public news, per Hub and per action group (feedgen)."""
from __future__ import annotations

import sqlalchemy as sa
from feedgen.feed import FeedGenerator
from flask_babel import gettext as _

from app.extensions import db
from app.markdown import render_markdown
from app.news.models import NewsPost
from app.urls import external_url
from app.utils import utcnow

FEED_SIZE = 20


def atom_feed(group=None) -> bytes:
    """The newest public posts (of ``group``, or all) as an Atom document; addresses from BASE_URL."""
    query = sa.select(NewsPost).where(NewsPost.is_public.is_(True)).order_by(
        NewsPost.published_at.desc(), NewsPost.id.desc()).limit(FEED_SIZE)
    if group is not None:
        query = query.where(NewsPost.group_id == group.id)
        self_url = external_url("news.group_feed", slug=group.slug)
        title = _("%(group)s: news", group=group.name)
    else:
        self_url = external_url("news.feed")
        title = _("Alliance 8.7 Hub: news")
    posts = list(db.session.scalars(query))
    fg = FeedGenerator()
    fg.id(self_url)
    fg.title(title)
    fg.link(href=self_url, rel="self")
    fg.link(href=external_url("news.index"), rel="alternate")
    fg.language("en")
    for post in reversed(posts):  # feedgen puts the last added first
        entry = fg.add_entry()
        url = external_url("news.detail", post_id=post.id)
        entry.id(url)
        entry.title(post.title)
        entry.link(href=url)
        entry.published(post.published_at)
        entry.updated(post.updated_at)
        entry.content(str(render_markdown(post.body)), type="html")
    fg.updated(max((p.updated_at for p in posts), default=None) or utcnow())
    return fg.atom_str(pretty=True)
