"""Action groups, their members and join requests, and the workspace activity feed."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import g, has_request_context
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.policy import is_partner, is_secretariat
from app.types import UTCDateTime, enum_type
from app.utils import utcnow


class Visibility(str, enum.Enum):
    members = "members"      # the workspace is readable by the group's members only
    partners = "partners"    # readable by every signed-in, approved partner; participation for members


class GroupRole(str, enum.Enum):
    convener = "convener"
    member = "member"
    observer = "observer"    # reads the workspace, does not post


class RequestStatus(str, enum.Enum):
    pending = "pending"
    accepted = "accepted"
    declined = "declined"
    withdrawn = "withdrawn"


class RequestKind(str, enum.Enum):
    request = "request"        # the person asked to join
    invitation = "invitation"  # a convener invited the person


VISIBILITY_LABELS = {
    Visibility.members: _l("Members only"),
    Visibility.partners: _l("All signed-in partners can read; members take part"),
}
GROUP_ROLE_LABELS = {
    GroupRole.convener: _l("Convener"),
    GroupRole.member: _l("Member"),
    GroupRole.observer: _l("Observer"),
}



class ActionGroup(db.Model):
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    slug: so.Mapped[str] = so.mapped_column(sa.String(80), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    mandate: so.Mapped[str] = so.mapped_column(sa.Text, default="")  # Markdown
    language: so.Mapped[str] = so.mapped_column(sa.String(8), default="en")  # of name and mandate (app.multilingual)
    areas: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)            # 8.7 area codes
    focus_countries: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)  # ISO 3166 alpha-3
    visibility: so.Mapped[Visibility] = so.mapped_column(enum_type(Visibility), default=Visibility.members)
    is_archived: so.Mapped[bool] = so.mapped_column(default=False)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    memberships: so.WriteOnlyMapped["Membership"] = so.relationship(
        back_populates="group", cascade="all, delete-orphan", passive_deletes=True)

    def __repr__(self) -> str:
        return f"<ActionGroup {self.id} {self.slug}>"

    def __str__(self) -> str:
        return self.name

    # -- membership lookups (one query per request and group) -----------------------------------------
    def membership_of(self, user) -> "Membership | None":
        """The user's membership in this group, loaded once per request."""
        if not (user and user.is_authenticated):
            return None
        cache = g.setdefault("_memberships", {}) if has_request_context() else {}
        key = (self.id, user.id)
        if key not in cache:
            cache[key] = db.session.scalar(sa.select(Membership).where(
                Membership.group_id == self.id, Membership.user_id == user.id))
        return cache[key]

    def remember_membership(self, user_id: int, membership: "Membership | None") -> None:
        """Update the per-request cache after a service adds or removes a membership."""
        if has_request_context():
            g.setdefault("_memberships", {})[(self.id, user_id)] = membership

    def role_of(self, user) -> GroupRole | None:
        membership = self.membership_of(user)
        return membership.role if membership else None

    # -- permissions (site-wide predicates: app.policy) ----------------------------------------------------
    def is_convened_by(self, user) -> bool:
        """``user`` convenes this group: an approved convener, and the group is not archived (an archived
        group is read-only and has no one convening it; see app.policy)."""
        return not self.is_archived and is_partner(user) and self.role_of(user) is GroupRole.convener

    @classmethod
    def convened_ids(cls, user) -> sa.Select:
        """:meth:`is_convened_by` as SQL: the ids of the groups ``user`` convenes (none for others)."""
        query = (sa.select(Membership.group_id).join(cls, cls.id == Membership.group_id)
                 .where(Membership.role == GroupRole.convener, cls.is_archived.is_(False)))
        if not is_partner(user):
            return query.where(sa.false())
        return query.where(Membership.user_id == user.id)

    @classmethod
    def any_convened_by(cls, user) -> bool:
        """``user`` convenes at least one group (one query)."""
        return is_partner(user) and db.session.scalar(cls.convened_ids(user).limit(1)) is not None

    def can_view_workspace(self, user) -> bool:
        """Members (any role) and the secretariat; every approved partner if the group says so."""
        if is_secretariat(user):
            return True
        if not is_partner(user):
            return False
        return self.membership_of(user) is not None or self.visibility is Visibility.partners

    @classmethod
    def workspace_readable_by(cls, user) -> sa.ColumnElement[bool] | None:
        """:meth:`can_view_workspace` as SQL, for many groups at once (None: every group, for the secretariat)."""
        if is_secretariat(user):
            return None
        if not is_partner(user):
            return sa.false()
        mine = sa.select(Membership.group_id).where(Membership.user_id == user.id)
        return sa.or_(cls.id.in_(mine), cls.visibility == Visibility.partners)

    def can_participate(self, user) -> bool:
        """Post, upload and plan: conveners, members and the secretariat, while the group is not archived."""
        if self.is_archived or not is_partner(user):
            return False
        return is_secretariat(user) or self.role_of(user) in (GroupRole.convener, GroupRole.member)

    def can_manage(self, user) -> bool:
        """Accept members, change roles, moderate: the group's conveners and the secretariat."""
        if self.is_archived:
            return False
        return is_secretariat(user) or self.is_convened_by(user)

    def can_moderate(self, user) -> bool:
        return self.can_manage(user)

    def can_edit(self, user) -> bool:
        """Create, edit, archive and appoint conveners: the secretariat."""
        return is_secretariat(user)

    def can_request_to_join(self, user) -> bool:
        return (not self.is_archived and is_partner(user) and self.membership_of(user) is None)

    def can_leave(self, user) -> bool:
        return not self.is_archived and self.membership_of(user) is not None


