"""Form pieces shared by every feature."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectChoice, TextAreaField
from wtforms.validators import Length


class EmptyForm(FlaskForm):
    """A form with only the CSRF token, for one-button POST actions (approve, leave, sign out)."""


class ReasonForm(FlaskForm):
    """A one-button action that asks for a reason (decline, suspend)."""

    reason = TextAreaField(_l("Reason (sent to the person)"), validators=[Length(max=2000)])
    next = HiddenField()


def apply_domain_error(form: FlaskForm, error) -> None:
    """Show a DomainError next to the field it names, or at the top of the form."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, str(error)] if isinstance(field.errors, list) else [str(error)]
    else:
        form.form_errors.append(str(error))


def choices(pairs, *, blank: bool = False) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices, optionally after a "Choose…" prompt."""
    prompt = [SelectChoice("", _l("Choose…"))] if blank else []
    return prompt + [SelectChoice(value, label) for value, label in pairs]
