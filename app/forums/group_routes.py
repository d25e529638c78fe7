"""The "Meetings" tab of an action group's workspace: the group's consultations and meetings, to come and past
(with their minutes). Its calendar (.ics) is in feed_routes.py and its public meetings on the group's public
page (templates/forums/_group_meetings.html)."""
from __future__ import annotations

from flask import current_app, render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.actiongroups import register_tab
from app.actiongroups.routes import get_workspace_or_abort
from app.extensions import db
from app.forums import bp, consultations
from app.forums.routes import viewer_zone
from app.utils import utcnow

register_tab("forums.group_meetings", _l("Meetings"), "forums.group_meetings", 50)


@bp.route("/groups/<slug>/meetings")
def group_meetings(slug: str):
    """Whoever reads the group's workspace reads every consultation of the group (Consultation.can_view)."""
    group = get_workspace_or_abort(slug)
    now = utcnow()
    past = db.paginate(consultations.group_past_consultations(group, now),
                       per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template("forums/group_meetings.html", group=group, now=now, past=past,
                           to_come=consultations.group_consultations_to_come(group, now),
                           to_come_max=consultations.UPCOMING_MAX, can_convene=group.can_manage(current_user),
                           zone=viewer_zone() or "UTC")
