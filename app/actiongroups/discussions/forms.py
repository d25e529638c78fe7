"""Forms for discussions: a new thread, and a message (reply or edit)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.actiongroups.discussions.models import BODY_MAX, TITLE_MAX

BODY_HINT = _l("Markdown is allowed. Mention a member with @[Full Name (Organisation)] or @name@example.org.")


def _body_field(label):
    return TextAreaField(label, description=BODY_HINT, validators=[
        DataRequired(_l("Write a message: it cannot be empty.")),
        Length(max=BODY_MAX, message=_l("The message is too long: at most %(max)d characters."))])


class ThreadForm(FlaskForm):
    title = StringField(_l("Title"), validators=[
        DataRequired(_l("Give the discussion a title.")),
        Length(max=TITLE_MAX, message=_l("The title is too long: at most %(max)d characters."))])
    body = _body_field(_l("Opening message"))


class PostForm(FlaskForm):
    body = _body_field(_l("Your message"))
