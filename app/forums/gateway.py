"""The Forum and consultations in the knowledge gateway (app/knowledge), through its three registries, so that
the gateway itself knows nothing of the Forum:

- **search** (:func:`~app.knowledge.search.register_kind`): Forum sessions of published editions, for
  everyone; consultations and meetings for whom the search index can tell may see them (see
  :func:`meeting_entry`);
- **country pages** (:func:`~app.knowledge.countries.register_country_section`): upcoming Forum sessions and
  the consultations the viewer may see, about the country;
- **dashboard** (:func:`~app.knowledge.dashboard.register_figure`): action group meetings per month, and
  registration and attendance per Forum edition and per session;
- **members** (:func:`~app.members.overview.register_organisation_list`): the sessions of published editions
  where an organisation speaks, on its page;
- **notifications** (:func:`~app.notifications.kinds.register_kind`): a place freed up, a poll everyone
  answered, an action item given at a meeting;
- **translations** (:func:`~app.multilingual.registry.register_kind`): editions' and sessions' titles and
  descriptions.

Services re-index what they change (``events.reindex_later``). A change elsewhere that changes these
entries is followed too: a group renamed or opened to all partners re-indexes its consultations (the kind
``follows`` groups); an edition published or renamed, or a track renamed, calls
:func:`reindex_edition_later` for the edition's sessions.
"""
from __future__ import annotations

from collections import Counter
from datetime import datetime, time, timezone

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app import events
from app.actiongroups.models import ActionGroup, Visibility
from app.extensions import db
from app.forums import times
from app.forums.consultation_models import Audience, Consultation, ConsultationState, Slot
from app.forums.models import (ACTIVE_STATES, Forum, ForumSession, Registration, RegistrationState,
                               SessionSpeaker)
from app.i18n import country_name
from app.members.overview import Listing, listing, register_organisation_list
from app.multilingual.registry import TranslatableKind
from app.multilingual.registry import register_kind as register_translatable
from app.notifications.kinds import Kind
from app.notifications.kinds import register_kind as register_notification_kind
from app.notifications.models import Delivery
from app.sqltools import json_list_contains, month_of

SESSION_KIND = "session"
MEETING_KIND = "consultation"
LIST_MAX = 10


# -- search -------------------------------------------------------------------------------------------------
def session_entry(session: ForumSession):
    """A session of a published edition: its title; description, speakers, track, the countries it is about
    and the edition in the body. Sessions of draft editions are not found."""
    from app.knowledge.search import Entry

    forum = session.forum
    if not forum.is_published:
        return None
    speakers = "; ".join(str(s) for s in session.speakers)
    countries = ", ".join(country_name(code, "en") for code in session.countries or [])
    body = "\n".join(part for part in (session.description, speakers, session.track.name if session.track else "",
                                       countries, forum.title) if part)
    return Entry(title=session.title, body=body, url=f"/forums/{forum.slug}/sessions/{session.id}",
                 updated_at=session.updated_at, places=tuple(session.countries or ()))


def session_query() -> sa.Select:
    return sa.select(ForumSession).options(so.joinedload(ForumSession.forum), so.joinedload(ForumSession.track),
                                           so.selectinload(ForumSession.speakers))


def meeting_entry(consultation: Consultation):
    """A consultation or meeting, for the people its page lets in, as far as the index can say it.

    The index knows three audiences: everyone, approved partners, and the members of one group (the
    secretariat finds everything). So a public scheduled meeting is found by everyone, a consultation open
    to all partners by partners, and a group's consultation by whoever reads the group's workspace: exactly
    who may open their pages. Consultations among named people or organisations are not indexed at all (the
    index cannot list people; their invitees reach them from "My consultations", their e-mails and calendars),
    and neither are invitees from outside a group found its consultations: the search never shows anyone
    a consultation they may not open, but it does not find every one they may. Cancelled ones are left out.
    """
    from app.knowledge.search import Entry

    if consultation.is_cancelled:
        return None
    group = consultation.group
    if consultation.is_public and consultation.is_scheduled:
        audience = "public"
    elif consultation.audience is Audience.partners:
        audience = "partners"
    elif group is not None:
        audience = "partners" if group.visibility is Visibility.partners else "members"
    else:
        return None
    body = "\n".join(part for part in (consultation.purpose, consultation.agenda, group.name if group else "")
                     if part)
    return Entry(title=consultation.title, body=body, url=f"/forums/consultations/{consultation.id}",
                 audience=audience, group_id=consultation.group_id, updated_at=consultation.updated_at)


