"""Forms for pledges: the SMART pledge form (with its lists of deliverables and indicators) and
marking a deliverable done. Progress report forms are in report_forms.py."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from babel.numbers import NumberFormatError, format_decimal, parse_decimal
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField, FieldList, Form, FormField, HiddenField, SelectField,
    SelectMultipleField, StringField, TextAreaField,
)
from wtforms.validators import Length, NumberRange, Optional

from app.commitments import schedule
from app.commitments.services import currency_codes
from app.forms import (BoundedDateField, MultiCheckboxField, WholeNumberField, choices, id_choice,
                       optional_int, region_choices)
from app.i18n import country_choices, currency_name
from app.taxonomy import ACTION_TYPES, AREAS, TARGET_GROUPS

# Empty rows shown under the filled ones, so a person can add deliverables and indicators without JavaScript.
SPARE_ROWS = 2
# Numbers stored (app.commitments.models.NUMBER) have 16 digits before the point.
NUMBER_LIMIT = Decimal(10) ** 15
_PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def parse_number(text: str) -> Decimal:
    """A number as a person writes it in their language (``12.5``, ``12,5`` in French, ``1,234``).

    :raises ValueError: when it is not a number (``about 50``), or not a finite one.
    """
    # Spaces only ever separate thousands (1 500; French writes a narrow no-break space): drop them all.
    text = re.sub(r"[\s\u00a0\u202f]", "", text)
    if _PLAIN_NUMBER.fullmatch(text):
        value = Decimal(text)
    else:
        try:
            value = parse_decimal(text, locale=str(get_locale() or "en"), strict=True)
        except (NumberFormatError, InvalidOperation):
            raise ValueError(text) from None
    if not value.is_finite() or abs(value) >= NUMBER_LIMIT:
        raise ValueError(text)
    return value


class NumberField(StringField):
    """A number in the reader's language; what was typed is kept and shown again when it is not a number."""

    def process_formdata(self, valuelist):
        self.data = None
        if valuelist and valuelist[0].strip():
            try:
                self.data = parse_number(valuelist[0])
            except ValueError:
                raise ValueError(_l("“%(text)s” is not a number. Write only the number, for example 50 or 12.5.",
                                    text=valuelist[0].strip()[:40])) from None

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        return format_decimal(self.data, format="#0.####", locale=str(get_locale() or "en"))




class DeliverableForm(Form):
    id = HiddenField()
    title = StringField(_l("Deliverable"), validators=[Optional(), Length(max=300)])
    due_date = BoundedDateField(_l("Due date"), validators=[Optional()])


class IndicatorForm(Form):
    id = HiddenField()
    name = StringField(_l("Indicator"), validators=[Optional(), Length(max=300)])
    unit = StringField(_l("Unit"), validators=[Optional(), Length(max=60)])
    baseline = NumberField(_l("Baseline"))
    target = NumberField(_l("Target"))


class PledgeForm(FlaskForm):
    title = StringField(_l("Title"), validators=[Length(max=200)],
                        description=_l("A short name for the pledge, up to 20 words."))
    description = TextAreaField(_l("What will be done"), validators=[Length(max=20000)],
                                description=_l("Specific actions, where and with whom. Markdown is allowed."))
    contribution = TextAreaField(_l("How it contributes to target 8.7"), validators=[Length(max=20000)],
                                 description=_l("How this helps end child labour, forced labour, modern slavery or "
                                                "human trafficking."))
    areas = MultiCheckboxField(_l("8.7 areas"), validate_choice=False)
    action_type = SelectField(_l("Type of action"), validate_choice=False)
    countries = SelectMultipleField(_l("Countries"), validate_choice=False,
                                    description=_l("Tick as many as apply. Choosing a region adds "
                                                   "all its countries."))
    is_global = BooleanField(_l("Global: the pledge is not tied to particular countries"))
    target_groups = MultiCheckboxField(_l("Who the pledge is for"), validate_choice=False)
    start_date = BoundedDateField(_l("Start date"), validators=[Optional()])
    end_date = BoundedDateField(_l("End date"), validators=[Optional()])
    resources_amount = NumberField(_l("Amount committed"))
    resources_currency = SelectField(_l("Currency"), validate_choice=False)
    resources_in_kind = TextAreaField(_l("In-kind resources"), validators=[Length(max=20000)],
                                      description=_l("Staff time, expertise, premises, materials…"))
    partner_ids = SelectMultipleField(_l("Partner organisations (joint pledge)"), coerce=id_choice, validate_choice=False,
                                      description=_l("Tick as many as apply. Your organisation "
                                                     "coordinates the pledge."))
    coordinator_id = SelectField(_l("Coordinating focal point"), coerce=optional_int, validate_choice=False,
                                 description=_l("A focal point of your organisation; reporting reminders go "
                                                "to them."))
    group_id = SelectField(_l("Action group (optional)"), coerce=optional_int, validate_choice=False)
    report_every_months = WholeNumberField(
        _l("Report progress every (months)"), default=schedule.DEFAULT_EVERY_MONTHS,
        validators=[Optional(), NumberRange(*schedule.EVERY_MONTHS_RANGE)])
    deliverables = FieldList(FormField(DeliverableForm), min_entries=1)
    indicators = FieldList(FormField(IndicatorForm), min_entries=1)

    def __init__(self, *args, coordinators=(), partners=(), groups=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.areas.choices = choices(AREAS.items())
        self.action_type.choices = choices(ACTION_TYPES.items(), blank=True)
        self.countries.choices = choices(region_choices() + country_choices())
        self.target_groups.choices = choices(TARGET_GROUPS.items())
        self.resources_currency.choices = choices(currency_choices(), blank=True)
        self.partner_ids.choices = choices((o.id, o.name) for o in partners)
        self.coordinator_id.choices = choices(((str(u.id), u.full_name) for u in coordinators), blank=True)
        self.group_id.choices = choices(((str(g.id), g.name) for g in groups), blank=True)
        # Spare empty rows to fill in (ignored when left empty).
        for rows in (self.deliverables, self.indicators):
            filled = sum(1 for entry in rows if any(entry.form[name].data for name in entry.form._fields
                                                    if name != "id"))
            while len(rows) < filled + SPARE_ROWS:
                rows.append_entry()


def currency_choices() -> list[tuple[str, str]]:
    return sorted(((code, f"{code} — {currency_name(code)}") for code in currency_codes()), key=lambda c: c[0])


class DeliverableDoneForm(FlaskForm):
    done_on = BoundedDateField(_l("Done on"), validators=[Optional()])
    evidence_url = StringField(_l("Link to evidence (optional)"), validators=[Optional(), Length(max=500)],
                               description=_l("A report, a photo album, a news item: a web address."))
    evidence = FileField(_l("Evidence file (optional)"),
                         description=_l("PDF, office document, image or CSV; checked like workspace documents."))
