"""Action groups in the cross-cutting packages, through their registries, so that those packages know nothing
of groups:

- **search** (:func:`~app.knowledge.search.register_kind`): action groups, and workspace documents (public
  ones for everyone, the others for whoever reads the group's workspace); who belongs to which group
  (:func:`~app.knowledge.search.set_member_groups`);
- **the library** (:func:`~app.knowledge.citations.register_citer`): action groups cite resources;
- **country pages** (:func:`~app.knowledge.countries.register_country_section`): the work items in the
  country (for whoever reads their group's workspace) and the groups focused on it;
- **dashboard** (:func:`~app.knowledge.dashboard.register_figure`): the groups' activity per month
  (app/actiongroups/figures.py);
- **members** (:func:`~app.members.overview.register_organisation_list`,
  :func:`~app.members.guide.register_guide_step`): the groups an organisation's people belong to, on its
  page; "join an action group" in the getting-started guide;
- **notifications** (:func:`~app.notifications.kinds.register_kind`): join requests, invitations, roles,
  discussions, mentions, documents and work items;
- **translations** (:func:`~app.multilingual.registry.register_kind`): a group's name and mandate;
- **the duplication detector** (:func:`~app.overlaps.initiatives.register_kind`): work items as initiatives
  it compares, shows, and reads from the work item form while people type; and who belongs to (and who
  convenes) which group (:func:`~app.overlaps.initiatives.set_group_roles`).
"""
from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.actiongroups import figures as dashboard
from app.actiongroups.models import (GROUP_ROLE_LABELS, ActionGroup, GroupRole, JoinRequest, Membership, RequestStatus,
                                     Visibility)
from app.actiongroups.documents.models import Document
from app.actiongroups.workplan.models import WorkItem, WorkItemStatus, work_item_initiative
from app.extensions import db
from app.knowledge.citations import Citer, register_citer
from app.knowledge.countries import LIST_MAX, CountryContext, CountrySection, register_country_section
from app.knowledge.dashboard import register_figure
from app.knowledge.search import Entry, SearchKind, set_member_groups
from app.knowledge.search import register_kind as register_search_kind
from app.members.guide import Step, register_guide_step
from app.members.models import Organisation, User, UserStatus
from app.members.overview import Listing, listing, register_organisation_list
from app.multilingual.registry import TranslatableKind
from app.multilingual.registry import register_kind as register_translatable
from app.notifications.kinds import Kind
from app.notifications.kinds import register_kind as register_notification_kind
from app.notifications.models import Delivery
from app.overlaps.drafts import codes_of, date_of, int_of, text_of
from app.overlaps.initiatives import Card, InitiativeKind, set_group_roles
from app.sqltools import json_list_contains
from app.overlaps.initiatives import register_kind as register_initiative_kind
from app.policy import is_partner, is_secretariat

IMMEDIATELY, DAILY = Delivery.immediately, Delivery.daily


# -- search ---------------------------------------------------------------------------------------------------
def _group_entry(group: ActionGroup) -> Entry | None:
    return Entry(title=group.name, body=group.mandate, url=f"/actiongroups/{group.slug}", updated_at=group.updated_at,
                 places=tuple(group.focus_countries or ()))


def _group_query() -> sa.Select:
    return sa.select(ActionGroup)


def _document_entry(document: Document) -> Entry | None:
    """Public documents for everyone; the others for whoever reads the group's workspace."""
    group = document.group
    if document.is_public:
        audience = "public"
    else:
        audience = "partners" if group.visibility is Visibility.partners else "members"
    return Entry(title=document.title, body=document.description, language=document.language, audience=audience,
                 group_id=group.id, url=f"/actiongroups/{group.slug}/documents/{document.id}",
                 updated_at=document.updated_at)


def _document_query() -> sa.Select:
    return sa.select(Document).options(so.joinedload(Document.group))


