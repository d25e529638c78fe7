"""Calendar downloads and subscriptions: a session, the programme, a meeting, a group's meetings, and each
person's private feed (a secret address, reset from the profile page)."""
from __future__ import annotations

from flask import Response, abort, current_app, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.actiongroups.models import ActionGroup
from app.extensions import db
from app.forms import EmptyForm, run_service
from app.forums import bp, consultations, feeds, ical
from app.forums.consultation_routes import get_consultation_or_404
from app.forums.routes import get_forum_or_404, get_session_or_404, programme_sessions
from app.urls import external_url
from app.utils import is_safe_next, utcnow


def ics_response(body: bytes, filename: str, *, private: bool = True) -> Response:
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    if not private:
        # Public calendars may be cached a little by calendar apps and proxies.
        response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.route("/<slug>/programme.ics")
def programme_ics(slug: str):
    forum = get_forum_or_404(slug)
    sessions = programme_sessions(forum)
    body = feeds.programme_feed(forum, sessions, utcnow(), lambda s: external_url(
        "forums.session_detail", slug=forum.slug, session_id=s.id))
    return ics_response(body, f"{forum.slug}.ics", private=not forum.is_published)


@bp.route("/<slug>/sessions/<int:session_id>.ics")
def session_ics(slug: str, session_id: int):
    forum = get_forum_or_404(slug)
    session = get_session_or_404(forum, session_id)
    body = feeds.programme_feed(forum, [session], utcnow(), lambda s: external_url(
        "forums.session_detail", slug=forum.slug, session_id=s.id))
    return ics_response(body, f"{forum.slug}-session-{session.id}.ics", private=not forum.is_published)


@bp.route("/consultations/<int:consultation_id>.ics")
def consultation_ics(consultation_id: int):
    consultation = get_consultation_or_404(consultation_id)
    if not consultation.has_meeting_time:
        abort(404)
    body = consultations.meeting_ics(consultation, "PUBLISH", utcnow())
    return ics_response(body, f"meeting-{consultation.id}.ics")


@bp.route("/groups/<slug>/meetings.ics")
def group_meetings_ics(slug: str):
    import sqlalchemy as sa

    group = db.session.scalar(sa.select(ActionGroup).where(ActionGroup.slug == slug))
    if group is None:
        abort(404)
    now = utcnow()
    meetings = feeds.group_meetings(group, current_user, now)
    body = feeds.meetings_feed(_("%(group)s: meetings", group=group.name), meetings, now, lambda m: external_url(
        "forums.consultation", consultation_id=m.id))
    return ics_response(body, f"{group.slug}-meetings.ics", private=group.can_view_workspace(current_user))


@bp.route("/calendar/<int:user_id>/<token>.ics")
def personal_feed(user_id: int, token: str):
    """A person's own calendar, for calendar apps that subscribe: the secret in the address proves who it is,
    so it needs no session. A wrong or reset secret is as unknown as a missing feed (404)."""
    user = feeds.user_for_feed(user_id, token)
    if user is None:
        abort(404)
    from flask_babel import force_locale

    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        body = feeds.personal_feed(user, utcnow())
    response = ics_response(body, "hub.ics")
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.route("/calendar/reset", methods=["POST"])
@login_required
def reset_feed():
    if EmptyForm().validate_on_submit():
        run_service(lambda: feeds.reset_feed(current_user),
                    _("Your calendar address is ready. Any address you had before no longer works."))
    target = request.form.get("next", "")

    return redirect(target if is_safe_next(target) else url_for("members.profile"))


def feed_urls(user) -> dict[str, str] | None:
    """The person's feed addresses (https and webcal), or None before they asked for one."""
    token = feeds.feed_token(user)
    if token is None:
        return None
    https = external_url("forums.personal_feed", user_id=user.id, token=token)
    return {"https": https, "webcal": "webcal://" + https.split("://", 1)[1]}


@bp.app_context_processor
def calendar_helpers():
    return {"calendar_feed_urls": feed_urls, "google_calendar_link": ical.google_link,
            "outlook_calendar_link": ical.outlook_link}
