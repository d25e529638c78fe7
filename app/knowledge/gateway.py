"""The library in the other cross-cutting packages, through their registries, as every feature plugs in from
its gateway.py (called by create_app):

- **members** (:func:`~app.members.overview.register_organisation_list`): the resources an organisation
  published or submitted, on its page;
- **notifications** (:func:`~app.notifications.kinds.register_kind`): a resource published, or returned to
  the person who submitted it.

The registries of its own (search kinds, country sections, dashboard figures, citers) are filled by
app/knowledge/__init__.py and by the features' gateways.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.knowledge.services import published_by_organisation
from app.members.overview import register_organisation_list
from app.notifications.kinds import Kind
from app.notifications.kinds import register_kind as register_notification_kind
from app.notifications.models import Delivery


# -- notifications ------------------------------------------------------------------------------------------
def notification_kinds() -> list[Kind]:
    """What the library tells the person who submitted a resource."""
    return [
        # params: actor, resource (its title)
        Kind("resource_published", _l("Your library resources are published"),
             _l("Your resource “%(resource)s” was published in the library"), Delivery.immediately, order=193),
        # params: actor, resource (its title), message (the curator's reason, sent to the person)
        Kind("resource_returned", _l("Your library resources are returned with comments"),
             _l("Your resource “%(resource)s” was returned to you for changes: %(message)s"), Delivery.immediately,
             message_without={"message": _l("Your resource “%(resource)s” was returned to you for changes")},
             subject=_l("Your resource “%(resource)s” was returned to you for changes"), order=196),
    ]


# -- wiring -------------------------------------------------------------------------------------------------
def register() -> None:
    """Plug the library into the cross-cutting registries (called by create_app)."""
    register_organisation_list("resources", published_by_organisation)
    for kind in notification_kinds():
        register_notification_kind(kind)
