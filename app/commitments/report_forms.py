"""Forms for progress reports: choosing a period, writing the report (fields per pledge), reviewing it."""
from __future__ import annotations

from datetime import date
from flask_babel import format_date, format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import RadioField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from app.commitments import reports
from app.commitments.forms import NumberField
from app.commitments.models import SPLIT_LABELS, SPLITS, Deliverable, Indicator, ProgressReport
from app.forms import BoundedDateField
from app.utils import parse_date


def optional_date(value) -> date | None:
    """A radio's value as a date: anything that is not an ISO date is None (the service says so)."""
    return parse_date(value)


def period_label(start: date, end: date) -> str:
    return _("%(start)s to %(end)s", start=format_date(start), end=format_date(end))


class NewReportForm(FlaskForm):
    period_end = RadioField(_l("Reporting period"), coerce=optional_date, validate_choice=False)

    def __init__(self, *args, periods=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.period_end.choices = [(p.end.isoformat(), period_label(p.start, p.end)) for p in periods]
        if len(periods) == 1 and not self.is_submitted():
            self.period_end.data = periods[0].end


class ReportForm(FlaskForm):
    """The fields every report has; :func:`report_form` adds one group per indicator and deliverable."""

    narrative = TextAreaField(_l("What was done in this period"),
                              validators=[Length(max=reports.TEXT_MAX)],
                              description=_l("Activities, results and who was reached. Markdown is allowed. "
                                             "Needed to submit; once approved, it is public."))
    challenges = TextAreaField(_l("Challenges"), validators=[Length(max=reports.TEXT_MAX)],
                               description=_l("What got in the way, and what you are doing about it. Optional."))

    # Filled by report_form(): (indicator, value field, comment field) and (deliverable, date field, note field).
    indicator_rows: list[tuple[Indicator, NumberField, StringField]] = []
    deliverable_rows: list[tuple[Deliverable, BoundedDateField, TextAreaField]] = []
    # Per indicator id: (split name, its label, the part fields) for each way the value can be split.
    split_rows: dict[int, list[tuple[str, str, list[NumberField]]]] = {}

    def parts_of(self, indicator_id: int) -> dict:
        """The parts entered for one indicator's value: column -> number (None where left empty)."""
        return {column: self[reports.part_field(column, indicator_id)].data
                for columns in SPLITS.values() for column, _label in columns}

    def report_data(self) -> reports.ReportData:
        """What was entered, for :func:`app.commitments.reports.save_report`."""
        return reports.ReportData(
            narrative=self.narrative.data or "", challenges=self.challenges.data or "",
            values={indicator.id: reports.ValueEntry(value.data, comment.data or "", self.parts_of(indicator.id))
                    for indicator, value, comment in self.indicator_rows},
            deliverables={deliverable.id: reports.DeliverableEntry(done_on.data, note.data or "")
                          for deliverable, done_on, note in self.deliverable_rows})


def _indicator_hint(indicator: Indicator) -> str:
    parts = []
    if indicator.baseline is not None:
        parts.append(_("baseline %(number)s", number=format_decimal(indicator.baseline)))
    if indicator.target is not None:
        parts.append(_("target %(number)s", number=format_decimal(indicator.target)))
    if indicator.current_value is not None:
        parts.append(_("last approved %(number)s", number=format_decimal(indicator.current_value)))
    return "; ".join(parts)


def report_deliverables(report: ProgressReport) -> list[Deliverable]:
    """The deliverables a report speaks of: those not done yet, and those it already has an update for."""
    updated = {u.deliverable_id for u in report.deliverable_updates}
    return [d for d in report.pledge.deliverables if not d.is_done or d.id in updated]


def report_form(report: ProgressReport, *, with_data: bool) -> ReportForm:
    """The report form for this report's pledge: a value and a comment per indicator, a done date and a
    note per open deliverable. Field names are ``value_<id>``, ``comment_<id>``, ``done_on_<id>`` and
    ``note_<id>``: the names the services give in a DomainError's ``field``.

    :param with_data: fill in what the report holds (first display); on a POST only what was sent counts.
    """
    indicators = list(report.pledge.indicators)
    deliverables = report_deliverables(report)

    class PledgeReportForm(ReportForm):
        pass

    for indicator in indicators:
        label = f"{indicator.name} ({indicator.unit})" if indicator.unit else indicator.name
        setattr(PledgeReportForm, reports.value_field(indicator.id),
                NumberField(label, description=_indicator_hint(indicator)))
        setattr(PledgeReportForm, f"comment_{indicator.id}",
                StringField(_l("Comment on this value"), validators=[Optional(), Length(max=reports.COMMENT_MAX)]))
        for columns in SPLITS.values():
            for column, part_label in columns:
                setattr(PledgeReportForm, reports.part_field(column, indicator.id), NumberField(part_label))
    for deliverable in deliverables:
        setattr(PledgeReportForm, reports.done_on_field(deliverable.id),
                BoundedDateField(_l("Done on"), validators=[Optional()],
                          description=_l("Leave empty if it is not done yet.")))
        setattr(PledgeReportForm, f"note_{deliverable.id}",
                TextAreaField(_l("Note"), validators=[Optional(), Length(max=reports.NOTE_MAX)]))

    data = None
    if with_data:
        values = {v.indicator_id: v for v in report.values}
        updates = {u.deliverable_id: u for u in report.deliverable_updates}
        data = {"narrative": report.narrative, "challenges": report.challenges}
        for indicator in indicators:
            row = values.get(indicator.id)
            data[reports.value_field(indicator.id)] = row.value if row else None
            data[f"comment_{indicator.id}"] = row.comment if row else ""
            for columns in SPLITS.values():
                for column, _label in columns:
                    data[reports.part_field(column, indicator.id)] = getattr(row, column) if row else None
        for deliverable in deliverables:
            update = updates.get(deliverable.id)
            data[reports.done_on_field(deliverable.id)] = update.done_on if update else None
            data[f"note_{deliverable.id}"] = update.note if update else ""
    form = PledgeReportForm(data=data)
    form.indicator_rows = [(i, form[reports.value_field(i.id)], form[f"comment_{i.id}"]) for i in indicators]
    form.deliverable_rows = [(d, form[reports.done_on_field(d.id)], form[f"note_{d.id}"]) for d in deliverables]
    form.split_rows = {i.id: [(split, str(SPLIT_LABELS[split]),
                               [form[reports.part_field(column, i.id)] for column, _label in columns])
                              for split, columns in SPLITS.items()] for i in indicators}
    return form


class ReviewForm(FlaskForm):
    """The secretariat's decision: approve, or return with a comment for the author."""

    decision = StringField()  # "approve" or "return": which of the two buttons was pressed
    comment = TextAreaField(_l("What needs to change"), validators=[Length(max=reports.TEXT_MAX)],
                            description=_l("Needed to return the report: the author and the focal point "
                                           "receive it."))


class EvidenceFileForm(FlaskForm):
    """A document or a photo backing up the report, with a caption."""

    file = FileField(_l("File"), description=_l("A document (PDF, office file, CSV) or a photo (JPEG, PNG, GIF, "
                                                "WebP). Its content is checked."))
    caption = StringField(_l("Caption"), validators=[Optional(), Length(max=reports.CAPTION_MAX)],
                          description=_l("What it shows, e.g. “Training in Kumasi, March”."))


class EvidenceLinkForm(FlaskForm):
    """A web page backing up the report (a news item, a photo album, a published study), with a caption."""

    url = StringField(_l("Web address"), validators=[Optional(), Length(max=reports.URL_MAX)],
                      description=_l("Starting with https:// or http://."))
    caption = StringField(_l("Caption"), validators=[Optional(), Length(max=reports.CAPTION_MAX)],
                          description=_l("What it shows, e.g. “Training in Kumasi, March”."))
