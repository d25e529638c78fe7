"""Forms for action groups and their membership."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from app.actiongroups.models import GROUP_ROLE_LABELS, VISIBILITY_LABELS
from app.forms import MultiCheckboxField, choices
from app.i18n import country_choices
from app.taxonomy import AREAS


def _role_choices():
    return choices((role.value, label) for role, label in GROUP_ROLE_LABELS.items())


class GroupForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter the group's name.")), Length(max=200)])
    slug = StringField(_l("Address"), validators=[DataRequired(_l("Choose the group's address.")), Length(max=80)],
                       description=_l("Used in links: lowercase letters, digits and hyphens, like supply-chains."))
    mandate = TextAreaField(_l("Mandate"), validators=[Optional(), Length(max=20000)],
                            description=_l("What the group is for and how it works. Markdown is allowed."))
    areas = MultiCheckboxField(_l("8.7 areas the group covers"), validate_choice=False)
    focus_countries = SelectMultipleField(_l("Focus countries"), validate_choice=False,
                                          description=_l("Tick as many as apply."))
    visibility = SelectField(_l("Who can read the workspace"), validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.areas.choices = choices(AREAS.items())
        self.focus_countries.choices = choices(country_choices())
        self.visibility.choices = choices((v.value, label) for v, label in VISIBILITY_LABELS.items())


class JoinForm(FlaskForm):
    motivation = TextAreaField(_l("Why do you want to join?"), validators=[Optional(), Length(max=2000)],
                               description=_l("A few words for the conveners: what you and your organisation "
                                              "would bring to the group."))


class DecisionForm(FlaskForm):
    message = TextAreaField(_l("Message to the person (optional)"), validators=[Optional(), Length(max=2000)])


class InviteMemberForm(FlaskForm):
    email = EmailField(_l("E-mail address of a partner's account"), validators=[
        DataRequired(_l("Enter the person's e-mail address.")),
        Email(_l("Enter an e-mail address like name@example.org."), check_deliverability=False)])
    role = SelectField(_l("Role"), validate_choice=False, default="member")
    message = TextAreaField(_l("Message (optional)"), validators=[Optional(), Length(max=2000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = _role_choices()


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = _role_choices()


class ConvenerForm(FlaskForm):
    email = EmailField(_l("E-mail address of the new convener"), validators=[
        DataRequired(_l("Enter the person's e-mail address.")),
        Email(_l("Enter an e-mail address like name@example.org."), check_deliverability=False)])
