"""Forms for documents: share a file, describe it, upload a new version."""
from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.actiongroups.documents.models import DOCUMENT_LANGUAGES
from app.actiongroups.documents.services import DESCRIPTION_MAX, NOTE_MAX, TITLE_MAX
from app.forms import MultiCheckboxField, choices
from app.taxonomy import AREAS


def _accept() -> str:
    return ",".join(f".{ext}" for ext in current_app.config["UPLOAD_ALLOWED_TYPES"])


def _with_file_hint(field: FileField) -> None:
    field.render_kw = {"accept": _accept()}


class DocumentForm(FlaskForm):
    """Describe a document; with ``with_file`` (sharing a new one) also the file itself."""

    file = FileField(_l("File"), validators=[FileRequired(_l("Choose a file to upload."))])
    title = StringField(_l("Title"), validators=[DataRequired(_l("Give the document a title.")),
                                                 Length(max=TITLE_MAX)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=DESCRIPTION_MAX)],
                                description=_l("What the document is and who it is for. Markdown is allowed."))
    areas = MultiCheckboxField(_l("8.7 areas it concerns"), validate_choice=False)
    language = SelectField(_l("Language of the document"), validate_choice=False, default="en")
    is_public = BooleanField(_l("Public: anyone can download it from the group's public page"))

    def __init__(self, *args, with_file: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if with_file:
            _with_file_hint(self.file)
        else:
            del self.file
        self.areas.choices = choices(AREAS.items())
        self.language.choices = choices(DOCUMENT_LANGUAGES.items())


class VersionForm(FlaskForm):
    file = FileField(_l("New version"), validators=[FileRequired(_l("Choose a file to upload."))])
    note = StringField(_l("What changed (optional)"), validators=[Optional(), Length(max=NOTE_MAX)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _with_file_hint(self.file)

