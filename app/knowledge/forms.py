"""Forms of the knowledge gateway: a resource, citing it, appointing curators, a Pathfinder country."""
from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField, FieldList, Form, FormField, SelectField, SelectMultipleField, StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from app.forms import BoundedDateField, MultiCheckboxField, WholeNumberField, choices, optional_int, region_choices
from app.i18n import DOCUMENT_LANGUAGES, country_choices
from app.knowledge.models import LICENCES, RESOURCE_TYPES
from app.knowledge.services import SUMMARY_MAX, TITLE_MAX, URL_MAX
from app.taxonomy import AREAS


class ResourceForm(FlaskForm):
    title = StringField(_l("Title"), validators=[Length(max=TITLE_MAX)])
    resource_type = SelectField(_l("Type of resource"), validate_choice=False)
    summary = TextAreaField(_l("Summary"), validators=[Length(max=SUMMARY_MAX)],
                            description=_l("What it is, what it found or offers, and who it is for. Markdown is "
                                           "allowed."))
    file = FileField(_l("File"))
    external_url = StringField(_l("Or a link to it"), validators=[Length(max=URL_MAX)],
                               description=_l("Where the resource is published, starting with https://. Upload a "
                                              "file or give a link."))
    remove_file = BooleanField(_l("Remove the uploaded file (give a link instead)"))
    areas = MultiCheckboxField(_l("8.7 areas"), validate_choice=False)
    countries = SelectMultipleField(_l("Countries it is about"), validate_choice=False,
                                    description=_l("Tick as many as apply. Choosing a region adds "
                                                   "all its countries. Leave empty for a global resource."))
    language = SelectField(_l("Language"), validate_choice=False, default="en")
    publication_year = WholeNumberField(_l("Year of publication"), validators=[Optional(), NumberRange(1900, 9999)])
    publisher_id = SelectField(_l("Publisher (a partner organisation)"), coerce=optional_int,
                               validate_choice=False)
    publisher_name = StringField(_l("Or the publisher's name"), validators=[Length(max=200)],
                                 description=_l("When the publisher is not a partner of the Hub."))
    licence = SelectField(_l("Licence"), validate_choice=False)

    def __init__(self, *args, publishers=(), with_remove=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.file.render_kw = {"accept": ",".join(f".{ext}" for ext in current_app.config["UPLOAD_ALLOWED_TYPES"])}
        if not with_remove:
            del self.remove_file
        self.resource_type.choices = choices(RESOURCE_TYPES.items(), blank=True)
        self.areas.choices = choices(AREAS.items())
        self.countries.choices = choices(region_choices() + country_choices())
        self.language.choices = choices(DOCUMENT_LANGUAGES.items())
        self.publisher_id.choices = choices(((str(o.id), o.name) for o in publishers), blank=True)
        self.licence.choices = choices(LICENCES.items(), blank=True)


class CiteForm(FlaskForm):
    target = SelectField(_l("Cite it from"), validate_choice=False,
                         validators=[DataRequired(_l("Choose a pledge or an action group."))])

    def __init__(self, *args, citable=(), **kwargs):
        """:param citable: (citer, objects) pairs (:func:`app.knowledge.services.citable`); each choice's value
        is ``<citer name>:<object id>``."""
        super().__init__(*args, **kwargs)
        self.target.choices = choices(
            [(f"{citer.name}:{obj.id}", citer.choice(obj)) for citer, objs in citable for obj in objs], blank=True)


class CuratorForm(FlaskForm):
    email = StringField(_l("E-mail address of the person"),
                        validators=[DataRequired(_l("Give the person's e-mail address.")), Email(), Length(max=254)])


class MilestoneForm(Form):
    title = StringField(_l("Milestone"), validators=[Optional(), Length(max=300)])
    due_date = BoundedDateField(_l("Due date"), validators=[Optional()])
    done_on = BoundedDateField(_l("Done on"), validators=[Optional()])


class PathfinderForm(FlaskForm):
    is_pathfinder = BooleanField(_l("This is a Pathfinder country"))
    since = BoundedDateField(_l("Pathfinder country since"), validators=[Optional()])
    roadmap_resource_id = SelectField(_l("Roadmap (a resource of the library)"), coerce=optional_int,
                                      validate_choice=False)
    notes = TextAreaField(_l("Notes on the roadmap"), validators=[Length(max=20000)],
                          description=_l("Markdown is allowed."))
    milestones = FieldList(FormField(MilestoneForm), min_entries=1)

    def __init__(self, *args, resources=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.roadmap_resource_id.choices = choices(((str(r.id), r.title) for r in resources), blank=True)
        # Spare empty rows to fill in, so milestones can be added without JavaScript.
        wanted = max(3, len(self.milestones) + 2)
        while len(self.milestones) < wanted:
            self.milestones.append_entry()
