"""iCalendar (RFC 5545) serialisers: pure functions of objects and addresses, no queries, no request.

Every component has UID (``<kind>-<id>@CALENDAR_UID_DOMAIN``), DTSTAMP and, for events, DTSTART/DTEND in UTC
(so no VTIMEZONE is needed) or as dates for all-day events (a multi-day event is one event). The link back to
the Hub is in URL and in DESCRIPTION (calendar apps show one or the other); DESCRIPTION is plain text (people
write Markdown, which calendar apps would show as typed). Updates of the same thing keep its UID and raise its
SEQUENCE; a cancelled meeting is sent with METHOD:CANCEL and STATUS:CANCELLED (RFC 5546).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from urllib.parse import urlencode

from icalendar import Calendar, Event, vCalAddress, vText

from app.memory import Memory
from app.markdown import markdown_to_text

PRODID = "-//Alliance 8.7 Hub//Forums//EN"
_DOMAIN = re.compile(r"[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?")


def uid_domain(config) -> str:
    """The domain part of UIDs (``forum-session-12@hub.alliance87.org``): the configured constant
    ``CALENDAR_UID_DOMAIN``, never the host name the Hub is reached at, so an event keeps its UID for
    good (a calendar app would otherwise show it twice)."""
    domain = str(config.get("CALENDAR_UID_DOMAIN") or "").strip().lower()
    if not _DOMAIN.fullmatch(domain):
        raise RuntimeError(f"CALENDAR_UID_DOMAIN must be a domain name such as hub.alliance87.org, not {domain!r}")
    return domain


def new_calendar(name: str | None = None, *, method: str | None = None) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    if name:
        cal.add("x-wr-calname", name)
    return cal


def _utc(value: datetime) -> datetime:
    return value.astimezone(timezone.utc)


def _description(*parts: str | None, url: str) -> str:
    return "\n\n".join([p.strip() for p in parts if p and p.strip()] + [url])


def _event(uid: str, summary: str, dtstamp: datetime, url: str, *, sequence: int = 0) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", _utc(dtstamp))
    event.add("summary", summary)
    event.add("url", url)
    event.add("sequence", sequence)
    return event


def timed_event(uid: str, summary: str, start: datetime, end: datetime, dtstamp: datetime, url: str, *,
                description: str = "", location: str = "", sequence: int = 0, status: str = "CONFIRMED",
                categories: Iterable[str] = ()) -> Event:
    event = _event(uid, summary, dtstamp, url, sequence=sequence)
    event.add("dtstart", _utc(start))
    event.add("dtend", _utc(end))
    event.add("description", _description(description, url=url))
    if location:
        event.add("location", location)
    event.add("status", status)
    categories = [c for c in categories if c]
    if categories:
        event.add("categories", categories)
    return event


def all_day_event(uid: str, summary: str, first: date, last: date, dtstamp: datetime, url: str, *,
                  description: str = "", location: str = "", sequence: int = 0) -> Event:
    """One event over whole days, ``first`` to ``last`` included (DTEND is the day after, as RFC 5545 says)."""
    event = _event(uid, summary, dtstamp, url, sequence=sequence)
    event.add("dtstart", first)
    event.add("dtend", last + timedelta(days=1) if last < date.max else last)  # stored data never raises
    event.add("description", _description(description, url=url))
    event.add("transp", "TRANSPARENT")  # a deadline or a whole Forum does not make the person busy all day
    if location:
        event.add("location", location)
    return event


# -- the Forum ------------------------------------------------------------------------------------------------
def speakers_text(session) -> str:
    return ", ".join(str(s) for s in session.speakers)


def session_event(session, forum, url: str, dtstamp: datetime, domain: str, *, speakers_label: str = "Speakers",
                  summary_prefix: str = "", with_speakers: bool = True) -> Event:
    location = ", ".join(p for p in (session.room.name if session.room else "", forum.venue_name) if p)
    speakers = speakers_text(session) if with_speakers else ""
    description = "\n\n".join(p for p in (
        f"{speakers_label}: {speakers}" if speakers else "", markdown_to_text(session.description),
        session.online_url) if p)
    return timed_event(f"forum-session-{session.id}@{domain}", f"{summary_prefix}{session.title}", session.starts_at,
                       session.ends_at, dtstamp, url, description=description,
                       location=location or session.online_url, sequence=session.sequence,
                       categories=[forum.title, session.track.name if session.track else ""])


def forum_event(forum, url: str, dtstamp: datetime, domain: str) -> Event:
    location = ", ".join(p for p in (forum.venue_name, forum.venue_address) if p)
    return all_day_event(f"forum-{forum.id}@{domain}", forum.title, forum.starts_on, forum.ends_on, dtstamp, url,
                         description=forum.online_url, location=location)


def session_key(session, forum, url: str, domain: str, speakers_label: str, summary_prefix: str = "",
                with_speakers: bool = True) -> tuple:
    """Everything a session's event is made of (for :func:`cached`)."""
    return ("session", session.id, session.updated_at, session.sequence, url, domain, speakers_label, summary_prefix,
            session.title, session.description, session.online_url, session.starts_at, session.ends_at,
            forum.title, forum.venue_name, session.room.name if session.room else "",
            session.track.name if session.track else "", speakers_text(session) if with_speakers else None)


