"""The kinds of notification: label (preferences page), message, default delivery.

Messages are lazy strings with ``%(name)s`` placeholders filled from the notification's ``params``
when it is shown, so each person reads it in their own language; nothing translated is stored.
A feature that notifies registers its kinds from its gateway.py (:func:`register_kind`) and passes the
placeholders as ``notify(..., **params)`` (``actor`` is filled from ``notify``'s ``actor`` argument).
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
    # Where the preferences page lists it.
    order: int = 0


IMMEDIATELY, DAILY = Delivery.immediately, Delivery.daily

# Filled by the features that notify, from their gateway.py (see :func:`register_kind`), in ``order``.
KINDS: dict[str, Kind] = {}


def register_kind(kind: Kind) -> None:
    """Add a kind of notification (idempotent: registering the same name again replaces it); the
    preferences page lists the kinds by ``kind.order``."""
    KINDS[kind.name] = kind
    ordered = sorted(KINDS.values(), key=lambda k: (k.order, k.name))
    KINDS.clear()
    KINDS.update((k.name, k) for k in ordered)


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


@dataclass(frozen=True)
class Subscription:
    """An opt-in the notification settings page shows below the kinds (the newsletter registers one): a
    checkbox named ``name``, whose state ``is_on(user)`` reads and ``set_on(user, on)`` saves.

    ``open_to(user)`` says whether the person may opt in now; when not, the box is shown disabled with
    ``closed_note`` (why, and when it opens) in place of the description."""
    name: str
    heading: LazyString
    label: LazyString
    description: LazyString
    is_on: Callable[[object], bool]
    set_on: Callable[[object, bool], None]
    open_to: Callable[[object], bool] = lambda user: True
    closed_note: LazyString | None = None


SUBSCRIPTIONS: dict[str, Subscription] = {}


def register_subscription(subscription: Subscription) -> None:
    """Add an opt-in to the notification settings page (registering the same name again replaces it)."""
    SUBSCRIPTIONS[subscription.name] = subscription
