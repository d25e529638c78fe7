"""Work plan rules: adding, changing and closing work items.

Services take explicit actors, flush but never commit, and raise DomainError with words for the person
(and the form field the problem belongs to). Every change goes to the group's activity feed; the person
made responsible for an item is told, unless they did it themselves.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from app.actiongroups.models import ActionGroup, GroupRole, Membership
from app.actiongroups.services import group_url, record_activity
from app.actiongroups.workplan.models import WorkItem, WorkItemStatus, work_item_initiative
from app.errors import DomainError, InvalidTransitionError, NotAllowedError
from app.extensions import db
from app.i18n import is_country, viewer_today  # noqa: F401  (the routes use it from here)
from app.members.models import Organisation, OrganisationStatus, User
from app.notifications.services import notify
from app.taxonomy import clean_areas
from app.utils import utcnow

logger = logging.getLogger(__name__)


def initiative_saved(obj, *, now=None) -> None:
    """Tell the duplication detector an initiative changed (change log; overlaps looked for at once).

    Imported here rather than at the top: app.overlaps imports this feature's models.
    """
    from app.overlaps.services import initiative_saved as saved

    saved(obj, now=now)


TITLE_MAX = 200
DESCRIPTION_MAX = 20000
# Who can be made responsible for an item: people who take part in the group (observers only read).
RESPONSIBLE_ROLES = (GroupRole.convener, GroupRole.member)


@dataclass(frozen=True)
class WorkItemData:
    """What a person enters for a work item (ids, codes and dates; no model objects)."""

    title: str
    description: str = ""
    lead_organisation_id: int | None = None
    countries: list[str] = field(default_factory=list)
    areas: list[str] = field(default_factory=list)
    start_date: date | None = None
    due_date: date | None = None
    status: str = WorkItemStatus.planned.value
    responsible_id: int | None = None


def _as_data(data: WorkItemData | Mapping) -> WorkItemData:
    if isinstance(data, WorkItemData):
        return data
    known = {f.name for f in fields(WorkItemData)}
    return WorkItemData(**{k: v for k, v in data.items() if k in known})


def draft_initiative(data: WorkItemData, item: WorkItem | None = None):
    """A work item as entered, before it is saved, as the duplication detector's Initiative."""
    return work_item_initiative(
        id=item.initiative_id if item is not None else None, title=" ".join((data.title or "").split()),
        description=data.description, countries=data.countries, start=data.start_date, end=data.due_date,
        areas=data.areas, lead_organisation_id=data.lead_organisation_id)


def work_item_url(item: WorkItem, group: ActionGroup | None = None) -> str:
    return group_url(group or item.group, f"workplan/{item.id}")


def responsible_candidates(group: ActionGroup) -> list[User]:
    """The people an item can be given to: the group's conveners and members, by name (one query)."""
    return list(db.session.scalars(
        sa.select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.group_id == group.id, Membership.role.in_(RESPONSIBLE_ROLES))
        .order_by(User.full_name, User.id)))


def lead_organisation_candidates() -> list[Organisation]:
    """Every active organisation, by name (one query)."""
    return list(db.session.scalars(sa.select(Organisation).where(Organisation.status == OrganisationStatus.active)
                                   .order_by(Organisation.name_key)))


# -- checks -------------------------------------------------------------------------------------------------
def _require_planner(actor: User, group: ActionGroup) -> None:
    if group.is_archived:
        raise InvalidTransitionError(_("This action group is archived: nothing can change in it."))
    if not group.can_participate(actor):
        raise NotAllowedError(_("Only the group's conveners and members can change its work plan."))


def _parse_status(value: str | WorkItemStatus) -> WorkItemStatus:
    try:
        return WorkItemStatus(getattr(value, "value", value))
    except ValueError:
        raise DomainError(_("Choose a status from the list."), field="status") from None


def _check(group: ActionGroup, data: WorkItemData, item: WorkItem | None = None) -> WorkItemStatus:
    """Refuse what cannot be saved, with the field to show the message next to.

    The lead organisation and the responsible person are checked only when they change, so that an
    item whose organisation was later suspended (or whose person left) can still be edited.
    """
    title = " ".join((data.title or "").split())
    if not title:
        raise DomainError(_("Enter a title for the work item."), field="title")
    if len(title) > TITLE_MAX:
        raise DomainError(_("Keep the title under %(max)d characters.", max=TITLE_MAX), field="title")
    if len(data.description or "") > DESCRIPTION_MAX:
        raise DomainError(_("Keep the description under %(max)d characters.", max=DESCRIPTION_MAX),
                          field="description")
    status = _parse_status(data.status)
    unknown = [code for code in data.countries or [] if not is_country(code)]
    if unknown:
        raise DomainError(_("Unknown country code: %(codes)s.", codes=", ".join(map(str, unknown))), field="countries")
    if data.start_date and data.due_date and data.due_date < data.start_date:
        raise DomainError(_("The due date cannot be before the start date."), field="due_date")
    if data.lead_organisation_id is not None and (item is None
                                                  or data.lead_organisation_id != item.lead_organisation_id):
        organisation = db.session.get(Organisation, data.lead_organisation_id)
        if organisation is None or not organisation.is_active:
            raise DomainError(_("Choose the lead organisation from the list."), field="lead_organisation_id")
    if data.responsible_id is not None and (item is None or data.responsible_id != item.responsible_id):
        role = db.session.scalar(sa.select(Membership.role).where(
            Membership.group_id == group.id, Membership.user_id == data.responsible_id))
        if role not in RESPONSIBLE_ROLES:
            raise DomainError(_("The person responsible must be a convener or member of this group."),
                              field="responsible_id")
    return status


