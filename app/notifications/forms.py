"""Forms: mark notifications read, and choose how each kind is delivered."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField

from app.forms import choices
from app.notifications.kinds import KINDS, SUBSCRIPTIONS
from app.notifications.models import Delivery

DELIVERY_LABELS = {
    Delivery.immediately: _l("Immediately by e-mail"),
    Delivery.daily: _l("In a daily digest e-mail"),
    Delivery.off: _l("Off"),
}


class MarkReadForm(FlaskForm):
    """One-button POST: mark notifications read, then go back to ``next``."""

    next = HiddenField()


class OpenNotificationForm(FlaskForm):
    """One-button POST: mark one notification read and go to what it is about."""


class _PreferencesForm(FlaskForm):
    pass


def preferences_form(current: dict[str, Delivery], subscribed: dict[str, bool] | None = None,
                     closed: frozenset[str] = frozenset(), **kwargs) -> FlaskForm:
    """A form with one select per kind of notification (the field is named after the kind), preset to
    ``current``, and one checkbox per registered opt-in (``SUBSCRIPTIONS``) preset to ``subscribed``; the
    opt-ins named in ``closed`` are disabled, with their ``closed_note`` as the hint."""

    class PreferencesForm(_PreferencesForm):
        pass

    for name, kind in KINDS.items():
        setattr(PreferencesForm, name, SelectField(
            kind.label, choices=choices((d.value, label) for d, label in DELIVERY_LABELS.items()),
            default=current[name].value))
    for name, subscription in SUBSCRIPTIONS.items():
        shut = name in closed
        setattr(PreferencesForm, name, BooleanField(
            subscription.label, default=(subscribed or {}).get(name, False),
            description=subscription.closed_note if shut else subscription.description,
            render_kw={"disabled": True} if shut else None))
    return PreferencesForm(**kwargs)


def chosen_deliveries(form: FlaskForm) -> dict[str, str]:
    return {name: form[name].data for name in KINDS}
