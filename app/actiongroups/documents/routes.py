"""Views for documents: list, share, details with versions, edit, download (after a permission check)."""
from __future__ import annotations

import logging

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.actiongroups.documents import bp, services
from app.actiongroups.documents.forms import DocumentForm, VersionForm
from app.actiongroups.documents.models import DOCUMENT_LANGUAGES, Document, DocumentVersion
from app.actiongroups.models import ActionGroup
from app.actiongroups.routes import get_group_or_404, get_workspace_or_abort
from app.errors import DomainError, render_error
from app.extensions import db
from app.forms import apply_domain_error, run_service
from app.taxonomy import AREAS
from app.uploads import send_stored, stored_upload

logger = logging.getLogger(__name__)


# -- loaders ----------------------------------------------------------------------------------------------
def _document_or_404(group: ActionGroup, document_id: int) -> Document:
    """A document of this group; another group's document id is a 404, never a way in."""
    document = db.session.get(Document, document_id)
    if document is None or document.group_id != group.id:
        abort(404)
    return document


def _editable_workspace(slug: str) -> ActionGroup:
    """The group, when the current person may share and edit documents in it.

    :raise 403: with a message saying why (archived group, or not a participant).
    """
    group = get_workspace_or_abort(slug)
    if group.is_archived:
        abort(make_response(render_error(403, _("This action group is archived: nothing can change in it."))))
    if not group.can_participate(current_user):
        abort(make_response(render_error(403, _("Only the group's members can share and edit documents."))))
    return group


def _data(form: DocumentForm) -> services.DocumentData:
    return services.DocumentData(title=form.title.data or "", description=form.description.data or "",
                                 areas=form.areas.data or [], language=form.language.data or "",
                                 is_public=bool(form.is_public.data))


# -- list ---------------------------------------------------------------------------------------------------
@bp.route("")
def index(slug: str):
    group = get_workspace_or_abort(slug)
    query = (sa.select(Document).join(Document.current_version)
             .where(Document.group_id == group.id)
             .options(so.contains_eager(Document.current_version).joinedload(DocumentVersion.uploaded_by))
             .order_by(Document.created_at.desc(), Document.id.desc()))
    area = request.args.get("area", "") if request.args.get("area") in AREAS else ""
    language = request.args.get("language", "") if request.args.get("language") in DOCUMENT_LANGUAGES else ""
    if area:
        # Area codes are plain identifiers; the JSON list's text holds each one in double quotes.
        query = query.where(sa.cast(Document.areas, sa.Text).like(f'%"{area}"%'))
    if language:
        query = query.where(Document.language == language)
    page = db.paginate(query, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template("documents/index.html", group=group, page=page, areas=AREAS, languages=DOCUMENT_LANGUAGES,
                           area=area, language=language,
                           can_share=group.can_participate(current_user))


# -- sharing ------------------------------------------------------------------------------------------------
@bp.route("/new", methods=["GET", "POST"])
def create(slug: str):
    group = _editable_workspace(slug)
    form = DocumentForm()
    if form.validate_on_submit():
        try:
            with stored_upload(form.file.data) as stored:
                document = services.add_document(current_user, group, _data(form), stored)
                db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            apply_domain_error(form, exc)
        else:
            flash(_("The document was shared with the group."), "success")
            return redirect(url_for(".detail", slug=slug, document_id=document.id))
    return render_template("documents/form.html", group=group, form=form, document=None)


@bp.route("/<int:document_id>")
def detail(slug: str, document_id: int):
    group = get_workspace_or_abort(slug)
    document = _document_or_404(group, document_id)
    versions = db.session.scalars(
        sa.select(DocumentVersion).where(DocumentVersion.document_id == document.id)
        .options(so.joinedload(DocumentVersion.uploaded_by)).order_by(DocumentVersion.number.desc())).all()
    return render_template("documents/detail.html", group=group, document=document, versions=versions,
                           version_form=VersionForm(), can_edit=document.can_edit(current_user))


@bp.route("/<int:document_id>/versions", methods=["POST"])
def add_version(slug: str, document_id: int):
    group = _editable_workspace(slug)
    document = _document_or_404(group, document_id)
    form = VersionForm()
    if form.validate_on_submit():
        try:
            with stored_upload(form.file.data) as stored:
                version = services.add_version(current_user, document, stored, form.note.data or "")
                db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            apply_domain_error(form, exc)
        else:
            flash(_("Version %(num)d is now the current one; earlier versions stay available.",
                    num=version.number), "success")
            return redirect(url_for(".detail", slug=slug, document_id=document.id))
    versions = db.session.scalars(
        sa.select(DocumentVersion).where(DocumentVersion.document_id == document.id)
        .options(so.joinedload(DocumentVersion.uploaded_by)).order_by(DocumentVersion.number.desc())).all()
    return render_template("documents/detail.html", group=group, document=document, versions=versions,
                           version_form=form, can_edit=True)


@bp.route("/<int:document_id>/edit", methods=["GET", "POST"])
def edit(slug: str, document_id: int):
    group = _editable_workspace(slug)
    document = _document_or_404(group, document_id)
    form = DocumentForm(obj=document if request.method == "GET" else None, with_file=False)
    if form.validate_on_submit() and run_service(
            lambda: services.update_document(current_user, document, _data(form)), _("The document was saved."), form):
        return redirect(url_for(".detail", slug=slug, document_id=document.id))
    return render_template("documents/form.html", group=group, form=form, document=document)


# -- download -----------------------------------------------------------------------------------------------
@bp.route("/<int:document_id>/versions/<int:version_id>/download")
def download(slug: str, document_id: int, version_id: int):
    """Serve a file as an attachment under its original (sanitised) name, after the permission check:
    workspace readers get any version; anyone gets the current version of a public document."""
    group = get_group_or_404(slug)
    document = _document_or_404(group, document_id)
    version = db.session.get(DocumentVersion, version_id)
    if version is None or version.document_id != document.id:
        abort(404)
    if not document.can_download(current_user, version):
        if not current_user.is_authenticated:
            abort(current_app.login_manager.unauthorized())
        abort(403)
    return send_stored(version.path_key, mime=version.mime, name=version.original_name, etag=version.sha256,
                       what=version)