def meeting_query() -> sa.Select:
    return sa.select(Consultation).options(so.joinedload(Consultation.group))


def reindex_edition_later(forum_id: int) -> None:
    """Have the worker re-index every session of an edition (published, unpublished, renamed, a track renamed)."""
    events.reindex_later(model=ForumSession, ids=db.session.scalars(
        sa.select(ForumSession.id).where(ForumSession.forum_id == forum_id)))


def _meetings_of_groups(group_ids: list[int]) -> sa.Select:
    return sa.select(Consultation.id).where(Consultation.group_id.in_(group_ids))


# -- country pages ------------------------------------------------------------------------------------------
def load_country_events(ctx) -> dict:
    """Sessions of published editions and the consultations ``ctx.user`` may see that are about the country
    and not over before the viewer's today (two queries, at most LIST_MAX of each)."""
    from app.forums.consultations import visible_to

    since = datetime.combine(ctx.today, time.min, tzinfo=timezone.utc)
    rows = db.session.execute(
        sa.select(ForumSession, sa.func.count().over()).join(Forum, Forum.id == ForumSession.forum_id)
        .where(Forum.is_published.is_(True), ForumSession.ends_at >= since,
               json_list_contains(ForumSession.countries, ctx.code))
        .options(so.contains_eager(ForumSession.forum))
        .order_by(ForumSession.starts_at, ForumSession.id).limit(LIST_MAX)).all()
    upcoming = sa.or_(
        sa.and_(Consultation.state == ConsultationState.scheduled, Consultation.ends_at >= since),
        sa.and_(Consultation.state.in_((ConsultationState.polling, ConsultationState.closed)),
                sa.exists().where(Slot.consultation_id == Consultation.id, Slot.starts_at >= since)))
    query = (sa.select(Consultation).where(upcoming, json_list_contains(Consultation.countries, ctx.code))
             .options(so.joinedload(Consultation.group))
             .order_by(sa.func.coalesce(Consultation.starts_at, Consultation.deadline_at), Consultation.id)
             .limit(LIST_MAX))
    visible = visible_to(ctx.user)
    if visible is not None:
        query = query.where(visible)
    user = ctx.user
    zone = user.timezone if user is not None and user.is_authenticated and times.is_zone(user.timezone) else "UTC"
    return {"sessions": [row[0] for row in rows], "sessions_total": rows[0][1] if rows else 0,
            "consultations": list(db.session.scalars(query)), "zone": zone}


# -- dashboard ----------------------------------------------------------------------------------------------
def _window(ctx) -> tuple[datetime, datetime]:
    first, after = ctx.window
    return (datetime.combine(first, time.min, tzinfo=timezone.utc),
            datetime.combine(after, time.min, tzinfo=timezone.utc))


def meetings_per_month(ctx):
    """Per month (UTC) and group: the group's meetings (consultations confirmed as meetings, not cancelled)
    starting that month; groups as the dashboard's region and area filters select them (two queries)."""
    from app.actiongroups.figures import group_conditions
    from app.knowledge.dashboard import Table, month_label

    start, end = _window(ctx)
    groups = db.session.execute(sa.select(ActionGroup.id, ActionGroup.name).where(*group_conditions(ctx))
                                .order_by(ActionGroup.name, ActionGroup.id)).all()
    month = month_of(Consultation.starts_at)
    counts = {(group_id, m): n for group_id, m, n in db.session.execute(
        sa.select(Consultation.group_id, month, sa.func.count())
        .where(Consultation.state == ConsultationState.scheduled, Consultation.group_id.in_([g.id for g in groups]),
               Consultation.starts_at >= start, Consultation.starts_at < end)
        .group_by(Consultation.group_id, month))} if groups else {}
    rows = [[month_label(m), *[counts.get((g.id, m), 0) for g in groups]] for m in ctx.months]
    return Table([_("Month"), *[g.name for g in groups]], rows if groups else [],
                 note=_("Meetings confirmed from a consultation, in the month they start (UTC); cancelled ones "
                        "are left out."))


