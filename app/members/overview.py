"""What an organisation's page shows besides its profile, like an entity page of the UN SDG Partnerships
Platform: its public pledges (with their traffic lights), the action groups its people belong to, the
resources it published or submitted, the Forum sessions where it speaks and, for signed-in partners, its
focal points. Each list is bounded (``LIST_MAX``) and comes with its total: one or two queries each.

The lists other than the focal points are registered by the packages that own their objects
(:func:`register_organisation_list`, from their gateway.py): pledges (app/commitments), action groups
(app/actiongroups), resources (app/knowledge), Forum sessions (app/forums).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

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
    lists: dict[str, Listing]        # by the key each was registered with
    focal_points: Listing | None     # None: the viewer may not see them (not a signed-in partner)
    today: date

    @property
    def pledges(self) -> Listing:
        return self.lists.get("pledges", Listing())

    @property
    def groups(self) -> Listing:
        return self.lists.get("groups", Listing())

    @property
    def resources(self) -> Listing:
        return self.lists.get("resources", Listing())

    @property
    def sessions(self) -> Listing:
        return self.lists.get("sessions", Listing())


# key -> (organisation) -> its Listing, in the order registered.
ORGANISATION_LISTS: dict[str, Callable[[Organisation], Listing]] = {}


def register_organisation_list(key: str, load: Callable[[Organisation], Listing]) -> None:
    """Add a list to every organisation's page (registering the same key again replaces it); ``load`` reads it
    with :func:`listing`."""
    ORGANISATION_LISTS[key] = load


def listing(query: sa.Select, options=()) -> Listing:
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
    lists = {key: load(org) for key, load in ORGANISATION_LISTS.items()}
    focal_points = None
    if may_see_focal_points(viewer):
        focal_points = listing(sa.select(User).where(User.organisation_id == org.id, User.status == UserStatus.active,
                                                      User.org_role == OrgRole.focal_point)
                                .order_by(User.full_name, User.id))
    return OrganisationOverview(lists, focal_points, today)
