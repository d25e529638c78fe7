"""Forms for the work plan."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.actiongroups.workplan.models import WORK_ITEM_STATUS_LABELS
from app.forms import BoundedDateField, MultiCheckboxField, choices, optional_id_choice
from app.i18n import country_choices
from app.taxonomy import AREAS


optional_id = optional_id_choice  # a select's value as an id, "" (nothing chosen) as None


def status_choices():
    return choices((status.value, label) for status, label in WORK_ITEM_STATUS_LABELS.items())


class WorkItemForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(_l("Enter a title for the work item.")),
                                                 Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=20000)],
                                description=_l("What will be done, with whom, and what it should achieve. "
                                               "Markdown is allowed."))
    lead_organisation_id = SelectField(_l("Lead organisation"), coerce=optional_id, validate_choice=False)
    countries = SelectMultipleField(_l("Countries"), validate_choice=False,
                                    description=_l("Where the work takes place. Tick as many as apply; "
                                                   "leave empty if it is not tied to countries."))
    areas = MultiCheckboxField(_l("8.7 areas"), validate_choice=False)
    start_date = BoundedDateField(_l("Start date"), validators=[Optional()])
    due_date = BoundedDateField(_l("Due date"), validators=[Optional()])
    status = SelectField(_l("Status"), validate_choice=False, default="planned")
    responsible_id = SelectField(_l("Person responsible"), coerce=optional_id, validate_choice=False,
                                 description=_l("A convener or member of the group; they will be told."))

    def __init__(self, *args, organisations=(), people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.lead_organisation_id.choices = choices(((str(o.id), o.name) for o in organisations), blank=True)
        self.countries.choices = choices(country_choices())
        self.areas.choices = choices(AREAS.items())
        self.status.choices = status_choices()
        self.responsible_id.choices = choices(((str(p.id), p.name_with_org) for p in people), blank=True)


class StatusForm(FlaskForm):
    status = SelectField(_l("Status"), validate_choice=False)
    next = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = status_choices()
