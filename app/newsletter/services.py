"""The newsletter's content, its issues, who gets it, and the one-click unsubscribe (flush, never commit).

An issue lists what is new since the previous issue (news, pledges and resources published) and what is coming
up before the next one (meetings open to every partner or public, sessions of published Forums). Its texts are
worked out once per language, with each object's translation where one exists (app.multilingual), then each
subscriber's e-mail is rendered in their language and time zone and recorded in the outbox under a key naming
the issue and the person: whatever happens to the job, nobody gets an issue twice.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from flask_babel import LazyString, format_date, get_timezone
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from app import events
from app.commitments.models import Pledge, PledgeState
from app.errors import DomainError
from app.extensions import db
from app.forums.consultation_models import Audience, Consultation, ConsultationState
from app.forums.models import Forum, ForumSession
from app.knowledge.models import Resource, ResourceState
from app.mail import queue_email, subject_line
from app.markdown import markdown_to_text
from app.members.models import User, UserStatus
from app.multilingual.models import ContentTranslation
from app.multilingual.registry import kind_of
from app.multilingual.services import original_language
from app.news.models import NewsPost
from app.newsletter.models import EMPTY, SENDING, SENT, NewsletterIssue, NewsletterSetting, NewsletterSubscription
from app.notifications.kinds import Subscription
from app.urls import external_url
from app.utils import utcnow

logger = logging.getLogger(__name__)

PERIODS = {"monthly": _l("Monthly"), "fortnightly": _l("Every two weeks"), "weekly": _l("Weekly")}
PERIOD_DAYS = {"monthly": 31, "fortnightly": 14, "weekly": 7}
SECTION_MAX = 10      # items shown per section; the rest is a link to the list
SUMMARY_MAX = 240     # characters of a summary
BATCH = 200           # e-mails recorded per transaction by the job
SECTIONS = ("news", "pledges", "resources", "meetings", "sessions")


# -- the period ---------------------------------------------------------------------------------------------------
def current_period() -> str:
    """The secretariat's choice, else ``NEWSLETTER_PERIOD`` (monthly by default)."""
    chosen = db.session.scalar(sa.select(NewsletterSetting.period).order_by(NewsletterSetting.id).limit(1))
    if chosen in PERIODS:
        return chosen
    configured = current_app.config.get("NEWSLETTER_PERIOD", "monthly")
    return configured if configured in PERIODS else "monthly"


def set_period(period: str, user) -> None:
    """Record the secretariat's choice of period. :raise DomainError: an unknown period."""
    if period not in PERIODS:
        raise DomainError(_("Choose the period from the list."), field="period")
    setting = db.session.scalar(sa.select(NewsletterSetting).order_by(NewsletterSetting.id).limit(1))
    if setting is None:
        setting = NewsletterSetting(period=period)
        db.session.add(setting)
    setting.period = period
    setting.updated_by_id = getattr(user, "id", None)
    db.session.flush()
    logger.info("Newsletter period set to %s by %s", period, user)


def period_key(period: str, now: datetime) -> str:
    """The name of the period ``now`` falls in: one issue per name (``monthly:2026-12``, ``weekly:2026-W49``)."""
    if period == "monthly":
        return f"monthly:{now:%Y-%m}"
    iso = now.isocalendar()
    if period == "weekly":
        return f"weekly:{iso.year}-W{iso.week:02d}"
    return f"fortnightly:{iso.year}-F{(iso.week + 1) // 2:02d}"


