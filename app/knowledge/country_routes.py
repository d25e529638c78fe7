"""Country pages, and the secretariat's Pathfinder form."""
from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.extensions import db
from app.forms import run_service
from app.i18n import country_choices, country_name, is_country, viewer_today
from app.knowledge import bp, services
from app.knowledge.countries import CountryContext, country_sections
from app.knowledge.forms import PathfinderForm
from app.knowledge.models import PathfinderCountry, Resource, ResourceState
from app.members.decorators import admin_required


def _country_or_404(code: str) -> str:
    if not is_country(code.upper()):
        abort(404)
    return code.upper()


@bp.route("/countries/")
def countries():
    code = (request.args.get("code") or "").strip().upper()
    if is_country(code):
        return redirect(url_for(".country", code=code))
    pathfinders = db.session.scalars(sa.select(PathfinderCountry).order_by(PathfinderCountry.since)).all()
    return render_template("knowledge/countries.html", pathfinders=sorted(
        pathfinders, key=lambda p: country_name(p.country_code)), countries=country_choices())


@bp.route("/countries/<code>")
def country(code: str):
    alpha3 = _country_or_404(code)
    if alpha3 != code:
        return redirect(url_for(".country", code=alpha3), 301)
    context = CountryContext(alpha3, current_user, viewer_today())
    return render_template("knowledge/country.html", code=alpha3, sections=country_sections(context))


@bp.route("/countries/<code>/pathfinder", methods=["GET", "POST"])
@admin_required
def pathfinder(code: str):
    alpha3 = _country_or_404(code)
    current = db.session.get(PathfinderCountry, alpha3, options=[so.selectinload(PathfinderCountry.milestones)])
    resources = db.session.scalars(sa.select(Resource).where(Resource.state == ResourceState.published)
                                   .order_by(Resource.title)).all()
    data = None
    if request.method == "GET" and current is not None:
        data = {"is_pathfinder": True, "since": current.since, "notes": current.notes,
                "roadmap_resource_id": str(current.roadmap_resource_id or ""),
                "milestones": [{"title": m.title, "due_date": m.due_date, "done_on": m.done_on}
                               for m in current.milestones]}
    form = PathfinderForm(data=data, resources=resources)
    if form.validate_on_submit():
        if form.is_pathfinder.data:
            milestones = [services.MilestoneData(e.form.title.data or "", e.form.due_date.data, e.form.done_on.data)
                          for e in form.milestones]
            action = lambda: services.set_pathfinder(  # noqa: E731
                current_user, alpha3, form.since.data, roadmap_resource_id=form.roadmap_resource_id.data,
                notes=form.notes.data or "", milestones=milestones)
            message = _("The Pathfinder status was saved.")
        elif current is not None:
            action = lambda: services.remove_pathfinder(current_user, alpha3)  # noqa: E731
            message = _("The country is no longer marked as a Pathfinder country.")
        else:
            return redirect(url_for(".country", code=alpha3))
        if run_service(action, message, form):
            return redirect(url_for(".country", code=alpha3))
    return render_template("knowledge/pathfinder_form.html", form=form, code=alpha3, current=current)
