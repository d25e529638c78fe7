"""Views for discussions: the thread list, a thread with its replies, writing, editing, moderating."""
from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.actiongroups.discussions import bp, services
from app.actiongroups.discussions.forms import PostForm, ThreadForm
from app.actiongroups.discussions.models import Post, Thread
from app.actiongroups.models import ActionGroup
from app.actiongroups.routes import get_workspace_or_abort
from app.errors import DomainError
from app.extensions import db
from app.forms import EmptyForm, apply_domain_error, run_service
from app.utils import page_number as page_from_query, utcnow


# -- loaders and checks ------------------------------------------------------------------------------------
def _thread_or_404(group: ActionGroup, thread_id: int) -> Thread:
    """A thread of this group; a thread of another group is as unknown as a missing one.

    :raise 404: no such thread in this group.
    """
    thread = db.session.scalar(sa.select(Thread).where(Thread.id == thread_id, Thread.group_id == group.id))
    if thread is None:
        abort(404)
    return thread


def _post_or_404(thread: Thread, post_id: int) -> Post:
    """:raise 404: no such post in this thread."""
    post = db.session.scalar(sa.select(Post).where(Post.id == post_id, Post.thread_id == thread.id))
    if post is None:
        abort(404)
    return post


def _refuse_if_archived(group: ActionGroup, back: str) -> None:
    """An archived group is read-only: say so plainly instead of a bare 403, and write nothing."""
    if group.is_archived:
        flash(_("This action group is archived: nothing can change in it."), "warning")
        abort(redirect(back))


def _require_poster(group: ActionGroup, back: str) -> None:
    """:raise 403: the person may read but not write (observers, partners outside the group)."""
    _refuse_if_archived(group, back)
    if not group.can_participate(current_user):
        abort(403)


def _require_moderator(group: ActionGroup, back: str) -> None:
    """:raise 403: not a convener of the group nor the secretariat. :raise 400: no valid form."""
    _refuse_if_archived(group, back)
    if not group.can_moderate(current_user):
        abort(403)
    if not EmptyForm().validate_on_submit():
        abort(400)


# -- reading -------------------------------------------------------------------------------------------------
@bp.route("")
def index(slug: str):
    group = get_workspace_or_abort(slug)
    page = db.paginate(
        sa.select(Thread).where(Thread.group_id == group.id).options(so.joinedload(Thread.author))
        .order_by(Thread.is_pinned.desc(), Thread.last_post_at.desc(), Thread.id.desc()),
        per_page=current_app.config["PAGE_SIZE"], error_out=False)
    read_at = services.last_read_at(current_user, [t.id for t in page.items])
    unread = {t.id for t in page.items if services.is_unread(t, read_at.get(t.id))}
    return render_template("discussions/index.html", group=group, page=page, unread_ids=unread,
                           can_start=group.can_participate(current_user))