def _published_forums(ctx) -> list[Forum]:
    """The published editions (those of the year filter, if any), read once for the page's two figures."""
    query = sa.select(Forum).where(Forum.is_published.is_(True)).order_by(Forum.starts_on, Forum.id)
    if ctx.filters.year:
        query = query.where(sa.extract("year", Forum.starts_on) == ctx.filters.year)
    return ctx.shared("forums.published", lambda: list(db.session.scalars(query)))


def forum_registration(ctx):
    """Per published edition (those of the year filter, if any): people with a place, people checked in at
    the venue, people on the waiting list (two queries, the first shared with the sessions' figure)."""
    from app.knowledge.dashboard import Table

    forums = _published_forums(ctx)
    counts: Counter = Counter()
    if forums:
        for forum_id, state, n, attended in db.session.execute(
                sa.select(Registration.forum_id, Registration.state, sa.func.count(),
                          sa.func.count(Registration.attended_at))
                .where(Registration.forum_id.in_([f.id for f in forums]), Registration.session_id.is_(None),
                       Registration.state.in_(ACTIVE_STATES))
                .group_by(Registration.forum_id, Registration.state)):
            counts[(forum_id, state)] += n
            counts[(forum_id, "attended")] += attended
    rows = [[_label(f, ctx), counts[(f.id, RegistrationState.registered)], counts[(f.id, "attended")],
             counts[(f.id, RegistrationState.waiting)]] for f in forums]
    return Table([_("Edition"), _("Registered"), _("Checked in"), _("Waiting list")], rows,
                 note=_("Checked in: people the secretariat marked present at the venue; an edition still to "
                        "come has none yet."))


def _label(forum: Forum, ctx) -> str:
    return forum.title if forum.starts_on <= ctx.today else _("%(title)s (to come)", title=forum.title)


def _edition_in_view(forums: list[Forum], ctx) -> Forum | None:
    """The edition the per-session figure shows: the latest that has begun by today, else the next one."""
    begun = [f for f in forums if f.starts_on <= ctx.today]
    return begun[-1] if begun else (forums[0] if forums else None)


def session_registration(ctx):
    """Per session of one edition (see _edition_in_view) that needs registration: people with a place, people
    checked in, people waiting (two queries, the first shared with the editions' figure)."""
    from app.knowledge.dashboard import Table

    columns = [_("Session"), _("Registered"), _("Checked in"), _("Waiting list")]
    forum = _edition_in_view(_published_forums(ctx), ctx)
    if forum is None:
        return Table(columns, [])
    rows = db.session.execute(
        sa.select(ForumSession.id, ForumSession.title, Registration.state, sa.func.count(Registration.id),
                  sa.func.count(Registration.attended_at))
        .outerjoin(Registration, sa.and_(Registration.session_id == ForumSession.id,
                                         Registration.state.in_(ACTIVE_STATES)))
        .where(ForumSession.forum_id == forum.id, ForumSession.capacity.is_not(None))
        .group_by(ForumSession.id, ForumSession.title, ForumSession.starts_at, Registration.state)
        .order_by(ForumSession.starts_at, ForumSession.id)).all()
    lines: dict[int, list] = {}
    for session_id, title, state, n, attended in rows:
        line = lines.setdefault(session_id, [title, 0, 0, 0])
        if state is RegistrationState.registered:
            line[1] += n
        elif state is RegistrationState.waiting:
            line[3] += n
        line[2] += attended
    return Table(columns, list(lines.values()),
                 note=_("Sessions of %(forum)s that need registration (the others are open to every participant).",
                        forum=forum.title))


# -- members ------------------------------------------------------------------------------------------------
def organisation_sessions(org) -> Listing:
    """Sessions of published editions where someone speaks for the organisation (by its name or acronym)."""
    names = {n.casefold() for n in (org.name, org.acronym) if n}
    speaking = sa.select(SessionSpeaker.session_id).where(sa.func.lower(SessionSpeaker.organisation).in_(sorted(names)))
    return listing(
        sa.select(ForumSession).join(Forum, Forum.id == ForumSession.forum_id)
        .where(Forum.is_published.is_(True), ForumSession.id.in_(speaking))
        .order_by(ForumSession.starts_at.desc(), ForumSession.id.desc()), [so.joinedload(ForumSession.forum)])


