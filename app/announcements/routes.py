"""Announcement views: the list and form (secretariat, conveners for their groups), delete, dismiss."""
from __future__ import annotations

from datetime import datetime, time

import sqlalchemy as sa
from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.actiongroups.models import ActionGroup
from app.announcements import bp, services
from app.announcements.forms import AnnouncementForm
from app.announcements.models import Announcement
from app.extensions import db
from app.forms import EmptyForm, run_service
from app.forums.times import local_to_utc
from app.i18n import select_timezone, zone_name
from app.news.services import groups_for
from app.utils import is_safe_next, utcnow, whole_number


def _when(day, at: time | None) -> datetime | None:
    if day is None:
        return None
    try:
        return local_to_utc(day, at or time(0, 0), select_timezone())
    except ValueError:
        return None


@bp.route("/", methods=["GET", "POST"])
@login_required
def index():
    options = groups_for(current_user)
    if not options:
        abort(403)
    form = AnnouncementForm(groups=options)
    if request.method == "GET":
        form.language.data = str(current_user.locale or "en")
    if form.validate_on_submit():
        group_id = whole_number(form.group_id.data) if form.group_id.data else None
        group = db.session.get(ActionGroup, group_id) if group_id else None
        if run_service(lambda: services.create_announcement(
                current_user, text=form.text.data or "", language=form.language.data or "", group=group,
                starts_at=_when(form.start_day.data, form.start_time.data),
                ends_at=_when(form.end_day.data, form.end_time.data)), _("Announcement saved."), form):
            return redirect(url_for("announcements.index"))
    items = [a for a in db.session.scalars(sa.select(Announcement).where(Announcement.ends_at > utcnow())
                                           .order_by(Announcement.starts_at)) if a.can_edit(current_user)]
    return render_template("announcements/index.html", form=form, items=items, zone_name=zone_name)


@bp.route("/<int:announcement_id>/delete", methods=["POST"])
@login_required
def delete(announcement_id: int):
    item = db.session.get(Announcement, announcement_id)
    if item is None:
        abort(404)
    if not item.can_edit(current_user):
        abort(403)
    if EmptyForm().validate_on_submit():
        run_service(lambda: services.delete_announcement(item, current_user), _("Announcement deleted."))
    return redirect(url_for("announcements.index"))


@bp.route("/<int:announcement_id>/dismiss", methods=["POST"])
def dismiss(announcement_id: int):
    """Hide a banner for this browser (kept in the signed session cookie: no row per person)."""
    if EmptyForm().validate_on_submit():
        services.dismiss(announcement_id)
    target = request.form.get("next", "")
    return redirect(target if is_safe_next(target) else url_for("pages.home"))
