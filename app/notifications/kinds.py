"""The kinds of notification: label (preferences page), message, default delivery.

Messages are lazy strings with ``%(name)s`` placeholders filled from the notification's ``params``
when it is shown, so each person reads it in their own language; nothing translated is stored.
A feature that notifies adds its kinds here and passes the placeholders as ``notify(..., **params)``
(``actor`` is filled from ``notify``'s ``actor`` argument).
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from app.notifications.models import Delivery

logger = logging.getLogger(__name__)

MISSING = "…"  # stands in for a placeholder the notification lacks (an older or a buggy caller)


@dataclass(frozen=True)
class Kind:
    name: str
    label: LazyString                  # what the preferences page calls it
    message: LazyString                # the notification itself, with %(param)s placeholders
    default: Delivery
    # Shown instead of ``message`` when the named param is empty (e.g. a decline without a reason).
    message_without: Mapping[str, LazyString] = field(default_factory=dict)
    # Params whose stored value is a code, translated when shown: param -> callable returning {code: label}.
    value_labels: Mapping[str, Callable[[], Mapping]] = field(default_factory=dict)
    # The e-mail's subject when the message carries free text (a person's message, contact details, a
    # reviewer's comments) that belongs in the body, not in a subject line. None: the message itself.
    subject: LazyString | None = None
    # Added after the message when the named param is not empty (e.g. the reviewer's note).
    appendix: Mapping[str, LazyString] = field(default_factory=dict)


def _group_role_labels() -> Mapping:
    from app.actiongroups.models import GROUP_ROLE_LABELS  # imported late: that feature imports us

    return {getattr(role, "value", role): label for role, label in GROUP_ROLE_LABELS.items()}


IMMEDIATELY, DAILY = Delivery.immediately, Delivery.daily

KINDS: dict[str, Kind] = {kind.name: kind for kind in [
    # params: actor, group
    Kind("group_join_request", _l("Requests to join a group you convene"),
         _l("%(actor)s asks to join %(group)s"), IMMEDIATELY),
    # params: actor, group
    Kind("group_join_accepted", _l("Your request to join a group is accepted"),
         _l("Your request to join %(group)s was accepted"), IMMEDIATELY),
    # params: actor, group, message (the convener's explanation, may be empty)
    Kind("group_join_declined", _l("Your request to join a group is declined"),
         _l("Your request to join %(group)s was declined: %(message)s"), IMMEDIATELY,
         message_without={"message": _l("Your request to join %(group)s was declined")},
         subject=_l("Your request to join %(group)s was declined")),
    # params: actor, group
    Kind("group_invitation", _l("Invitations to join a group"),
         _l("%(actor)s invited you to join %(group)s"), IMMEDIATELY),
    # params: actor, group, role (a GroupRole value: convener, member, observer)
    Kind("group_role_changed", _l("Changes to your role in a group"),
         _l("Your role in %(group)s is now: %(role)s"), IMMEDIATELY,
         value_labels={"role": _group_role_labels}),
    # params: actor, thread, group
    Kind("thread_new", _l("New discussions in your groups"),
         _l("%(actor)s started “%(thread)s” in %(group)s"), DAILY),
    # params: actor, thread, group
    Kind("thread_reply", _l("Replies in discussions you take part in"),
         _l("%(actor)s replied to “%(thread)s” in %(group)s"), DAILY),
    # params: actor, thread
    Kind("mention", _l("Someone mentions you"),
         _l("%(actor)s mentioned you in “%(thread)s”"), IMMEDIATELY),
    # params: actor, document, group
    Kind("document_new", _l("New documents in your groups"),
         _l("%(actor)s shared the document “%(document)s” in %(group)s"), DAILY),
    # params: actor, item, group
    Kind("work_item_assigned", _l("Work items assigned to you"),
         _l("%(actor)s assigned “%(item)s” to you in %(group)s"), DAILY),
    # params: actor, pledge
    Kind("pledge_submitted", _l("Pledges waiting for review (secretariat)"),
         _l("%(actor)s submitted the pledge “%(pledge)s” for review"), IMMEDIATELY),
    # params: actor, pledge
    Kind("pledge_published", _l("Your organisation's pledge is published"),
         _l("The pledge “%(pledge)s” is published"), IMMEDIATELY),
    # params: actor, pledge, message (the secretariat's comments)
    Kind("pledge_returned", _l("Your organisation's pledge is returned for changes"),
         _l("The pledge “%(pledge)s” was returned for changes: %(message)s"), IMMEDIATELY,
         message_without={"message": _l("The pledge “%(pledge)s” was returned for changes")},
         subject=_l("The pledge “%(pledge)s” was returned for changes")),
    # params: actor, pledge
    Kind("report_submitted", _l("Progress reports waiting for review (secretariat)"),
         _l("%(actor)s submitted a progress report on “%(pledge)s”"), IMMEDIATELY),
    # params: actor, pledge
    Kind("report_approved", _l("Your progress report is approved"),
         _l("The progress report on “%(pledge)s” was approved"), IMMEDIATELY),
    # params: actor, pledge, message (the secretariat's comments)
    Kind("report_returned", _l("Your progress report is returned for revision"),
         _l("The progress report on “%(pledge)s” was returned for revision: %(message)s"), IMMEDIATELY,
         message_without={"message": _l("The progress report on “%(pledge)s” was returned for revision")},
         subject=_l("The progress report on “%(pledge)s” was returned for revision")),
    # params: event (the Forum's or the session's title)
    Kind("forum_waitlist_promoted", _l("A place frees up for you at the Forum"),
         _l("A place freed up: you are now registered for “%(event)s”"), IMMEDIATELY),
    # params: consultation
    Kind("poll_all_answered", _l("Everyone has answered your consultation poll"),
         _l("Every invitee has answered the poll “%(consultation)s”"), IMMEDIATELY),
    # params: actor, consultation
    Kind("poll_slot_added", _l("New slots in consultation polls you answered"),
         _l("%(actor)s added a slot to the poll “%(consultation)s”: you can answer it too"), IMMEDIATELY),
    # params: actor, consultation
    Kind("poll_slot_removed", _l("Slots removed from consultation polls you answered"),
         _l("%(actor)s removed a slot you had answered from the poll “%(consultation)s”; your answers to the "
            "other slots are kept"), IMMEDIATELY),
    # params: actor, item, consultation
    Kind("action_item_assigned", _l("Action items given to you at a meeting"),
         _l("%(actor)s gave you the action “%(item)s” from “%(consultation)s”"), DAILY),
    # params: actor, mine, other, organisation, contact (the other side's contact, may be empty),
    # note (the reviewer's note on the decision, may be empty)
    Kind("overlap_coordinate", _l("Initiatives the secretariat asks you to coordinate"),
         _l("“%(mine)s” and “%(other)s” (%(organisation)s) are related: please coordinate. "
            "Contact: %(contact)s"),
         IMMEDIATELY,
         message_without={"contact": _l("“%(mine)s” and “%(other)s” (%(organisation)s) are related: please "
                                        "coordinate. No contact is recorded for it yet.")},
         subject=_l("Please coordinate: “%(mine)s” and “%(other)s”"),
         appendix={"note": _l("The reviewer's note: %(note)s")}),
    # params: mine, other, organisation
    Kind("overlap_likely", _l("Likely duplicates of your initiatives"),
         _l("“%(mine)s” looks like a likely duplicate of “%(other)s” (%(organisation)s)"), IMMEDIATELY),
    # params: actor, other (your initiative), contact, message
    Kind("overlap_contact", _l("Partners who ask to coordinate with you"),
         _l("%(actor)s would like to coordinate on “%(other)s”: %(message)s Contact: %(contact)s"), IMMEDIATELY,
         subject=_l("%(actor)s would like to coordinate on “%(other)s”")),
]}

UNKNOWN_KIND = _l("You have a new notification")


class _Params(dict):
    def __missing__(self, name):
        return MISSING


def render_message(kind_name: str, params: Mapping | None) -> str:
    """The message for ``kind_name`` in the current language; never raises."""
    kind = KINDS.get(kind_name)
    if kind is None:
        return str(UNKNOWN_KIND)
    try:
        params = _labelled(kind, params)
        message = next((text for name, text in kind.message_without.items() if not params.get(name)), kind.message)
        parts = [str(message) % params] + [str(text) % params for name, text in kind.appendix.items()
                                           if params.get(name)]
        return " ".join(part.strip() for part in parts)
    except Exception:  # a broken translation or an odd param must not break the page or the e-mail
        logger.exception("Could not render notification %s with %r", kind_name, dict(params or {}))
        return str(kind.label)


def render_subject(kind_name: str, params: Mapping | None) -> str:
    """A short summary of the notification for an e-mail's subject, in the current language: the
    kind's subject, without the free text the message carries; never raises."""
    kind = KINDS.get(kind_name)
    if kind is None or kind.subject is None:
        return render_message(kind_name, params)
    try:
        return (str(kind.subject) % _labelled(kind, params)).strip()
    except Exception:
        logger.exception("Could not render the subject of notification %s with %r", kind_name, dict(params or {}))
        return str(kind.label)


def _labelled(kind: Kind, params: Mapping | None) -> _Params:
    params = _Params(params or {})
    for name, labels in kind.value_labels.items():
        if name in params:
            params[name] = labels().get(params[name], params[name])
    return params


def render(notification) -> str:
    """The notification's text in the current language (templates, e-mail bodies)."""
    return render_message(notification.kind, notification.params)


def subject(notification) -> str:
    """The notification's e-mail subject in the current language."""
    return render_subject(notification.kind, notification.params)
