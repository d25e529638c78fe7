"""The secretariat's choice of period."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField

from app.forms import choices
from app.newsletter.services import PERIODS


class PeriodForm(FlaskForm):
    period = SelectField(_l("How often the newsletter goes out"), choices=choices(PERIODS.items()))
