"""Forms for applying, signing in, passwords, profiles and organisation profiles."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, BooleanField, EmailField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import (
    URL, DataRequired, Email, EqualTo, InputRequired, Length, Optional, ValidationError,
)

from app.forms import choices, id_choice, zone_choices
from app.i18n import LANGUAGE_NAMES, country_choices
from app.members.models import ROLE_LABELS, STAKEHOLDER_LABELS


def _stakeholder_choices():
    return choices(((t.value, label) for t, label in STAKEHOLDER_LABELS.items()), blank=True)


class _Choices:
    """Fill the choices that depend on the request's language when the form is built."""

    def _fill_choices(self) -> None:
        if hasattr(self, "country_code"):
            self.country_code.choices = choices(country_choices(), blank=True)
        if hasattr(self, "timezone"):
            self.timezone.choices = zone_choices(self.timezone.data)
        if hasattr(self, "locale"):
            self.locale.choices = choices(LANGUAGE_NAMES.items())
        if hasattr(self, "stakeholder_type"):
            self.stakeholder_type.choices = _stakeholder_choices()


def _name_field(label):
    return StringField(label, validators=[DataRequired(_l("Enter a name.")), Length(max=120)])


def _email_field():
    return EmailField(_l("E-mail address"), validators=[
        DataRequired(_l("Enter your e-mail address.")),
        Email(_l("Enter an e-mail address like name@example.org."), check_deliverability=False),
        Length(max=254)])


def _new_password_fields():
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Choose a password.")), Length(max=200)],
                             description=_l("At least 10 characters. A short sentence is easy to remember."))
    confirm = PasswordField(_l("Repeat the password"), validators=[
        DataRequired(_l("Repeat the password.")), EqualTo("password", _l("The two passwords are not the same."))])
    return password, confirm


class OrganisationFieldsMixin:
    name = StringField(_l("Organisation name"), validators=[
        DataRequired(_l("Enter the organisation's name.")), Length(max=200)])
    acronym = StringField(_l("Acronym"), validators=[Optional(), Length(max=30)])
    stakeholder_type = SelectField(_l("Stakeholder type"), validators=[
        DataRequired(_l("Choose a stakeholder type."))], validate_choice=False)
    country_code = SelectField(_l("Headquarters country"), validators=[
        DataRequired(_l("Choose a country."))], validate_choice=False)
    website = StringField(_l("Website"), validators=[
        Optional(), URL(message=_l("Enter a full web address starting with https://")), Length(max=300)],
        description=_l("For example https://www.example.org"))
    description = TextAreaField(_l("Short description"), validators=[Optional(), Length(max=2000)],
                                description=_l("What the organisation does on target 8.7. Markdown is allowed."))


class PersonFieldsMixin:
    full_name = _name_field(_l("Your full name"))
    job_title = StringField(_l("Job title"), validators=[Optional(), Length(max=120)])
    email = _email_field()
    timezone = SelectField(_l("Time zone"), default="UTC", validate_choice=False)
    locale = SelectField(_l("Preferred language"), default="en", validate_choice=False)


class ApplyOrganisationForm(_Choices, OrganisationFieldsMixin, PersonFieldsMixin, FlaskForm):
    password, confirm = _new_password_fields()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._fill_choices()


class JoinOrganisationForm(_Choices, PersonFieldsMixin, FlaskForm):
    organisation_id = SelectField(_l("Organisation"), coerce=id_choice, validators=[
        InputRequired(_l("Choose your organisation."))], validate_choice=False)
    password, confirm = _new_password_fields()

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self._fill_choices()
        self.organisation_id.choices = [SelectChoice(0, _l("Choose…"))] + [
            SelectChoice(o.id, o.display_name) for o in organisations]

    def validate_organisation_id(self, field):
        if not field.data:
            raise ValidationError(_l("Choose your organisation."))


class OrganisationForm(_Choices, OrganisationFieldsMixin, FlaskForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._fill_choices()


class LoginForm(FlaskForm):
    email = _email_field()
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password.")),
                                                         Length(max=200)])
    remember = BooleanField(_l("Keep me signed in on this device"))


class ForgotPasswordForm(FlaskForm):
    email = _email_field()


class SetPasswordForm(FlaskForm):
    password, confirm = _new_password_fields()


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[
        DataRequired(_l("Enter your current password.")), Length(max=200)])
    password, confirm = _new_password_fields()


class ProfileForm(_Choices, FlaskForm):
    full_name = _name_field(_l("Full name"))
    job_title = StringField(_l("Job title"), validators=[Optional(), Length(max=120)])
    timezone = SelectField(_l("Time zone"), validate_choice=False)
    locale = SelectField(_l("Preferred language"), validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._fill_choices()


class InviteForm(_Choices, FlaskForm):
    organisation_id = SelectField(_l("Organisation"), coerce=id_choice, validate_choice=False,
                                  validators=[InputRequired(_l("Choose an organisation."))])
    full_name = _name_field(_l("Full name"))
    email = _email_field()
    role = SelectField(_l("Role in the organisation"), validate_choice=False,
                       choices=choices((r.value, label) for r, label in ROLE_LABELS.items()))
    locale = SelectField(_l("Language of the invitation"), default="en", validate_choice=False)

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self._fill_choices()
        self.organisation_id.choices = [SelectChoice(0, _l("Choose…"))] + [
            SelectChoice(o.id, o.display_name) for o in organisations]