def member_groups(user) -> sa.Select:
    """The ids of the groups ``user`` belongs to, as a subquery (who finds the "members" documents)."""
    return sa.select(Membership.group_id).where(Membership.user_id == user.id)


def search_kinds() -> list[SearchKind]:
    return [
        SearchKind("group", _l("Action groups"), ActionGroup, _group_entry, _group_query, order=30),
        SearchKind("document", _l("Workspace documents"), Document, _document_entry, _document_query, order=60,
                   follows={"group": lambda ids: sa.select(Document.id).where(Document.group_id.in_(ids))}),
    ]


# -- the library's citations -------------------------------------------------------------------------------
def citable_groups(user) -> list[ActionGroup]:
    """The action groups this person may make cite a resource: those they convene (all, for the secretariat)."""
    if not is_partner(user):
        return []
    query = sa.select(ActionGroup).where(ActionGroup.is_archived.is_(False)).order_by(ActionGroup.name)
    if not is_secretariat(user):
        query = query.where(ActionGroup.id.in_(ActionGroup.convened_ids(user)))
    return list(db.session.scalars(query))


def citer() -> Citer:
    """Action groups cite library resources: added and removed by their conveners."""
    return Citer("group", _l("Action group"), ActionGroup,
                 choice=lambda group: _("Action group: %(name)s", name=group.name), citable=citable_groups,
                 may_cite=lambda group, user: group.can_manage(user),
                 refusal=_l("Only the group's conveners can add references for the group."),
                 title=lambda group: group.name, url=lambda group: url_for("actiongroups.public", slug=group.slug),
                 order=20)


# -- country pages ------------------------------------------------------------------------------------------
def load_country_work_items(ctx: CountryContext) -> dict:
    """Work items of action groups in the country, for those who may read the groups' workspaces."""
    readable = ActionGroup.workspace_readable_by(ctx.user)
    query = (sa.select(WorkItem).join(ActionGroup, ActionGroup.id == WorkItem.group_id)
             .where(json_list_contains(WorkItem.countries, ctx.code))
             .options(so.contains_eager(WorkItem.group), so.joinedload(WorkItem.lead_organisation))
             .order_by(WorkItem.due_date.is_(None), WorkItem.due_date, WorkItem.id).limit(LIST_MAX))
    if readable is not None:
        query = query.where(readable)
    signed_in = is_partner(ctx.user)
    return {"work_items": list(db.session.scalars(query)), "signed_in": signed_in, "today": ctx.today}


def load_country_groups(ctx: CountryContext) -> dict:
    groups = db.session.scalars(
        sa.select(ActionGroup).where(json_list_contains(ActionGroup.focus_countries, ctx.code),
                                     ActionGroup.is_archived.is_(False)).order_by(ActionGroup.name)).all()
    return {"groups": groups}



# -- members ------------------------------------------------------------------------------------------------
def organisation_groups(org: Organisation) -> Listing:
    """The groups (not archived) the organisation's active people belong to."""
    people = sa.select(User.id).where(User.organisation_id == org.id, User.status == UserStatus.active)
    in_group = sa.select(Membership.group_id).where(Membership.user_id.in_(people))
    return listing(sa.select(ActionGroup).where(ActionGroup.id.in_(in_group), ActionGroup.is_archived.is_(False))
                   .order_by(ActionGroup.name, ActionGroup.id))


def guide_step(user: User) -> Step:
    """Join an action group: done once in one; asking to join says a convener will answer (two queries)."""
    in_group = db.session.scalar(sa.select(sa.exists().where(Membership.user_id == user.id)))
    asked = in_group or db.session.scalar(sa.select(sa.exists().where(
        JoinRequest.user_id == user.id, JoinRequest.status == RequestStatus.pending)))
    return Step("group", _l("Join an action group"),
                _l("You asked to join: a convener will answer.") if asked and not in_group
                else _l("Action groups coordinate partners' work on one theme or region."),
                "actiongroups.index", {}, bool(in_group))


