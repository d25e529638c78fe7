"""Pledge views: my organisation's pledges, the pledge form, the pledge page, review, closing, deliverables.

The public registry and its exports are in registry_routes.py; progress reports in report_routes.py.
"""
from __future__ import annotations

import logging

import sqlalchemy.orm as so
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.commitments import bp, reports, services
from app.commitments.forms import DeliverableDoneForm, PledgeForm
from app.commitments.models import Deliverable, Pledge, PledgeState
from app.errors import DomainError
from app.extensions import db
from app.forms import EmptyForm, ReasonForm, apply_domain_error, run_service, service_accepts
from app.i18n import country_name, viewer_today
from app.overlaps import services as overlaps
from app.policy import has_organisation, is_secretariat, may_pledge
from app.taxonomy import ACTION_TYPES, AREAS, TARGET_GROUPS, labels
from app.uploads import send_stored, stored_upload
from app.utils import whole_number

logger = logging.getLogger(__name__)


# -- loaders ------------------------------------------------------------------------------------------------
def get_pledge_or_404(pledge_id: int) -> Pledge:
    """A pledge this person may see; one they may not is as unknown as a missing one (404)."""
    pledge = db.session.get(Pledge, pledge_id, options=[
        so.joinedload(Pledge.organisation), so.joinedload(Pledge.coordinator), so.selectinload(Pledge.partners)])
    if pledge is None or not pledge.can_view(current_user):
        abort(404)
    return pledge


def _deliverable_or_404(pledge: Pledge, deliverable_id: int) -> Deliverable:
    deliverable = db.session.get(Deliverable, deliverable_id)
    if deliverable is None or deliverable.pledge_id != pledge.id:
        abort(404)
    return deliverable


def _require(allowed: bool) -> None:
    if not allowed:
        abort(403)


# -- the form -----------------------------------------------------------------------------------------------
def _form(pledge: Pledge | None) -> PledgeForm:
    """The pledge form; on first display of an existing pledge, filled with its values."""
    organisation_id = pledge.organisation_id if pledge else current_user.organisation_id
    coordinators = services.coordinator_candidates(organisation_id)
    partners = services.partner_candidates(organisation_id)
    groups = services.group_candidates(current_user)
    if pledge is not None:
        if pledge.coordinator is not None and pledge.coordinator not in coordinators:
            coordinators.append(pledge.coordinator)  # someone who left stays selectable on their old pledge
        if pledge.group is not None and pledge.group not in groups:
            groups.append(pledge.group)
    data = None
    if request.method == "GET":
        if pledge is not None:
            entered = services.pledge_data(pledge)
            data = {**{name: getattr(entered, name) for name in (
                "title", "description", "contribution", "areas", "action_type", "countries", "is_global",
                "target_groups", "start_date", "end_date", "resources_amount", "resources_currency",
                "resources_in_kind", "partner_ids", "coordinator_id", "group_id", "report_every_months")},
                "deliverables": [{"id": d.id, "title": d.title, "due_date": d.due_date} for d in entered.deliverables],
                "indicators": [{"id": i.id, "name": i.name, "unit": i.unit, "baseline": i.baseline,
                                "target": i.target} for i in entered.indicators]}
        elif current_user.is_focal_point:
            data = {"coordinator_id": current_user.id}
    return PledgeForm(data=data, coordinators=coordinators, partners=partners, groups=groups)


def _data(form: PledgeForm) -> services.PledgeData:
    deliverables = [services.DeliverableData(e.form.title.data or "", e.form.due_date.data,
                                             whole_number(e.form.id.data))
                    for e in form.deliverables if (e.form.title.data or "").strip() or e.form.due_date.data]
    indicators = [services.IndicatorData(e.form.name.data or "", e.form.unit.data or "", e.form.baseline.data,
                                         e.form.target.data, whole_number(e.form.id.data))
                  for e in form.indicators
                  if any(v not in (None, "") for v in (e.form.name.data, e.form.unit.data, e.form.baseline.data,
                                                         e.form.target.data))]
    return services.PledgeData(
        title=form.title.data or "", description=form.description.data or "",
        contribution=form.contribution.data or "", areas=form.areas.data or [],
        action_type=form.action_type.data or "", countries=form.countries.data or [],
        is_global=bool(form.is_global.data), target_groups=form.target_groups.data or [],
        start_date=form.start_date.data, end_date=form.end_date.data, resources_amount=form.resources_amount.data,
        resources_currency=form.resources_currency.data or "", resources_in_kind=form.resources_in_kind.data or "",
        partner_ids=form.partner_ids.data or [], coordinator_id=form.coordinator_id.data,
        group_id=form.group_id.data, report_every_months=form.report_every_months.data or 6,
        deliverables=deliverables, indicators=indicators)


