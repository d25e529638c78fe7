"""Forms of the overlap pages."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.forms import choices
from app.overlaps.models import DECISION_LABELS


class DecisionForm(FlaskForm):
    decision = RadioField(_l("Decision"), validators=[DataRequired(_l("Choose a decision."))])
    reference = RadioField(_l("Which one is the reference?"), validators=[Optional()], validate_choice=False,
                           description=_l("For “same initiative”: the one people should follow; both are kept."))
    note = TextAreaField(_l("Note (kept with the decision)"), validators=[Optional(), Length(max=2000)])

    def __init__(self, *args, sides=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.decision.choices = choices((d.value, label) for d, label in DECISION_LABELS.items())
        self.reference.choices = choices(sides)


class ContactForm(FlaskForm):
    message = TextAreaField(_l("Your message"), validators=[DataRequired(_l("Write a few words.")),
                                                           Length(max=1000)],
                            description=_l("What you are working on and why you would like to talk. Your name, "
                                           "e-mail address and organisation are sent with it."))