# -- notifications ------------------------------------------------------------------------------------------
def _group_role_labels() -> Mapping:
    return {getattr(role, "value", role): label for role, label in GROUP_ROLE_LABELS.items()}


def notification_kinds() -> list[Kind]:
    return [
        # params: actor, group
        Kind("group_join_request", _l("Requests to join a group you convene"),
             _l("%(actor)s asks to join %(group)s"), IMMEDIATELY, order=10),
        # params: actor, group
        Kind("group_join_accepted", _l("Your request to join a group is accepted"),
             _l("Your request to join %(group)s was accepted"), IMMEDIATELY, order=20),
        # params: actor, group, message (the convener's explanation, may be empty)
        Kind("group_join_declined", _l("Your request to join a group is declined"),
             _l("Your request to join %(group)s was declined: %(message)s"), IMMEDIATELY,
             message_without={"message": _l("Your request to join %(group)s was declined")},
             subject=_l("Your request to join %(group)s was declined"), order=30),
        # params: actor, group
        Kind("group_invitation", _l("Invitations to join a group"),
             _l("%(actor)s invited you to join %(group)s"), IMMEDIATELY, order=40),
        # params: actor, group, role (a GroupRole value: convener, member, observer)
        Kind("group_role_changed", _l("Changes to your role in a group"),
             _l("Your role in %(group)s is now: %(role)s"), IMMEDIATELY,
             value_labels={"role": _group_role_labels}, order=50),
        # params: actor, thread, group
        Kind("thread_new", _l("New discussions in your groups"),
             _l("%(actor)s started “%(thread)s” in %(group)s"), DAILY, order=60),
        # params: actor, thread, group
        Kind("thread_reply", _l("Replies in discussions you take part in"),
             _l("%(actor)s replied to “%(thread)s” in %(group)s"), DAILY, order=70),
        # params: actor, thread
        Kind("mention", _l("Someone mentions you"),
             _l("%(actor)s mentioned you in “%(thread)s”"), IMMEDIATELY, order=80),
        # params: actor, document, group
        Kind("document_new", _l("New documents in your groups"),
             _l("%(actor)s shared the document “%(document)s” in %(group)s"), DAILY, order=90),
        # params: actor, item, group
        Kind("work_item_assigned", _l("Work items assigned to you"),
             _l("%(actor)s assigned “%(item)s” to you in %(group)s"), DAILY, order=100),
    ]


def translatable_kind() -> TranslatableKind:
    return TranslatableKind(
        "group", ActionGroup, _l("Action group"),
        (("name", _l("Name"), False), ("mandate", _l("Mandate"), True)),
        can_translate=lambda group, user: group.can_manage(user),
        can_view=lambda group, user: not group.is_archived or is_secretariat(user),
        url=lambda group: url_for("actiongroups.public", slug=group.slug), order=10)


# -- the duplication detector -----------------------------------------------------------------------------
def group_roles(user) -> list[tuple[int, bool]]:
    """(group id, is convener) for each group ``user`` belongs to (one query). Convening follows
    ``ActionGroup.is_convened_by``: an archived group, or a person no longer a partner, convenes nothing."""
    partner = is_partner(user)
    return [(group_id, role is GroupRole.convener and not archived and partner)
            for group_id, role, archived in db.session.execute(
                sa.select(Membership.group_id, Membership.role, ActionGroup.is_archived)
                .join(ActionGroup, ActionGroup.id == Membership.group_id).where(Membership.user_id == user.id))]


def _load_options(light: bool) -> list:
    options = [so.joinedload(WorkItem.group), so.joinedload(WorkItem.lead_organisation)]
    return [*options, so.defer(WorkItem.description)] if light else [*options, so.joinedload(WorkItem.responsible)]


