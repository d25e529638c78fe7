"""The announcement form: a line of text, who sees it, and when (in the writer's time zone)."""
from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TimeField
from wtforms.validators import Optional

from app.forms import BoundedDateField, choices
from app.i18n import language_name


class AnnouncementForm(FlaskForm):
    text = StringField(_l("Announcement"), description=_l("One short line, e.g. \"Forum registration closes Friday\"."))
    language = SelectField(_l("Language it is written in"), validate_choice=False, default="en")
    group_id = SelectField(_l("For"), validate_choice=False)
    start_day = BoundedDateField(_l("From (day)"), validators=[Optional()])
    start_time = TimeField(_l("at"), validators=[Optional()])
    end_day = BoundedDateField(_l("Until (day)"), validators=[Optional()])
    end_time = TimeField(_l("at"), validators=[Optional()])

    def __init__(self, *args, groups=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.language.choices = choices((lang, language_name(lang)) for lang in current_app.config["LANGUAGES"])
        self.group_id.choices = choices(groups)