def _compare_step(form: PledgeForm, pledge: Pledge | None):
    """What comes before saving: ``(compare step, save now)``. The compare step shows the initiatives like
    this one once (never blocking); it is shown only for a form the services accept, so a validation error
    (the SMART check on submitting) always comes first: then ``(None, False)``, the errors on the form.
    """
    organisation_id = pledge.organisation_id if pledge else current_user.organisation_id
    draft = services.draft_initiative(_data(form), organisation_id, pledge)
    compare = overlaps.compare_before_saving(draft, current_user, request.form,
                                             before=pledge.to_initiative() if pledge is not None else None)
    if compare is None:
        return None, True
    if not service_accepts(_saving(form, pledge)[0], form):
        return None, False
    return compare, False


def _saving(form: PledgeForm, pledge: Pledge | None):
    """The service calls that save the form (and submit it when asked), and where the saved pledge is put."""
    wants_submit = request.form.get("intent") == "submit"
    saved: dict[str, Pledge] = {}

    def action():
        if pledge is None:
            saved["pledge"] = services.create_pledge(current_user, _data(form))
        else:
            services.update_pledge(current_user, pledge, _data(form))
            saved["pledge"] = pledge
        overlaps.link_related(current_user, saved["pledge"], request.form.getlist("link_related"))
        if wants_submit:
            db.session.flush()
            services.submit_pledge(current_user, saved["pledge"])

    return action, saved


def _save(form: PledgeForm, pledge: Pledge | None):
    """Save the form (and submit it when asked); returns the pledge on success, None on an error."""
    action, saved = _saving(form, pledge)
    if request.form.get("intent") == "submit":
        message = _("The pledge was submitted. The secretariat will review it and publish it or send it back "
                    "with comments.")
    elif pledge is not None and pledge.state is PledgeState.published:
        message = _("The changes were saved and are shown in the pledge's history.")
    else:
        message = _("The draft was saved. Submit it when it is ready.")
    if run_service(action, message, form):
        return saved["pledge"]
    return None


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    _require(may_pledge(current_user))
    form = _form(None)
    compare = None
    if form.validate_on_submit():
        compare, save_now = _compare_step(form, None)
        if save_now and (pledge := _save(form, None)) is not None:
            return redirect(url_for(".detail", pledge_id=pledge.id))
    return render_template("commitments/form.html", form=form, pledge=None, compare=compare)


@bp.route("/<int:pledge_id>/edit", methods=["GET", "POST"])
@login_required
def edit(pledge_id: int):
    pledge = get_pledge_or_404(pledge_id)
    _require(pledge.can_edit(current_user))
    form = _form(pledge)
    compare = None
    if form.validate_on_submit():
        compare, save_now = _compare_step(form, pledge)
        if save_now and _save(form, pledge) is not None:
            return redirect(url_for(".detail", pledge_id=pledge.id))
    warnings = services.deliverable_warnings(pledge)
    return render_template("commitments/form.html", form=form, pledge=pledge, warnings=warnings, compare=compare)


# -- reading ------------------------------------------------------------------------------------------------
@bp.route("/<int:pledge_id>")
def detail(pledge_id: int):
    pledge = get_pledge_or_404(pledge_id)
    today = viewer_today()
    private = pledge.can_view_private(current_user)
    problems = services.smart_problems(pledge) if private and pledge.can_submit(current_user) else []
    return render_template(
        "commitments/detail.html", pledge=pledge, today=today, can_view_private=private,
        can_report=pledge.can_report(current_user), reports=reports.visible_reports(pledge, current_user),
        chart_data=reports.indicator_chart_data(pledge), history=services.history(pledge, current_user),
        problems=problems, warnings=services.deliverable_warnings(pledge) if private else [],
        areas=labels(AREAS, pledge.areas), action_type=labels(ACTION_TYPES, [pledge.action_type]),
        target_groups=labels(TARGET_GROUPS, pledge.target_groups),
        countries=[country_name(c) for c in pledge.countries], next_due=services.next_due(pledge),
        action_form=EmptyForm(), reason_form=ReasonForm())


@bp.route("/mine")
@login_required
def mine():
    _require(has_organisation(current_user))
    pledges = services.organisation_pledges(current_user.organisation_id)
    return render_template("commitments/mine.html", pledges=pledges, today=viewer_today(),
                           next_due=services.next_due)


@bp.route("/review")
@login_required
def review_queue():
    _require(is_secretariat(current_user))
    return render_template("commitments/review_queue.html", pledges=services.submitted_pledges(),
                           reports=reports.submitted_reports(), today=viewer_today())


