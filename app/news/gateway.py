"""News in the rest of the Hub: search, group pages, country pages, the home page, the dashboard ("news
published per month"), and its title and text in several languages."""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.actiongroups import register_public_section
from app.extensions import db
from app.knowledge.countries import CountrySection, register_country_section
from app.knowledge.dashboard import Figure, Table, month_label, register_figure
from app.knowledge.search import Entry, SearchKind, register_kind
from app.multilingual.registry import TranslatableKind
from app.multilingual.registry import register_kind as register_translatable
from app.news.models import NewsPost
from app.news.services import latest_news
from app.sqltools import month_of

NEWS_KIND = "news"


def news_entry(post: NewsPost):
    return Entry(title=post.title, body=post.body, url=f"/news/{post.id}", language=post.language,
                 audience="public" if post.is_public else "partners", updated_at=post.published_at)


def news_search_query() -> sa.Select:
    return sa.select(NewsPost)


COUNTRY_SHOWN = 5


def country_news(ctx) -> dict | None:
    """The country page's news: the latest posts about the country the viewer may read (one query, and one for
    their translations), or None to leave the section out."""
    posts = latest_news(ctx.user, limit=COUNTRY_SHOWN, country=ctx.code)
    return {"posts": posts} if posts else None


def news_per_month(ctx):
    """Per month (UTC) of the dashboard's window: the public news posts published that month, up to ``now``
    (whole-Hub and groups' news alike); the region and area filters select posts by their countries and areas
    (one query)."""
    start, end = ctx.window_times
    month = month_of(NewsPost.published_at)
    counts = dict(db.session.execute(
        sa.select(month, sa.func.count())
        .where(NewsPost.is_public.is_(True), NewsPost.published_at >= start, NewsPost.published_at < end,
               NewsPost.published_at <= ctx.now, *ctx.place_conditions(NewsPost.areas, NewsPost.countries))
        .group_by(month)).all())
    return Table([_("Month"), _("News published")], [[month_label(m), counts.get(m, 0)] for m in ctx.months],
                 note=_("Public news of the Hub and of action groups, in the month they were published (UTC); "
                        "news for partners only is left out."))


def register() -> None:
    from flask import url_for

    register_kind(SearchKind(NEWS_KIND, _l("News"), NewsPost, news_entry, news_search_query, order=15))
    register_public_section("news/_group_news.html")
    register_country_section(CountrySection("news", _l("News"), "news/_country_news.html", country_news, order=25))
    register_figure(Figure("news", _l("News published per month"), news_per_month, chart="line", order=96,
                           section="groups",
                           description=_l("News the public can read, by the month it was published.")))
    register_translatable(TranslatableKind(
        NEWS_KIND, NewsPost, _l("News"),
        (("title", _l("Title"), False), ("body", _l("Text"), True)),
        can_translate=lambda post, user: post.can_edit(user),
        can_view=lambda post, user: post.can_view(user),
        url=lambda post: url_for("news.detail", post_id=post.id), order=60))
