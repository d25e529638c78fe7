"""Public pages that belong to no feature: home, language switcher, health check."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from app.actiongroups.models import ActionGroup
from app.extensions import db
from app.i18n import remember_language
from app.members.models import Organisation, OrganisationStatus
from app.utils import is_safe_next

bp = Blueprint("pages", __name__)


@bp.route("/")
def home():
    active = Organisation.status == OrganisationStatus.active
    stats = {
        "organisations": db.session.scalar(sa.select(sa.func.count(Organisation.id)).where(active)),
        "countries": db.session.scalar(
            sa.select(sa.func.count(sa.distinct(Organisation.country_code))).where(active)),
        "groups": db.session.scalar(
            sa.select(sa.func.count(ActionGroup.id)).where(ActionGroup.is_archived.is_(False))),
    }
    groups = db.session.scalars(
        sa.select(ActionGroup).where(ActionGroup.is_archived.is_(False)).order_by(ActionGroup.name)).all()
    return render_template("pages/home.html", stats=stats, groups=groups)


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
