"""Public pages that belong to no feature: home, language switcher, health check."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from app.actiongroups.models import ActionGroup
from app.commitments.reminders import upcoming_deadlines
from app.extensions import db
from app.home import happening, next_steps
from app.i18n import remember_language, viewer_today
from app.members.guide import guide_for
from app.members.models import Organisation, OrganisationStatus
from app.policy import is_partner
from app.utils import is_safe_next, utcnow

bp = Blueprint("pages", __name__)

# The home page's "Your deadlines": the next 30 days and anything overdue, at most ten lines.
DEADLINE_DAYS = 30
DEADLINES_SHOWN = 10


@bp.route("/")
def home():
    active = Organisation.status == OrganisationStatus.active
    organisations, countries = db.session.execute(
        sa.select(sa.func.count(Organisation.id), sa.func.count(sa.distinct(Organisation.country_code)))
        .where(active)).one()
    groups = db.session.scalars(
        sa.select(ActionGroup).where(ActionGroup.is_archived.is_(False)).order_by(ActionGroup.name)).all()
    stats = {"organisations": organisations, "countries": countries, "groups": len(groups)}
    # Signed-in partners see what their organisation's pledges owe next (the rest on "My pledges").

    now = utcnow()
    today = viewer_today(now)
    deadlines = None
    if is_partner(current_user):
        deadlines = upcoming_deadlines(current_user, today, within_days=DEADLINE_DAYS)
    return render_template("pages/home.html", stats=stats, groups=groups, today=today, deadlines=deadlines,
                           deadline_days=DEADLINE_DAYS, deadlines_shown=DEADLINES_SHOWN,
                           happening=happening(now, today), steps=next_steps(current_user, now),
                           guide=guide_for(current_user))


@bp.route("/language", methods=["POST"])
def set_language():
    """The footer's language switcher: a plain form, remembered in a cookie (and the profile)."""
    lang = request.form.get("lang", "")
    target = request.form.get("next", "")
    if not is_safe_next(target):
        target = url_for("pages.home")
    response = redirect(target)
    if lang in current_app.config["LANGUAGES"]:
        remember_language(response, lang)
        if current_user.is_authenticated and current_user.locale != lang:
            current_user.locale = lang
            db.session.commit()
    return response


@bp.route("/healthz")
def healthz():
    db.session.execute(sa.text("SELECT 1"))
    return {"status": "ok"}
