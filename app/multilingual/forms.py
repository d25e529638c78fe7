"""The translation form: a language and one field per translatable field of the kind."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Length

from app.forms import choices
from app.i18n import language_name
from app.multilingual.registry import TranslatableKind

TEXT_MAX = 20_000


def translation_form(kind: TranslatableKind, original: str, languages, **kwargs) -> FlaskForm:
    """A form for ``kind``; the language choices are the offered ones but the original (the service checks again)."""

    class TranslationForm(FlaskForm):
        language = SelectField(_l("Language"), choices=choices((lang, language_name(lang)) for lang in languages
                                                               if lang != original), validate_choice=False)

    for name, label, is_markdown in kind.fields:
        if is_markdown:
            setattr(TranslationForm, name, TextAreaField(label, validators=[Length(max=TEXT_MAX)],
                                                         render_kw={"rows": 8}))
        else:
            setattr(TranslationForm, name, StringField(label, validators=[Length(max=300)]))
    return TranslationForm(**kwargs)