class Membership(db.Model):
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    group_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("action_group.id", ondelete="CASCADE"), index=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    role: so.Mapped[GroupRole] = so.mapped_column(enum_type(GroupRole), default=GroupRole.member)
    joined_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)

    group: so.Mapped[ActionGroup] = so.relationship(back_populates="memberships")
    user: so.Mapped["User"] = so.relationship("User")  # noqa: F821

    __table_args__ = (sa.UniqueConstraint("group_id", "user_id", name="uq_membership_group_user"),)

    def __repr__(self) -> str:
        return f"<Membership {self.id} group={self.group_id} user={self.user_id} {self.role.value}>"

    def __str__(self) -> str:
        return f"{self.user} in {self.group}"


class JoinRequest(db.Model):
    """A request to join (from the person) or an invitation (from a convener), and its outcome."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    group_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("action_group.id", ondelete="CASCADE"), index=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    kind: so.Mapped[RequestKind] = so.mapped_column(enum_type(RequestKind), default=RequestKind.request)
    role: so.Mapped[GroupRole] = so.mapped_column(enum_type(GroupRole), default=GroupRole.member)
    motivation: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    status: so.Mapped[RequestStatus] = so.mapped_column(enum_type(RequestStatus), default=RequestStatus.pending)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    invited_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    decided_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    decided_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    response: so.Mapped[str] = so.mapped_column(sa.Text, default="")

    group: so.Mapped[ActionGroup] = so.relationship()
    user: so.Mapped["User"] = so.relationship("User", foreign_keys=[user_id])  # noqa: F821
    invited_by: so.Mapped["User | None"] = so.relationship("User", foreign_keys=[invited_by_id])  # noqa: F821

    __table_args__ = (
        # At most one open request or invitation per person and group: a database rule, not only a check.
        sa.Index("uq_join_request_open", "group_id", "user_id", unique=True,
                 sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'")),
    )

    def __repr__(self) -> str:
        return f"<JoinRequest {self.id} {self.kind.value} group={self.group_id} user={self.user_id}>"

    def __str__(self) -> str:
        return f"{self.kind.value} of {self.user} to {self.group}"


class Activity(db.Model):
    """One line of a workspace's activity feed; its text is rendered in the reader's language."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    group_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("action_group.id", ondelete="CASCADE"))
    actor_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    verb: so.Mapped[str] = so.mapped_column(sa.String(40))
    params: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON, default=dict)
    url: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)

    actor: so.Mapped["User | None"] = so.relationship("User")  # noqa: F821

    __table_args__ = (sa.Index("ix_activity_group_created", "group_id", "created_at"),)

    def __repr__(self) -> str:
        return f"<Activity {self.id} {self.verb} group={self.group_id}>"


# What each activity says; params are filled in when the feed is shown, in the reader's language.
ACTIVITY_TEXTS = {
    "member_joined": _l("%(actor)s joined the group"),
    "member_left": _l("%(actor)s left the group"),
    "role_changed": _l("%(actor)s made %(person)s %(role)s"),
    "thread_new": _l("%(actor)s started the discussion “%(title)s”"),
    "thread_reply": _l("%(actor)s replied to “%(title)s”"),
    "document_new": _l("%(actor)s shared the document “%(title)s”"),
    "document_version": _l("%(actor)s uploaded a new version of “%(title)s”"),
    "work_item_new": _l("%(actor)s added the work item “%(title)s”"),
    "work_item_changed": _l("%(actor)s updated the work item “%(title)s”"),
}


def render_activity(activity: Activity) -> str:
    text = ACTIVITY_TEXTS.get(activity.verb)
    if text is None:
        return activity.verb
    params = {"actor": activity.actor.full_name if activity.actor else "—", **(activity.params or {})}
    if "role" in params and params["role"] in GroupRole.__members__:
        params["role"] = str(GROUP_ROLE_LABELS[GroupRole(params["role"])]).lower()
    try:
        return str(text) % params
    except (KeyError, TypeError, ValueError):
        return str(text)