def next_period_start(period: str, now: datetime) -> datetime:
    """When the period after the one ``now`` falls in starts (UTC midnight)."""
    today = now.astimezone(timezone.utc).date()
    if period == "monthly":
        first = date(today.year + today.month // 12, today.month % 12 + 1, 1)
    else:
        monday = today - timedelta(days=today.weekday())
        weeks = 1 if period == "weekly" or today.isocalendar().week % 2 == 0 else 2
        first = monday + timedelta(weeks=weeks)
    return datetime.combine(first, time(0, 0), tzinfo=timezone.utc)


def last_issue() -> NewsletterIssue | None:
    return db.session.scalar(sa.select(NewsletterIssue).order_by(NewsletterIssue.until_at.desc(),
                                                                  NewsletterIssue.id.desc()).limit(1))


def next_issue(now: datetime, period: str | None = None) -> NewsletterIssue:
    """The issue that would go out at ``now`` (not added to the session): since the last issue (or one period
    back for the first), upcoming things up to a day into the period after this one."""
    period = period or current_period()
    previous = last_issue()
    since = previous.until_at if previous is not None else now - timedelta(days=PERIOD_DAYS[period])
    return NewsletterIssue(period_key=period_key(period, now), since_at=since, until_at=now,
                           upcoming_until=next_period_start(period, now) + timedelta(days=1), state=SENDING,
                           items=0, recipients=0, created_at=now)


# -- the content --------------------------------------------------------------------------------------------------
@dataclass
class Item:
    """One thing listed, in one language: its title and summary (translated where possible), and their language."""

    title: str
    summary: str
    url: str
    language: str
    when: datetime | None = None


@dataclass
class Section:
    kind: str           # one of SECTIONS
    items: list[Item]
    total: int          # how many there are (more than shown when over SECTION_MAX)
    list_url: str

    @property
    def more(self) -> int:
        return self.total - len(self.items)


@dataclass
class _Entry:
    obj: object
    title_field: str
    summary_field: str
    url: str
    when: datetime | None = None


@dataclass
class Digest:
    """What one issue lists; :meth:`sections` gives it in one language (worked out once per language)."""

    entries: dict[str, list[_Entry]]
    totals: dict[str, int]
    _by_language: dict[str, list[Section]] = field(default_factory=dict)
    _translations: dict[tuple[str, int], dict[str, dict[str, str]]] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return not any(self.totals.values())

    @property
    def item_count(self) -> int:
        return sum(self.totals.values())

    def sections(self, language: str) -> list[Section]:
        if language not in self._by_language:
            self._by_language[language] = [
                Section(kind, [self._item(entry, language) for entry in self.entries[kind]], self.totals[kind],
                        _LIST_URLS[kind]())
                for kind in SECTIONS if self.totals[kind]]
        return self._by_language[language]

    def _item(self, entry: _Entry, language: str) -> Item:
        obj = entry.obj
        original = original_language(obj)
        title, summary = getattr(obj, entry.title_field) or "", getattr(obj, entry.summary_field) or ""
        shown = original
        kind = kind_of(obj)
        if kind is not None and language != original:
            translated = self._translations.get((kind.name, obj.id), {}).get(language, {})
            if translated.get(entry.title_field):
                title, shown = translated[entry.title_field], language
                summary = translated.get(entry.summary_field) or summary
        return Item(title=title, summary=subject_line(markdown_to_text(summary), SUMMARY_MAX) if summary else "",
                    url=entry.url, language=shown, when=entry.when)

    def preload(self) -> None:
        """Read the translations of everything listed: one query per kind of object."""
        by_kind: dict[str, list[int]] = {}
        for entries in self.entries.values():
            for entry in entries:
                kind = kind_of(entry.obj)
                if kind is not None:
                    by_kind.setdefault(kind.name, []).append(entry.obj.id)
        for kind_name, ids in by_kind.items():
            rows = db.session.execute(sa.select(ContentTranslation.object_id, ContentTranslation.language,
                                                ContentTranslation.field, ContentTranslation.text).where(
                ContentTranslation.kind == kind_name, ContentTranslation.object_id.in_(ids)))
            for object_id, language, name, text in rows:
                self._translations.setdefault((kind_name, object_id), {}).setdefault(language, {})[name] = text

    def prepare(self, languages) -> None:
        """Work out every language's texts now, so that nothing is read from the database afterwards (the job
        commits between batches, which would make each object load again)."""
        self.preload()
        for language in languages:
            self.sections(language)


def _list_url(endpoint: str) -> Callable[[], str]:
    return lambda: external_url(endpoint)


_LIST_URLS = {
    "news": _list_url("news.index"),
    "pledges": _list_url("commitments.registry"),
    "resources": _list_url("knowledge.library"),
    "meetings": _list_url("forums.consultation_list"),
    "sessions": _list_url("forums.index"),
}


def _window(query, column, since: datetime, until: datetime):
    return query.where(column > since, column <= until)


def build_digest(issue: NewsletterIssue) -> Digest:
    """What ``issue`` lists: what every approved partner may see, so that one digest serves every subscriber."""
    since, until, upcoming = issue.since_at, issue.until_at, issue.upcoming_until
    queries = {
        "news": (_window(sa.select(NewsPost), NewsPost.published_at, since, until)
                 .order_by(NewsPost.published_at.desc(), NewsPost.id.desc()),
                 lambda p: _Entry(p, "title", "body", external_url("news.detail", post_id=p.id))),
        "pledges": (_window(sa.select(Pledge).where(Pledge.state.in_([PledgeState.published, PledgeState.completed])),
                            Pledge.published_at, since, until).order_by(Pledge.published_at.desc(), Pledge.id.desc()),
                    lambda p: _Entry(p, "title", "description", external_url("commitments.detail", pledge_id=p.id))),
        "resources": (_window(sa.select(Resource).where(Resource.state == ResourceState.published),
                              Resource.published_at, since, until)
                      .order_by(Resource.published_at.desc(), Resource.id.desc()),
                      lambda r: _Entry(r, "title", "summary", external_url("knowledge.resource", resource_id=r.id))),
        "meetings": (_window(sa.select(Consultation).where(
                         Consultation.state == ConsultationState.scheduled,
                         sa.or_(Consultation.is_public.is_(True), Consultation.audience == Audience.partners)),
                         Consultation.starts_at, until, upcoming).order_by(Consultation.starts_at, Consultation.id),
                     lambda c: _Entry(c, "title", "purpose",
                                      external_url("forums.consultation", consultation_id=c.id), c.starts_at)),
        "sessions": (_window(sa.select(ForumSession).join(Forum, Forum.id == ForumSession.forum_id)
                             .where(Forum.is_published.is_(True)).options(so.contains_eager(ForumSession.forum)),
                             ForumSession.starts_at, until, upcoming)
                     .order_by(ForumSession.starts_at, ForumSession.id),
                     lambda s: _Entry(s, "title", "description",
                                      external_url("forums.session_detail", slug=s.forum.slug, session_id=s.id),
                                      s.starts_at)),
    }
    entries: dict[str, list[_Entry]] = {}
    totals: dict[str, int] = {}
    for kind, (query, entry) in queries.items():
        totals[kind] = db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
        entries[kind] = [entry(obj) for obj in db.session.scalars(query.limit(SECTION_MAX)).unique()] \
            if totals[kind] else []
    return Digest(entries=entries, totals=totals)


def issue_subject(issue: NewsletterIssue) -> LazyString:
    """The subject, in whatever language is on when it is turned into text (the recipient's, in queue_email)."""
    return LazyString(lambda: _("Alliance 8.7 Hub newsletter, %(date)s", date=format_date(local_day(issue.until_at),
                                                                                         "long")))


def local_day(value: datetime) -> date:
    """The date of ``value`` in the reader's time zone (Flask-Babel's format_date cannot shift a datetime to a
    zoneinfo zone itself)."""
    return value.astimezone(get_timezone()).date()


def email_context(issue: NewsletterIssue, digest: Digest, recipient, language: str, *,
                  now: datetime | None = None) -> dict:
    """What the e-mail template ``email/newsletter.txt`` needs for ``recipient`` reading ``language``."""
    return dict(issue=issue, sections=digest.sections(language), language=language, since=local_day(issue.since_at),
                unsubscribe_url=unsubscribe_url(recipient, now=now),
                preferences_url=external_url("notifications.preferences"), home=external_url("pages.home"))


# -- subscribers --------------------------------------------------------------------------------------------------
def is_subscribed(user) -> bool:
    return db.session.scalar(sa.select(NewsletterSubscription.id).where(
        NewsletterSubscription.user_id == user.id)) is not None


def subscribe(user, *, now: datetime | None = None) -> bool:
    """Opt ``user`` in; return whether that changed anything."""
    if is_subscribed(user):
        return False
    db.session.add(NewsletterSubscription(user_id=user.id, created_at=now or utcnow()))
    db.session.flush()
    logger.info("Newsletter: %s subscribed", user)
    return True


def unsubscribe(user) -> bool:
    """Opt ``user`` out; return whether they were subscribed."""
    removed = db.session.execute(sa.delete(NewsletterSubscription).where(
        NewsletterSubscription.user_id == user.id)).rowcount
    if removed:
        logger.info("Newsletter: %s unsubscribed", user)
    return bool(removed)


def set_subscribed(user, on: bool) -> None:
    """The notification settings page's checkbox: only an approved partner may opt in; anyone may opt out."""
    if on and user.is_approved:
        subscribe(user)
    elif not on:
        unsubscribe(user)


def register_subscription() -> None:
    from app.notifications.kinds import register_subscription as register

    register(Subscription(
        "newsletter", _l("Newsletter"), _l("Send me the Alliance 8.7 Hub newsletter"),
        _l("A digest of new pledges, resources and news, and of the meetings and Forum sessions coming up, in "
           "your language."), is_on=is_subscribed, set_on=set_subscribed,
        open_to=lambda user: user.is_approved,
        closed_note=_l("You can subscribe to the newsletter once your account is approved.")))


def subscriber_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(NewsletterSubscription)
                             .join(User, User.id == NewsletterSubscription.user_id)
                             .where(User.status == UserStatus.active)) or 0


