"""Forum rules: editions, the timetable, registrations with waiting lists, and personal agendas.

Services take explicit actors and ``now``, flush but never commit, and raise DomainError with words for
the person (and the form field the problem belongs to).
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from app import audit, events
from app.actiongroups.models import ActionGroup
from app.errors import DomainError, DuplicateError, InvalidTransitionError, NotAllowedError
from app.extensions import db
from app.forums import gateway, ical, times
from app.i18n import format_time_of_day, is_country
from app.forums.models import (
    ACTIVE_STATES, AgendaEntry, Forum, ForumRoom, ForumSession, ForumTrack, Registration, RegistrationState,
    SessionKind, SessionSpeaker,
)
from app.members.models import User
from app.mail import queue_email
from app.notifications.services import notify
from app.policy import is_secretariat
from app.taxonomy import expand_regions
from app.urls import external_url
from app.utils import like_pattern, one_line, utcnow

logger = logging.getLogger(__name__)

TITLE_MAX = 200
TEXT_MAX = 20000
URL_RE = re.compile(r"https?://[^\s<>\"']+\Z")
SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")


class RegistrationClosedError(DomainError):
    """Registration has not opened yet, or has closed."""


class AlreadyRegisteredError(DuplicateError):
    """The person already has an active registration."""


# -- shared checks ------------------------------------------------------------------------------------------
def _require_admin(actor: User) -> None:
    if not is_secretariat(actor):
        raise NotAllowedError(_("Only the secretariat can change the Forum."))


def clean_title(value: str, field_name: str = "title") -> str:
    title = one_line(value)
    if not title:
        raise DomainError(_("Enter a title."), field=field_name)
    if len(title) > TITLE_MAX:
        raise DomainError(_("Keep the title under %(max)d characters.", max=TITLE_MAX), field=field_name)
    return title


def clean_text(value: str | None, field_name: str) -> str:
    text = (value or "").strip()
    if len(text) > TEXT_MAX:
        raise DomainError(_("Keep this under %(max)d characters.", max=TEXT_MAX), field=field_name)
    return text


def clean_url(value: str | None, field_name: str) -> str:
    url = (value or "").strip()
    if url and (len(url) > 500 or not URL_RE.match(url)):
        raise DomainError(_("Enter a web address starting with https:// (or http://)."), field=field_name)
    return url


def clean_zone(value: str | None, field_name: str = "timezone") -> str:
    if not times.is_zone(value):
        raise DomainError(_("Choose a time zone from the list (for example Europe/Zurich)."), field=field_name)
    return value


def clean_capacity(value: int | None, field_name: str = "capacity") -> int | None:
    if value is None:
        return None
    if value < 1 or value > 100_000:
        raise DomainError(_("The capacity is a number of people from 1 to 100,000; leave it empty for no limit."),
                          field=field_name)
    return value


def clean_countries(codes, field_name: str = "countries") -> list[str]:
    """ISO 3166-1 alpha-3 codes, a region (app.taxonomy) standing for all its countries, as pledges do.

    :raises DomainError: a code that is neither a country nor a region.
    """
    countries = expand_regions([str(code).strip().upper() for code in codes or () if str(code).strip()])
    unknown = [code for code in countries if not is_country(code)]
    if unknown:
        raise DomainError(_("Unknown country code: %(codes)s.", codes=", ".join(unknown[:10])), field=field_name)
    return sorted(set(countries))


def to_utc(day: date | None, at: time | None, zone: str, field_name: str) -> datetime | None:
    if day is None and at is None:
        return None
    if day is None or at is None:
        raise DomainError(_("Enter both a date and a time."), field=field_name)
    try:
        return times.local_to_utc(day, at, zone)
    except ValueError:
        raise DomainError(_("%(time)s does not exist in %(zone)s on that day (the clocks change then). "
                            "Choose another time.", time=format_time_of_day(at), zone=zone), field=field_name) from None


# -- editions -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ForumData:
    title: str
    slug: str
    starts_on: date | None
    ends_on: date | None
    timezone: str = "UTC"
    has_24h_clock: bool = False
    description: str = ""
    venue_name: str = ""
    venue_address: str = ""
    online_url: str = ""
    registration_opens_on: date | None = None
    registration_opens_time: time | None = None
    registration_closes_on: date | None = None
    registration_closes_time: time | None = None
    capacity: int | None = None
    is_published: bool = False
    tracks: list[str] = field(default_factory=list)
    rooms: list[str] = field(default_factory=list)


def _names(values: list[str], field_name: str) -> list[str]:
    out: list[str] = []
    for value in values:
        name = one_line(value)
        if not name:
            continue
        if len(name) > 120:
            raise DomainError(_("Keep each name under 120 characters."), field=field_name)
        if name.casefold() not in {n.casefold() for n in out}:
            out.append(name)
    return out


def _sync_named(existing: list, names: list[str], make) -> list:
    """Keep the rows whose name is still listed (in the new order), add the new ones, drop the others."""
    by_name = {row.name.casefold(): row for row in existing}
    kept = []
    for position, name in enumerate(names):
        row = by_name.pop(name.casefold(), None) or make(name)
        row.name, row.position = name, position
        kept.append(row)
    return kept


def _apply_forum(forum: Forum, data: ForumData) -> None:
    forum.title = clean_title(data.title)
    slug = (data.slug or "").strip().lower()
    if not SLUG_RE.match(slug) or len(slug) > 80:
        raise DomainError(_("Use lower-case letters, digits and hyphens, e.g. forum-2027."), field="slug")
    clash = db.session.scalar(sa.select(Forum.id).where(Forum.slug == slug, Forum.id != (forum.id or 0)))
    if clash is not None:
        raise DomainError(_("Another edition already has this address."), field="slug")
    forum.slug = slug
    if data.starts_on is None:
        raise DomainError(_("Enter the first day."), field="starts_on")
    if data.ends_on is None:
        raise DomainError(_("Enter the last day."), field="ends_on")
    if data.ends_on < data.starts_on:
        raise DomainError(_("The last day cannot be before the first day."), field="ends_on")
    if (data.ends_on - data.starts_on).days > 14:
        raise DomainError(_("An edition lasts two weeks at most."), field="ends_on")
    forum.starts_on, forum.ends_on = data.starts_on, data.ends_on
    forum.timezone = clean_zone(data.timezone)
    forum.has_24h_clock = bool(data.has_24h_clock)
    forum.description = clean_text(data.description, "description")
    forum.venue_name = one_line(data.venue_name)[:200]
    forum.venue_address = one_line(data.venue_address)[:500]
    forum.online_url = clean_url(data.online_url, "online_url")
    opens = to_utc(data.registration_opens_on, data.registration_opens_time, forum.timezone, "registration_opens_on")
    closes = to_utc(data.registration_closes_on, data.registration_closes_time, forum.timezone,
                    "registration_closes_on")
    if opens and closes and closes <= opens:
        raise DomainError(_("Registration must close after it opens."), field="registration_closes_on")
    forum.registration_opens_at, forum.registration_closes_at = opens, closes
    capacity = clean_capacity(data.capacity)
    if capacity is not None and capacity < (forum.registered_count or 0):
        raise DomainError(_("%(n)d people are already registered: the capacity cannot be lower.",
                            n=forum.registered_count), field="capacity")
    forum.capacity = capacity
    forum.is_published = bool(data.is_published)
    forum.tracks = _sync_named(forum.tracks, _names(data.tracks, "tracks"), lambda n: ForumTrack(name=n))
    forum.rooms = _sync_named(forum.rooms, _names(data.rooms, "rooms"), lambda n: ForumRoom(name=n))


def create_forum(actor: User, data: ForumData, now: datetime | None = None) -> Forum:
    """Create a Forum edition (the secretariat)."""
    _require_admin(actor)
    forum = Forum(registered_count=0, created_at=now or utcnow(), tracks=[], rooms=[])
    _apply_forum(forum, data)
    db.session.add(forum)
    db.session.flush()
    audit.record(actor, "forum_created", forum)
    logger.info("Forum %r created by %s", forum, actor)
    return forum


def update_forum(actor: User, forum: Forum, data: ForumData, now: datetime | None = None) -> Forum:
    """Change an edition. A larger capacity lets people in from the waiting list at once."""
    _require_admin(actor)
    _apply_forum(forum, data)
    forum.updated_at = now or utcnow()
    db.session.flush()
    promote_waiting(forum, None, now or utcnow())
    audit.record(actor, "forum_updated", forum)
    # Its sessions' entries read its title, slug, publication and tracks.
    gateway.reindex_edition_later(forum.id)
    return forum


# -- the timetable ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SpeakerData:
    name: str
    organisation: str = ""
    email: str = ""


@dataclass(frozen=True)
class SessionData:
    title: str
    day: date | None
    start: time | None
    end: time | None
    kind: str = SessionKind.panel.value
    description: str = ""
    track_id: int | None = None
    room_id: int | None = None
    online_url: str = ""
    capacity: int | None = None
    group_id: int | None = None
    speakers: list[SpeakerData] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)  # alpha-3 codes and/or region codes


def _apply_session(forum: Forum, session: ForumSession, data: SessionData) -> bool:
    """Fill ``session`` from ``data``; return whether its time or place changed."""
    session.title = clean_title(data.title)
    try:
        session.kind = SessionKind(data.kind)
    except ValueError:
        raise DomainError(_("Choose a type from the list."), field="kind") from None
    session.description = clean_text(data.description, "description")
    if data.day is None:
        raise DomainError(_("Choose the day."), field="day")
    if not forum.starts_on <= data.day <= forum.ends_on:
        raise DomainError(_("The session must take place during the Forum."), field="day")
    if data.start is None:
        raise DomainError(_("Enter the start time."), field="start")
    if data.end is None:
        raise DomainError(_("Enter the end time."), field="end")
    starts = to_utc(data.day, data.start, forum.timezone, "start")
    ends = to_utc(data.day, data.end, forum.timezone, "end")
    if ends <= starts:
        raise DomainError(_("The session must end after it starts."), field="end")
    if data.track_id is not None and data.track_id not in {t.id for t in forum.tracks}:
        raise DomainError(_("Choose a track of this Forum."), field="track_id")
    if data.room_id is not None and data.room_id not in {r.id for r in forum.rooms}:
        raise DomainError(_("Choose a room of this Forum."), field="room_id")
    capacity = clean_capacity(data.capacity)
    if capacity is not None and capacity < (session.registered_count or 0):
        raise DomainError(_("%(n)d people are already registered: the capacity cannot be lower.",
                            n=session.registered_count), field="capacity")
    if session.id is not None and capacity is None and session.registered_count:
        raise DomainError(_("People are registered for this session: keep a capacity."), field="capacity")
    if data.group_id is not None and db.session.get(ActionGroup, data.group_id) is None:
        raise DomainError(_("Choose an action group from the list."), field="group_id")
    changed = (session.starts_at, session.ends_at, session.room_id, session.online_url) != (
        starts, ends, data.room_id, clean_url(data.online_url, "online_url"))
    session.starts_at, session.ends_at = starts, ends
    session.track_id, session.room_id = data.track_id, data.room_id
    session.online_url = clean_url(data.online_url, "online_url")
    session.capacity = capacity
    session.group_id = data.group_id
    session.countries = clean_countries(data.countries)
    speakers = []
    for position, speaker in enumerate(s for s in data.speakers if one_line(s.name)):
        user_id = None
        if (speaker.email or "").strip():
            user_id = db.session.scalar(sa.select(User.id).where(User.email == speaker.email.strip().lower()))
            if user_id is None:
                raise DomainError(_("No one in the Hub has the address %(email)s; leave it empty for an outside "
                                    "speaker.", email=speaker.email.strip()), field=f"speakers-{position}-email")
        speakers.append(SessionSpeaker(position=position, name=one_line(speaker.name)[:120],
                                       organisation=one_line(speaker.organisation)[:200], user_id=user_id))
    session.speakers = speakers
    return changed


def create_session(actor: User, forum: Forum, data: SessionData, now: datetime | None = None) -> ForumSession:
    _require_admin(actor)
    now = now or utcnow()
    session = ForumSession(forum_id=forum.id, forum=forum, registered_count=0, sequence=0, created_at=now,
                           updated_at=now)
    _apply_session(forum, session, data)
    db.session.add(session)
    db.session.flush()
    audit.record(actor, "forum_session_created", session)
    events.reindex_later(session)
    return session


def update_session(actor: User, session: ForumSession, data: SessionData, now: datetime | None = None) -> ForumSession:
    """Change a session; a new time or place increments its calendar SEQUENCE."""
    _require_admin(actor)
    if _apply_session(session.forum, session, data):
        session.sequence += 1
    session.updated_at = now or utcnow()
    db.session.flush()
    promote_waiting(session.forum, session, now or utcnow())
    audit.record(actor, "forum_session_updated", session)
    events.reindex_later(session)
    return session


def delete_session(actor: User, session: ForumSession) -> None:
    _require_admin(actor)
    audit.record(actor, "forum_session_deleted", session, title=session.title)
    events.reindex_later(session)  # the worker finds it gone and removes its document
    db.session.delete(session)
    db.session.flush()


# -- registration -------------------------------------------------------------------------------------------
def _counter_table(session: ForumSession | None):
    return ForumSession if session is not None else Forum


def _take_place(forum: Forum, session: ForumSession | None) -> bool:
    """Take one registered place if one is left, in one conditional UPDATE (see the module docstring of
    app.forums.models): concurrent requests queue on the row, and only those that find a place get one."""
    table = _counter_table(session)
    target_id = session.id if session is not None else forum.id
    result = db.session.execute(
        sa.update(table).where(table.id == target_id,
                               sa.or_(table.capacity.is_(None), table.registered_count < table.capacity))
        .values(registered_count=table.registered_count + 1).execution_options(synchronize_session=False))
    db.session.expire(session if session is not None else forum, ["registered_count"])
    return result.rowcount == 1


def _give_back_place(forum: Forum, session: ForumSession | None) -> None:
    table = _counter_table(session)
    target_id = session.id if session is not None else forum.id
    db.session.execute(sa.update(table).where(table.id == target_id, table.registered_count > 0)
                       .values(registered_count=table.registered_count - 1)
                       .execution_options(synchronize_session=False))
    db.session.expire(session if session is not None else forum, ["registered_count"])


def active_registration(user: User, forum: Forum, session: ForumSession | None = None) -> Registration | None:
    query = sa.select(Registration).where(Registration.forum_id == forum.id, Registration.user_id == user.id,
                                          Registration.state.in_(ACTIVE_STATES))
    query = query.where(Registration.session_id == session.id) if session is not None else query.where(
        Registration.session_id.is_(None))
    return db.session.scalar(query)


def register(actor: User, forum: Forum, session: ForumSession | None = None,
             now: datetime | None = None) -> Registration:
    """Register ``actor`` for the Forum (or one of its sessions with a capacity): a place if one is left,
    else the waiting list.

    :raises NotAllowedError: not an approved partner, or the edition is not published.
    :raises RegistrationClosedError: before registration opens or after it closes.
    :raises AlreadyRegisteredError: already registered or waiting (also when two requests race: the
        database's unique index refuses the second).
    """
    now = now or utcnow()
    if not forum.can_register(actor):
        raise NotAllowedError(_("Only approved partners can register."))
    if forum.registration_opens_at is not None and now < forum.registration_opens_at:
        raise RegistrationClosedError(_("Registration opens on %(date)s.",
                                        date=times.show(forum.registration_opens_at, forum.timezone,
                                                                   h24=forum.has_24h_clock)))
    if not forum.registration_is_open(now):
        raise RegistrationClosedError(_("Registration for this Forum is closed."))
    if session is not None:
        if session.forum_id != forum.id or not session.needs_registration:
            raise InvalidTransitionError(_("This session needs no registration: add it to your agenda."))
        forum_registration = active_registration(actor, forum)
        if forum_registration is None or forum_registration.state is not RegistrationState.registered:
            raise NotAllowedError(_("Register for the Forum first; then you can register for its sessions."))
    existing = active_registration(actor, forum, session)
    if existing is not None:
        raise AlreadyRegisteredError(_("You are already registered.") if existing.state is RegistrationState.registered
                                     else _("You are already on the waiting list."))
    registration = Registration(forum_id=forum.id, session_id=session.id if session else None, user_id=actor.id,
                                state=RegistrationState.waiting, created_at=now)
    db.session.add(registration)
    try:
        db.session.flush()
    except IntegrityError:
        # Another request of the same person got in first (a double click, two tabs).
        raise AlreadyRegisteredError(_("You are already registered.")) from None
    if _take_place(forum, session):
        registration.state = RegistrationState.registered
    if session is not None:
        add_to_agenda(actor, session, now=now, check=False)
    db.session.flush()
    send_registration_email(registration, "registered" if registration.state is RegistrationState.registered
                            else "waiting", now)
    logger.info("Registration %r by %s", registration, actor)
    return registration


def _registration_subject(kind: str, event: str):
    """The subject, lazy: translated in the reader's language when the e-mail is rendered."""
    if kind == "waiting":
        return _l("You are on the waiting list: %(event)s", event=event)
    if kind == "promoted":
        return _l("A place freed up: you are now registered for “%(event)s”", event=event)
    return _l("You are registered: %(event)s", event=event)


def registration_ics(forum: Forum, session: ForumSession | None, now: datetime) -> bytes:
    """The calendar file of a registration: the session, or the Forum's days."""
    from flask import current_app

    domain = ical.uid_domain(current_app.config)
    if session is not None:
        event = ical.session_event(session, forum, external_url("forums.session_detail", slug=forum.slug,
                                                                 session_id=session.id),
                                   session.updated_at or now, domain, speakers_label=_("Speakers"))
    else:
        event = ical.forum_event(forum, external_url("forums.programme", slug=forum.slug),
                                 forum.updated_at or now, domain)
    return ical.feed_to_ical(forum.title, [event])


def send_registration_email(registration: Registration, kind: str, now: datetime) -> None:
    """Confirm a registration by e-mail, in the person's language and zone: a place (``registered``, with the
    calendar file), a place on the waiting list (``waiting``: said so, and no calendar file, since they are
    not registered yet), or a move up from the waiting list (``promoted``, with the calendar file)."""
    from flask_babel import force_locale

    person = registration.user or db.session.get(User, registration.user_id)
    if person is None:
        return
    forum, session = registration.forum, registration.session
    attachments = []
    if kind != "waiting":
        with force_locale(person.locale or "en"):
            attachments.append((f"{forum.slug}{'-session-%d' % session.id if session else ''}.ics",
                                registration_ics(forum, session, now), "text/calendar; method=PUBLISH"))
    event = session.title if session is not None else forum.title
    page_url = (external_url("forums.session_detail", slug=forum.slug, session_id=session.id) if session
                else external_url("forums.programme", slug=forum.slug))
    queue_email(person, _registration_subject(kind, event), "forum_registration", attachments,
                zone=forum.timezone, kind=kind, forum=forum, session=session, page_url=page_url,
                agenda_url=external_url("forums.agenda", slug=forum.slug))



def withdraw(actor: User, registration: Registration, now: datetime | None = None) -> Registration:
    """Withdraw a registration (the person themselves, or the secretariat). A freed place goes to the first
    person on the waiting list, who is told. Withdrawing from the Forum withdraws its sessions too."""
    now = now or utcnow()
    if not (actor.id == registration.user_id or is_secretariat(actor)):
        raise NotAllowedError(_("You can only withdraw your own registration."))
    if not registration.is_active:
        raise InvalidTransitionError(_("This registration was already withdrawn."))
    forum, session = registration.forum, registration.session
    if session is None:
        for other in db.session.scalars(sa.select(Registration).where(
                Registration.forum_id == forum.id, Registration.user_id == registration.user_id,
                Registration.session_id.is_not(None), Registration.state.in_(ACTIVE_STATES))):
            _withdraw_one(other, now)
    _withdraw_one(registration, now)
    db.session.flush()
    if actor.id != registration.user_id:
        audit.record(actor, "registration_withdrawn", registration, user_id=registration.user_id)
    return registration


def _withdraw_one(registration: Registration, now: datetime) -> None:
    was_registered = registration.state is RegistrationState.registered
    registration.state = RegistrationState.withdrawn
    registration.withdrawn_at = now
    db.session.flush()
    if was_registered:
        _give_back_place(registration.forum, registration.session)
        promote_waiting(registration.forum, registration.session, now)


def promote_waiting(forum: Forum, session: ForumSession | None, now: datetime) -> list[Registration]:
    """Move people from the waiting list into free places, first come first served, and tell them."""
    promoted = []
    if (session.capacity if session is not None else forum.capacity) is None and not _has_waiting(forum, session):
        return promoted
    while True:
        first = db.session.scalar(
            sa.select(Registration).where(Registration.forum_id == forum.id,
                                          Registration.state == RegistrationState.waiting,
                                          (Registration.session_id == session.id) if session is not None
                                          else Registration.session_id.is_(None))
            .order_by(Registration.created_at, Registration.id).limit(1))
        if first is None or not _take_place(forum, session):
            break
        first.state = RegistrationState.registered
        first.promoted_at = now
        db.session.flush()
        promoted.append(first)
        _tell_promoted(first, forum, session, now)
    return promoted


def _has_waiting(forum: Forum, session: ForumSession | None) -> bool:
    return db.session.scalar(sa.select(sa.func.count(Registration.id)).where(
        Registration.forum_id == forum.id, Registration.state == RegistrationState.waiting,
        (Registration.session_id == session.id) if session is not None else Registration.session_id.is_(None))) > 0


def _tell_promoted(registration: Registration, forum: Forum, session: ForumSession | None, now: datetime) -> None:
    person = db.session.get(User, registration.user_id)
    if person is None:
        return
    url = f"/forums/{forum.slug}/sessions/{session.id}" if session is not None else f"/forums/{forum.slug}"
    # In the Hub as a notification; by e-mail as the confirmation with the calendar file (not twice).
    notify(person, "forum_waitlist_promoted", key=f"forum_promoted:{registration.id}", url=url, now=now,
           email=False, event=session.title if session is not None else forum.title)
    send_registration_email(registration, "promoted", now)


def participants(forum: Forum, session: ForumSession | None = None, find: str = "") -> list[Registration]:
    """Active registrations with their people and organisations (one query), registered first; ``find`` keeps
    those whose name or e-mail contains it (the check-in desk looks people up)."""
    from app.members.models import User as U

    query = (sa.select(Registration).where(Registration.forum_id == forum.id, Registration.state.in_(ACTIVE_STATES))
             .options(so.joinedload(Registration.user).joinedload(U.organisation))
             .order_by(Registration.state != RegistrationState.registered, Registration.created_at, Registration.id))
    words = one_line(find).casefold()[:100]
    if words:
        pattern = like_pattern(words)
        query = query.where(Registration.user_id.in_(sa.select(U.id).where(sa.or_(
            sa.func.lower(U.full_name).like(pattern, escape="\\"), sa.func.lower(U.email).like(pattern, escape="\\")))))
    query = query.where(Registration.session_id == session.id) if session is not None else query.where(
        Registration.session_id.is_(None))
    return list(db.session.scalars(query))


@dataclass(frozen=True)
class RegistrationTotals:
    registered: int = 0
    waiting: int = 0
    attended: int = 0


def registration_totals(forum: Forum, session: ForumSession | None = None) -> RegistrationTotals:
    """How many people have a place, wait, and were checked in, for the Forum or one session (one query)."""
    query = (sa.select(Registration.state, sa.func.count(), sa.func.count(Registration.attended_at))
             .where(Registration.forum_id == forum.id, Registration.state.in_(ACTIVE_STATES))
             .group_by(Registration.state))
    query = query.where(Registration.session_id == session.id) if session is not None else query.where(
        Registration.session_id.is_(None))
    rows = {state: (n, attended) for state, n, attended in db.session.execute(query)}
    return RegistrationTotals(registered=rows.get(RegistrationState.registered, (0, 0))[0],
                              waiting=rows.get(RegistrationState.waiting, (0, 0))[0],
                              attended=sum(attended for _n, attended in rows.values()))


def session_counts(forum: Forum) -> dict[int, dict[str, int]]:
    """Per session: registered, waiting, attended and agenda counts (two queries)."""
    counts: dict[int, dict[str, int]] = {}
    for session_id, state, n, attended in db.session.execute(
            sa.select(Registration.session_id, Registration.state, sa.func.count(), sa.func.count(Registration.attended_at))
            .where(Registration.forum_id == forum.id, Registration.session_id.is_not(None),
                   Registration.state.in_(ACTIVE_STATES))
            .group_by(Registration.session_id, Registration.state)):
        line = counts.setdefault(session_id, {})
        line[state.value] = n
        line["attended"] = line.get("attended", 0) + attended
    for session_id, n in db.session.execute(
            sa.select(AgendaEntry.session_id, sa.func.count()).join(ForumSession)
            .where(ForumSession.forum_id == forum.id).group_by(AgendaEntry.session_id)):
        counts.setdefault(session_id, {})["agenda"] = n
    return counts


def mark_attended(actor: User, registration: Registration, attended: bool = True,
                  now: datetime | None = None) -> bool:
    """Record that a registered person came to the Forum (or to a session), or take it back: the
    secretariat, at the venue, from the Forum's first day (in the venue's zone). Marking twice keeps the
    first time. :return: whether anything changed (only changes are audited).

    :raises InvalidTransitionError: the person is not registered (waiting or withdrawn), or the Forum has not
        started yet.
    """
    _require_admin(actor)
    now = now or utcnow()
    forum = registration.forum
    if attended:
        if registration.state is not RegistrationState.registered:
            raise InvalidTransitionError(_("Only people with a place can be checked in."))
        if times.day_in_zone(now, forum.timezone) < forum.starts_on:
            raise InvalidTransitionError(_("Attendance is recorded from the Forum's first day, %(date)s.",
                                           date=times.show_day(forum.starts_on)))
        if registration.attended_at is not None:
            return False
        registration.attended_at = now
    else:
        if registration.attended_at is None:
            return False
        registration.attended_at = None
    db.session.flush()
    audit.record(actor, "registration_attended" if attended else "registration_attendance_undone", registration,
                 user_id=registration.user_id, session_id=registration.session_id)
    return True


# -- personal agenda ----------------------------------------------------------------------------------------
def add_to_agenda(actor: User, session: ForumSession, now: datetime | None = None, *, check: bool = True) -> None:
    """Put a session on the person's agenda (registrants of the Forum only)."""
    if check:
        if not session.forum.can_register(actor):
            raise NotAllowedError(_("Only approved partners can build an agenda."))
        if active_registration(actor, session.forum) is None:
            raise NotAllowedError(_("Register for the Forum first; then build your agenda."))
    exists = db.session.get(AgendaEntry, (actor.id, session.id))
    if exists is None:
        db.session.add(AgendaEntry(user_id=actor.id, session_id=session.id, created_at=now or utcnow()))
        db.session.flush()


def remove_from_agenda(actor: User, session: ForumSession) -> None:
    """Take a session off the agenda; a registration for it is withdrawn as well."""
    registration = active_registration(actor, session.forum, session)
    if registration is not None:
        withdraw(actor, registration)
    entry = db.session.get(AgendaEntry, (actor.id, session.id))
    if entry is not None:
        db.session.delete(entry)
        db.session.flush()


@dataclass
class AgendaLine:
    session: ForumSession
    registration: Registration | None
    overlaps_with: list[ForumSession]


def agenda_of(user: User, forum: Forum) -> list[AgendaLine]:
    """The person's agenda for ``forum``: sessions chosen or registered for, in time order, each with the
    sessions of the agenda it overlaps (two queries)."""
    chosen = set(db.session.scalars(sa.select(AgendaEntry.session_id).join(ForumSession).where(
        AgendaEntry.user_id == user.id, ForumSession.forum_id == forum.id)))
    registrations = {r.session_id: r for r in db.session.scalars(sa.select(Registration).where(
        Registration.forum_id == forum.id, Registration.user_id == user.id, Registration.session_id.is_not(None),
        Registration.state.in_(ACTIVE_STATES)))}
    ids = chosen | set(registrations)
    if not ids:
        return []
    sessions = list(db.session.scalars(
        sa.select(ForumSession).where(ForumSession.id.in_(ids))
        .options(so.joinedload(ForumSession.room), so.joinedload(ForumSession.track))
        .order_by(ForumSession.starts_at, ForumSession.id)))
    return [AgendaLine(s, registrations.get(s.id), [o for o in sessions if s.overlaps(o)]) for s in sessions]
