"""News views: the list with filters, a post, writing and editing, its image, the Atom feeds."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.actiongroups.models import ActionGroup
from app.errors import DomainError
from app.extensions import db
from app.forms import EmptyForm, apply_domain_error, run_service
from app.i18n import country_choices
from app.multilingual.services import preload_translations
from app.news import bp, services
from app.news.feeds import atom_feed
from app.news.forms import NewsForm
from app.news.models import IMAGE_TYPES, NewsPost, can_write_news
from app.taxonomy import AREAS
from app.uploads import send_stored, stored_upload
from app.utils import whole_number


def get_post_or_404(post_id: int) -> NewsPost:
    """A post this person may read; one they may not is as unknown as a missing one."""
    post = db.session.get(NewsPost, post_id)
    if post is None or not post.can_view(current_user):
        abort(404)
    return post


@bp.route("/")
def index():
    filters = services.NewsFilters.from_args(request.args)
    page = db.paginate(services.news_query(current_user, filters), page=filters.page,
                       per_page=current_app.config["PAGE_SIZE"], error_out=False)
    preload_translations(page.items)
    groups = db.session.scalars(sa.select(ActionGroup).where(ActionGroup.is_archived.is_(False))
                                .order_by(ActionGroup.name)).all()
    return render_template("news/index.html", page=page, filters=filters, areas=AREAS, groups=groups,
                           countries=country_choices(), can_write=bool(services.groups_for(current_user))
                           if current_user.is_authenticated else False)


@bp.route("/<int:post_id>")
def detail(post_id: int):
    post = get_post_or_404(post_id)
    return render_template("news/detail.html", post=post, delete_form=EmptyForm())


@bp.route("/<int:post_id>/image")
def image(post_id: int):
    post = get_post_or_404(post_id)
    if not post.has_image:
        abort(404)
    return send_stored(post.image_path_key, mime=post.image_mime, name=post.image_name, what=post)


def _data(form: NewsForm) -> services.NewsData:
    return services.NewsData(
        title=form.title.data or "", body=form.body.data or "", language=form.language.data or "",
        group_id=whole_number(form.group_id.data) if form.group_id.data else None,
        is_public=bool(form.is_public.data), areas=form.areas.data or [], countries=form.countries.data or [],
        image_alt=form.image_alt.data or "")


def _save(form: NewsForm, action):
    """Store the image (checked like every upload, smaller) and run the service in one transaction."""
    upload = form.image.data if form.image.data and getattr(form.image.data, "filename", "") else None
    try:
        if upload is not None:
            with stored_upload(upload, allowed=IMAGE_TYPES, max_bytes=current_app.config["NEWS_IMAGE_MAX_BYTES"],
                               field="image") as stored:
                post = action(stored)
                db.session.commit()
        else:
            post = action(None)
            db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        apply_domain_error(form, exc)
        return None
    return post


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    options = services.groups_for(current_user)
    if not options:
        abort(403)
    form = NewsForm(groups=options)
    if request.method == "GET":
        wanted = request.args.get("group", "")
        group = db.session.scalar(sa.select(ActionGroup).where(ActionGroup.slug == wanted)) if wanted else None
        form.group_id.data = str(group.id) if group is not None and can_write_news(current_user, group) else \
            options[0][0]
        form.language.data = str(current_user.locale or "en")
    if form.validate_on_submit():
        post = _save(form, lambda stored: services.create_post(current_user, _data(form), stored))
        if post is not None:
            flash(_("News published."), "success")
            return redirect(url_for("news.detail", post_id=post.id))
    return render_template("news/form.html", form=form, post=None)


@bp.route("/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit(post_id: int):
    post = get_post_or_404(post_id)
    if not post.can_edit(current_user):
        abort(403)
    options = services.groups_for(current_user)
    form = NewsForm(obj=post if request.method == "GET" else None, groups=options, with_remove=post.has_image)
    if request.method == "GET":
        form.group_id.data = str(post.group_id or "")
    if form.validate_on_submit():
        remove = bool(getattr(form, "remove_image", None) and form.remove_image.data)
        if _save(form, lambda stored: services.update_post(post, current_user, _data(form), stored,
                                                           remove_image=remove)) is not None:
            flash(_("News saved."), "success")
            return redirect(url_for("news.detail", post_id=post.id))
    return render_template("news/form.html", form=form, post=post)


@bp.route("/<int:post_id>/delete", methods=["POST"])
@login_required
def delete(post_id: int):
    post = get_post_or_404(post_id)
    if not post.can_edit(current_user):
        abort(403)
    if EmptyForm().validate_on_submit() and run_service(lambda: services.delete_post(post, current_user),
                                                        _("News deleted.")):
        return redirect(url_for("news.index"))
    return redirect(url_for("news.detail", post_id=post.id))


# -- feeds: public posts only, whoever asks (feed readers do not sign in) -----------------------------------
def _feed_response(xml: bytes) -> Response:
    response = Response(xml, mimetype="application/atom+xml")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.route("/feed.atom")
def feed():
    return _feed_response(atom_feed(None))


@bp.route("/groups/<slug>/feed.atom")
def group_feed(slug: str):
    group = db.session.scalar(sa.select(ActionGroup).where(ActionGroup.slug == slug))
    if group is None:
        abort(404)
    return _feed_response(atom_feed(group))