def _can_see(viewer, item: WorkItem) -> bool:
    """``ActionGroup.can_view_workspace`` without a query per item."""
    if viewer.is_secretariat:
        return True
    if not viewer.is_partner:
        return False
    return item.group_id in viewer.member_groups or item.group.visibility is Visibility.partners


def _url(item: WorkItem) -> str:
    return f"/actiongroups/{item.group.slug}/workplan/{item.id}"


def _card(item: WorkItem, full: bool) -> Card:
    org = item.lead_organisation
    return Card(id=item.initiative_id, kind="work_item", title=item.title, url=_url(item),
                organisation=org.name if org else item.group.name,
                organisation_url=f"/organisations/{org.id}" if org else f"/actiongroups/{item.group.slug}",
                description=(item.description or "") if full else "", countries=tuple(item.countries or ()),
                is_global=False,
                start=item.start_date, end=item.due_date, areas=tuple(item.areas or ()), target_groups=(),
                state=item.status_label if full else "", source=item.group.name)


def _owners(item: WorkItem) -> list:
    """The person responsible and the author, else the group's conveners."""
    people = [item.responsible, item.created_by]
    if not any(people):
        people = list(db.session.scalars(sa.select(User).join(Membership, Membership.user_id == User.id).where(
            Membership.group_id == item.group_id, Membership.role == GroupRole.convener).order_by(User.id)))
    return people


def _active(viewer, naming) -> sa.Select | None:
    """Work items planned or in progress, for partners who may read their group's workspace (the gap view)."""
    if not viewer.is_partner:
        return None
    query = (sa.select(sa.literal("work_item"), WorkItem.id, WorkItem.title, WorkItem.countries, sa.false(),
                       WorkItem.areas, sa.func.coalesce(Organisation.name, ActionGroup.name))
             .join(ActionGroup, ActionGroup.id == WorkItem.group_id)
             .outerjoin(Organisation, Organisation.id == WorkItem.lead_organisation_id)
             .where(WorkItem.status.in_([WorkItemStatus.planned, WorkItemStatus.in_progress]),
                    naming(WorkItem.countries)))
    readable = ActionGroup.workspace_readable_by(viewer.user)
    return query if readable is None else query.where(readable)


def _draft(form, *, organisation_id: int | None, initiative_id: str | None):
    """What someone types in the work item form, read leniently (see app.overlaps.drafts)."""
    return work_item_initiative(
        id=initiative_id, title=text_of(form.get("title")), description=text_of(form.get("description")),
        countries=codes_of(form, "countries"), start=date_of(form.get("start_date")),
        end=date_of(form.get("due_date")), areas=codes_of(form, "areas"),
        lead_organisation_id=int_of(form.get("lead_organisation_id")))


def initiative_kind() -> InitiativeKind:
    return InitiativeKind(
        "work_item", _l("Action group work item"), WorkItem,
        compared=lambda: WorkItem.status != WorkItemStatus.dropped, load_options=_load_options,
        can_see=_can_see, url=_url, card=_card, owners=_owners, group_id=lambda item: item.group_id,
        active=_active, draft=_draft, order=20)


# -- wiring -------------------------------------------------------------------------------------------------
def register() -> None:
    """Plug action groups into the cross-cutting registries (called by create_app)."""
    for kind in search_kinds():
        register_search_kind(kind)
    set_member_groups(member_groups)
    register_citer(citer())
    register_organisation_list("groups", organisation_groups)
    register_guide_step("group", guide_step, order=20)
    register_country_section(CountrySection("work-items", _l("Action groups' work items"),
                                            "knowledge/country/_work_items.html", load_country_work_items, order=40))
    register_country_section(CountrySection("groups", _l("Action groups focused on it"),
                                            "knowledge/country/_groups.html", load_country_groups, order=50))
    for figure in dashboard.figures():
        register_figure(figure)
    for kind in notification_kinds():
        register_notification_kind(kind)
    register_translatable(translatable_kind())
    register_initiative_kind(initiative_kind())
    set_group_roles(group_roles)
