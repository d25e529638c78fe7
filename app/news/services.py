"""Writing news posts, and the lists the pages show."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from flask_babel import gettext as _

from app import events
from app.actiongroups.models import ActionGroup
from app.errors import DomainError
from app.extensions import db
from app.i18n import is_country
from app.multilingual.models import ContentTranslation
from app.multilingual.services import remember_translations
from app.news.forms import BODY_MAX, TITLE_MAX
from app.news.models import NewsPost, can_write_news
from app.sqltools import json_list_contains
from app.taxonomy import AREAS, clean_areas, expand_regions
from app.uploads import StoredFile, delete_later
from app.utils import one_line, utcnow, whole_number

HOME_SHOWN = 3


@dataclass
class NewsData:
    title: str
    body: str
    language: str = "en"
    group_id: int | None = None
    is_public: bool = True
    areas: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    image_alt: str = ""


def _checked(data: NewsData, user) -> tuple[NewsData, ActionGroup | None]:
    title = one_line(data.title)
    if not title:
        raise DomainError(_("Give the news a title."), field="title")
    if len(title) > TITLE_MAX:
        raise DomainError(_("Keep the title under %(num)d characters.", num=TITLE_MAX), field="title")
    body = (data.body or "").strip()
    if not body:
        raise DomainError(_("Write the news."), field="body")
    if len(body) > BODY_MAX:
        raise DomainError(_("Keep the text under %(num)d characters.", num=BODY_MAX), field="body")
    if data.language not in current_app.config["LANGUAGES"]:
        raise DomainError(_("The Hub does not offer this language."), field="language")
    group = None
    if data.group_id is not None:
        group = db.session.get(ActionGroup, data.group_id)
        if group is None:
            raise DomainError(_("Choose the group from the list."), field="group_id")
    if not can_write_news(user, group):
        raise DomainError(_("You may not write news for this."), field="group_id")
    countries = expand_regions(data.countries)
    unknown = [c for c in countries if not is_country(c)]
    if unknown:
        raise DomainError(_("Unknown country code: %(codes)s.", codes=", ".join(map(str, unknown))),
                          field="countries")
    return NewsData(title=title, body=body, language=data.language, group_id=data.group_id,
                    is_public=bool(data.is_public), areas=clean_areas(data.areas), countries=sorted(set(countries)),
                    image_alt=one_line(data.image_alt)[:200]), group


def _set_image(post: NewsPost, image: StoredFile | None, remove: bool) -> None:
    if (image is not None or remove) and post.image_path_key:
        delete_later(post.image_path_key)
        post.image_path_key = post.image_mime = post.image_name = ""
    if image is not None:
        post.image_path_key, post.image_mime, post.image_name = image.path_key, image.mime, image.original_name


def create_post(user, data: NewsData, image: StoredFile | None = None, *, now: datetime | None = None) -> NewsPost:
    """Publish a news post; flush, no commit.

    :raise DomainError: no title or text, a language the Hub does not offer, a group the author may not
        write for, an unknown country.
    """
    clean, _group = _checked(data, user)
    post = NewsPost(title=clean.title, body=clean.body, language=clean.language, group_id=clean.group_id,
                    is_public=clean.is_public, areas=clean.areas, countries=clean.countries,
                    image_alt=clean.image_alt, author_id=user.id, published_at=now or utcnow())
    _set_image(post, image, False)
    db.session.add(post)
    db.session.flush()
    events.reindex_later(post)
    return post


def update_post(post: NewsPost, user, data: NewsData, image: StoredFile | None = None, *,
                remove_image: bool = False) -> NewsPost:
    if not post.can_edit(user):
        raise DomainError(_("You may not edit this news."))
    clean, _group = _checked(data, user)
    for name in ("title", "body", "language", "group_id", "is_public", "areas", "countries", "image_alt"):
        setattr(post, name, getattr(clean, name))
    _set_image(post, image, remove_image)
    db.session.flush()
    events.reindex_later(post)
    return post


def delete_post(post: NewsPost, user) -> None:
    if not post.can_edit(user):
        raise DomainError(_("You may not delete this news."))
    if post.image_path_key:
        delete_later(post.image_path_key)
    events.reindex_later(post)
    db.session.delete(post)
    db.session.flush()


# -- lists ----------------------------------------------------------------------------------------------
@dataclass
class NewsFilters:
    area: str = ""
    country: str = ""
    group: str = ""   # a group's slug
    page: int = 1

    @classmethod
    def from_args(cls, args) -> "NewsFilters":
        area = args.get("area", "")
        country = args.get("country", "").upper()
        page = whole_number(args.get("page")) or 1
        return cls(area=area if area in AREAS else "", country=country if is_country(country) else "",
                   group=(args.get("group") or "")[:80], page=page)


def news_query(user, filters: NewsFilters | None = None) -> sa.Select:
    """Posts ``user`` may read, newest first, narrowed by the filters."""
    query = sa.select(NewsPost).options(so.joinedload(NewsPost.group)).order_by(
        NewsPost.published_at.desc(), NewsPost.id.desc())
    visible = NewsPost.readable_by(user)
    if visible is not None:
        query = query.where(visible)
    if filters is not None:
        if filters.area:
            query = query.where(json_list_contains(NewsPost.areas, filters.area))
        if filters.country:
            query = query.where(json_list_contains(NewsPost.countries, filters.country))
        if filters.group:
            query = query.join(ActionGroup, ActionGroup.id == NewsPost.group_id).where(
                ActionGroup.slug == filters.group)
    return query


def latest_news(user, *, limit: int = HOME_SHOWN, group_id: int | None = None,
                country: str | None = None) -> list[NewsPost]:
    query = news_query(user)
    if group_id is not None:
        query = query.where(NewsPost.group_id == group_id)
    if country:
        query = query.where(json_list_contains(NewsPost.countries, country))
    # One query for the posts, their groups and every translation of them (country pages and the dashboard
    # show news within a budget of 15 queries a page).
    limited = query.limit(limit).subquery()
    post = so.aliased(NewsPost, limited)
    rows = db.session.execute(
        sa.select(post, ContentTranslation.object_id, ContentTranslation.language, ContentTranslation.field,
                  ContentTranslation.text)
        .outerjoin(ContentTranslation, sa.and_(ContentTranslation.kind == "news", ContentTranslation.object_id == post.id))
        .options(so.joinedload(post.group))
        .order_by(post.published_at.desc(), post.id.desc())).all()
    posts = list(dict.fromkeys(row[0] for row in rows))
    remember_translations("news", [p.id for p in posts], [(p.id, *rest) for p, _id, *rest in rows])
    return posts


def groups_for(user) -> list[tuple[str, str]]:
    """(value, label) of what ``user`` may write news for: the whole Hub (secretariat) and their groups."""
    from app.actiongroups.models import ActionGroup as Group

    options = [("", _("The whole Hub"))] if can_write_news(user) else []
    groups = db.session.scalars(sa.select(Group).where(Group.is_archived.is_(False)).order_by(Group.name))
    options += [(str(g.id), g.name) for g in groups if can_write_news(user, g)]
    return options