def _subscribers_after(user_id: int, limit: int) -> list[User]:
    """Approved subscribers with an id above ``user_id``, by id (keyset pages)."""
    return list(db.session.scalars(sa.select(User).join(NewsletterSubscription,
                                                        NewsletterSubscription.user_id == User.id)
                                   .where(User.status == UserStatus.active, User.id > user_id)
                                   .order_by(User.id).limit(limit)))


# -- one-click unsubscribe (RFC 8058) -----------------------------------------------------------------------------
class UnsubscribeTokenInvalid(Exception):
    """The unsubscribe link is forged, altered or too old; ``reason`` says which."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _serializer(now: datetime | None) -> URLSafeTimedSerializer:
    moment = int((now or utcnow()).timestamp())

    class _Signer(TimestampSigner):
        def get_timestamp(self) -> int:  # time injection for issuing and checking
            return moment

    # The long-lived link key (not SECRET_KEY): rotating the session key must not break the links in e-mails
    # already sent.
    return URLSafeTimedSerializer(current_app.config["LINK_SECRET_KEY"], salt="hub-newsletter-unsubscribe",
                                  signer=_Signer)


def unsubscribe_token(user, *, now: datetime | None = None) -> str:
    return _serializer(now).dumps({"u": user.id})


def unsubscribe_url(user, *, now: datetime | None = None) -> str:
    return external_url("newsletter.unsubscribe", token=unsubscribe_token(user, now=now))


def read_unsubscribe_token(token: str, *, now: datetime | None = None) -> User:
    """The person the link was made for. :raise UnsubscribeTokenInvalid: forged, altered, expired, or the person
    is gone."""
    try:
        data = _serializer(now).loads(token, max_age=current_app.config["NEWSLETTER_UNSUBSCRIBE_MAX_AGE"])
    except SignatureExpired:
        raise UnsubscribeTokenInvalid("expired") from None
    except BadSignature:
        raise UnsubscribeTokenInvalid("invalid") from None
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) and isinstance(data.get("u"), int) else None
    if user is None:
        raise UnsubscribeTokenInvalid("invalid")
    return user


def list_headers(user, *, now: datetime | None = None) -> dict[str, str]:
    """The RFC 2369 / RFC 8058 headers: mail programs show an "Unsubscribe" button that POSTs to the link."""
    return {"List-Unsubscribe": f"<{unsubscribe_url(user, now=now)}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "List-Id": f"Alliance 8.7 Hub newsletter <newsletter.{_list_domain()}>"}


def _list_domain() -> str:
    from urllib.parse import urlsplit

    return urlsplit(current_app.config["BASE_URL"]).hostname or "hub.example.org"


# -- sending ------------------------------------------------------------------------------------------------------
def email_key(issue: NewsletterIssue, user) -> str:
    return f"newsletter:{issue.id}:{user.id}"


def due_issue(now: datetime) -> NewsletterIssue | None:
    """The issue to send now: one left unfinished (a job stopped half-way), else this period's new issue if it has
    none yet (flushed), else None."""
    unfinished = db.session.scalar(sa.select(NewsletterIssue).where(NewsletterIssue.state == SENDING)
                                   .order_by(NewsletterIssue.id).limit(1))
    if unfinished is not None:
        return unfinished
    issue = next_issue(now)
    if db.session.scalar(sa.select(NewsletterIssue.id).where(NewsletterIssue.period_key == issue.period_key)):
        return None
    db.session.add(issue)
    db.session.flush()
    return issue


def send_issue(issue: NewsletterIssue, *, now: datetime | None = None, batch: int | None = None,
               after_batch: Callable[[], object] = lambda: None) -> int:
    """Record ``issue``'s e-mail for every subscriber who has not got it yet, ``batch`` at a time, calling
    ``after_batch`` after each (the job commits there), then mark the issue done. An issue with nothing to list
    is marked empty and goes to nobody.

    :return: the number of e-mails recorded by this call.
    """
    now, batch = now or utcnow(), batch or BATCH
    digest = build_digest(issue)
    issue.items = digest.item_count
    if digest.is_empty:
        issue.state, issue.finished_at = EMPTY, now
        db.session.flush()
        logger.info("Newsletter %s: nothing new, not sent", issue.period_key)
        return 0
    digest.prepare(current_app.config["LANGUAGES"])
    issue_id, period = issue.id, issue.period_key
    # Plain values for the template: the issue row expires at each commit.
    frozen = NewsletterIssue(id=issue_id, period_key=period, since_at=issue.since_at, until_at=issue.until_at,
                             upcoming_until=issue.upcoming_until)
    sent, last_id = 0, 0
    while True:
        people = _subscribers_after(last_id, batch)
        if not people:
            break
        last_id = people[-1].id
        done = events.recorded(email_key(frozen, person) for person in people)
        for person in people:
            if email_key(frozen, person) in done:
                continue
            language = person.locale if person.locale in current_app.config["LANGUAGES"] else \
                current_app.config["BABEL_DEFAULT_LOCALE"]
            if queue_email(person, issue_subject(frozen), "newsletter", key=email_key(frozen, person),
                           headers=list_headers(person, now=now), **email_context(frozen, digest, person, language, now=now)):
                sent += 1
        after_batch()
    issue = db.session.get(NewsletterIssue, issue_id)
    issue.state, issue.finished_at = SENT, now
    issue.recipients = db.session.scalar(sa.select(sa.func.count()).select_from(events.OutboxEvent).where(
        events.OutboxEvent.key.like(f"newsletter:{issue_id}:%")))
    db.session.flush()
    logger.info("Newsletter %s: %d e-mails recorded (%d this run)", period, issue.recipients, sent)
    return sent


def recent_issues(limit: int = 12) -> list[NewsletterIssue]:
    return list(db.session.scalars(sa.select(NewsletterIssue).order_by(NewsletterIssue.id.desc()).limit(limit)))