def _render_thread(group: ActionGroup, thread: Thread, form: PostForm, page_number: int | None = None,
                   status: int = 200):
    """The thread page: one page of posts (authors loaded with them), the reply form, moderation."""
    per_page = current_app.config["PAGE_SIZE"]
    if page_number is None:  # after a failed reply: the last page, where the reply would have gone
        page_number = max((thread.post_count - 1) // per_page + 1, 1)
    page = db.paginate(
        sa.select(Post).where(Post.thread_id == thread.id)
        .options(so.joinedload(Post.author), so.joinedload(Post.hidden_by)).order_by(Post.id),
        page=page_number, per_page=per_page, error_out=False)
    read_at = services.last_read_at(current_user, [thread.id]).get(thread.id)
    new_ids = {p.id for p in page.items if read_at is not None and p.created_at > read_at}
    return render_template(
        "discussions/thread.html", group=group, thread=thread, page=page, form=form, new_ids=new_ids,
        can_reply=thread.can_reply(current_user), can_moderate=group.can_moderate(current_user),
        action_form=EmptyForm(), link_mentions=services.link_mentions,
        members=services.group_members(group)), status


@bp.route("/<int:thread_id>")
def thread(slug: str, thread_id: int):
    group = get_workspace_or_abort(slug)
    thread = _thread_or_404(group, thread_id)
    seen = thread.last_post_at  # read up to the newest post shown, not the clock: a reply racing in stays unread
    response = _render_thread(group, thread, PostForm(), page_from_query(request.args.get("page")))
    # Read marks are the reader's own state, not the group's: they are kept even in an archived group.
    services.mark_read(current_user, thread, seen)
    db.session.commit()
    return response


# -- writing -------------------------------------------------------------------------------------------------
@bp.route("/new", methods=["GET", "POST"])
@login_required
def new(slug: str):
    group = get_workspace_or_abort(slug)
    _require_poster(group, url_for(".index", slug=slug))
    form = ThreadForm()
    if form.validate_on_submit():
        try:
            thread = services.start_thread(current_user, group, form.title.data, form.body.data)
        except DomainError as exc:
            db.session.rollback()
            apply_domain_error(form, exc)
        else:
            db.session.commit()
            flash(_("Your discussion was started."), "success")
            return redirect(url_for(".thread", slug=slug, thread_id=thread.id))
    return render_template("discussions/new.html", group=group, form=form)


@bp.route("/<int:thread_id>/reply", methods=["POST"])
@login_required
def reply(slug: str, thread_id: int):
    group = get_workspace_or_abort(slug)
    thread = _thread_or_404(group, thread_id)
    back = url_for(".thread", slug=slug, thread_id=thread.id)
    _require_poster(group, back)
    form = PostForm()
    if form.validate_on_submit():
        try:
            post = services.reply(current_user, thread, form.body.data)
        except DomainError as exc:
            db.session.rollback()
            if exc.field is None:  # a locked thread: nothing to fix in the text
                flash(str(exc), "danger")
                return redirect(back)
            apply_domain_error(form, exc)
        else:
            url = services.post_url(group, thread, post, position=thread.post_count)
            db.session.commit()
            flash(_("Your reply was posted."), "success")
            return redirect(url)
    # Show the thread again with the typed text kept and the error next to it.
    return _render_thread(group, thread, form)


@bp.route("/<int:thread_id>/posts/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str, thread_id: int, post_id: int):
    group = get_workspace_or_abort(slug)
    thread = _thread_or_404(group, thread_id)
    post = _post_or_404(thread, post_id)
    back = url_for(".thread", slug=slug, thread_id=thread.id)
    _refuse_if_archived(group, back)
    if post.author_id != current_user.id or not group.can_participate(current_user):
        abort(403)
    try:
        services.check_editable(current_user, post)
    except DomainError as exc:  # locked thread or hidden post: say why rather than a bare 403
        flash(str(exc), "warning")
        return redirect(back)
    form = PostForm(obj=post if request.method == "GET" else None)
    if form.validate_on_submit() and run_service(
            lambda: services.edit_post(current_user, post, form.body.data, utcnow()), _("Your message was saved."),
            form):
        return redirect(services.post_url(group, thread, post))
    return render_template("discussions/edit.html", group=group, thread=thread, post=post, form=form)


# -- moderation ----------------------------------------------------------------------------------------------
def _moderate(action, success: str, back: str):
    run_service(action, success)
    return redirect(back)


@bp.route("/<int:thread_id>/pin", methods=["POST"])
@login_required
def pin(slug: str, thread_id: int):
    group = get_workspace_or_abort(slug)
    thread = _thread_or_404(group, thread_id)
    back = url_for(".thread", slug=slug, thread_id=thread.id)
    _require_moderator(group, back)
    pinned = not thread.is_pinned
    return _moderate(lambda: services.set_pinned(current_user, thread, pinned),
                     _("The discussion is pinned to the top of the list.") if pinned
                     else _("The discussion is no longer pinned."), back)


@bp.route("/<int:thread_id>/lock", methods=["POST"])
@login_required
def lock(slug: str, thread_id: int):
    group = get_workspace_or_abort(slug)
    thread = _thread_or_404(group, thread_id)
    back = url_for(".thread", slug=slug, thread_id=thread.id)
    _require_moderator(group, back)
    locked = not thread.is_locked
    return _moderate(lambda: services.set_locked(current_user, thread, locked),
                     _("The discussion is locked: no one can reply.") if locked
                     else _("The discussion is open for replies again."), back)


@bp.route("/<int:thread_id>/posts/<int:post_id>/hide", methods=["POST"])
@login_required
def hide(slug: str, thread_id: int, post_id: int):
    group = get_workspace_or_abort(slug)
    thread = _thread_or_404(group, thread_id)
    post = _post_or_404(thread, post_id)
    _require_moderator(group, url_for(".thread", slug=slug, thread_id=thread.id))
    hidden = not post.is_hidden
    back = services.post_url(group, thread, post)
    return _moderate(lambda: services.set_hidden(current_user, post, hidden, utcnow()),
                     _("The message is hidden from the group.") if hidden
                     else _("The message is visible again."), back)
