"""Form pieces shared by every feature."""
from __future__ import annotations

from babel import Locale
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, SelectChoice, SelectMultipleField, TextAreaField, widgets
from wtforms.validators import Length, ValidationError

from app.errors import DomainError
from app.extensions import db
from app.taxonomy import REGIONS
from app.i18n import format_day, zone_groups
from app.utils import FIRST_DATE, LAST_DATE, MAX_ID, date_in_range, whole_number

# The largest number a number field accepts: the database's integers are 32-bit on PostgreSQL.
MAX_WHOLE_NUMBER = 2**31 - 1


def id_choice(value) -> int:
    """A select's value as an id (``coerce=`` of a select): 0..MAX_ID through the bounded parser.

    ``coerce=int`` let ``partner_ids=9223372036854775808`` reach the database (OverflowError, a 500);
    a ValueError here is shown by WTForms as an invalid choice.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        number = value if 0 <= value <= MAX_ID else None
    else:
        number = whole_number(value, 0, MAX_ID)
    if number is None:
        raise ValueError("not an id")
    return number


def optional_id_choice(value) -> int | None:
    """A select's value as an id: "" (nothing chosen) is None; anything else must be an id."""
    if value in (None, "", "None"):
        return None
    return id_choice(value)


class DateInRange:
    """Validator: the date lies between FIRST_DATE and LAST_DATE (every date field has it, see BoundedDateField).

    An end date of 9999-12-31 was accepted, and the pledge's page then failed adding months to it.
    """

    def __call__(self, form, field):
        if field.data is not None and not date_in_range(field.data):
            raise ValidationError(_("Enter a date between %(first)s and %(last)s.",
                                    first=format_day(FIRST_DATE), last=format_day(LAST_DATE)))


class BoundedDateField(DateField):
    """The date field of every form: a date within the accepted range (DateInRange), else an error by it."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, [*(validators or []), DateInRange()], **kwargs)


class WholeNumberField(IntegerField):
    """A number field for a whole number from 0 to ``high``, read through the project's bounded parser.

    WTForms' IntegerField takes any ``int()``: ``9`` * 30 passed and failed in the database.
    """

    def __init__(self, label=None, validators=None, *, high: int = MAX_WHOLE_NUMBER, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.high = high

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            return
        number = whole_number(valuelist[0], 0, self.high)
        if number is None:
            self.data = None
            raise ValueError(_l("Enter a whole number from 0 to %(high)s, for example 12.", high=self.high))
        self.data = number


class MultiCheckboxField(SelectMultipleField):
    """Several checkboxes for one list value (8.7 areas, target groups)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class EmptyForm(FlaskForm):
    """A form with only the CSRF token, for one-button POST actions (approve, leave, sign out)."""


class ReasonForm(FlaskForm):
    """A one-button action that asks for a reason (decline, suspend)."""

    reason = TextAreaField(_l("Reason (sent to the person)"), validators=[Length(max=2000)])
    next = HiddenField()


def run_service(action, success: str | None, form: FlaskForm | None = None) -> bool:
    """Run a service and commit; on a DomainError roll back and show it (next to its field when a
    form is given, else as a message at the top of the next page). Returns whether it succeeded.
    ``success`` is flashed after the commit (None: the view says it another way).

    Every view that calls a service goes through here, so "one commit per request, nothing half
    written on error" holds everywhere.
    """
    from flask import flash

    try:
        action()
    except DomainError as exc:
        db.session.rollback()
        if form is not None:
            apply_domain_error(form, exc)
        else:
            flash(str(exc), "danger")
        return False
    db.session.commit()
    if success:
        flash(success, "success")
    return True


def service_accepts(action, form: FlaskForm) -> bool:
    """Whether the services would accept the form, keeping nothing: run ``action``, then roll everything back
    (the e-mails it queued too). A DomainError is shown next to its field as :func:`run_service` shows it.

    For a step a view shows before saving (the overlaps compare step), which must never hide an error the
    save would show.
    """
    try:
        action()
    except DomainError as exc:
        apply_domain_error(form, exc)
        return False
    finally:
        db.session.rollback()
    return True


def apply_domain_error(form: FlaskForm, error) -> None:
    """Show a DomainError next to the field it names, or at the top of the form.

    An error with ``problems`` (a list of (field, message)) shows each message next to its field. A field
    inside a list of sub-forms is named like its HTML id: ``indicators-0-unit``.
    """
    for name, message in getattr(error, "problems", None) or [(error.field, str(error))]:
        field = _find_field(form, name) if name else None
        if field is not None:
            field.errors = [*field.errors, message] if isinstance(field.errors, list) else [message]
        else:
            form.form_errors.append(message)


def own_errors(field) -> list[str]:
    """A field's own error messages. A list of sub-forms (FieldList) also holds one dict of its entries'
    errors per entry: those are shown next to the entries' fields, never as ``{'baseline': [...]}``."""
    return [str(e) for e in (field.errors or []) if not isinstance(e, (dict, list, tuple))]


def error_fields(form) -> list[tuple]:
    """Every field with an error, the fields of sub-forms included, as (field, messages): the summary at
    the top of a form links each message to its field."""
    out = []
    for field in form:
        if field.type == "FormField":
            out.extend(error_fields(field.form))
            continue
        if messages := own_errors(field):
            out.append((field, messages))
        if field.type == "FieldList":
            for entry in field:
                if entry.type == "FormField":
                    out.extend(error_fields(entry.form))
                elif messages := own_errors(entry):
                    out.append((entry, messages))
    return out


def _find_field(form, name: str):
    """The field called ``name`` (``title``, or ``indicators-0-unit`` inside a FieldList of FormFields)."""
    node = form
    for part in name.split("-"):
        try:
            index = whole_number(part)
            node = node[index] if index is not None else (getattr(node, "form", node))[part]
        except (IndexError, KeyError, TypeError):
            return None
    return node


def zone_choices(current: str | None = None) -> dict[str, list[SelectChoice]]:
    """The time zones grouped by region for a SelectField (rendered as option groups), each with its current
    UTC offset and the words the picker's filter finds it by (``data-search``: "Geneva" finds Europe/Zurich).
    ``current``, the saved value, is always among them."""
    return {region: [SelectChoice(zone, label, render_kw={"data-search": words}) for zone, label, words in zones]
            for region, zones in zone_groups(current).items()}


def choices(pairs, *, blank: bool = False) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices, optionally after a "Choose…" prompt."""
    prompt = [SelectChoice("", _l("Choose…"))] if blank else []
    return prompt + [SelectChoice(value, label) for value, label in pairs]


optional_int = optional_id_choice  # a select's value as an id, "" (nothing chosen) as None


def region_choices() -> list[tuple[str, str]]:
    """The regions a list of places may name (each stands for all its countries), in the reader's language."""
    territories = Locale.parse(str(get_locale() or "en")).territories
    return [(code, str(_l("Region: %(name)s (all its countries)", name=territories.get(code, code))))
            for code in REGIONS]