# -- notifications ------------------------------------------------------------------------------------------
def notification_kinds() -> list[Kind]:
    return [
        # params: event (the Forum's or the session's title)
        Kind("forum_waitlist_promoted", _l("A place frees up for you at the Forum"),
             _l("A place freed up: you are now registered for “%(event)s”"), Delivery.immediately, order=170),
        # params: consultation
        Kind("poll_all_answered", _l("Everyone has answered your consultation poll"),
             _l("Every invitee has answered the poll “%(consultation)s”"), Delivery.immediately, order=180),
        # params: actor, consultation
        Kind("poll_slot_added", _l("New slots in consultation polls you answered"),
             _l("%(actor)s added a slot to the poll “%(consultation)s”: you can answer it too"),
             Delivery.immediately, order=183),
        # params: actor, consultation
        Kind("poll_slot_removed", _l("Slots removed from consultation polls you answered"),
             _l("%(actor)s removed a slot you had answered from the poll “%(consultation)s”; your answers to the "
                "other slots are kept"), Delivery.immediately, order=186),
        # params: actor, item, consultation
        Kind("action_item_assigned", _l("Action items given to you at a meeting"),
             _l("%(actor)s gave you the action “%(item)s” from “%(consultation)s”"), Delivery.daily, order=190),
    ]


# -- translations -------------------------------------------------------------------------------------------
def translatable_kinds() -> list[TranslatableKind]:
    return [
        TranslatableKind(
            "forum", Forum, _l("Forum edition"),
            (("title", _l("Title"), False), ("description", _l("Description"), True)),
            can_translate=lambda forum, user: forum.can_manage(user),
            can_view=lambda forum, user: forum.can_view(user),
            url=lambda forum: url_for("forums.programme", slug=forum.slug), order=20),
        TranslatableKind(
            "session", ForumSession, _l("Forum session"),
            (("title", _l("Title"), False), ("description", _l("Description"), True)),
            can_translate=lambda session, user: session.forum.can_manage(user),
            can_view=lambda session, user: session.can_view(user),
            url=lambda session: url_for("forums.session_detail", slug=session.forum.slug, session_id=session.id),
            order=30),
    ]


# -- wiring -------------------------------------------------------------------------------------------------
def register() -> None:
    """Plug the Forum and consultations into the cross-cutting registries (called by create_app)."""
    from app.knowledge.countries import CountrySection, register_country_section
    from app.knowledge.dashboard import Figure, register_figure
    from app.knowledge.search import SearchKind, register_kind

    register_kind(SearchKind(SESSION_KIND, _l("Forum sessions"), ForumSession, session_entry, session_query,
                             order=40))
    register_kind(SearchKind(MEETING_KIND, _l("Consultations and meetings"), Consultation, meeting_entry,
                             meeting_query, order=45, follows={"group": _meetings_of_groups}))
    register_country_section(CountrySection("forum", _l("Upcoming consultations and Forum sessions"),
                                            "forums/_country_events.html", load_country_events, order=60))
    register_figure(Figure("meetings", _l("Action group meetings per month"), meetings_per_month, chart="line",
                           order=91, section="groups",
                           description=_l("Meetings of each action group, by the month they take place.")))
    register_figure(Figure("forum", _l("Forum registration and attendance"), forum_registration, order=93,
                           section="groups",
                           description=_l("For each edition of the Partnership Forum: people registered, people "
                                          "checked in at the venue, and the waiting list.")))
    register_figure(Figure("forum-sessions", _l("Forum sessions: registered and checked in"), session_registration,
                           chart="hbar", order=94, series=2, section="groups",
                           description=_l("The sessions of the latest edition that need registration.")))
    for kind in notification_kinds():
        register_notification_kind(kind)
    register_organisation_list("sessions", organisation_sessions)
    for kind in translatable_kinds():
        register_translatable(kind)
