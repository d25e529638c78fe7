"""Forms of the Forum (edition, session) and of consultations (poll, answers, meeting, minutes, actions)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField, FieldList, Form, FormField, HiddenField, SelectField,
    SelectMultipleField, StringField, TextAreaField, TimeField,
)
from wtforms.validators import Length, NumberRange, Optional

from app.commitments.forms import optional_int, region_choices
from app.forms import BoundedDateField, WholeNumberField, choices, id_choice, zone_choices
from app.forums.consultation_models import AUDIENCE_LABELS, CHOICE_LABELS
from app.forums.models import SESSION_KIND_LABELS
from app.forums.times import show_day
from app.i18n import LANGUAGE_NAMES, country_choices

SPARE_SPEAKERS = 2
SLOT_ROWS = 6
GUEST_ROWS = 3


class ForumForm(FlaskForm):
    title = StringField(_l("Title"), validators=[Length(max=200)])
    slug = StringField(_l("Address (slug)"), validators=[Length(max=80)],
                       description=_l("Lower-case letters, digits and hyphens: /forums/<slug>."))
    description = TextAreaField(_l("Description"), validators=[Length(max=20000)],
                                description=_l("Markdown is allowed."))
    starts_on = BoundedDateField(_l("First day"), validators=[Optional()])
    ends_on = BoundedDateField(_l("Last day"), validators=[Optional()])
    timezone = SelectField(_l("Time zone of the venue"), default="Europe/Zurich", validate_choice=False,
                           description=_l("Session times are entered and shown in this zone."))
    has_24h_clock = BooleanField(_l("Write the times on a 24-hour clock (14:30) in every language"),
                                 description=_l("The venue's convention, e.g. in Geneva. Otherwise English "
                                                "shows 2:30 PM."))
    venue_name = StringField(_l("Venue"), validators=[Length(max=200)])
    venue_address = StringField(_l("Venue address"), validators=[Length(max=500)])
    online_url = StringField(_l("Online link (optional)"), validators=[Length(max=500)])
    registration_opens_on = BoundedDateField(_l("Registration opens on"), validators=[Optional()])
    registration_opens_time = TimeField(_l("at (venue time)"), validators=[Optional()])
    registration_closes_on = BoundedDateField(_l("Registration closes on"), validators=[Optional()])
    registration_closes_time = TimeField(_l("at (venue time)"), validators=[Optional()])
    capacity = WholeNumberField(_l("Capacity (people)"), validators=[Optional()],
                            description=_l("Leave empty for no limit. Beyond it, people join a waiting list."))
    tracks = TextAreaField(_l("Tracks"), validators=[Length(max=5000)], description=_l("One per line."))
    rooms = TextAreaField(_l("Rooms"), validators=[Length(max=5000)], description=_l("One per line."))
    is_published = BooleanField(_l("Published: the programme is public and partners can register"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = zone_choices(self.timezone.data)


class SpeakerForm(Form):
    name = StringField(_l("Speaker"), validators=[Optional(), Length(max=120)])
    organisation = StringField(_l("Organisation"), validators=[Optional(), Length(max=200)])
    email = StringField(_l("Hub account e-mail (optional)"), validators=[Optional(), Length(max=254)])


class SessionForm(FlaskForm):
    title = StringField(_l("Title"), validators=[Length(max=200)])
    kind = SelectField(_l("Type"), validate_choice=False)
    description = TextAreaField(_l("Description"), validators=[Length(max=20000)],
                                description=_l("Markdown is allowed."))
    day = SelectField(_l("Day"), validate_choice=False)
    start = TimeField(_l("Starts at (venue time)"), validators=[Optional()])
    end = TimeField(_l("Ends at (venue time)"), validators=[Optional()])
    track_id = SelectField(_l("Track"), coerce=optional_int, validate_choice=False)
    room_id = SelectField(_l("Room"), coerce=optional_int, validate_choice=False)
    online_url = StringField(_l("Online link (optional)"), validators=[Length(max=500)])
    capacity = WholeNumberField(_l("Capacity (people)"), validators=[Optional()],
                            description=_l("Only for sessions that need registration; leave empty otherwise."))
    group_id = SelectField(_l("Action group (optional)"), coerce=optional_int, validate_choice=False)
    countries = SelectMultipleField(_l("Countries it is about (optional)"), validate_choice=False,
                                    description=_l("Tick as many as apply. Choosing a region adds all "
                                                   "its countries. The session is listed on their country pages."))
    speakers = FieldList(FormField(SpeakerForm), min_entries=1)

    def __init__(self, *args, forum=None, groups=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = choices((k.value, label) for k, label in SESSION_KIND_LABELS.items())
        self.day.choices = choices((d.isoformat(), show_day(d)) for d in (forum.days if forum else []))
        self.track_id.choices = choices(((str(t.id), t.name) for t in (forum.tracks if forum else [])), blank=True)
        self.room_id.choices = choices(((str(r.id), r.name) for r in (forum.rooms if forum else [])), blank=True)
        self.group_id.choices = choices(((str(g.id), g.name) for g in groups), blank=True)
        self.countries.choices = choices(region_choices() + country_choices())
        filled = sum(1 for entry in self.speakers if entry.form.name.data)
        while len(self.speakers) < filled + SPARE_SPEAKERS:
            self.speakers.append_entry()


# -- consultations ------------------------------------------------------------------------------------------
class SlotForm(Form):
    day = BoundedDateField(_l("Date"), validators=[Optional()])
    time = TimeField(_l("Start time"), validators=[Optional()])


class GuestFields(Form):
    """A guest without a Hub account: one row of the creation form, or the form on the consultation's page."""

    name = StringField(_l("Guest's name"), validators=[Length(max=200)])
    email = StringField(_l("Guest's e-mail address"), validators=[Length(max=320)])
    locale = SelectField(_l("Language of the guest's e-mails"), validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.locale.choices = choices(LANGUAGE_NAMES.items())


class GuestForm(FlaskForm, GuestFields):
    """Add one guest to a consultation (the convener, on the consultation's page)."""


class GuestZoneForm(FlaskForm):
    """The zone a guest reads the poll in (on their personal link's page)."""

    timezone = SelectField(_l("Show the times in"), validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = zone_choices(self.timezone.data)


class ConsultationForm(FlaskForm):
    title = StringField(_l("Title"), validators=[Length(max=200)])
    purpose = TextAreaField(_l("Purpose"), validators=[Length(max=20000)])
    agenda = TextAreaField(_l("Agenda"), validators=[Length(max=20000)], description=_l("Markdown is allowed."))
    duration_minutes = WholeNumberField(_l("Duration (minutes)"), default=60,
                                    validators=[Optional(), NumberRange(min=5, max=24 * 60)])
    online_url = StringField(_l("Online link"), validators=[Length(max=500)])
    place = StringField(_l("Place (if people meet in person)"), validators=[Length(max=300)])
    audience = SelectField(_l("Who is invited"), validate_choice=False)
    group_id = SelectField(_l("Action group"), coerce=optional_int, validate_choice=False,
                           description=_l("Its members are invited when the audience is the group; its work plan "
                                          "gets the meeting's action items."))
    organisation_ids = SelectMultipleField(_l("Organisations"), coerce=id_choice, validate_choice=False,
                                           description=_l("Tick as many as apply."))
    emails = TextAreaField(_l("Invite people by e-mail"), validators=[Length(max=20000)],
                           description=_l("The e-mail addresses of people with a Hub account, one per line or "
                                          "separated by commas."))
    timezone = SelectField(_l("Time zone of the slots"), validate_choice=False,
                           description=_l("The slots below are in this zone; each invitee sees them in their own."))
    has_24h_clock = BooleanField(_l("Write the times on a 24-hour clock (14:30) in every language"),
                                 description=_l("Otherwise English shows 2:30 PM."))
    slots = FieldList(FormField(SlotForm), min_entries=SLOT_ROWS)
    deadline_on = BoundedDateField(_l("Answers wanted by (date)"), validators=[Optional()])
    deadline_time = TimeField(_l("Answers wanted by (time)"), validators=[Optional()])
    guests = FieldList(FormField(GuestFields), min_entries=GUEST_ROWS)
    is_public = BooleanField(_l("Show the meeting on the group's public page once it is scheduled"))
    countries = SelectMultipleField(_l("Countries it is about (optional)"), validate_choice=False,
                                    description=_l("Tick as many as apply; a region adds all its "
                                                   "countries. Leave empty to use the action group's focus countries. "
                                                   "Country pages list it for those who may see it."))

    def __init__(self, *args, groups=(), organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.countries.choices = choices(region_choices() + country_choices())
        self.audience.choices = choices((a.value, label) for a, label in AUDIENCE_LABELS.items())
        self.group_id.choices = choices(((str(g.id), g.name) for g in groups), blank=True)
        self.organisation_ids.choices = choices((o.id, o.name) for o in organisations)
        self.timezone.choices = zone_choices(self.timezone.data)
        while len(self.slots) < SLOT_ROWS:
            self.slots.append_entry()
        filled = sum(1 for entry in self.guests if entry.form.name.data or entry.form.email.data)
        while len(self.guests) < max(GUEST_ROWS, filled + 1):
            self.guests.append_entry()


class AnswerForm(FlaskForm):
    """One select per slot (``slot-<id>``), built by the view from the poll's slots."""


def answer_form(slots, current: dict[int, str]) -> FlaskForm:
    """A form with a yes / if need be / no choice for each slot, filled with the current answers."""

    class _AnswerForm(AnswerForm):
        pass

    for slot in slots:
        setattr(_AnswerForm, f"slot_{slot.id}", SelectField(
            _l("Your answer"), choices=choices((c.value, label) for c, label in CHOICE_LABELS.items()),
            default=current.get(slot.id, "no"), validate_choice=True))
    return _AnswerForm()


class AddSlotForm(FlaskForm):
    """A slot added to an open poll, in any time zone."""

    day = BoundedDateField(_l("Date"), validators=[Optional()])
    start = TimeField(_l("Start time"), validators=[Optional()])
    end = TimeField(_l("End time (optional)"), validators=[Optional()],
                    description=_l("Leave empty for the consultation's usual duration."))
    timezone = SelectField(_l("Time zone of this slot"), validate_choice=False,
                           description=_l("Invitees see the slot in their own zone."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = zone_choices(self.timezone.data)


class InviteForm(FlaskForm):
    emails = TextAreaField(_l("Invite more people by e-mail"), validators=[Length(max=20000)],
                           description=_l("The e-mail addresses of people with a Hub account."))


class ConfirmForm(FlaskForm):
    slot_id = HiddenField()


class RescheduleForm(FlaskForm):
    day = BoundedDateField(_l("New date"), validators=[Optional()])
    time = TimeField(_l("New start time"), validators=[Optional()])
    timezone = SelectField(_l("Time zone"), validate_choice=False)
    duration_minutes = WholeNumberField(_l("Duration (minutes)"), validators=[Optional(), NumberRange(min=5, max=1440)])
    message = TextAreaField(_l("Message to the invitees (optional)"), validators=[Length(max=2000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = zone_choices(self.timezone.data)


class CancelForm(FlaskForm):
    reason = TextAreaField(_l("Reason (sent to the invitees)"), validators=[Length(max=2000)])


class CountriesForm(FlaskForm):
    countries = SelectMultipleField(_l("Countries it is about"), validate_choice=False,
                                    description=_l("Tick as many as apply; a region adds all its "
                                                   "countries. Leave empty for none."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.countries.choices = choices(region_choices() + country_choices())


class RemindersForm(FlaskForm):
    first_hours = WholeNumberField(_l("First reminder (hours before)"), validators=[Optional(), NumberRange(min=1, max=168)],
                               description=_l("Leave empty for none."))
    second_minutes = WholeNumberField(_l("Second reminder (minutes before)"),
                                  validators=[Optional(), NumberRange(min=5, max=1440)],
                                  description=_l("Leave empty for none."))


class RespondForm(FlaskForm):
    response = HiddenField()


class MinutesForm(FlaskForm):
    minutes = TextAreaField(_l("Minutes"), validators=[Length(max=50000)], description=_l("Markdown is allowed."))
    send = BooleanField(_l("E-mail the minutes and action items to the invitees"))


class ActionItemForm(FlaskForm):
    title = StringField(_l("What"), validators=[Length(max=200)])
    responsible_id = SelectField(_l("Who"), coerce=optional_int, validate_choice=False)
    due_date = BoundedDateField(_l("Due date"), validators=[Optional()])

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.responsible_id.choices = choices(((str(p.id), p.name_with_org) for p in people), blank=True)
