"""Forum views: editions, the public programme (timetable and list), sessions, registration, personal
agendas, participants. Consultations are in consultation_routes.py, calendars in feed_routes.py."""
from __future__ import annotations

import csv
import io
import re
import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from types import SimpleNamespace

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from app.actiongroups.models import ActionGroup
from app.extensions import db
from app.forms import EmptyForm, run_service
from app.forums import bp, services, times
from app.forums.consultations import can_convene, consultations_of
from app.forums.forms import ForumForm, SessionForm
from app.forums.ical import google_link, outlook_link
from app.forums.models import (
    SESSION_KIND_LABELS, AgendaEntry, Forum, ForumSession, Registration, RegistrationState, SessionKind,
)
from app.forums.services import ForumData, SessionData, SpeakerData
from app.policy import is_secretariat
from app.forums.timetable import day_grid
from app.i18n import iso_moment
from app.memory import Memory
from app.urls import external_url
from app.utils import csv_cell, id_number, is_safe_next, parse_date, utcnow


# -- loaders ------------------------------------------------------------------------------------------------
def get_forum_or_404(slug: str) -> Forum:
    forum = db.session.scalar(sa.select(Forum).where(Forum.slug == slug).options(
        so.selectinload(Forum.tracks), so.selectinload(Forum.rooms)))
    if forum is None or not forum.can_view(current_user):
        abort(404)
    return forum


def get_session_or_404(forum: Forum, session_id: int) -> ForumSession:
    session = db.session.get(ForumSession, session_id, options=[
        so.joinedload(ForumSession.room), so.joinedload(ForumSession.track), so.selectinload(ForumSession.speakers)])
    if session is None or session.forum_id != forum.id:
        abort(404)
    return session


def _require(allowed: bool) -> None:
    if not allowed:
        abort(403)


def viewer_zone() -> str | None:
    """The signed-in person's own zone (None for visitors): times are shown in it as well."""
    if current_user.is_authenticated and times.is_zone(current_user.timezone):
        return current_user.timezone
    return None


# -- editions -----------------------------------------------------------------------------------------------
@bp.route("/")
def index():
    query = sa.select(Forum).order_by(Forum.starts_on.desc())
    if not is_secretariat(current_user):
        query = query.where(Forum.is_published.is_(True))
    forums = list(db.session.scalars(query))

    consultations = consultations_of(current_user) if current_user.is_authenticated else []
    return render_template("forums/index.html", forums=forums, consultations=consultations,
                           can_create=is_secretariat(current_user),
                           can_convene=can_convene(current_user))


def _forum_data(form: ForumForm) -> ForumData:
    return ForumData(
        title=form.title.data or "", slug=form.slug.data or "", starts_on=form.starts_on.data,
        ends_on=form.ends_on.data, timezone=form.timezone.data or "",
        has_24h_clock=bool(form.has_24h_clock.data), description=form.description.data or "",
        venue_name=form.venue_name.data or "", venue_address=form.venue_address.data or "",
        online_url=form.online_url.data or "", registration_opens_on=form.registration_opens_on.data,
        registration_opens_time=form.registration_opens_time.data,
        registration_closes_on=form.registration_closes_on.data,
        registration_closes_time=form.registration_closes_time.data, capacity=form.capacity.data,
        is_published=bool(form.is_published.data), tracks=(form.tracks.data or "").splitlines(),
        rooms=(form.rooms.data or "").splitlines())


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    _require(is_secretariat(current_user))
    form = ForumForm()
    saved = {}
    if form.validate_on_submit() and run_service(
            lambda: saved.update(forum=services.create_forum(current_user, _forum_data(form))),
            _("The Forum edition was created. Now add its sessions."), form):
        return redirect(url_for(".programme", slug=saved["forum"].slug))
    return render_template("forums/forum_form.html", form=form, forum=None)


