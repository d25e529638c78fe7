"""What an organisation's page shows besides its profile, like an entity page of the UN SDG Partnerships
Platform: its public pledges (with their traffic lights), the action groups its people belong to, the
resources it published or submitted, the Forum sessions where it speaks and, for signed-in partners, its
focal points. Each list is bounded (``LIST_MAX``) and comes with its total: one or two queries each.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.members.models import Organisation, OrgRole, User, UserStatus
from app.policy import is_partner

LIST_MAX = 10


@dataclass
class Listing:
    items: list = field(default_factory=list)
    total: int = 0

    @property
    def more(self) -> int:
        return max(0, self.total - len(self.items))


@dataclass
class OrganisationOverview:
    pledges: Listing
    groups: Listing
    resources: Listing
    sessions: Listing
    focal_points: Listing | None     # None: the viewer may not see them (not a signed-in partner)
    today: date


def _listing(query: sa.Select, options=()) -> Listing:
    """The first LIST_MAX rows of ``query`` and how many there are in all (one query: a window count)."""
    entity = query.column_descriptions[0]["entity"]
    rows = db.session.execute(query.add_columns(sa.func.count().over()).limit(LIST_MAX)).all()
    if not rows:
        return Listing()
    items = [row[0] for row in rows]
    if options:
        ids = [item.id for item in items]
        loaded = {o.id: o for o in db.session.scalars(sa.select(entity).where(entity.id.in_(ids))
                                                      .options(*options)).unique()}
        items = [loaded[i] for i in ids]
    return Listing(items, rows[0][-1])


def may_see_focal_points(viewer) -> bool:
    """Signed-in, approved partners (and the secretariat) see who an organisation's focal points are."""
    return is_partner(viewer)


def organisation_overview(org: Organisation, viewer, today: date) -> OrganisationOverview:
    """Everything the organisation's page lists, for ``viewer`` (at most nine queries, whatever the sizes)."""
    from app.actiongroups.models import ActionGroup, Membership
    from app.commitments.models import PUBLIC_STATES, Pledge, PledgePartner
    from app.commitments.registry import list_options
    from app.forums.models import Forum, ForumSession, SessionSpeaker
    from app.knowledge.models import Resource, ResourceState

    partnered = sa.select(PledgePartner.pledge_id).where(PledgePartner.organisation_id == org.id)
    pledges = _listing(
        sa.select(Pledge).where(Pledge.state.in_(PUBLIC_STATES),
                                sa.or_(Pledge.organisation_id == org.id, Pledge.id.in_(partnered)))
        .order_by(Pledge.published_at.desc(), Pledge.id.desc()), list_options())

    people = sa.select(User.id).where(User.organisation_id == org.id, User.status == UserStatus.active)
    in_group = sa.select(Membership.group_id).where(Membership.user_id.in_(people))
    groups = _listing(sa.select(ActionGroup).where(ActionGroup.id.in_(in_group), ActionGroup.is_archived.is_(False))
                      .order_by(ActionGroup.name, ActionGroup.id))

    resources = _listing(
        sa.select(Resource).where(Resource.state == ResourceState.published,
                                  sa.or_(Resource.publisher_id == org.id, Resource.organisation_id == org.id))
        .order_by(Resource.published_at.desc(), Resource.id.desc()))

    names = {n.casefold() for n in (org.name, org.acronym) if n}
    speaking = sa.select(SessionSpeaker.session_id).where(sa.func.lower(SessionSpeaker.organisation).in_(sorted(names)))
    sessions = _listing(
        sa.select(ForumSession).join(Forum, Forum.id == ForumSession.forum_id)
        .where(Forum.is_published.is_(True), ForumSession.id.in_(speaking))
        .order_by(ForumSession.starts_at.desc(), ForumSession.id.desc()), [so.joinedload(ForumSession.forum)])

    focal_points = None
    if may_see_focal_points(viewer):
        focal_points = _listing(sa.select(User).where(User.organisation_id == org.id, User.status == UserStatus.active,
                                                      User.org_role == OrgRole.focal_point)
                                .order_by(User.full_name, User.id))
    return OrganisationOverview(pledges, groups, resources, sessions, focal_points, today)
