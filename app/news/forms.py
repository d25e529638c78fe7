"""The news post form and the list's filters."""
from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Length

from app.commitments.forms import region_choices
from app.forms import MultiCheckboxField, choices
from app.i18n import country_choices, language_name
from app.news.models import IMAGE_TYPES
from app.taxonomy import AREAS

TITLE_MAX = 200
BODY_MAX = 50_000


class NewsForm(FlaskForm):
    title = StringField(_l("Title"), validators=[Length(max=TITLE_MAX)])
    body = TextAreaField(_l("Text"), validators=[Length(max=BODY_MAX)],
                         description=_l("Markdown: **bold**, *italic*, lists, links."))
    language = SelectField(_l("Language it is written in"), validate_choice=False, default="en")
    group_id = SelectField(_l("For"), validate_choice=False)
    is_public = BooleanField(_l("Public (unticked: partners only)"), default=True)
    areas = MultiCheckboxField(_l("8.7 areas"), validate_choice=False)
    countries = SelectMultipleField(_l("Countries it is about"), validate_choice=False)
    image = FileField(_l("Image (optional)"))
    image_alt = StringField(_l("Description of the image"), validators=[Length(max=200)],
                            description=_l("For people who cannot see it."))
    remove_image = BooleanField(_l("Remove the image"))

    def __init__(self, *args, groups=(), with_remove=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.image.render_kw = {"accept": ",".join(f".{ext}" for ext in IMAGE_TYPES)}
        if not with_remove:
            del self.remove_image
        self.language.choices = choices((lang, language_name(lang)) for lang in current_app.config["LANGUAGES"])
        self.group_id.choices = choices(groups)
        self.areas.choices = choices(AREAS.items())
        self.countries.choices = choices(region_choices() + country_choices())
