"""Forms of the secretariat's console."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField


class ImportForm(FlaskForm):
    file = FileField(_l("File of activities"),
                     description=_l("An IATI activity file (XML, version 2.0x) or a CSV file with at least the "
                                    "columns identifier and title."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.file.render_kw = {"accept": ".xml,.csv"}
