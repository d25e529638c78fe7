"""News in the rest of the Hub: search, country pages, group pages, the home page, the dashboard, and its
title and text in several languages."""
from __future__ import annotations

from datetime import datetime, time, timezone

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.news.models import NewsPost
from app.sqltools import month_of

NEWS_KIND = "news"


def news_entry(post: NewsPost):
    from app.knowledge.search import Entry

    return Entry(title=post.title, body=post.body, url=f"/news/{post.id}", language=post.language,
                 audience="public" if post.is_public else "partners", updated_at=post.published_at)


def news_search_query() -> sa.Select:
    return sa.select(NewsPost)


def load_country_news(ctx) -> dict | None:
    from app.news.services import latest_news

    posts = latest_news(ctx.user, limit=5, country=ctx.code)
    return {"posts": posts} if posts else None


def news_per_month(ctx):
    """Per month (UTC): news posts published, public and partners-only (one query)."""
    from app.knowledge.dashboard import Table, month_label

    first, after = ctx.window
    start = datetime.combine(first, time.min, tzinfo=timezone.utc)
    end = datetime.combine(after, time.min, tzinfo=timezone.utc)
    month = month_of(NewsPost.published_at)
    counts = {(m, bool(public)): n for m, public, n in db.session.execute(
        sa.select(month, NewsPost.is_public, sa.func.count())
        .where(NewsPost.published_at >= start, NewsPost.published_at < end)
        .group_by(month, NewsPost.is_public))}
    rows = [[month_label(m), counts.get((m, True), 0), counts.get((m, False), 0)] for m in ctx.months]
    return Table([_("Month"), _("Public news"), _("Partners-only news")], rows)


def register() -> None:
    from flask import url_for

    from app.actiongroups import register_public_section
    from app.knowledge.countries import CountrySection, register_country_section
    from app.knowledge.dashboard import Figure, register_figure
    from app.knowledge.search import SearchKind, register_kind
    from app.multilingual.registry import TranslatableKind
    from app.multilingual.registry import register_kind as register_translatable

    register_kind(SearchKind(NEWS_KIND, _l("News"), NewsPost, news_entry, news_search_query, order=15))
    register_country_section(CountrySection("news", _l("News"), "news/_country_news.html", load_country_news,
                                            order=55))
    register_public_section("news/_group_news.html")
    register_figure(Figure("news", _l("News published per month"), news_per_month, chart="line", order=95))
    register_translatable(TranslatableKind(
        NEWS_KIND, NewsPost, _l("News"),
        (("title", _l("Title"), False), ("body", _l("Text"), True)),
        can_translate=lambda post, user: post.can_edit(user),
        can_view=lambda post, user: post.can_view(user),
        url=lambda post: url_for("news.detail", post_id=post.id)))
