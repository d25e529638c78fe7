"""Action group views: public pages, the workspace home, membership, and the secretariat's tools."""
from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.actiongroups import bp, services
from app.actiongroups.forms import ConvenerForm, DecisionForm, GroupForm, InviteMemberForm, JoinForm, RoleForm
from app.actiongroups.models import (
    ActionGroup, Activity, GroupRole, JoinRequest, Membership, RequestKind, RequestStatus, render_activity,
)
from app.errors import DomainError
from app.extensions import db
from app.forms import EmptyForm, run_service
from app.members.decorators import admin_required
from app.members.models import Organisation, User
from app.members.services import find_user_by_email


def get_group_or_404(slug: str) -> ActionGroup:
    """Load a group by its address.

    :raise 404: if no group has this address.
    """
    group = services.get_group(slug)
    if group is None:
        abort(404)
    return group


def get_workspace_or_abort(slug: str) -> ActionGroup:
    """Load a group whose workspace the current person may read.

    :raise 404: unknown group. Anonymous visitors are sent to sign in.
    :raise 403: signed in, but the workspace is private to the group's members.
    """
    group = get_group_or_404(slug)
    if not current_user.is_authenticated:
        abort(current_app.login_manager.unauthorized())
    if not group.can_view_workspace(current_user):
        abort(403)
    return group


# -- public -----------------------------------------------------------------------------------------------
@bp.route("/")
def index():
    show_archived = request.args.get("archived") == "1"
    query = sa.select(ActionGroup).order_by(ActionGroup.name)
    if not show_archived:
        query = query.where(ActionGroup.is_archived.is_(False))
    groups = db.session.scalars(query).all()
    counts = dict(db.session.execute(
        sa.select(Membership.group_id, sa.func.count(sa.distinct(User.organisation_id)))
        .join(User, User.id == Membership.user_id).group_by(Membership.group_id)).all())
    return render_template("actiongroups/index.html", groups=groups, counts=counts, show_archived=show_archived)


@bp.route("/<slug>")
def public(slug: str):
    group = get_group_or_404(slug)
    conveners = services.conveners(group)
    organisations = db.session.scalars(
        sa.select(Organisation).join(User, User.organisation_id == Organisation.id)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.group_id == group.id).distinct().order_by(Organisation.name_key)).all()
    pending = services.open_request(group, current_user) if current_user.is_authenticated else None
    return render_template("actiongroups/public.html", group=group, conveners=conveners,
                           organisations=organisations, pending=pending, form=EmptyForm())


# -- joining ---------------------------------------------------------------------------------------------
@bp.route("/<slug>/join", methods=["GET", "POST"])
@login_required
def join(slug: str):
    group = get_group_or_404(slug)
    if not group.can_request_to_join(current_user):
        if group.membership_of(current_user):
            return redirect(url_for("actiongroups.workspace", slug=slug))
        abort(403)
    form = JoinForm()
    if form.validate_on_submit() and run_service(
            lambda: services.request_to_join(current_user, group, form.motivation.data or ""),
            _("Your request was sent to the conveners of %(group)s.", group=group.name), form):
        return redirect(url_for("actiongroups.public", slug=slug))
    return render_template("actiongroups/join.html", group=group, form=form)


@bp.route("/<slug>/invitation", methods=["POST"])
@login_required
def answer_invitation(slug: str):
    group = get_group_or_404(slug)
    form = EmptyForm()
    invitation = services.open_request(group, current_user)
    if invitation is None or invitation.kind is not RequestKind.invitation:
        abort(404)
    if not form.validate_on_submit():
        abort(400)
    accept = request.form.get("answer") == "accept"
    if run_service(lambda: services.answer_invitation(current_user, invitation, accept=accept),
                   _("Welcome to %(group)s.", group=group.name) if accept else _("You declined the invitation.")):
        if accept:
            return redirect(url_for("actiongroups.workspace", slug=slug))
    return redirect(url_for("actiongroups.public", slug=slug))


@bp.route("/<slug>/leave", methods=["POST"])
@login_required
def leave(slug: str):
    group = get_group_or_404(slug)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if not group.can_leave(current_user):
        abort(403)
    if run_service(lambda: services.leave_group(current_user, group), _("You left %(group)s.", group=group.name)):
        return redirect(url_for("actiongroups.public", slug=slug))
    return redirect(url_for("actiongroups.members", slug=slug))


