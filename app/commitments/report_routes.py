"""Progress report views: write, submit, review (approve or return).

A report is always loaded through its pledge (a report id of another pledge is unknown). Reports that
are not approved exist only for those who see the pledge's private side; for everyone else they are 404.
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.commitments import bp, reports
from app.commitments.models import (
    SPLIT_LABELS, SPLITS, DeliverableUpdate, Pledge, ProgressReport, ReportEvidence, ReportValue, has_split,
)
from app.commitments.report_forms import (
    EvidenceFileForm, EvidenceLinkForm, NewReportForm, ReviewForm, period_label, report_form,
)
from app.errors import DomainError, NotAllowedError
from app.extensions import db
from app.forms import EmptyForm, apply_domain_error, run_service
from app.i18n import viewer_today
from app.members.decorators import admin_required
from app.uploads import send_stored, size_text, stored_upload
from app.utils import id_number


# Templates show a value's parts (report page, indicator tables): ``splits`` names them, ``row is has_split("sex")``.
bp.record_once(lambda state: state.app.jinja_env.globals.update(splits=SPLITS, split_labels=SPLIT_LABELS))
bp.record_once(lambda state: state.app.jinja_env.tests.update(has_split=has_split))


def _pledge_or_404(pledge_id: int) -> Pledge:
    """:raise 404: no such pledge, or one this person may not see (a draft of another organisation)."""
    pledge = db.session.get(Pledge, pledge_id)
    if pledge is None or not pledge.can_view(current_user):
        abort(404)
    return pledge


def _report_or_404(pledge: Pledge, report_id: int) -> ProgressReport:
    """One report of this pledge, with its values and deliverable updates.

    :raise 404: no such report on this pledge, or one not approved and this person does not see the
        pledge's private side.
    """
    report = db.session.scalar(
        sa.select(ProgressReport).where(ProgressReport.id == report_id, ProgressReport.pledge_id == pledge.id)
        .options(so.selectinload(ProgressReport.values).joinedload(ReportValue.indicator),
                 so.selectinload(ProgressReport.deliverable_updates).joinedload(DeliverableUpdate.deliverable),
                 so.selectinload(ProgressReport.evidence),
                 so.joinedload(ProgressReport.author), so.joinedload(ProgressReport.reviewed_by)))
    if report is None or not report.can_view(current_user):
        abort(404)
    return report


def _refused(check, back: str):
    """Run a permission check from the services: someone without the right gets 403; the right person
    at the wrong moment (the pledge is withdrawn, the report already submitted) is told why and sent
    ``back``. Returns the redirect, or None when the check passed."""
    try:
        check()
    except NotAllowedError:
        abort(403)
    except DomainError as exc:
        flash(str(exc), "warning")
        return redirect(back)
    return None


def _detail_url(report: ProgressReport) -> str:
    return url_for(".report_detail", pledge_id=report.pledge_id, report_id=report.id)


@bp.route("/<int:pledge_id>/reports/new", methods=["GET", "POST"])
@login_required
def report_new(pledge_id: int):
    pledge = _pledge_or_404(pledge_id)
    refused = _refused(lambda: reports.require_reporter(current_user, pledge),
                       url_for(".detail", pledge_id=pledge.id))
    if refused:
        return refused
    today = viewer_today()
    periods = reports.eligible_periods(pledge, today)
    form = NewReportForm(periods=periods)
    if form.validate_on_submit():
        created = {}

        def action():
            created["report"] = reports.start_report(current_user, pledge, form.period_end.data)

        if run_service(action, _("The report is started. Save it as a draft as often as you like, "
                                 "and submit it when it is ready."), form):
            report = created["report"]
            return redirect(url_for(".report_edit", pledge_id=pledge.id, report_id=report.id))
    return render_template("commitments/report_new.html", pledge=pledge, form=form, periods=periods, today=today)


@bp.route("/<int:pledge_id>/reports/<int:report_id>")
def report_detail(pledge_id: int, report_id: int):
    pledge = _pledge_or_404(pledge_id)
    report = _report_or_404(pledge, report_id)
    return _render_detail(pledge, report, ReviewForm())


def _render_detail(pledge: Pledge, report: ProgressReport, review_form: ReviewForm, status: int = 200, *,
                   file_form: EvidenceFileForm | None = None, link_form: EvidenceLinkForm | None = None):
    return render_template("commitments/report_detail.html", pledge=pledge, report=report,
                           period=period_label(report.period_start, report.period_end),
                           can_edit=report.can_edit(current_user), can_review=report.can_review(current_user),
                           can_view_private=pledge.can_view_private(current_user),
                           review_form=review_form, submit_form=EmptyForm(),
                           file_form=file_form or EvidenceFileForm(formdata=None, prefix="file"),
                           link_form=link_form or EvidenceLinkForm(formdata=None, prefix="link"),
                           remove_form=EmptyForm(),
                           max_upload=size_text(current_app.config["UPLOAD_MAX_BYTES"]), size_text=size_text), status


@bp.route("/<int:pledge_id>/reports/<int:report_id>/edit", methods=["GET", "POST"])
@login_required
def report_edit(pledge_id: int, report_id: int):
    pledge = _pledge_or_404(pledge_id)
    report = _report_or_404(pledge, report_id)
    refused = _refused(lambda: reports.require_editable(current_user, report), _detail_url(report))
    if refused:
        return refused
    form = report_form(report, with_data=request.method == "GET")
    if form.validate_on_submit():
        submitting = request.form.get("action") == "submit"

        def action():
            reports.save_report(current_user, report, form.report_data())
            if submitting:
                reports.submit_report(current_user, report)

        done = (_("The report is submitted. The secretariat will review it.") if submitting
                else _("The draft is saved."))
        if run_service(action, done, form):
            return redirect(_detail_url(report))
    return render_template("commitments/report_form.html", pledge=pledge, report=report, form=form,
                           period=period_label(report.period_start, report.period_end))


@bp.route("/<int:pledge_id>/reports/<int:report_id>/submit", methods=["POST"])
@login_required
def report_submit(pledge_id: int, report_id: int):
    pledge = _pledge_or_404(pledge_id)
    report = _report_or_404(pledge, report_id)
    refused = _refused(lambda: reports.require_editable(current_user, report), _detail_url(report))
    if refused:
        return refused
    if not EmptyForm().validate_on_submit():
        abort(400)
    if not run_service(lambda: reports.submit_report(current_user, report),
                       _("The report is submitted. The secretariat will review it.")):
        # What is missing is said at the top of the form, where it can be fixed.
        return redirect(url_for(".report_edit", pledge_id=pledge.id, report_id=report.id))
    return redirect(_detail_url(report))


@bp.route("/<int:pledge_id>/reports/<int:report_id>/review", methods=["POST"])
@admin_required
def report_review(pledge_id: int, report_id: int):
    pledge = _pledge_or_404(pledge_id)
    report = _report_or_404(pledge, report_id)
    form = ReviewForm()
    if form.decision.data not in ("approve", "return"):
        abort(400)  # only the page's two buttons send this form
    if not form.validate_on_submit():
        return _render_detail(pledge, report, form)
    if form.decision.data == "approve":
        run_service(lambda: reports.approve_report(current_user, report),
                    _("The report is approved: it is public now, and the pledge's progress is updated."))
        return redirect(_detail_url(report))
    if run_service(lambda: reports.return_report(current_user, report, form.comment.data or ""),
                   _("The report is returned to its author with your comment."), form):
        return redirect(_detail_url(report))
    return _render_detail(pledge, report, form)


# -- evidence -----------------------------------------------------------------------------------------------
def _evidence_or_404(report: ProgressReport, evidence_id: int) -> ReportEvidence:
    """:raise 404: no such file or link on this report (the report itself was loaded with its check)."""
    evidence = next((e for e in report.evidence if e.id == id_number(evidence_id)), None)
    if evidence is None:
        abort(404)
    return evidence


def _evidence_url(report: ProgressReport) -> str:
    return _detail_url(report) + "#evidence"


@bp.route("/<int:pledge_id>/reports/<int:report_id>/evidence/file", methods=["POST"])
@login_required
def report_evidence_file(pledge_id: int, report_id: int):
    """Attach a document or a photo: checked (size, type from its bytes) and stored before the row is written."""
    pledge = _pledge_or_404(pledge_id)
    report = _report_or_404(pledge, report_id)
    refused = _refused(lambda: reports.require_editable(current_user, report), _detail_url(report))
    if refused:
        return refused
    form = EvidenceFileForm(prefix="file")
    if form.validate_on_submit():
        try:
            with stored_upload(form.file.data, allowed=reports.EVIDENCE_TYPES) as stored:
                reports.add_evidence_file(current_user, report, stored, form.caption.data or "")
                db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            apply_domain_error(form, exc)
        else:
            flash(_("The file is added to the report."), "success")
            return redirect(_evidence_url(report))
    return _render_detail(pledge, report, ReviewForm(formdata=None), 400, file_form=form)


@bp.route("/<int:pledge_id>/reports/<int:report_id>/evidence/link", methods=["POST"])
@login_required
def report_evidence_link(pledge_id: int, report_id: int):
    pledge = _pledge_or_404(pledge_id)
    report = _report_or_404(pledge, report_id)
    refused = _refused(lambda: reports.require_editable(current_user, report), _detail_url(report))
    if refused:
        return refused
    form = EvidenceLinkForm(prefix="link")
    if form.validate_on_submit() and run_service(
            lambda: reports.add_evidence_link(current_user, report, form.url.data or "", form.caption.data or ""),
            _("The link is added to the report."), form):
        return redirect(_evidence_url(report))
    return _render_detail(pledge, report, ReviewForm(formdata=None), 400, link_form=form)


@bp.route("/<int:pledge_id>/reports/<int:report_id>/evidence/<int:evidence_id>/remove", methods=["POST"])
@login_required
def report_evidence_remove(pledge_id: int, report_id: int, evidence_id: int):
    pledge = _pledge_or_404(pledge_id)
    report = _report_or_404(pledge, report_id)
    evidence = _evidence_or_404(report, evidence_id)
    refused = _refused(lambda: reports.require_editable(current_user, report), _detail_url(report))
    if refused:
        return refused
    if not EmptyForm().validate_on_submit():
        abort(400)
    run_service(lambda: reports.remove_evidence(current_user, evidence),
                _("The file is removed from the report.") if evidence.is_file
                else _("The link is removed from the report."))
    return redirect(_evidence_url(report))


@bp.route("/<int:pledge_id>/reports/<int:report_id>/evidence/<int:evidence_id>")
def report_evidence_download(pledge_id: int, report_id: int, evidence_id: int):
    """A report's file, to whoever may see the report (404 for everyone else, as the report itself)."""
    pledge = _pledge_or_404(pledge_id)
    report = _report_or_404(pledge, report_id)
    evidence = _evidence_or_404(report, evidence_id)
    if not evidence.is_file:
        abort(404)
    return send_stored(evidence.path_key, mime=evidence.mime, name=evidence.file_name, etag=evidence.sha256,
                       what=evidence)
