"""Calendar feeds: what goes into a person's feed (five queries whatever its size), the feed's secret
address, the group and programme feeds. The iCalendar text itself is written by app/forums/ical.py."""
from __future__ import annotations

import hmac
import secrets
from types import SimpleNamespace
from collections.abc import Callable
from datetime import datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from flask_babel import gettext as _

from app.commitments import schedule
from app.commitments.models import Deliverable, Pledge, PledgeState
from app.extensions import db
from app.forums import ical
from app.forums.consultation_models import Consultation, ConsultationState, Invitee, Response
from app.forums.models import (
    ACTIVE_STATES, AgendaEntry, CalendarKey, Forum, ForumRoom, ForumSession, ForumTrack, Registration, RegistrationState,
)
from app.members.models import Organisation, User
from app.members.tokens import link_digest
from app.urls import external_url

# Feeds carry what ended in the last four weeks and everything to come (as Indico's category feeds do).
PAST = timedelta(weeks=4)


# -- the secret address -------------------------------------------------------------------------------------
def _token(user_id: int, secret: str) -> str:
    return link_digest(f"calendar:{user_id}:{secret}")


def feed_token(user: User) -> str | None:
    key = db.session.get(CalendarKey, user.id)
    return _token(user.id, key.secret) if key is not None else None


def reset_feed(user: User) -> str:
    """Give the person a new feed address; the old one stops working at once. :return: the new token."""
    key = db.session.get(CalendarKey, user.id)
    if key is None:
        key = CalendarKey(user_id=user.id, secret=secrets.token_hex(16))
        db.session.add(key)
    else:
        key.secret = secrets.token_hex(16)
    db.session.flush()
    return _token(user.id, key.secret)


def revoke_feed(user: User) -> None:
    """The person's feed address stops working (their access ended); a new one can be made later."""
    db.session.execute(sa.delete(CalendarKey).where(CalendarKey.user_id == user.id))


def user_for_feed(user_id: int, token: str) -> User | None:
    """The approved person a feed address stands for; None for a wrong secret, a reset one, or no one
    (all three look the same from outside: 404)."""
    row = db.session.execute(sa.select(CalendarKey, User).join(User, User.id == CalendarKey.user_id)
                             .outerjoin(Organisation, Organisation.id == User.organisation_id)
                             .options(so.contains_eager(User.organisation))  # may_use_secret_links reads it
                             .where(CalendarKey.user_id == user_id)).first()
    if row is None:
        return None
    key, user = row
    if not user.may_use_secret_links or not hmac.compare_digest(_token(user_id, key.secret), token or ""):
        return None
    return user


