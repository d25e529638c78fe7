"""Views for the secretariat. Every view requires an approved admin."""
from __future__ import annotations

import email
import email.policy
import re
from pathlib import Path

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app import audit, events
from app.admin import audit_view, bp, imports
from app.admin.forms import ImportForm
from app.errors import DomainError
from app.extensions import db
from app.forms import EmptyForm, ReasonForm, apply_domain_error, run_service
from app.members import services
from app.members.decorators import admin_required
from app.members.forms import InviteForm
from app.members.models import Organisation, OrganisationStatus, User, UserStatus
from app.members.routes import active_organisations
from app.uploads import size_text
from app.utils import fold, id_number, is_safe_next, like_pattern, page_number


def _back(default: str):
    target = request.form.get("next", "")
    return redirect(target if is_safe_next(target) else url_for(default))


def _get_or_404(model, object_id: int):
    obj = db.session.get(model, object_id)
    if obj is None:
        abort(404)
    return obj


@bp.route("/")
@admin_required
def queue():
    orgs = db.session.scalars(sa.select(Organisation).where(Organisation.status == OrganisationStatus.pending)
                              .order_by(Organisation.created_at)).all()
    # People asking to join an organisation that is already active (new organisations' applicants
    # are approved with their organisation).
    people = db.session.scalars(
        sa.select(User).join(User.organisation).options(so.contains_eager(User.organisation))
        .where(User.status == UserStatus.pending, Organisation.status == OrganisationStatus.active)
        .order_by(User.created_at)).all()
    applicants = {}
    for user in db.session.scalars(sa.select(User).where(User.organisation_id.in_([o.id for o in orgs]),
                                                         User.status == UserStatus.pending)):
        applicants.setdefault(user.organisation_id, []).append(user)
    return render_template("admin/queue.html", orgs=orgs, people=people, applicants=applicants,
                           form=EmptyForm(), reason_form=ReasonForm())


def _act(action, *args, success: str, default: str = "admin.queue"):
    """Run a one-button secretariat action posted with a CSRF token, then go back."""
    form = ReasonForm()
    if not form.validate_on_submit():
        abort(400)
    run_service(lambda: action(current_user, *args), success)
    return _back(default)


@bp.route("/organisations/<int:org_id>/approve", methods=["POST"])
@admin_required
def approve_organisation(org_id: int):
    org = _get_or_404(Organisation, org_id)
    return _act(services.approve_organisation, org, success=_("%(name)s was approved.", name=org.name))


@bp.route("/organisations/<int:org_id>/decline", methods=["POST"])
@admin_required
def decline_organisation(org_id: int):
    org = _get_or_404(Organisation, org_id)
    return _act(lambda actor, o: services.decline_organisation(actor, o, request.form.get("reason", "")), org,
                success=_("%(name)s was declined and the applicant told why.", name=org.name))


@bp.route("/organisations/<int:org_id>/suspend", methods=["POST"])
@admin_required
def suspend_organisation(org_id: int):
    org = _get_or_404(Organisation, org_id)
    return _act(lambda actor, o: services.suspend_organisation(actor, o, request.form.get("reason", "")), org,
                success=_("%(name)s was suspended.", name=org.name), default="admin.organisations")


@bp.route("/organisations/<int:org_id>/reactivate", methods=["POST"])
@admin_required
def reactivate_organisation(org_id: int):
    org = _get_or_404(Organisation, org_id)
    return _act(services.reactivate_organisation, org, success=_("%(name)s was reactivated.", name=org.name),
                default="admin.organisations")


@bp.route("/users/<int:user_id>/approve", methods=["POST"])
@admin_required
def approve_user(user_id: int):
    user = _get_or_404(User, user_id)
    return _act(services.approve_user, user, success=_("%(name)s was approved.", name=user.full_name))


@bp.route("/users/<int:user_id>/decline", methods=["POST"])
@admin_required
def decline_user(user_id: int):
    user = _get_or_404(User, user_id)
    return _act(lambda actor, u: services.decline_user(actor, u, request.form.get("reason", "")), user,
                success=_("%(name)s was declined and told why.", name=user.full_name))


@bp.route("/users/<int:user_id>/suspend", methods=["POST"])
@admin_required
def suspend_user(user_id: int):
    user = _get_or_404(User, user_id)
    return _act(lambda actor, u: services.suspend_user(actor, u, request.form.get("reason", "")), user,
                success=_("%(name)s was suspended.", name=user.full_name), default="admin.users")


@bp.route("/users/<int:user_id>/reactivate", methods=["POST"])
@admin_required
def reactivate_user(user_id: int):
    user = _get_or_404(User, user_id)
    return _act(services.reactivate_user, user, success=_("%(name)s was reactivated.", name=user.full_name),
                default="admin.users")


@bp.route("/users/<int:user_id>/resend-invitation", methods=["POST"])
@admin_required
def resend_invitation(user_id: int):
    user = _get_or_404(User, user_id)
    return _act(services.resend_invitation, user, success=_("A new invitation was sent to %(email)s.",
                                                            email=user.email), default="admin.users")


