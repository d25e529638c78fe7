"""Action group rules: groups, conveners, joining, roles, the activity feed.

Services take explicit actors, flush but never commit, and raise DomainError with words for the person.
Every change of membership is written to the audit log and the person is notified.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from app import audit, events
from app.actiongroups import LEFT_GROUP_HOOKS
from app.actiongroups.models import (
    ActionGroup, Activity, GroupRole, JoinRequest, Membership, RequestKind, RequestStatus, Visibility,
)
from app.errors import DomainError, DuplicateError, InvalidTransitionError, NotAllowedError
from app.extensions import db
from app.i18n import is_country
from app.members.models import User
from app.notifications.services import notify
from app.policy import is_partner, is_secretariat
from app.taxonomy import clean_areas
from app.utils import utcnow

logger = logging.getLogger(__name__)

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
RESERVED_SLUGS = {"new"}  # /actiongroups/new is the creation form


@dataclass(frozen=True)
class GroupData:
    name: str
    slug: str
    mandate: str = ""
    areas: list[str] = field(default_factory=list)
    focus_countries: list[str] = field(default_factory=list)
    visibility: str = Visibility.members.value


def group_url(group: ActionGroup, view: str = "workspace") -> str:
    return f"/actiongroups/{group.slug}/{view}" if view else f"/actiongroups/{group.slug}"


def get_group(slug: str) -> ActionGroup | None:
    return db.session.scalar(sa.select(ActionGroup).where(ActionGroup.slug == slug))


def conveners(group: ActionGroup) -> list[User]:
    return list(db.session.scalars(
        sa.select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.group_id == group.id, Membership.role == GroupRole.convener)
        .order_by(User.full_name)))


def _count_conveners(group: ActionGroup) -> int:
    return db.session.scalar(sa.select(sa.func.count(Membership.id)).where(
        Membership.group_id == group.id, Membership.role == GroupRole.convener))


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise NotAllowedError(message)


def _require_open(group: ActionGroup) -> None:
    if group.is_archived:
        raise InvalidTransitionError(_("This action group is archived: nothing can change in it."))


def record_activity(group: ActionGroup, actor: User | None, verb: str, url: str = "", **params) -> Activity:
    """Add a line to the group's activity feed (rendered later in each reader's language)."""
    activity = Activity(group_id=group.id, actor=actor, verb=verb, url=url, params=params)
    db.session.add(activity)
    return activity


# -- groups (secretariat) ---------------------------------------------------------------------------------
def _check_group_data(data: GroupData, existing: ActionGroup | None = None) -> None:
    if not data.name.strip():
        raise DomainError(_("Enter the group's name."), field="name")
    if not SLUG.match(data.slug) or data.slug in RESERVED_SLUGS:
        raise DomainError(_("Use lowercase letters, digits and single hyphens, like supply-chains."), field="slug")
    other = get_group(data.slug)
    if other is not None and other is not existing:
        raise DuplicateError(_("Another group already uses this address."), field="slug")
    if data.visibility not in Visibility.__members__:
        raise DomainError(_("Choose who can read the workspace."), field="visibility")
    unknown = [c for c in data.focus_countries if not is_country(c)]
    if unknown:
        raise DomainError(_("Unknown country code: %(codes)s.", codes=", ".join(unknown)), field="focus_countries")


def _apply_group_data(group: ActionGroup, data: GroupData) -> None:
    group.name = " ".join(data.name.split())
    group.slug = data.slug
    group.mandate = data.mandate.strip()
    group.areas = clean_areas(data.areas)
    group.focus_countries = sorted(set(data.focus_countries))
    group.visibility = Visibility(data.visibility)


def create_group(actor: User, data: GroupData) -> ActionGroup:
    _require(is_secretariat(actor), _("Only the secretariat can create action groups."))
    _check_group_data(data)
    group = ActionGroup()
    _apply_group_data(group, data)
    db.session.add(group)
    db.session.flush()
    audit.record(actor, "group.create", group)
    events.reindex_later(group)
    return group


def update_group(actor: User, group: ActionGroup, data: GroupData) -> ActionGroup:
    _require(group.can_edit(actor), _("Only the secretariat can edit action groups."))
    _require_open(group)
    _check_group_data(data, existing=group)
    _apply_group_data(group, data)
    audit.record(actor, "group.edit", group)
    events.reindex_later(group)  # its documents and consultations follow (name, visibility)
    return group


def archive_group(actor: User, group: ActionGroup, *, archived: bool = True) -> ActionGroup:
    _require(group.can_edit(actor), _("Only the secretariat can archive action groups."))
    if group.is_archived == archived:
        raise InvalidTransitionError(_("The group is already archived.") if archived
                                     else _("The group is not archived."))
    group.is_archived = archived
    audit.record(actor, "group.archive" if archived else "group.unarchive", group)
    events.reindex_later(group)
    return group


# -- conveners (secretariat) -------------------------------------------------------------------------------
def appoint_convener(actor: User, group: ActionGroup, person: User, *, now: datetime | None = None) -> Membership:
    _require(group.can_edit(actor), _("Only the secretariat appoints conveners."))
    _require_open(group)
    if not person.is_approved:
        raise DomainError(_("Only approved partners can be conveners."), field="user_id")
    membership = group.membership_of(person) or _membership(group, person)
    if membership.role is GroupRole.convener:
        raise DuplicateError(_("%(name)s is already a convener.", name=person.full_name), field="user_id")
    membership.role = GroupRole.convener
    _close_open_requests(group, person, actor, now)
    db.session.flush()
    audit.record(actor, "group.appoint_convener", membership, group=group.name, person=person.email)
    notify(person, "group_role_changed", key=f"role:{membership.id}:convener:{(now or utcnow()).isoformat()}",
           url=group_url(group), actor=actor, group=group.name, role="convener")
    return membership


def remove_convener(actor: User, group: ActionGroup, person: User) -> Membership:
    _require(group.can_edit(actor), _("Only the secretariat removes conveners."))
    _require_open(group)
    membership = group.membership_of(person)
    if membership is None or membership.role is not GroupRole.convener:
        raise InvalidTransitionError(_("%(name)s is not a convener of this group.", name=person.full_name))
    _keep_a_convener(group)
    membership.role = GroupRole.member
    audit.record(actor, "group.remove_convener", membership, group=group.name, person=person.email)
    notify(person, "group_role_changed", key=f"role:{membership.id}:member:{utcnow().isoformat()}",
           url=group_url(group), actor=actor, group=group.name, role="member")
    return membership


def _keep_a_convener(group: ActionGroup) -> None:
    if _count_conveners(group) <= 1:
        raise InvalidTransitionError(_("A group always keeps at least one convener: appoint another one first."))


def _membership(group: ActionGroup, person: User, role: GroupRole = GroupRole.member) -> Membership:
    membership = Membership(group_id=group.id, user_id=person.id, user=person, role=role)
    db.session.add(membership)
    group.remember_membership(person.id, membership)
    return membership


def _close_open_requests(group, person, actor, now) -> None:
    for request in db.session.scalars(sa.select(JoinRequest).where(
            JoinRequest.group_id == group.id, JoinRequest.user_id == person.id,
            JoinRequest.status == RequestStatus.pending)):
        request.status = RequestStatus.accepted
        request.decided_by_id = actor.id
        request.decided_at = now or utcnow()


# -- joining ----------------------------------------------------------------------------------------------
def open_request(group: ActionGroup, person: User) -> JoinRequest | None:
    return db.session.scalar(sa.select(JoinRequest).where(
        JoinRequest.group_id == group.id, JoinRequest.user_id == person.id,
        JoinRequest.status == RequestStatus.pending))


def request_to_join(person: User, group: ActionGroup, motivation: str, *, now: datetime | None = None) -> JoinRequest:
    _require_open(group)
    _require(is_partner(person), _("Your account must be approved before you can join a group."))
    if group.membership_of(person) is not None:
        raise DuplicateError(_("You are already a member of this group."))
    existing = open_request(group, person)
    if existing is not None:
        raise DuplicateError(_("You have already asked to join; the conveners will answer soon.")
                             if existing.kind is RequestKind.request
                             else _("You are already invited: accept the invitation on the group's page."))
    motivation = motivation.strip()
    if len(motivation) > 2000:
        raise DomainError(_("Keep the motivation under 2,000 characters."), field="motivation")
    request = JoinRequest(group_id=group.id, user_id=person.id, user=person, motivation=motivation,
                          kind=RequestKind.request, created_at=now or utcnow())
    db.session.add(request)
    db.session.flush()
    audit.record(person, "group.request_join", request, group=group.name)
    for convener in conveners(group):
        notify(convener, "group_join_request", key=f"join_request:{request.id}:{convener.id}",
               url=group_url(group, "members"), actor=person, group=group.name)
    return request


def decide_request(actor: User, request: JoinRequest, *, accept: bool, message: str = "",
                   now: datetime | None = None) -> JoinRequest:
    """A convener accepts or declines a request to join (with a message for the person)."""
    group = request.group
    _require(group.can_manage(actor), _("Only the group's conveners can answer requests to join."))
    if request.kind is not RequestKind.request or request.status is not RequestStatus.pending:
        raise InvalidTransitionError(_("This request has already been answered."))
    request.status = RequestStatus.accepted if accept else RequestStatus.declined
    request.decided_by_id = actor.id
    request.decided_at = now or utcnow()
    request.response = message.strip()[:2000]
    if accept:
        _membership(group, request.user, request.role)
        record_activity(group, request.user, "member_joined", url=group_url(group, "members"))
    audit.record(actor, "group.accept_request" if accept else "group.decline_request", request,
                 group=group.name, person=request.user.email, message=request.response)
    notify(request.user, "group_join_accepted" if accept else "group_join_declined",
           key=f"join_decision:{request.id}", url=group_url(group, "workspace" if accept else ""),
           actor=actor, group=group.name, message=request.response)
    return request


def invite_to_group(actor: User, group: ActionGroup, person: User, role: str = "member", *,
                    message: str = "", now: datetime | None = None) -> JoinRequest:
    _require(group.can_manage(actor), _("Only the group's conveners can invite people."))
    if role not in GroupRole.__members__:
        raise DomainError(_("Choose a role from the list."), field="role")
    if not person.is_approved:
        raise DomainError(_("Only approved partners can be invited."), field="email")
    if group.membership_of(person) is not None:
        raise DuplicateError(_("%(name)s is already a member of this group.", name=person.full_name), field="email")
    if open_request(group, person) is not None:
        raise DuplicateError(_("%(name)s already has an open request or invitation.", name=person.full_name),
                             field="email")
    invitation = JoinRequest(group_id=group.id, user_id=person.id, user=person, kind=RequestKind.invitation,
                             role=GroupRole(role), invited_by_id=actor.id, motivation=message.strip()[:2000],
                             created_at=now or utcnow())
    db.session.add(invitation)
    db.session.flush()
    audit.record(actor, "group.invite", invitation, group=group.name, person=person.email, role=role)
    notify(person, "group_invitation", key=f"group_invitation:{invitation.id}", url=group_url(group, ""),
           actor=actor, group=group.name)
    return invitation


def answer_invitation(person: User, invitation: JoinRequest, *, accept: bool,
                      now: datetime | None = None) -> JoinRequest:
    group = invitation.group
    _require(invitation.user_id == person.id, _("This invitation is for someone else."))
    _require_open(group)
    if invitation.kind is not RequestKind.invitation or invitation.status is not RequestStatus.pending:
        raise InvalidTransitionError(_("This invitation has already been answered."))
    invitation.status = RequestStatus.accepted if accept else RequestStatus.declined
    invitation.decided_by_id = person.id
    invitation.decided_at = now or utcnow()
    if accept:
        _membership(group, person, invitation.role)
        record_activity(group, person, "member_joined", url=group_url(group, "members"))
    audit.record(person, "group.accept_invitation" if accept else "group.decline_invitation", invitation,
                 group=group.name)
    return invitation


def leave_group(person: User, group: ActionGroup) -> None:
    _require_open(group)
    membership = group.membership_of(person)
    if membership is None:
        raise InvalidTransitionError(_("You are not a member of this group."))
    if membership.role is GroupRole.convener:
        _keep_a_convener(group)
    audit.record(person, "group.leave", membership, group=group.name)
    record_activity(group, person, "member_left", url=group_url(group, "members"))
    db.session.delete(membership)
    group.remember_membership(person.id, None)

    for hook in LEFT_GROUP_HOOKS:
        hook(person, group)


def change_role(actor: User, membership: Membership, role: str, *, now: datetime | None = None) -> Membership:
    group = membership.group
    _require(group.can_manage(actor), _("Only the group's conveners can change roles."))
    if role not in GroupRole.__members__:
        raise DomainError(_("Choose a role from the list."), field="role")
    new_role = GroupRole(role)
    if membership.role is new_role:
        return membership
    if membership.role is GroupRole.convener:
        _keep_a_convener(group)
    old = membership.role
    membership.role = new_role
    audit.record(actor, "group.change_role", membership, group=group.name, person=membership.user.email,
                 old=old.value, new=new_role.value)
    record_activity(group, actor, "role_changed", url=group_url(group, "members"),
                    person=membership.user.full_name, role=new_role.value)
    notify(membership.user, "group_role_changed",
           key=f"role:{membership.id}:{new_role.value}:{(now or utcnow()).isoformat()}",
           url=group_url(group), actor=actor, group=group.name, role=new_role.value)
    return membership