# -- the personal feed ----------------------------------------------------------------------------------------
def personal_events(user: User, now: datetime) -> list[bytes]:
    """The iCalendar bytes of every event of the person's feed: their agenda and registered sessions, the Forums
    they registered for, the meetings they are invited to (with their answer) or convene, open polls' deadlines,
    and the report and deliverable due dates of the pledges they coordinate. Four queries."""
    domain = ical.uid_domain(current_app.config)
    base = external_url("forums.index").rstrip("/")
    since = now - PAST
    events = []

    agenda = sa.select(AgendaEntry.session_id).where(AgendaEntry.user_id == user.id)
    # Plain rows, not ORM objects: a feed of 500 sessions would spend most of its time building objects.
    rows = db.session.execute(
        sa.select(ForumSession.id, ForumSession.updated_at, ForumSession.sequence, ForumSession.title,
                  ForumSession.description, ForumSession.online_url, ForumSession.starts_at, ForumSession.ends_at,
                  ForumRoom.name, ForumTrack.name, Forum.title, Forum.venue_name, Forum.slug, Registration.state)
        .join(Forum, Forum.id == ForumSession.forum_id)
        .outerjoin(ForumRoom, ForumRoom.id == ForumSession.room_id)
        .outerjoin(ForumTrack, ForumTrack.id == ForumSession.track_id)
        .outerjoin(Registration, sa.and_(Registration.session_id == ForumSession.id, Registration.user_id == user.id,
                                         Registration.state.in_(ACTIVE_STATES)))
        .where(sa.or_(ForumSession.id.in_(agenda), Registration.id.is_not(None)), ForumSession.ends_at >= since)
        .order_by(ForumSession.starts_at))
    waiting_prefix = _("(waiting list) ")
    for (sid, updated_at, sequence, title, description, online_url, starts_at, ends_at, room, track, forum_title,
         venue, slug, state) in rows:
        session = SimpleNamespace(id=sid, updated_at=updated_at, sequence=sequence, title=title,
                                  description=description, online_url=online_url, starts_at=starts_at,
                                  ends_at=ends_at, room=SimpleNamespace(name=room) if room else None,
                                  track=SimpleNamespace(name=track) if track else None)
        forum = SimpleNamespace(title=forum_title, venue_name=venue)
        url = f"{base}/{slug}/sessions/{sid}"
        prefix = waiting_prefix if state is RegistrationState.waiting else ""
        # Without the speakers: the feed stays at five queries (the event links to the session's page).
        events.append(ical.cached(ical.session_key(session, forum, url, domain, "", prefix, False),
                                  lambda s=session, f=forum, u=url, p=prefix: ical.session_event(
                                      s, f, u, s.updated_at, domain, summary_prefix=p, with_speakers=False)))

    for forum, state in db.session.execute(
            sa.select(Forum, Registration.state).join(Registration, Registration.forum_id == Forum.id)
            .where(Registration.user_id == user.id, Registration.session_id.is_(None),
                   Registration.state.in_(ACTIVE_STATES), Forum.ends_on >= since.date())):
        prefix = waiting_prefix if state is RegistrationState.waiting else ""
        events.append(ical.cached(
            ("forum", forum.id, forum.updated_at, forum.title, forum.starts_on, forum.ends_on, forum.venue_name,
             forum.venue_address, forum.online_url, base, domain, prefix),
            lambda f=forum, p=prefix: _with_summary(ical.forum_event(f, f"{base}/{f.slug}", f.updated_at, domain),
                                                    p + f.title)))

    invited = sa.and_(Invitee.consultation_id == Consultation.id, Invitee.user_id == user.id)
    declined_prefix = _("(declined) ")
    for consultation, invitee in db.session.execute(
            sa.select(Consultation, Invitee).outerjoin(Invitee, invited)
            .where(sa.or_(Invitee.id.is_not(None), Consultation.convener_id == user.id),
                   sa.or_(sa.and_(Consultation.state == ConsultationState.polling, Consultation.deadline_at >= since),
                          sa.and_(Consultation.state.in_([ConsultationState.scheduled, ConsultationState.cancelled]),
                                  Consultation.ends_at >= since)))
            ):
        url = f"{base}/consultations/{consultation.id}"
        if consultation.state is ConsultationState.polling:
            summary = _("Poll closes: %(title)s", title=consultation.title)
            events.append(ical.cached(
                ("deadline", consultation.id, consultation.updated_at, consultation.deadline_at, summary, url, domain),
                lambda c=consultation, t=summary, u=url: ical.deadline_event(
                    f"consultation-{c.id}-deadline@{domain}", t, c.deadline_at, c.updated_at, u)))
            continue
        partstat = invitee.partstat if invitee else "ACCEPTED"
        declined = invitee is not None and invitee.response is Response.declined
        events.append(ical.cached(
            ("meeting", consultation.id, consultation.updated_at, consultation.sequence, consultation.state.value,
             consultation.title, consultation.purpose, consultation.agenda, consultation.place,
             consultation.online_url, consultation.starts_at, consultation.ends_at,
             partstat, declined, url, domain, user.email, user.full_name, declined_prefix),
            lambda c=consultation, u=url, ps=partstat, d=declined: _meeting_event(c, u, domain, user, ps, d,
                                                                                   declined_prefix)))

    pledges: dict[int, tuple[Pledge, list[Deliverable]]] = {}
    for pledge, deliverable in db.session.execute(
            sa.select(Pledge, Deliverable).outerjoin(Deliverable, sa.and_(
                Deliverable.pledge_id == Pledge.id, Deliverable.done_on.is_(None), Deliverable.due_date.is_not(None),
                Deliverable.due_date >= since.date()))
            .where(Pledge.coordinator_id == user.id, Pledge.state == PledgeState.published)
            .order_by(Pledge.id, Deliverable.due_date)):
        entry = pledges.setdefault(pledge.id, (pledge, []))
        if deliverable is not None:
            entry[1].append(deliverable)
    root = base.rsplit("/forums", 1)[0]
    for pledge, deliverables in pledges.values():
        url = f"{root}/pledges/{pledge.id}"
        for period in schedule.periods(pledge.start_date, pledge.end_date, pledge.every_months):
            if (pledge.reported_through is None or period.end > pledge.reported_through) and period.end >= since.date():
                summary = _("Progress report due: %(title)s", title=pledge.title)
                uid = f"pledge-{pledge.id}-report-{period.end.isoformat()}@{domain}"
                events.append(ical.cached(("due", uid, summary, period.end, url, pledge.updated_at),
                                          lambda u=uid, t=summary, d=period.end, p=pledge: ical.all_day_event(
                                              u, t, d, d, p.updated_at, url)))
        for deliverable in deliverables:
            summary = _("Deliverable due: %(what)s (%(title)s)", what=deliverable.title, title=pledge.title)
            uid = f"deliverable-{deliverable.id}-{deliverable.due_date.isoformat()}@{domain}"
            events.append(ical.cached(("due", uid, summary, deliverable.due_date, url, pledge.updated_at),
                                      lambda u=uid, t=summary, d=deliverable.due_date, p=pledge: ical.all_day_event(
                                          u, t, d, d, p.updated_at, url)))
    return events