def _apply(item: WorkItem, data: WorkItemData, status: WorkItemStatus) -> None:
    item.title = " ".join(data.title.split())
    item.description = (data.description or "").strip()
    item.lead_organisation_id = data.lead_organisation_id
    item.countries = sorted(set(data.countries or []))
    item.areas = clean_areas(data.areas)
    item.start_date = data.start_date
    item.due_date = data.due_date
    item.status = status
    item.responsible_id = data.responsible_id


def _snapshot(item: WorkItem) -> tuple:
    return (item.title, item.description, item.lead_organisation_id, list(item.countries or []),
            list(item.areas or []), item.start_date, item.due_date, item.status, item.responsible_id)


def _tell_responsible(actor: User, group: ActionGroup, item: WorkItem) -> None:
    if item.responsible_id is None or item.responsible_id == actor.id:
        return
    person = db.session.get(User, item.responsible_id)
    if person is None:
        return
    # `item` is what the kind's message shows; `title` is kept too for other readers of the params.
    notify(person, "work_item_assigned",
           key=f"work_item_assigned:{item.id}:{person.id}:{item.updated_at.isoformat()}",
           url=work_item_url(item, group), actor=actor, now=item.updated_at,
           title=item.title, item=item.title, group=group.name)


# -- operations ---------------------------------------------------------------------------------------------
def create_work_item(actor: User, group: ActionGroup, data: WorkItemData | Mapping,
                     now: datetime | None = None) -> WorkItem:
    """Add a work item to ``group``'s plan.

    :param data: a :class:`WorkItemData` (or a mapping with its field names).
    :raises NotAllowedError: the actor does not take part in the group.
    :raises InvalidTransitionError: the group is archived.
    :raises DomainError: invalid data, with ``field`` naming the form field.
    """
    _require_planner(actor, group)
    data = _as_data(data)
    status = _check(group, data)
    now = now or utcnow()
    item = WorkItem(group_id=group.id, group=group, created_by_id=actor.id, created_at=now, updated_at=now)
    _apply(item, data, status)
    db.session.add(item)
    db.session.flush()
    record_activity(group, actor, "work_item_new", url=work_item_url(item, group), title=item.title)
    _tell_responsible(actor, group, item)
    initiative_saved(item, now=now)
    logger.info("Work item %r created by %s", item, actor)
    return item


def update_work_item(actor: User, item: WorkItem, data: WorkItemData | Mapping,
                     now: datetime | None = None) -> WorkItem:
    """Change a work item. Saving without a change records nothing.

    :raises NotAllowedError, InvalidTransitionError, DomainError: as :func:`create_work_item`.
    """
    group = item.group
    _require_planner(actor, group)
    data = _as_data(data)
    status = _check(group, data, item)
    before = _snapshot(item)
    previous_responsible = item.responsible_id
    _apply(item, data, status)
    if _snapshot(item) == before:
        return item
    item.updated_at = now or utcnow()
    db.session.flush()
    record_activity(group, actor, "work_item_changed", url=work_item_url(item, group), title=item.title)
    if item.responsible_id != previous_responsible:
        _tell_responsible(actor, group, item)
    initiative_saved(item, now=item.updated_at)
    logger.info("Work item %r changed by %s", item, actor)
    return item


def change_status(actor: User, item: WorkItem, status: str | WorkItemStatus,
                  now: datetime | None = None) -> WorkItem:
    """Move a work item to another status (any status can follow any other: plans change).

    :raises DomainError: unknown status (``field="status"``).
    """
    group = item.group
    _require_planner(actor, group)
    new_status = _parse_status(status)
    if item.status is new_status:
        return item
    old = item.status
    item.status = new_status
    item.updated_at = now or utcnow()
    db.session.flush()
    record_activity(group, actor, "work_item_changed", url=work_item_url(item, group), title=item.title,
                    status=new_status.value)
    initiative_saved(item, now=item.updated_at)
    logger.info("Work item %r moved from %s to %s by %s", item, old.value, new_status.value, actor)
    return item
