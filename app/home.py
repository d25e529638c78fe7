"""What the home page shows besides the figures: for everyone, what is happening (the next Forum editions,
public meetings to come, the newest pledges and resources); for a signed-in partner, their next steps (polls
waiting for their answer, invitations to groups, requests waiting for them as a convener, and for the
secretariat the applications to review). Every list is bounded: a fixed number of small queries.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.actiongroups.models import ActionGroup, JoinRequest, RequestKind, RequestStatus
from app.commitments.models import PUBLIC_STATES, Pledge
from app.extensions import db
from app.forums.consultation_models import Consultation, ConsultationState, Invitee
from app.forums.models import Forum
from app.knowledge.models import Resource, ResourceState
from app.members.models import Organisation, OrganisationStatus, User, UserStatus
from app.policy import is_partner, is_secretariat

SHOWN = 5


@dataclass
class Happening:
    forums: list = field(default_factory=list)
    meetings: list = field(default_factory=list)
    pledges: list = field(default_factory=list)
    resources: list = field(default_factory=list)


@dataclass
class NextSteps:
    polls: list = field(default_factory=list)          # Consultation, poll open, this person not answered
    invitations: list = field(default_factory=list)    # JoinRequest invitations to this person
    requests: list = field(default_factory=list)       # JoinRequest requests to groups this person convenes
    applications: int = 0                              # people and organisations waiting (secretariat)

    @property
    def empty(self) -> bool:
        return not (self.polls or self.invitations or self.requests or self.applications)


def happening(now: datetime, today: date) -> Happening:
    """What is happening, for everyone (four queries)."""
    forums = db.session.scalars(sa.select(Forum).where(Forum.is_published.is_(True), Forum.ends_on >= today)
                                .order_by(Forum.starts_on, Forum.id).limit(2)).all()
    meetings = db.session.scalars(
        sa.select(Consultation).where(Consultation.is_public.is_(True),
                                      Consultation.state == ConsultationState.scheduled, Consultation.ends_at > now)
        .options(so.joinedload(Consultation.group)).order_by(Consultation.starts_at, Consultation.id)
        .limit(SHOWN)).all()
    pledges = db.session.scalars(
        sa.select(Pledge).where(Pledge.state.in_(PUBLIC_STATES)).options(so.joinedload(Pledge.organisation))
        .order_by(Pledge.published_at.desc(), Pledge.id.desc()).limit(SHOWN)).unique().all()
    resources = db.session.scalars(
        sa.select(Resource).where(Resource.state == ResourceState.published)
        .order_by(Resource.published_at.desc(), Resource.id.desc()).limit(SHOWN)).all()
    return Happening(list(forums), list(meetings), list(pledges), list(resources))


def next_steps(user, now: datetime) -> NextSteps | None:
    """A signed-in, approved person's next steps (None for anyone else; at most three queries)."""
    if not is_partner(user):
        return None
    polls = db.session.scalars(
        sa.select(Consultation).join(Invitee, Invitee.consultation_id == Consultation.id)
        .where(Invitee.user_id == user.id, Invitee.answered_at.is_(None),
               Consultation.state == ConsultationState.polling, Consultation.deadline_at > now)
        .order_by(Consultation.deadline_at, Consultation.id).limit(SHOWN)).all()
    convened = ActionGroup.convened_ids(user)  # archived groups left out: no one decides requests there
    pending = db.session.scalars(
        sa.select(JoinRequest).where(JoinRequest.status == RequestStatus.pending, sa.or_(
            sa.and_(JoinRequest.kind == RequestKind.invitation, JoinRequest.user_id == user.id),
            sa.and_(JoinRequest.kind == RequestKind.request, JoinRequest.group_id.in_(convened))))
        .options(so.joinedload(JoinRequest.group), so.joinedload(JoinRequest.user))
        .order_by(JoinRequest.created_at, JoinRequest.id).limit(2 * SHOWN)).all()
    applications = 0
    if is_secretariat(user):
        people = sa.select(sa.func.count(User.id)).where(User.status == UserStatus.pending).scalar_subquery()
        organisations = (sa.select(sa.func.count(Organisation.id))
                         .where(Organisation.status == OrganisationStatus.pending).scalar_subquery())
        applications = db.session.scalar(sa.select(people + organisations))
    return NextSteps(polls=list(polls),
                     invitations=[r for r in pending if r.kind is RequestKind.invitation][:SHOWN],
                     requests=[r for r in pending if r.kind is RequestKind.request][:SHOWN],
                     applications=applications)
