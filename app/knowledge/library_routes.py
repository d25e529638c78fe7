"""Library views: browse with facets, a resource's page, submit and edit, curation, citations, curators."""
from __future__ import annotations

import logging

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.errors import DomainError
from app.extensions import db
from app.forms import EmptyForm, ReasonForm, apply_domain_error, run_service
from app.i18n import DOCUMENT_LANGUAGES
from app.knowledge import bp, services
from app.knowledge.citations import citer_named
from app.knowledge.forms import CiteForm, CuratorForm, ResourceForm
from app.knowledge.models import RESOURCE_TYPES, Resource, ResourceCitation, is_curator
from app.members.decorators import admin_required, approved_required
from app.members.models import Organisation, OrganisationStatus
from app.policy import has_organisation, may_submit_resource
from app.taxonomy import AREAS
from app.uploads import send_stored, stored_upload
from app.utils import whole_number

logger = logging.getLogger(__name__)


def get_resource_or_404(resource_id: int) -> Resource:
    """A resource this person may see; one they may not is as unknown as a missing one."""
    resource = db.session.get(Resource, resource_id, options=[so.joinedload(Resource.publisher)])
    if resource is None or not resource.can_view(current_user):
        abort(404)
    return resource


def _publishers() -> list[Organisation]:
    return list(db.session.scalars(sa.select(Organisation).where(Organisation.status == OrganisationStatus.active)
                                   .order_by(Organisation.name_key)))


def _data(form: ResourceForm) -> services.ResourceData:
    return services.ResourceData(
        title=form.title.data or "", resource_type=form.resource_type.data or "", summary=form.summary.data or "",
        areas=form.areas.data or [], countries=form.countries.data or [], language=form.language.data or "",
        publication_year=form.publication_year.data, publisher_id=form.publisher_id.data,
        publisher_name=form.publisher_name.data or "", licence=form.licence.data or "",
        external_url=form.external_url.data or "")