def _with_summary(event, summary: str):
    event["summary"] = summary
    return event


def _meeting_event(consultation, url, domain, user, partstat, declined, declined_prefix):
    me = ical.Attendee(user.email, user.full_name, partstat)
    event = ical.meeting_event(consultation, url, consultation.updated_at, domain, organizer=None, attendees=[me],
                               cancelled=consultation.is_cancelled)
    if declined:
        event["summary"] = declined_prefix + consultation.title
        event["transp"] = "TRANSPARENT"
    return event


def personal_feed(user: User, now: datetime) -> bytes:
    return ical.calendar_bytes(_("Alliance 8.7 Hub: %(name)s", name=user.full_name), "PUBLISH",
                               personal_events(user, now))


# -- the programme and group feeds ----------------------------------------------------------------------------
def programme_feed(forum: Forum, sessions, now: datetime, session_url: Callable) -> bytes:
    return ical.programme_to_ical(forum, sessions, session_url, ical.uid_domain(current_app.config),
                                  speakers_label=_("Speakers"))


def group_meetings(group, viewer, now: datetime) -> list[Consultation]:
    """The group's meetings the viewer may see (public ones for everyone; all for its readers), from four
    weeks ago on."""
    query = (sa.select(Consultation).where(
        Consultation.group_id == group.id,
        Consultation.state.in_([ConsultationState.scheduled, ConsultationState.cancelled]),
        Consultation.ends_at >= now - PAST).order_by(Consultation.starts_at))
    if not group.can_view_workspace(viewer):
        query = query.where(Consultation.is_public.is_(True))
    return list(db.session.scalars(query))


def meetings_feed(name: str, meetings, now: datetime, meeting_url: Callable) -> bytes:
    domain = ical.uid_domain(current_app.config)
    return ical.feed_to_ical(name, [ical.meeting_event(m, meeting_url(m), now, domain, organizer=None,
                                                       cancelled=m.is_cancelled) for m in meetings])