def programme_to_ical(forum, sessions, session_url, domain: str, *, speakers_label: str = "Speakers") -> bytes:
    """The whole programme: one event per session. ``session_url(session)`` gives each session's address."""
    chunks = []
    for session in sessions:
        url = session_url(session)
        chunks.append(cached(session_key(session, forum, url, domain, speakers_label), lambda s=session, u=url: (
            session_event(s, forum, u, s.updated_at, domain, speakers_label=speakers_label))))
    return calendar_bytes(forum.title, "PUBLISH", chunks)


# -- meetings -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Attendee:
    email: str
    name: str
    partstat: str = "NEEDS-ACTION"


def _address(email: str, name: str, **params) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    address.params["cn"] = vText(name)
    for key, value in params.items():
        address.params[key.replace("_", "-")] = vText(value)
    return address


def meeting_event(consultation, url: str, dtstamp: datetime, domain: str, *, organizer: Attendee | None,
                  attendees: Iterable[Attendee] = (), cancelled: bool = False) -> Event:
    location = consultation.place or consultation.online_url
    event = timed_event(f"consultation-{consultation.id}@{domain}", consultation.title, consultation.starts_at,
                        consultation.ends_at, dtstamp, url,
                        description="\n\n".join(p for p in (markdown_to_text(consultation.purpose),
                                                             markdown_to_text(consultation.agenda),
                                                             consultation.online_url) if p),
                        location=location, sequence=consultation.sequence,
                        status="CANCELLED" if cancelled else "CONFIRMED")
    if organizer is not None:
        event.add("organizer", _address(organizer.email, organizer.name))
    for attendee in attendees:
        event.add("attendee", _address(attendee.email, attendee.name, role="REQ-PARTICIPANT",
                                       partstat=attendee.partstat, rsvp="TRUE"), encode=0)
    return event


def meeting_to_ical(consultation, url: str, dtstamp: datetime, domain: str, *, method: str,
                    organizer: Attendee | None, attendees: Iterable[Attendee] = ()) -> bytes:
    """One meeting: ``method`` REQUEST (invitation, update), CANCEL, or PUBLISH (a download)."""
    cal = new_calendar(method=method)
    cal.add_component(meeting_event(consultation, url, dtstamp, domain, organizer=organizer, attendees=attendees,
                                    cancelled=method == "CANCEL" or consultation.is_cancelled))
    return cal.to_ical()


def deadline_event(uid: str, summary: str, deadline: datetime, dtstamp: datetime, url: str) -> Event:
    """A poll's deadline: a short event ending at the deadline."""
    return timed_event(uid, summary, deadline - timedelta(minutes=30), deadline, dtstamp, url,
                       status="TENTATIVE")


def feed_to_ical(name: str, events: Iterable[Event]) -> bytes:
    cal = new_calendar(name, method="PUBLISH")
    for event in events:
        cal.add_component(event)
    return cal.to_ical()


# -- feeds of many events ---------------------------------------------------------------------------------------
# icalendar needs about a millisecond to write one event; a feed of 500 would take half a second. Feeds are
# therefore put together from each event's bytes, remembered by a key made of everything the event is made of
# (its DTSTAMP is the object's last change, so the same inputs give the same bytes).
_events = Memory(20_000)


def cached(key: tuple, build: Callable[[], Event]) -> bytes:
    """The iCalendar bytes of the event ``build()`` makes, remembered when ``key`` was seen before."""
    return _events.get(key, lambda: build().to_ical())


def calendar_bytes(name: str | None, method: str | None, chunks: Iterable[bytes]) -> bytes:
    """A VCALENDAR (written by icalendar) holding the given VEVENTs' bytes."""
    head = new_calendar(name, method=method).to_ical()
    end = b"END:VCALENDAR\r\n"
    assert head.endswith(end)
    return head[:-len(end)] + b"".join(chunks) + end


# -- "Add to Google / Outlook" ------------------------------------------------------------------------------------
def google_link(title: str, start: datetime, end: datetime, url: str, location: str = "") -> str:
    fmt = "%Y%m%dT%H%M%SZ"
    return "https://calendar.google.com/calendar/render?" + urlencode({
        "action": "TEMPLATE", "text": title, "dates": f"{_utc(start):{fmt}}/{_utc(end):{fmt}}",
        "details": url, "location": location})


def outlook_link(title: str, start: datetime, end: datetime, url: str, location: str = "") -> str:
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    return "https://outlook.office.com/calendar/deeplink/compose?" + urlencode({
        "path": "/calendar/action/compose", "rru": "addevent", "subject": title,
        "startdt": f"{_utc(start):{fmt}}", "enddt": f"{_utc(end):{fmt}}", "body": url, "location": location})