# -- browsing ---------------------------------------------------------------------------------------------
@bp.route("/library/")
def library():
    filters = services.LibraryFilters.from_args(request.args)
    page = db.paginate(services.library_query(filters).options(so.joinedload(Resource.publisher)),
                       page=filters.page, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    counts = services.facet_counts(filters)
    return render_template("knowledge/library.html", page=page, filters=filters, counts=counts,
                           types=RESOURCE_TYPES, areas=AREAS, languages=DOCUMENT_LANGUAGES,
                           can_submit=may_submit_resource(current_user),
                           is_curator=is_curator(current_user))


@bp.route("/library/<int:resource_id>")
def resource(resource_id: int):
    resource = get_resource_or_404(resource_id)
    cited = services.citations(resource, current_user)
    cite_form = None
    if resource.is_public and current_user.is_authenticated:
        citable = services.citable(current_user)
        if citable:
            cite_form = CiteForm(citable=citable)
    removable = {c.citation.id for c in cited
                 if current_user.is_authenticated and services.can_remove_citation(current_user, c.citation)}
    return render_template("knowledge/resource.html", resource=resource, cited=cited,
                           related=services.related_resources(resource), cite_form=cite_form, removable=removable)


@bp.route("/library/<int:resource_id>/file")
def resource_file(resource_id: int):
    """The uploaded file, as an attachment under its original (sanitised) name, after the permission check."""
    resource = get_resource_or_404(resource_id)
    if not resource.has_file:
        abort(404)
    return send_stored(resource.file_path_key, mime=resource.file_mime, name=resource.file_name,
                       etag=resource.file_sha256, what=resource)


# -- submitting and editing --------------------------------------------------------------------------------
def _save(form: ResourceForm, resource: Resource | None):
    """Store the file (if any) and run the service in one transaction; the resource, or None on an error."""
    upload = form.file.data if form.file.data and getattr(form.file.data, "filename", "") else None
    saved = {}
    try:
        if upload is not None:
            with stored_upload(upload) as stored:
                saved["resource"] = _run(form, resource, stored)
                db.session.commit()
        else:
            saved["resource"] = _run(form, resource, None)
            db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        apply_domain_error(form, exc)
        return None
    return saved["resource"]


def _run(form: ResourceForm, resource: Resource | None, stored):
    if resource is None:
        return services.submit_resource(current_user, _data(form), stored)
    services.update_resource(current_user, resource, _data(form), stored,
                             remove_file=bool(getattr(form, "remove_file", None) and form.remove_file.data))
    return resource


@bp.route("/library/new", methods=["GET", "POST"])
@approved_required
def submit():
    if not may_submit_resource(current_user):
        abort(403)
    publishers = _publishers()
    form = ResourceForm(publishers=publishers)
    if request.method == "GET" and any(o.id == current_user.organisation_id for o in publishers):
        # Most resources are published by the organisation of the person who adds them.
        form.publisher_id.data = current_user.organisation_id
    if form.validate_on_submit():
        resource = _save(form, None)
        if resource is not None:
            flash(_("Thank you: the resource was submitted. A curator will publish it or send it back with "
                    "comments."), "success")
            return redirect(url_for(".resource", resource_id=resource.id))
    return render_template("knowledge/resource_form.html", form=form, resource=None)


@bp.route("/library/<int:resource_id>/edit", methods=["GET", "POST"])
@login_required
def edit_resource(resource_id: int):
    resource = get_resource_or_404(resource_id)
    if not resource.can_edit(current_user):
        abort(403)
    form = ResourceForm(obj=resource if request.method == "GET" else None, publishers=_publishers(),
                        with_remove=resource.has_file)
    if request.method == "GET":
        form.publisher_id.data = resource.publisher_id
    if form.validate_on_submit() and _save(form, resource) is not None:
        flash(_("The resource was saved."), "success")
        return redirect(url_for(".resource", resource_id=resource.id))
    return render_template("knowledge/resource_form.html", form=form, resource=resource)


@bp.route("/library/mine")
@approved_required
def my_resources():
    if not has_organisation(current_user):
        abort(403)
    return render_template("knowledge/mine.html",
                           resources=services.organisation_resources(current_user.organisation_id))


# -- curation ---------------------------------------------------------------------------------------------
def _require_curator() -> None:
    if not is_curator(current_user):
        abort(403)


@bp.route("/library/review")
@login_required
def review_queue():
    _require_curator()
    return render_template("knowledge/review.html", resources=services.review_queue(), form=EmptyForm())


@bp.route("/library/<int:resource_id>/publish", methods=["POST"])
@login_required
def publish(resource_id: int):
    resource = get_resource_or_404(resource_id)
    if not resource.can_review(current_user):
        abort(403)
    if EmptyForm().validate_on_submit():
        run_service(lambda: services.publish_resource(current_user, resource),
                    _("The resource was published in the library."))
    return redirect(url_for(".resource", resource_id=resource.id))


@bp.route("/library/<int:resource_id>/return", methods=["POST"])
@login_required
def return_for_changes(resource_id: int):
    resource = get_resource_or_404(resource_id)
    if not resource.can_review(current_user):
        abort(403)
    form = ReasonForm()
    if form.validate_on_submit():
        run_service(lambda: services.return_resource(current_user, resource, form.reason.data or ""),
                    _("The resource was returned to its submitter with your comments."))
    return redirect(url_for(".resource", resource_id=resource.id))


@bp.route("/library/<int:resource_id>/archive", methods=["POST"])
@login_required
def archive(resource_id: int):
    resource = get_resource_or_404(resource_id)
    if not resource.can_archive(current_user):
        abort(403)
    if EmptyForm().validate_on_submit():
        run_service(lambda: services.archive_resource(current_user, resource),
                    _("The resource was taken out of the library."))
    return redirect(url_for(".resource", resource_id=resource.id))


# -- citations --------------------------------------------------------------------------------------------
@bp.route("/library/<int:resource_id>/cite", methods=["POST"])
@approved_required
def cite(resource_id: int):
    resource = get_resource_or_404(resource_id)
    form = CiteForm(citable=services.citable(current_user))
    if form.validate_on_submit():
        kind, _sep, ident = (form.target.data or "").partition(":")
        citer, pk = citer_named(kind), whole_number(ident)
        obj = db.session.get(citer.model, pk) if citer is not None and pk is not None else None
        if obj is None:
            abort(400)
        run_service(lambda: services.cite_resource(current_user, resource, **{citer.name: obj}),
                    _("The reference was added."))
    return redirect(url_for(".resource", resource_id=resource.id))


@bp.route("/library/<int:resource_id>/citations/<int:citation_id>/remove", methods=["POST"])
@approved_required
def remove_citation(resource_id: int, citation_id: int):
    resource = get_resource_or_404(resource_id)
    citation = db.session.get(ResourceCitation, citation_id)
    if citation is None or citation.resource_id != resource.id:
        abort(404)
    if not services.can_remove_citation(current_user, citation):
        abort(403)
    if EmptyForm().validate_on_submit():
        run_service(lambda: services.remove_citation(current_user, citation), _("The reference was removed."))
    return redirect(url_for(".resource", resource_id=resource.id))


# -- curators ---------------------------------------------------------------------------------------------
@bp.route("/library/curators", methods=["GET", "POST"])
@admin_required
def curators():
    form = CuratorForm()
    if form.validate_on_submit() and run_service(lambda: services.appoint_curator(current_user, form.email.data),
                                                 _("The person is now a curator of the library."), form):
        return redirect(url_for(".curators"))
    return render_template("knowledge/curators.html", form=form, curators=services.curators(),
                           remove_form=EmptyForm())


@bp.route("/library/curators/<int:user_id>/remove", methods=["POST"])
@admin_required
def remove_curator(user_id: int):
    if EmptyForm().validate_on_submit():
        run_service(lambda: services.remove_curator(current_user, user_id),
                    _("The person is no longer a curator."))
    return redirect(url_for(".curators"))
