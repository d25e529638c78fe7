"""Creating announcements, and the banner: which ones a reader sees now, read from a short-lived cache."""
from __future__ import annotations

import time as clock
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app, session
from flask_babel import gettext as _
from flask_login import current_user

from app.actiongroups.models import ActionGroup, Membership
from app.announcements.models import Announcement
from app.errors import DomainError
from app.extensions import db
from app.multilingual.models import ContentTranslation
from app.news.models import can_write_news
from app.policy import is_partner, is_secretariat
from app.utils import one_line, utcnow

TEXT_MAX = 300
DISMISSED_KEY = "dismissed_announcements"
DISMISSED_KEPT = 20


@dataclass(frozen=True)
class CachedAnnouncement:
    id: int
    texts: dict            # {language: text}, the original under its language
    language: str          # the original's
    group_id: int | None
    starts_at: datetime
    ends_at: datetime


def _forget_cache() -> None:
    current_app.extensions.pop("announcement_cache", None)


def create_announcement(user, *, text: str, starts_at: datetime | None, ends_at: datetime | None,
                        group=None, language: str = "en") -> Announcement:
    """:raise DomainError: no text, too long, no times, an end before the start, a group the user may not address."""
    text = one_line(text)
    if not text:
        raise DomainError(_("Write the announcement."), field="text")
    if len(text) > TEXT_MAX:
        raise DomainError(_("Keep the announcement under %(num)d characters.", num=TEXT_MAX), field="text")
    if starts_at is None or ends_at is None:
        raise DomainError(_("Give a start and an end."), field="ends_at")
    if ends_at <= starts_at:
        raise DomainError(_("The end must come after the start."), field="ends_at")
    if language not in current_app.config["LANGUAGES"]:
        raise DomainError(_("The Hub does not offer this language."), field="language")
    if not can_write_news(user, group):
        raise DomainError(_("You may not make announcements for this."), field="group_id")
    item = Announcement(text=text, starts_at=starts_at, ends_at=ends_at, group_id=group.id if group else None,
                        language=language, created_by_id=user.id)
    db.session.add(item)
    db.session.flush()
    _forget_cache()
    return item


def delete_announcement(item: Announcement, user) -> None:
    if not item.can_edit(user):
        raise DomainError(_("You may not delete this announcement."))
    db.session.delete(item)
    db.session.flush()
    _forget_cache()


def _load(now: datetime) -> list[CachedAnnouncement]:
    """Every announcement not over yet, with its translations (two queries)."""
    items = list(db.session.scalars(sa.select(Announcement).where(Announcement.ends_at > now)
                                    .order_by(Announcement.starts_at, Announcement.id)))
    texts: dict[int, dict[str, str]] = {item.id: {item.language: item.text} for item in items}
    if items:
        for object_id, language, text in db.session.execute(
                sa.select(ContentTranslation.object_id, ContentTranslation.language, ContentTranslation.text)
                .where(ContentTranslation.kind == "announcement", ContentTranslation.field == "text",
                       ContentTranslation.object_id.in_(list(texts)))):
            texts[object_id].setdefault(language, text)
    return [CachedAnnouncement(item.id, texts[item.id], item.language, item.group_id, item.starts_at, item.ends_at)
            for item in items]


def start_with_none(app) -> None:
    """Tests: the app starts knowing there is no announcement, until one is made or deleted (so pages run
    the same queries in every test, the first one included)."""
    app.extensions["announcement_cache"] = (float("inf"), [])


def cached_announcements(now: datetime) -> list[CachedAnnouncement]:
    """The announcements not over, read at most once every ANNOUNCEMENT_QUIET_SECONDS per process."""
    cache = current_app.extensions.get("announcement_cache")
    quiet = current_app.config["ANNOUNCEMENT_QUIET_SECONDS"]
    if cache is None or not clock.monotonic() - cache[0] < quiet:
        cache = (clock.monotonic(), _load(now))
        current_app.extensions["announcement_cache"] = cache
    return cache[1]


def visible_announcements(user, *, now: datetime | None = None, dismissed=()) -> list[tuple[int, str, str]]:
    """(id, text, its language) of what ``user`` sees now, in their language when it exists."""
    from flask_babel import get_locale

    now = now or utcnow()
    lang = str(get_locale() or "en")
    items = [a for a in cached_announcements(now) if a.starts_at <= now < a.ends_at and a.id not in dismissed]
    if any(a.group_id is not None for a in items):
        groups = _groups_of(user)
        items = [a for a in items if a.group_id is None or a.group_id in groups]
    return [(a.id, a.texts[lang], lang) if lang in a.texts else (a.id, a.texts[a.language], a.language)
            for a in items]


def _groups_of(user) -> set[int]:
    """The groups whose announcements ``user`` sees: theirs (the secretariat sees all)."""
    if not is_partner(user):
        return set()
    if is_secretariat(user):
        return set(db.session.scalars(sa.select(ActionGroup.id)))
    return set(db.session.scalars(sa.select(Membership.group_id).where(Membership.user_id == user.id)))


def banner_for() -> list[tuple[int, str, str]]:
    """The banner of the current request (dismissed ones are kept in the signed session cookie)."""
    return visible_announcements(current_user, dismissed=set(session.get(DISMISSED_KEY, ())))


def dismiss(announcement_id: int) -> None:
    kept = [i for i in session.get(DISMISSED_KEY, []) if i != announcement_id]
    session[DISMISSED_KEY] = (kept + [announcement_id])[-DISMISSED_KEPT:]