# -- changing state -----------------------------------------------------------------------------------------
def _post_action(pledge: Pledge, allowed: bool, action, success: str):
    _require(allowed)
    if not EmptyForm().validate_on_submit():
        abort(400)
    run_service(action, success)
    return redirect(url_for(".detail", pledge_id=pledge.id))


@bp.route("/<int:pledge_id>/submit", methods=["POST"])
@login_required
def submit(pledge_id: int):
    pledge = get_pledge_or_404(pledge_id)
    _require(pledge.can_submit(current_user))
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        services.submit_pledge(current_user, pledge)
    except DomainError as exc:
        db.session.rollback()
        # The SMART list is on the pledge page and in the form; take the person to the form.
        flash(str(exc), "danger")
        return redirect(url_for(".edit", pledge_id=pledge.id))
    db.session.commit()
    flash(_("The pledge was submitted for review."), "success")
    return redirect(url_for(".detail", pledge_id=pledge.id))


@bp.route("/<int:pledge_id>/publish", methods=["POST"])
@login_required
def publish(pledge_id: int):
    pledge = get_pledge_or_404(pledge_id)
    return _post_action(pledge, pledge.can_review(current_user),
                        lambda: services.publish_pledge(current_user, pledge),
                        _("The pledge is published in the public registry."))


@bp.route("/<int:pledge_id>/return", methods=["POST"])
@login_required
def return_for_changes(pledge_id: int):
    pledge = get_pledge_or_404(pledge_id)
    _require(pledge.can_review(current_user))
    form = ReasonForm()
    if not form.validate_on_submit():
        abort(400)
    run_service(lambda: services.return_pledge(current_user, pledge, form.reason.data or ""),
                _("The pledge was returned to the organisation with your comments."))
    return redirect(url_for(".detail", pledge_id=pledge.id))


@bp.route("/<int:pledge_id>/complete", methods=["POST"])
@login_required
def complete(pledge_id: int):
    pledge = get_pledge_or_404(pledge_id)
    return _post_action(pledge, pledge.can_close(current_user),
                        lambda: services.complete_pledge(current_user, pledge),
                        _("The pledge is marked as completed. Thank you for reporting on it."))


@bp.route("/<int:pledge_id>/withdraw", methods=["POST"])
@login_required
def withdraw(pledge_id: int):
    pledge = get_pledge_or_404(pledge_id)
    _require(pledge.can_close(current_user))
    form = ReasonForm()
    if not form.validate_on_submit():
        abort(400)
    run_service(lambda: services.withdraw_pledge(current_user, pledge, form.reason.data or ""),
                _("The pledge is withdrawn. It stays in the registry, marked as withdrawn."))
    return redirect(url_for(".detail", pledge_id=pledge.id))


# -- deliverables -------------------------------------------------------------------------------------------
@bp.route("/<int:pledge_id>/deliverables/<int:deliverable_id>/done", methods=["GET", "POST"])
@login_required
def deliverable_done(pledge_id: int, deliverable_id: int):
    pledge = get_pledge_or_404(pledge_id)
    deliverable = _deliverable_or_404(pledge, deliverable_id)
    _require(pledge.can_report(current_user))
    form = DeliverableDoneForm()
    if request.method == "GET":
        form.done_on.data = viewer_today()
    if form.validate_on_submit():
        upload = form.evidence.data if getattr(form.evidence.data, "filename", None) else None
        try:
            if upload is not None:
                with stored_upload(upload, field="evidence") as stored:
                    services.mark_deliverable_done(current_user, deliverable, form.done_on.data,
                                                   form.evidence_url.data or "", stored, today=viewer_today())
                    db.session.commit()
            else:
                services.mark_deliverable_done(current_user, deliverable, form.done_on.data,
                                               form.evidence_url.data or "", today=viewer_today())
                db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            apply_domain_error(form, exc)
        else:
            flash(_("“%(title)s” is marked as done.", title=deliverable.title), "success")
            return redirect(url_for(".detail", pledge_id=pledge.id))
    return render_template("commitments/deliverable_done.html", form=form, pledge=pledge, deliverable=deliverable)


@bp.route("/<int:pledge_id>/deliverables/<int:deliverable_id>/evidence")
def deliverable_evidence(pledge_id: int, deliverable_id: int):
    """The evidence file, to whoever can see the pledge (evidence of a public pledge is public)."""
    pledge = get_pledge_or_404(pledge_id)
    deliverable = _deliverable_or_404(pledge, deliverable_id)
    if not deliverable.evidence_path_key:
        abort(404)
    return send_stored(deliverable.evidence_path_key, mime=deliverable.evidence_mime, name=deliverable.evidence_name,
                       what=deliverable)

