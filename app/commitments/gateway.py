"""Pledges and progress reports in the cross-cutting packages, through their registries, so that those
packages know nothing of commitments:

- **notifications** (:func:`~app.notifications.kinds.register_kind`): pledges and progress reports under
  review, published, approved or returned;
- **translations** (:func:`~app.multilingual.registry.register_kind`): a pledge's title and description.
"""
from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

from app.commitments.models import Pledge
from app.multilingual.registry import TranslatableKind, is_admin
from app.multilingual.registry import register_kind as register_translatable
from app.notifications.kinds import Kind, register_kind as register_notification_kind
from app.notifications.models import Delivery

IMMEDIATELY = Delivery.immediately


def notification_kinds() -> list[Kind]:
    return [
        # params: actor, pledge
        Kind("pledge_submitted", _l("Pledges waiting for review (secretariat)"),
             _l("%(actor)s submitted the pledge “%(pledge)s” for review"), IMMEDIATELY, order=110),
        # params: actor, pledge
        Kind("pledge_published", _l("Your organisation's pledge is published"),
             _l("The pledge “%(pledge)s” is published"), IMMEDIATELY, order=120),
        # params: actor, pledge, message (the secretariat's comments)
        Kind("pledge_returned", _l("Your organisation's pledge is returned for changes"),
             _l("The pledge “%(pledge)s” was returned for changes: %(message)s"), IMMEDIATELY,
             message_without={"message": _l("The pledge “%(pledge)s” was returned for changes")},
             subject=_l("The pledge “%(pledge)s” was returned for changes"), order=130),
        # params: actor, pledge
        Kind("report_submitted", _l("Progress reports waiting for review (secretariat)"),
             _l("%(actor)s submitted a progress report on “%(pledge)s”"), IMMEDIATELY, order=140),
        # params: actor, pledge
        Kind("report_approved", _l("Your progress report is approved"),
             _l("The progress report on “%(pledge)s” was approved"), IMMEDIATELY, order=150),
        # params: actor, pledge, message (the secretariat's comments)
        Kind("report_returned", _l("Your progress report is returned for revision"),
             _l("The progress report on “%(pledge)s” was returned for revision: %(message)s"), IMMEDIATELY,
             message_without={"message": _l("The progress report on “%(pledge)s” was returned for revision")},
             subject=_l("The progress report on “%(pledge)s” was returned for revision"), order=160),
    ]


def translatable_kind() -> TranslatableKind:
    return TranslatableKind(
        "pledge", Pledge, _l("Pledge"),
        (("title", _l("Title"), False), ("description", _l("Description"), True)),
        can_translate=lambda pledge, user: pledge.can_edit(user) or is_admin(user),
        can_view=lambda pledge, user: pledge.can_view(user),
        url=lambda pledge: url_for("commitments.detail", pledge_id=pledge.id), order=50)


# -- wiring -------------------------------------------------------------------------------------------------
def register() -> None:
    """Plug commitments into the cross-cutting registries (called by create_app)."""
    for kind in notification_kinds():
        register_notification_kind(kind)
    register_translatable(translatable_kind())