# -- workspace ---------------------------------------------------------------------------------------------
@bp.route("/<slug>/workspace")
def workspace(slug: str):
    group = get_workspace_or_abort(slug)
    page = db.paginate(
        sa.select(Activity).where(Activity.group_id == group.id).options(so.joinedload(Activity.actor))
        .order_by(Activity.created_at.desc(), Activity.id.desc()),
        per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template("actiongroups/workspace.html", group=group, page=page, render_activity=render_activity)


@bp.route("/<slug>/members")
def members(slug: str):
    group = get_workspace_or_abort(slug)
    memberships = db.session.scalars(
        sa.select(Membership).where(Membership.group_id == group.id)
        .options(so.joinedload(Membership.user).joinedload(User.organisation))
        .join(User, User.id == Membership.user_id).order_by(Membership.role, User.full_name)).all()
    requests = []
    if group.can_manage(current_user):
        requests = db.session.scalars(
            sa.select(JoinRequest).where(JoinRequest.group_id == group.id,
                                         JoinRequest.status == RequestStatus.pending)
            .options(so.joinedload(JoinRequest.user).joinedload(User.organisation))
            .order_by(JoinRequest.created_at)).all()
    member_orgs = sorted({m.user.organisation.name for m in memberships if m.user.organisation})
    return render_template("actiongroups/members.html", group=group, memberships=memberships, requests=requests,
                           member_orgs=member_orgs, invite_form=InviteMemberForm(), decision_form=DecisionForm(),
                           role_form=RoleForm(), form=EmptyForm(), GroupRole=GroupRole, RequestKind=RequestKind)


def _request_or_404(group: ActionGroup, request_id: int) -> JoinRequest:
    join_request = db.session.get(JoinRequest, request_id)
    if join_request is None or join_request.group_id != group.id:
        abort(404)
    return join_request


@bp.route("/<slug>/requests/<int:request_id>/<any(accept, decline):decision>", methods=["POST"])
@login_required
def decide(slug: str, request_id: int, decision: str):
    group = get_group_or_404(slug)
    if not group.can_manage(current_user):
        abort(403)
    join_request = _request_or_404(group, request_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    accept = decision == "accept"
    name = join_request.user.full_name
    run_service(lambda: services.decide_request(current_user, join_request, accept=accept,
                                                message=form.message.data or ""),
                _("%(name)s is now a member.", name=name) if accept
                else _("The request of %(name)s was declined.", name=name))
    return redirect(url_for("actiongroups.members", slug=slug))


@bp.route("/<slug>/invite", methods=["POST"])
@login_required
def invite(slug: str):
    group = get_group_or_404(slug)
    if not group.can_manage(current_user):
        abort(403)
    form = InviteMemberForm()
    if form.validate_on_submit():
        person = find_user_by_email(form.email.data)

        def action():
            if person is None:
                raise DomainError(_("No partner account uses this address. The secretariat can invite new "
                                    "people to the Hub."), field="email")
            services.invite_to_group(current_user, group, person, form.role.data, message=form.message.data or "")

        if run_service(action, _("The invitation was sent."), form):
            return redirect(url_for("actiongroups.members", slug=slug))
    for error in [*form.form_errors, *(e for f in form for e in f.errors)]:
        flash(str(error), "danger")
    return redirect(url_for("actiongroups.members", slug=slug))


@bp.route("/<slug>/members/<int:membership_id>/role", methods=["POST"])
@login_required
def change_role(slug: str, membership_id: int):
    group = get_group_or_404(slug)
    if not group.can_manage(current_user):
        abort(403)
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.group_id != group.id:
        abort(404)
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400)
    run_service(lambda: services.change_role(current_user, membership, form.role.data),
                _("The role of %(name)s was changed.", name=membership.user.full_name))
    return redirect(url_for("actiongroups.members", slug=slug))


# -- the secretariat --------------------------------------------------------------------------------------
def _group_data(form: GroupForm) -> services.GroupData:
    return services.GroupData(name=form.name.data or "", slug=(form.slug.data or "").strip().lower(),
                              mandate=form.mandate.data or "", areas=form.areas.data or [],
                              focus_countries=form.focus_countries.data or [],
                              visibility=form.visibility.data or "members")


@bp.route("/new", methods=["GET", "POST"])
@admin_required
def create():
    form = GroupForm()
    if form.validate_on_submit():
        created = {}

        def action():
            created["group"] = services.create_group(current_user, _group_data(form))

        if run_service(action, _("The action group was created. Now appoint its conveners."), form):
            return redirect(url_for("actiongroups.edit", slug=created["group"].slug))
    return render_template("actiongroups/form.html", form=form, group=None)


@bp.route("/<slug>/edit", methods=["GET", "POST"])
@admin_required
def edit(slug: str):
    group = get_group_or_404(slug)
    form = GroupForm(obj=group if request.method == "GET" else None)
    if form.validate_on_submit():
        if run_service(lambda: services.update_group(current_user, group, _group_data(form)),
                       _("The action group was saved."), form):
            return redirect(url_for("actiongroups.public", slug=group.slug))
    return render_template("actiongroups/form.html", form=form, group=group, conveners=services.conveners(group),
                           convener_form=ConvenerForm(), action_form=EmptyForm())


@bp.route("/<slug>/<any(archive, unarchive):action>", methods=["POST"])
@admin_required
def archive(slug: str, action: str):
    group = get_group_or_404(slug)
    if not EmptyForm().validate_on_submit():
        abort(400)
    archived = action == "archive"
    run_service(lambda: services.archive_group(current_user, group, archived=archived),
                _("The group was archived.") if archived else _("The group is active again."))
    return redirect(url_for("actiongroups.public", slug=slug))


@bp.route("/<slug>/conveners", methods=["POST"])
@admin_required
def appoint_convener(slug: str):
    group = get_group_or_404(slug)
    form = ConvenerForm()
    if form.validate_on_submit():
        person = find_user_by_email(form.email.data)

        def action():
            if person is None:
                raise DomainError(_("No partner account uses this address."), field="email")
            services.appoint_convener(current_user, group, person)

        run_service(action, _("The convener was appointed."))
    else:
        for error in (e for f in form for e in f.errors):
            flash(str(error), "danger")
    return redirect(url_for("actiongroups.edit", slug=slug))


@bp.route("/<slug>/conveners/<int:user_id>/remove", methods=["POST"])
@admin_required
def remove_convener(slug: str, user_id: int):
    group = get_group_or_404(slug)
    person = db.session.get(User, user_id)
    if person is None:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    run_service(lambda: services.remove_convener(current_user, group, person),
                _("%(name)s is no longer a convener.", name=person.full_name))
    return redirect(url_for("actiongroups.edit", slug=slug))