@bp.route("/users")
@admin_required
def users():
    query = sa.select(User).outerjoin(User.organisation).options(so.contains_eager(User.organisation))
    q = request.args.get("q", "").strip()[:100]
    status = request.args.get("status", "")
    if q:
        pattern = like_pattern(q.lower())
        query = query.where(sa.or_(sa.func.lower(User.full_name).like(pattern, escape="\\"),
                                   User.email.like(pattern, escape="\\"),
                                   Organisation.name_key.like(like_pattern(fold(q)), escape="\\")))
    if status in UserStatus.__members__:
        query = query.where(User.status == UserStatus(status))
    page = db.paginate(query.order_by(User.full_name), per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template("admin/users.html", page=page, q=q, status=status, statuses=list(UserStatus),
                           form=ReasonForm())


@bp.route("/organisations")
@admin_required
def organisations():
    query = sa.select(Organisation)
    status = request.args.get("status", "")
    if status in OrganisationStatus.__members__:
        query = query.where(Organisation.status == OrganisationStatus(status))
    page = db.paginate(query.order_by(Organisation.name_key), per_page=current_app.config["PAGE_SIZE"],
                       error_out=False)
    return render_template("admin/organisations.html", page=page, status=status,
                           statuses=list(OrganisationStatus), form=ReasonForm())


@bp.route("/invite", methods=["GET", "POST"])
@admin_required
def invite():
    form = InviteForm(organisations=active_organisations())
    if request.method == "GET" and id_number(request.args.get("organisation")):
        form.organisation_id.data = id_number(request.args.get("organisation"))
    if form.validate_on_submit():
        org = db.session.get(Organisation, form.organisation_id.data)
        person = services.PersonData(full_name=form.full_name.data, email=form.email.data,
                                     locale=form.locale.data or "en")

        def invite_person():
            if org is None:
                raise DomainError(_("Choose an organisation."), field="organisation_id")
            services.invite_user(current_user, org, person, form.role.data)

        if run_service(invite_person, _("An invitation was sent to %(email)s.", email=person.email), form):
            return redirect(url_for("admin.users", status="invited"))
    return render_template("admin/invite.html", form=form)


@bp.route("/audit")
@admin_required
def audit_log():
    """Who did what, newest first: actions in words, objects linked, filtered by person, action and dates."""
    filters = audit_view.AuditFilters.from_args(request.args)
    page = db.paginate(filters.query(), page=page_number(request.args.get("page")), per_page=50, error_out=False)
    return render_template("admin/audit.html", page=page, rows=audit_view.rows_of(list(page.items)),
                           filters=filters, actors=audit_view.actor_choices(), actions=audit_view.action_choices())


REFRESH_SECONDS = 3  # how often the page of an import still running reloads itself


@bp.route("/imports", methods=["GET", "POST"])
@admin_required
def imports_page():
    """Upload a file of activities (IATI XML or CSV) for the worker to import; the latest imports."""
    form = ImportForm()
    if form.validate_on_submit():
        try:
            job = imports.start_import(current_user, form.file.data)
        except DomainError as exc:
            db.session.rollback()
            apply_domain_error(form, exc)
        else:
            flash(_("The file was received: the import runs in the background. This page follows it."), "success")
            return redirect(url_for("admin.import_job", job_id=job.id))
    return render_template("admin/imports.html", form=form, jobs=imports.recent_jobs(),
                           max_size=size_text(current_app.config["IMPORT_MAX_BYTES"]))


@bp.route("/imports/<int:job_id>")
@admin_required
def import_job(job_id: int):
    """Where an import stands; while it runs the page reloads itself (no script needed)."""
    job = _get_or_404(imports.ImportJob, job_id)
    response = make_response(render_template("admin/import_job.html", job=job, outcomes=imports.OUTCOME_LABELS,
                                             size=size_text(job.file_size), refresh_seconds=REFRESH_SECONDS))
    if not job.is_finished:
        response.headers["Refresh"] = str(REFRESH_SECONDS)
    return response


_EML_NAME = re.compile(r"^[0-9T]+-[0-9a-f]{8}\.eml$")


def _outbox_dir() -> Path:
    return Path(current_app.config["MAIL_OUTBOX_DIR"])


@bp.route("/outbox")
@admin_required
def outbox():
    """What the worker has to deliver (counts, the rows that failed for good) and, with the file backend,
    the e-mails it wrote."""
    enabled = current_app.config["MAIL_BACKEND"] == "file"
    files = sorted(_outbox_dir().glob("*.eml"), reverse=True)[:200] if enabled else []
    messages = []
    for path in files:
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        messages.append({"name": path.name, "to": msg["To"], "subject": msg["Subject"], "date": msg["Date"]})
    return render_template("admin/outbox.html", messages=messages, enabled=enabled, status=events.status(),
                           failed=events.failed_events(), form=EmptyForm())


@bp.route("/outbox/retry", methods=["POST"])
@admin_required
def outbox_retry():
    """Give one failed row (``event_id``), or every failed row, a new round of attempts."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    event_id = id_number(request.form.get("event_id"))
    retried = events.retry_failed([event_id] if event_id else None)
    audit.record(current_user, "outbox_retried", current_user, event_id=event_id, rows=retried)
    db.session.commit()
    flash(ngettext("%(num)d failed delivery will be tried again.", "%(num)d failed deliveries will be tried again.",
                   retried), "success")
    return redirect(url_for("admin.outbox"))


@bp.route("/outbox/<name>")
@admin_required
def outbox_message(name: str):
    # Only names the outbox itself writes, so no path can escape the folder.
    if not _EML_NAME.match(name) or not (_outbox_dir() / name).is_file():
        abort(404)
    msg = email.message_from_bytes((_outbox_dir() / name).read_bytes(), policy=email.policy.default)
    body = msg.get_body(preferencelist=("plain",))
    return render_template("admin/outbox_message.html", msg=msg, name=name,
                           body=body.get_content() if body else "")
