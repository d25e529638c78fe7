"""Action groups in the cross-cutting packages, through their registries, so that those packages know nothing
of groups:

- **notifications** (:func:`~app.notifications.kinds.register_kind`): join requests, invitations, roles,
  discussions, mentions, documents and work items;
- **translations** (:func:`~app.multilingual.registry.register_kind`): a group's name and mandate.
"""
from __future__ import annotations

from collections.abc import Mapping

from flask import url_for
from flask_babel import lazy_gettext as _l

from app.actiongroups.models import GROUP_ROLE_LABELS, ActionGroup
from app.multilingual.registry import TranslatableKind, is_admin
from app.multilingual.registry import register_kind as register_translatable
from app.notifications.kinds import Kind, register_kind as register_notification_kind
from app.notifications.models import Delivery

IMMEDIATELY, DAILY = Delivery.immediately, Delivery.daily


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
        can_view=lambda group, user: not group.is_archived or is_admin(user),
        url=lambda group: url_for("actiongroups.public", slug=group.slug), order=10)


# -- wiring -------------------------------------------------------------------------------------------------
def register() -> None:
    """Plug action groups into the cross-cutting registries (called by create_app)."""
    for kind in notification_kinds():
        register_notification_kind(kind)
    register_translatable(translatable_kind())