@bp.route("/<slug>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str):
    forum = get_forum_or_404(slug)
    _require(forum.can_manage(current_user))
    data = None
    if request.method == "GET":
        opens = forum.registration_opens_at and times.in_zone(forum.registration_opens_at, forum.timezone)
        closes = forum.registration_closes_at and times.in_zone(forum.registration_closes_at, forum.timezone)
        data = {"title": forum.title, "slug": forum.slug, "description": forum.description,
                "starts_on": forum.starts_on, "ends_on": forum.ends_on, "timezone": forum.timezone,
                "has_24h_clock": forum.has_24h_clock,
                "venue_name": forum.venue_name, "venue_address": forum.venue_address, "online_url": forum.online_url,
                "registration_opens_on": opens.date() if opens else None,
                "registration_opens_time": opens.time() if opens else None,
                "registration_closes_on": closes.date() if closes else None,
                "registration_closes_time": closes.time() if closes else None,
                "capacity": forum.capacity, "is_published": forum.is_published,
                "tracks": "\n".join(t.name for t in forum.tracks), "rooms": "\n".join(r.name for r in forum.rooms)}
    form = ForumForm(data=data)
    if form.validate_on_submit() and run_service(
            lambda: services.update_forum(current_user, forum, _forum_data(form)), _("The edition was saved."), form):
        return redirect(url_for(".programme", slug=forum.slug))
    return render_template("forums/forum_form.html", form=form, forum=forum)


# -- the programme ------------------------------------------------------------------------------------------
def _filters(forum: Forum) -> tuple[int | None, SessionKind | None]:
    track = id_number(request.args.get("track"))
    track = track if track in {t.id for t in forum.tracks} else None
    kind = request.args.get("kind", "")
    return track, (SessionKind(kind) if kind in SessionKind.__members__ else None)


def programme_sessions(forum: Forum, track: int | None = None, kind: SessionKind | None = None) -> list[ForumSession]:
    """The timetable in time order, rooms, tracks and speakers loaded (two queries)."""
    query = (sa.select(ForumSession).where(ForumSession.forum_id == forum.id)
             .options(so.joinedload(ForumSession.room), so.joinedload(ForumSession.track),
                      so.selectinload(ForumSession.speakers))
             .order_by(ForumSession.starts_at, ForumSession.id))
    if track is not None:
        query = query.where(ForumSession.track_id == track)
    if kind is not None:
        query = query.where(ForumSession.kind == kind)
    return list(db.session.scalars(query))


def _my_forum_state(forum: Forum) -> tuple[Registration | None, set[int], dict[int, Registration]]:
    """The signed-in person's Forum registration, agenda and session registrations (two queries)."""
    if not current_user.is_authenticated:
        return None, set(), {}
    rows = list(db.session.scalars(sa.select(Registration).where(
        Registration.forum_id == forum.id, Registration.user_id == current_user.id,
        Registration.state != RegistrationState.withdrawn)))
    mine = next((r for r in rows if r.session_id is None), None)
    sessions = {r.session_id: r for r in rows if r.session_id is not None}
    agenda = set(db.session.scalars(sa.select(AgendaEntry.session_id).join(ForumSession).where(
        AgendaEntry.user_id == current_user.id, ForumSession.forum_id == forum.id)))
    return mine, agenda, sessions


# The programme is most of the Forum's traffic, and most of it is the same for everyone:
# - visitors (not signed in) all see the same page: it is remembered whole, by address, language, host and state
#   of the edition; the one thing in it that is theirs, the CSRF token of the footer's language form, is put in
#   as the page is served;
# - registrants see the same timetable with their own buttons on each session: the timetable is remembered
#   with a hole per session (by edition state, filters, language and the viewer's zone), and each person's
#   buttons are made from a handful of variants, one per kind of button, as the page is served.
_visitor_pages = Memory(64)
_timetables = Memory(64)
_TOKEN_HOLE = f"csrf-{secrets.token_hex(16)}"
_HOLE = re.compile(r"<!--actions:(\d+)-->")
_SOME_ID = 987654321987              # a session id no edition has, replaced by each session's in the variants
_SOME_TITLE = f"title-{secrets.token_hex(16)}"


@dataclass(frozen=True)
class _Line:
    """What a session's personal buttons depend on."""

    id: int
    title: str
    needs_registration: bool
    places_left: int | None


def _forum_with_state(slug: str) -> tuple[Forum, tuple]:
    """The edition by its address (without its tracks and rooms: only a page not yet remembered needs them),
    and what its programme depends on besides the edition's own row: its sessions' count, last change and
    places taken (one query).

    :raise 404: unknown, or a draft the viewer may not see.
    """
    row = db.session.execute(
        sa.select(Forum, sa.func.count(ForumSession.id), sa.func.max(ForumSession.updated_at),
                  sa.func.coalesce(sa.func.sum(ForumSession.registered_count), 0))
        .outerjoin(ForumSession, ForumSession.forum_id == Forum.id).where(Forum.slug == slug)
        .group_by(Forum.id)).first()
    if row is None or not row[0].can_view(current_user):
        abort(404)
    return row[0], tuple(row[1:])


def _timetable(forum: Forum, state: tuple, track, kind, view: str, holes: bool) -> tuple[str, list[_Line]]:
    """The timetable's HTML (with a hole for each session's buttons if ``holes``) and its sessions, remembered."""
    zone = viewer_zone()
    key = (forum.id, forum.updated_at, forum.registered_count, state, track, kind, view, str(get_locale()), zone,
           holes)

    def make() -> tuple[str, list[_Line]]:
        sessions = programme_sessions(forum, track, kind)
        by_day: dict[date, list[ForumSession]] = defaultdict(list)
        by_room: dict[date, dict[int | None, list[ForumSession]]] = defaultdict(lambda: defaultdict(list))
        for session in sessions:
            day = times.day_in_zone(session.starts_at, forum.timezone)
            by_day[day].append(session)
            by_room[day][session.room_id].append(session)
        columns = [(room.id, room.name) for room in forum.rooms]
        if any(s.room_id is None for s in sessions):
            columns.append((None, _("Online or to be announced")))
        grids = {day: day_grid(day_sessions, columns) for day, day_sessions in by_day.items()} if (
            view == "timetable") else {}
        html = render_template(
            "forums/_timetable.html", forum=forum, sessions=sessions, by_day=dict(sorted(by_day.items())),
            view=view, by_room=by_room, grids=grids,
            session_url=url_for(".session_detail", slug=forum.slug, session_id=0)[:-1],
            track=track, kind=kind, columns=columns, holes=holes,
            kind_labels={k: str(label) for k, label in SESSION_KIND_LABELS.items()}, zone=zone)
        return html, [_Line(s.id, s.title, s.needs_registration, s.places_left) for s in sessions]

    return _timetables.get(key, make)


def _fill_holes(html: str, lines: list[_Line], forum: Forum, mine, agenda: set[int],
                my_sessions: dict[int, Registration]) -> str:
    """Put the person's buttons in each session's hole: each kind of button is rendered once, with a made-up
    session, then copied with each session's id and title."""
    form = EmptyForm()
    variants: dict[tuple, str] = {}
    pieces: dict[int, str] = {}
    for line in lines:
        registration = my_sessions.get(line.id)
        in_agenda = line.id in agenda
        key = (line.needs_registration, registration.state if registration else None, in_agenda,
               bool(line.places_left))
        if key not in variants:
            some = SimpleNamespace(id=_SOME_ID, title=_SOME_TITLE, needs_registration=line.needs_registration,
                                   places_left=line.places_left)
            variants[key] = render_template("forums/_session_actions.html", forum=forum, session=some, mine=mine,
                                            agenda={_SOME_ID} if in_agenda else set(), registration=registration,
                                            form=form)
        pieces[line.id] = variants[key].replace(str(_SOME_ID), str(line.id)).replace(
            _SOME_TITLE, str(escape(line.title)))
    return _HOLE.sub(lambda m: pieces.get(int(m.group(1)), ""), html)


def _programme_page(forum: Forum, state: tuple, mine=None, agenda=frozenset(), my_sessions=None, **extra) -> str:
    track, kind = _filters(forum)
    view = request.args.get("view", "timetable")
    view = view if view in ("timetable", "list") else "timetable"
    html, lines = _timetable(forum, state, track, kind, view, holes=mine is not None)
    if mine is not None:
        html = _fill_holes(html, lines, forum, mine, set(agenda), my_sessions or {})
    return render_template(
        "forums/programme.html", forum=forum, timetable=Markup(html), view=view, track=track, kind=kind,
        kinds=SESSION_KIND_LABELS, mine=mine, zone=viewer_zone(), now=utcnow(), form=EmptyForm(), **extra)


@bp.route("/<slug>")
def programme(slug: str):
    forum, state = _forum_with_state(slug)
    if current_user.is_authenticated or session_has_messages():
        mine, agenda, my_sessions = _my_forum_state(forum)
        return _programme_page(forum, state, mine, agenda, my_sessions)
    key = (request.full_path, str(get_locale()), forum.id, forum.updated_at,
           forum.registered_count, state)
    page = _visitor_pages.get(key, lambda: _programme_page(forum, state, csrf_token=lambda: _TOKEN_HOLE))
    return page.replace(_TOKEN_HOLE, generate_csrf())


def session_has_messages() -> bool:
    """Whether a message waits to be shown (flashed before a redirect): such a page is not the shared one."""
    from flask import session

    return bool(session.get("_flashes"))


@bp.route("/<slug>/sessions/<int:session_id>")
def session_detail(slug: str, session_id: int):
    forum = get_forum_or_404(slug)
    session = get_session_or_404(forum, session_id)
    mine, agenda, my_sessions = _my_forum_state(forum)

    url = external_url("forums.session_detail", slug=forum.slug, session_id=session.id)
    return render_template("forums/session.html", forum=forum, session=session, mine=mine, agenda=agenda,
                           registration=my_sessions.get(session.id), zone=viewer_zone(), form=EmptyForm(),
                           google=google_link(session.title, session.starts_at, session.ends_at, url,
                                              session.location or forum.venue_name),
                           outlook=outlook_link(session.title, session.starts_at, session.ends_at, url,
                                                session.location or forum.venue_name))


def _session_data(form: SessionForm) -> SessionData:
    day = parse_date(form.day.data)
    return SessionData(
        title=form.title.data or "", day=day, start=form.start.data, end=form.end.data, kind=form.kind.data or "",
        description=form.description.data or "", track_id=form.track_id.data, room_id=form.room_id.data,
        online_url=form.online_url.data or "", capacity=form.capacity.data, group_id=form.group_id.data,
        countries=form.countries.data or [],
        speakers=[SpeakerData(e.form.name.data or "", e.form.organisation.data or "", e.form.email.data or "")
                  for e in form.speakers])


def _groups() -> list[ActionGroup]:
    return list(db.session.scalars(sa.select(ActionGroup).where(ActionGroup.is_archived.is_(False))
                                   .order_by(ActionGroup.name)))


@bp.route("/<slug>/sessions/new", methods=["GET", "POST"])
@login_required
def session_create(slug: str):
    forum = get_forum_or_404(slug)
    _require(forum.can_manage(current_user))
    form = SessionForm(forum=forum, groups=_groups())
    saved = {}
    if form.validate_on_submit() and run_service(
            lambda: saved.update(session=services.create_session(current_user, forum, _session_data(form))),
            _("The session was added to the programme."), form):
        return redirect(url_for(".session_detail", slug=forum.slug, session_id=saved["session"].id))
    return render_template("forums/session_form.html", form=form, forum=forum, session=None)


@bp.route("/<slug>/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@login_required
def session_edit(slug: str, session_id: int):
    forum = get_forum_or_404(slug)
    session = get_session_or_404(forum, session_id)
    _require(forum.can_manage(current_user))
    data = None
    if request.method == "GET":
        start = times.in_zone(session.starts_at, forum.timezone)
        end = times.in_zone(session.ends_at, forum.timezone)
        data = {"title": session.title, "kind": session.kind.value, "description": session.description,
                "day": start.date().isoformat(), "start": start.time(), "end": end.time(),
                "track_id": session.track_id, "room_id": session.room_id, "online_url": session.online_url,
                "capacity": session.capacity, "group_id": session.group_id, "countries": list(session.countries or []),
                "speakers": [{"name": s.name, "organisation": s.organisation,
                              "email": s.user.email if s.user else ""} for s in session.speakers]}
    form = SessionForm(data=data, forum=forum, groups=_groups())
    if form.validate_on_submit() and run_service(
            lambda: services.update_session(current_user, session, _session_data(form)), _("The session was saved."),
            form):
        return redirect(url_for(".session_detail", slug=forum.slug, session_id=session.id))
    return render_template("forums/session_form.html", form=form, forum=forum, session=session)


@bp.route("/<slug>/sessions/<int:session_id>/delete", methods=["POST"])
@login_required
def session_delete(slug: str, session_id: int):
    forum = get_forum_or_404(slug)
    session = get_session_or_404(forum, session_id)
    _require(forum.can_manage(current_user))
    if EmptyForm().validate_on_submit():
        run_service(lambda: services.delete_session(current_user, session), _("The session was removed."))
    return redirect(url_for(".programme", slug=forum.slug))


# -- registration and agenda --------------------------------------------------------------------------------
def _back(forum: Forum, session: ForumSession | None = None):
    target = request.form.get("next", "")

    if is_safe_next(target):
        return redirect(target)
    if session is not None:
        return redirect(url_for(".session_detail", slug=forum.slug, session_id=session.id))
    return redirect(url_for(".programme", slug=forum.slug))


def _registered_message(registration_holder: dict) -> None:
    registration = registration_holder.get("registration")
    if registration is None:
        return
    if registration.state is RegistrationState.registered:
        flash(_("You are registered."), "success")
    else:
        flash(_("It is full: you are on the waiting list. We will e-mail you if a place frees up."), "info")


@bp.route("/<slug>/register", methods=["POST"])
@login_required
def register(slug: str):
    forum = get_forum_or_404(slug)
    _require(forum.can_register(current_user))
    holder = {}
    if EmptyForm().validate_on_submit() and run_service(
            lambda: holder.update(registration=services.register(current_user, forum)), None):
        _registered_message(holder)
    return _back(forum)


@bp.route("/<slug>/withdraw", methods=["POST"])
@login_required
def withdraw(slug: str):
    forum = get_forum_or_404(slug)
    registration = services.active_registration(current_user, forum)
    if registration is None:
        abort(404)
    if EmptyForm().validate_on_submit():
        run_service(lambda: services.withdraw(current_user, registration),
                    _("Your registration was withdrawn, with your session registrations."))
    return _back(forum)


@bp.route("/<slug>/sessions/<int:session_id>/register", methods=["POST"])
@login_required
def session_register(slug: str, session_id: int):
    forum = get_forum_or_404(slug)
    session = get_session_or_404(forum, session_id)
    _require(forum.can_register(current_user))
    holder = {}
    if EmptyForm().validate_on_submit() and run_service(
            lambda: holder.update(registration=services.register(current_user, forum, session)), None):
        _registered_message(holder)
    return _back(forum, session)


@bp.route("/<slug>/sessions/<int:session_id>/withdraw", methods=["POST"])
@login_required
def session_withdraw(slug: str, session_id: int):
    forum = get_forum_or_404(slug)
    session = get_session_or_404(forum, session_id)
    registration = services.active_registration(current_user, forum, session)
    if registration is None:
        abort(404)
    if EmptyForm().validate_on_submit():
        run_service(lambda: services.withdraw(current_user, registration), _("Your place was given up."))
    return _back(forum, session)


@bp.route("/<slug>/sessions/<int:session_id>/agenda", methods=["POST"])
@login_required
def agenda_add(slug: str, session_id: int):
    forum = get_forum_or_404(slug)
    session = get_session_or_404(forum, session_id)
    _require(forum.can_register(current_user))
    if EmptyForm().validate_on_submit():
        run_service(lambda: services.add_to_agenda(current_user, session), _("Added to your agenda."))
    return _back(forum, session)


@bp.route("/<slug>/sessions/<int:session_id>/agenda/remove", methods=["POST"])
@login_required
def agenda_remove(slug: str, session_id: int):
    forum = get_forum_or_404(slug)
    session = get_session_or_404(forum, session_id)
    if EmptyForm().validate_on_submit():
        run_service(lambda: services.remove_from_agenda(current_user, session), _("Removed from your agenda."))
    return _back(forum, session)


@bp.route("/<slug>/agenda")
@login_required
def agenda(slug: str):
    forum = get_forum_or_404(slug)
    mine = services.active_registration(current_user, forum)
    lines = services.agenda_of(current_user, forum)
    return render_template("forums/agenda.html", forum=forum, mine=mine, lines=lines, zone=viewer_zone(),
                           form=EmptyForm())


# -- participants (the secretariat) -------------------------------------------------------------------------
@bp.route("/<slug>/participants")
@login_required
def participants(slug: str):
    forum = get_forum_or_404(slug)
    _require(forum.can_manage(current_user))
    session = None
    if id_number(request.args.get("session")):
        session = get_session_or_404(forum, id_number(request.args.get("session")))
    find = (request.args.get("find") or "").strip()[:100]
    rows = services.participants(forum, session, find)
    sessions = programme_sessions(forum)
    now = utcnow()
    return render_template("forums/participants.html", forum=forum, session=session, rows=rows, sessions=sessions,
                           counts=services.session_counts(forum), find=find, form=EmptyForm(),
                           check_in_open=times.day_in_zone(now, forum.timezone) >= forum.starts_on,
                           totals=services.registration_totals(forum, session))


@bp.route("/<slug>/participants/<int:registration_id>/attended", methods=["POST"])
@login_required
def participant_attended(slug: str, registration_id: int):
    """Check a registered person in at the venue (``attended=1``) or take it back (``attended=0``)."""
    forum = get_forum_or_404(slug)
    _require(forum.can_manage(current_user))
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.forum_id != forum.id:
        abort(404)
    attended = request.form.get("attended", "1") != "0"
    if EmptyForm().validate_on_submit():
        name = registration.user.full_name
        run_service(lambda: services.mark_attended(current_user, registration, attended),
                    _("%(name)s is checked in.", name=name) if attended
                    else _("%(name)s is no longer marked as present.", name=name))
    target = request.form.get("next", "")

    if is_safe_next(target):
        return redirect(f"{target}#registration-{registration.id}")
    return redirect(url_for(".participants", slug=forum.slug, session=registration.session_id,
                            _anchor=f"registration-{registration.id}"))


@bp.route("/<slug>/participants.csv")
@login_required
def participants_csv(slug: str):
    forum = get_forum_or_404(slug)
    _require(forum.can_manage(current_user))
    session = None
    if id_number(request.args.get("session")):
        session = get_session_or_404(forum, id_number(request.args.get("session")))
    out = io.StringIO()
    out.write("\ufeff")  # Excel reads UTF-8 only with a BOM
    writer = csv.writer(out)
    writer.writerow([_("Name"), _("E-mail"), _("Organisation"), _("Status"), _("Registered at (UTC)"),
                     _("Checked in at (UTC)")])
    for registration in services.participants(forum, session):
        person = registration.user
        writer.writerow([csv_cell(person.full_name), csv_cell(person.email),
                         csv_cell(person.organisation.name if person.organisation else ""),
                         registration.state_label, iso_moment(registration.created_at),
                         iso_moment(registration.attended_at)])
    name = f"{forum.slug}-participants" + (f"-session-{session.id}" if session else "") + ".csv"
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
