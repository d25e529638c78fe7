"""Progress report rules: draft → submitted → returned → approved; approval moves the pledge forward.

Services take explicit actors, flush but never commit, take ``now`` so tests fix the clock, and raise
DomainError with words for the person. A problem with one indicator's value or one deliverable's date
names its form field: ``value_<indicator id>`` and ``done_on_<deliverable id>`` (see report_forms.py).

Only an approved report changes the pledge: its indicators' current values, its deliverables' done
dates and the reporting schedule behind the traffic light. Only approved reports are public.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import urlsplit

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import format_date, format_decimal
from flask_babel import gettext as _

from app.commitments import schedule
from app.commitments.models import (
    SPLIT_LABELS, SPLITS, DeliverableUpdate, Pledge, PledgeState, ProgressReport, ReportEvidence, ReportState,
    ReportValue, parts_record,
)
from app.commitments.services import pledge_url, record_event
from app.errors import DomainError, DuplicateError, InvalidTransitionError, NotAllowedError
from app.extensions import db
from app.i18n import viewer_today
from app.members.models import User
from app.members.services import admins
from app.notifications.services import notify
from app.policy import is_secretariat
from app.uploads import MIME_TYPES, StoredFile, delete_later
from app.utils import utcnow

logger = logging.getLogger(__name__)

TEXT_MAX = 20000      # narrative, challenges, the secretariat's comment
COMMENT_MAX = 500     # ReportValue.comment
NOTE_MAX = 2000       # DeliverableUpdate.note
# The largest indicator value accepted (as the pledge form's NumberField: NUMERIC(20, 4) has room for it).
NUMBER_LIMIT = Decimal(10) ** 15
EDITABLE = (ReportState.draft, ReportState.returned)
CAPTION_MAX = 300     # ReportEvidence.caption
URL_MAX = 500         # ReportEvidence.url
EVIDENCE_MAX = 20     # files and links per report
# Documents and photos: every type app/uploads.py knows how to check.
EVIDENCE_TYPES = tuple(MIME_TYPES)


def value_field(indicator_id: int) -> str:
    """The form field of one indicator's value (the DomainError ``field`` the form shows it next to)."""
    return f"value_{indicator_id}"


def done_on_field(deliverable_id: int) -> str:
    return f"done_on_{deliverable_id}"


def part_field(column: str, indicator_id: int) -> str:
    """The form field of one part of a split value, e.g. ``female_12`` (see models.SPLITS)."""
    return f"{column}_{indicator_id}"


def _number(value, field_name: str) -> Decimal | None:
    """Numbers must be numbers. The form reads what was typed in the person's language and refuses
    "about 50" itself (NumberField); here anything that is not a finite number of a storable size is
    refused too, whoever the caller."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)) or not Decimal(value).is_finite() \
            or abs(value) >= NUMBER_LIMIT:
        raise DomainError(_("Enter a number, e.g. 50 or 12.5"), field=field_name)
    return Decimal(value)


@dataclass(frozen=True)
class ValueEntry:
    """What a report says about one indicator."""

    value: Decimal | None = None
    comment: str = ""
    # The value split by sex and age group: column (models.SPLITS) -> number; missing or None = not given.
    parts: Mapping[str, Decimal | None] = field(default_factory=dict)


@dataclass(frozen=True)
class DeliverableEntry:
    """What a report says about one deliverable: a note, and the date it was done if it was."""

    done_on: date | None = None
    note: str = ""


@dataclass(frozen=True)
class ReportData:
    """What a person enters in a report. ``values`` is keyed by indicator id, ``deliverables`` by
    deliverable id; ids that are not the pledge's are ignored."""

    narrative: str = ""
    challenges: str = ""
    values: Mapping[int, ValueEntry] = field(default_factory=dict)
    deliverables: Mapping[int, DeliverableEntry] = field(default_factory=dict)


def _entry(cls, entry):
    """A ValueEntry/DeliverableEntry from itself, a mapping of its fields, or (for values) a bare number."""
    if isinstance(entry, cls):
        return entry
    if isinstance(entry, Mapping):
        return cls(**entry)
    return cls(entry)


def _as_data(data: ReportData | Mapping) -> ReportData:
    if not isinstance(data, ReportData):
        data = ReportData(narrative=data.get("narrative", ""), challenges=data.get("challenges", ""),
                          values=data.get("values", {}), deliverables=data.get("deliverables", {}))
    return ReportData(narrative=data.narrative or "", challenges=data.challenges or "",
                      values={int(k): _entry(ValueEntry, v) for k, v in data.values.items()},
                      deliverables={int(k): _entry(DeliverableEntry, v) for k, v in data.deliverables.items()})


def report_url(report: ProgressReport) -> str:
    """The report's page, as a path inside the Hub (for notifications; works outside a request too)."""
    return f"{pledge_url(report.pledge)}/reports/{report.id}"


# -- reading ------------------------------------------------------------------------------------------------
def eligible_periods(pledge: Pledge, today: date) -> list[schedule.Period]:
    """The periods a report can be started for: begun by ``today`` and without a report (in any state)."""
    taken = set(db.session.scalars(sa.select(ProgressReport.period_end)
                                   .where(ProgressReport.pledge_id == pledge.id)))
    return [p for p in pledge.reporting_periods() if p.start <= today and p.end not in taken]


def visible_reports(pledge: Pledge, user) -> list[ProgressReport]:
    """The pledge's reports this person may see, newest period first: every state for the pledging
    organisation, its partners and the secretariat; approved ones for everyone who can see the pledge."""
    if not pledge.can_view(user):
        return []
    query = (sa.select(ProgressReport).where(ProgressReport.pledge_id == pledge.id)
             .options(so.selectinload(ProgressReport.values)).order_by(ProgressReport.period_end.desc()))
    if not pledge.can_view_private(user):
        query = query.where(ProgressReport.state == ReportState.approved)
    return list(db.session.scalars(query))


def indicator_chart_data(pledge: Pledge) -> dict:
    """Per indicator: baseline, target and the approved values over time, in period order (JSON-ready).

    ``{"start", "end", "indicators": [{"id", "name", "unit", "baseline", "target", "points": [{"date",
    "value"}]}]}``: dates in ISO form (the pledge's start and end place the baseline and target lines),
    numbers as floats, None where not given. One query (the pledge's indicators aside).
    """
    rows = db.session.execute(
        sa.select(ReportValue.indicator_id, ProgressReport.period_end, ReportValue.value)
        .join(ProgressReport, ProgressReport.id == ReportValue.report_id)
        .where(ProgressReport.pledge_id == pledge.id, ProgressReport.state == ReportState.approved,
               ReportValue.value.is_not(None))
        .order_by(ProgressReport.period_end))
    points: dict[int, list[dict]] = {}
    for indicator_id, period_end, value in rows:
        points.setdefault(indicator_id, []).append({"date": period_end.isoformat(), "value": float(value)})
    return {"start": _iso(pledge.start_date), "end": _iso(pledge.end_date), "indicators": [
        {"id": indicator.id, "name": indicator.name, "unit": indicator.unit,
         "baseline": _float(indicator.baseline), "target": _float(indicator.target),
         "points": points.get(indicator.id, [])}
        for indicator in pledge.indicators]}


def _float(number: Decimal | None) -> float | None:
    return None if number is None else float(number)


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def submitted_reports() -> list[ProgressReport]:
    """The secretariat's review queue: submitted reports, longest waiting first, with pledge and
    organisation loaded in the same query."""
    return list(db.session.scalars(
        sa.select(ProgressReport).where(ProgressReport.state == ReportState.submitted)
        .options(so.joinedload(ProgressReport.pledge).joinedload(Pledge.organisation),
                 so.joinedload(ProgressReport.author))
        .order_by(ProgressReport.submitted_at, ProgressReport.id)))


# -- checks -------------------------------------------------------------------------------------------------
def require_reporter(actor: User, pledge: Pledge) -> None:
    """Only the pledging organisation reports, and only on a published pledge.

    :raises NotAllowedError: someone else (a view answers 403).
    :raises InvalidTransitionError: the pledge is not published, or is closed (a view says why).
    """
    if pledge.can_report(actor):
        return
    if pledge.state is PledgeState.withdrawn:
        raise InvalidTransitionError(_("This pledge was withdrawn: it takes no new progress reports."))
    if pledge.state is PledgeState.completed:
        raise InvalidTransitionError(_("This pledge is completed: it takes no new progress reports."))
    if pledge.state is not PledgeState.published:
        raise InvalidTransitionError(_("Progress reports start once the secretariat has published the pledge."))
    raise NotAllowedError(_("Only people of the pledging organisation can report on this pledge."))


def require_editable(actor: User, report: ProgressReport) -> None:
    """The report can be changed (and submitted) by ``actor``: as :func:`require_reporter`, and the
    report is a draft or returned for revision."""
    require_reporter(actor, report.pledge)
    if report.state not in EDITABLE:
        raise InvalidTransitionError(
            _("This report is already submitted for review and cannot be changed.")
            if report.state is ReportState.submitted else _("This report is approved and cannot be changed."))


def require_reviewer(actor: User, report: ProgressReport) -> None:
    """The secretariat approves or returns a report that is submitted."""
    if not is_secretariat(actor):
        raise NotAllowedError(_("Only the secretariat reviews progress reports."))
    if report.state is not ReportState.submitted:
        raise InvalidTransitionError(_("Only a report submitted for review can be approved or returned."))


def _sync_rows(report: ProgressReport) -> None:
    """One value row per indicator and one update row per deliverable not done yet (indicators and
    deliverables added to the pledge after the report was started get theirs here)."""
    have_values = {v.indicator_id for v in report.values}
    for indicator in report.pledge.indicators:
        if indicator.id not in have_values:
            report.values.append(ReportValue(indicator_id=indicator.id, indicator=indicator))
    have_updates = {u.deliverable_id for u in report.deliverable_updates}
    for deliverable in report.pledge.deliverables:
        if deliverable.id not in have_updates and not deliverable.is_done:
            report.deliverable_updates.append(DeliverableUpdate(deliverable_id=deliverable.id, deliverable=deliverable))


def _check(report: ProgressReport, data: ReportData, today: date) -> dict[int, Decimal | None]:
    """Refuse what cannot be saved, with the field to show the message next to; return the parsed values."""
    if len(data.narrative) > TEXT_MAX:
        raise DomainError(_("Keep the narrative under %(max)d characters.", max=TEXT_MAX), field="narrative")
    if len(data.challenges) > TEXT_MAX:
        raise DomainError(_("Keep the challenges under %(max)d characters.", max=TEXT_MAX), field="challenges")
    numbers = {}
    for indicator in report.pledge.indicators:
        entry = data.values.get(indicator.id, ValueEntry())
        numbers[indicator.id] = _number(entry.value, value_field(indicator.id))
        if len(entry.comment or "") > COMMENT_MAX:
            raise DomainError(_("Keep the comment under %(max)d characters.", max=COMMENT_MAX),
                              field=f"comment_{indicator.id}")
        _check_splits(indicator.id, numbers[indicator.id], entry.parts or {})
    start = report.pledge.start_date
    for deliverable in report.pledge.deliverables:
        entry = data.deliverables.get(deliverable.id)
        if entry is None:
            continue
        if entry.done_on is not None and entry.done_on > today:
            raise DomainError(_("The date it was done cannot be in the future."), field=done_on_field(deliverable.id))
        if entry.done_on is not None and start is not None and entry.done_on < start:
            raise DomainError(_("The date it was done cannot be before the pledge started (%(date)s).",
                                date=format_date(start)), field=done_on_field(deliverable.id))
        if len(entry.note or "") > NOTE_MAX:
            raise DomainError(_("Keep the note under %(max)d characters.", max=NOTE_MAX),
                              field=f"note_{deliverable.id}")
    return numbers


def _check_splits(indicator_id: int, total: Decimal | None, parts: Mapping[str, Decimal | None]) -> None:
    """Each split that is given (any of its parts filled in) adds up to the value; a part left empty
    counts as none. Every split that does not is named next to its first part, with the sums, so the
    person sees what to change and nothing typed is lost."""
    problems = []
    for split, columns in SPLITS.items():
        first = part_field(columns[0][0], indicator_id)
        given = {column: _number(parts.get(column), part_field(column, indicator_id)) for column, _label in columns}
        numbers = [number for number in given.values() if number is not None]
        if not numbers:
            continue
        for column, number in given.items():
            if number is not None and number < 0:
                raise DomainError(_("A part cannot be less than zero."), field=part_field(column, indicator_id))
        if total is None:
            problems.append((first, _("Enter the value too: the parts %(split)s add up to it.",
                                      split=str(SPLIT_LABELS[split]).lower())))
        elif sum(numbers) != total:
            problems.append((first, _("The parts %(split)s add up to %(sum)s, not to the value %(total)s. "
                                      "Correct a part or the value.", split=str(SPLIT_LABELS[split]).lower(),
                                      sum=format_decimal(sum(numbers)), total=format_decimal(total))))
    if problems:
        error = DomainError(problems[0][1], field=problems[0][0])
        error.problems = problems
        raise error


# -- operations ---------------------------------------------------------------------------------------------
def start_report(actor: User, pledge: Pledge, period_end: date, *, now: datetime | None = None) -> ProgressReport:
    """Start a draft report for the reporting period ending on ``period_end``.

    :raises NotAllowedError: the actor is not of the pledging organisation.
    :raises InvalidTransitionError: the pledge is not published (or is withdrawn or completed).
    :raises DomainError: not one of the pledge's periods, a period that has not started, or a period
        that already has a report (``field="period_end"``).
    """
    require_reporter(actor, pledge)
    now = now or utcnow()
    period = next((p for p in pledge.reporting_periods() if p.end == period_end), None)
    if period is None:
        raise DomainError(_("Choose a reporting period from the list."), field="period_end")
    if period.start > viewer_today(now):
        raise DomainError(_("No report for a future period: this period starts on %(date)s.",
                            date=format_date(period.start)), field="period_end")
    if db.session.scalar(sa.select(ProgressReport.id).where(ProgressReport.pledge_id == pledge.id,
                                                            ProgressReport.period_end == period.end)) is not None:
        raise DuplicateError(_("This period already has a report: open it from the report history."),
                             field="period_end")
    report = ProgressReport(pledge=pledge, pledge_id=pledge.id, period_start=period.start, period_end=period.end,
                            state=ReportState.draft, author_id=actor.id, created_at=now, updated_at=now)
    _sync_rows(report)
    db.session.add(report)
    db.session.flush()
    logger.info("Progress report %r started by %s", report, actor)
    return report


def save_report(actor: User, report: ProgressReport, data: ReportData | Mapping, *,
                now: datetime | None = None) -> ProgressReport:
    """Save what the author wrote (a draft, or a returned report being revised).

    :param data: a :class:`ReportData` (or a mapping with its field names).
    :raises NotAllowedError, InvalidTransitionError: not the author's organisation, or not editable.
    :raises DomainError: a value that is not a number, a done date in the future or before the pledge
        started, or text too long; ``field`` names the form field.
    """
    require_editable(actor, report)
    now = now or utcnow()
    data = _as_data(data)
    numbers = _check(report, data, viewer_today(now))
    _sync_rows(report)
    report.narrative = data.narrative.strip()
    report.challenges = data.challenges.strip()
    for row in report.values:
        if row.indicator_id in numbers:
            entry = data.values.get(row.indicator_id, ValueEntry())
            row.value = numbers[row.indicator_id]
            row.comment = (entry.comment or "").strip()
            for columns in SPLITS.values():
                for column, _label in columns:
                    setattr(row, column, _number((entry.parts or {}).get(column), column))
    for row in report.deliverable_updates:
        entry = data.deliverables.get(row.deliverable_id)
        if entry is not None:
            row.done_on, row.note = entry.done_on, (entry.note or "").strip()
    report.updated_at = now
    db.session.flush()
    return report


def submit_report(actor: User, report: ProgressReport, *, now: datetime | None = None) -> ProgressReport:
    """Send a draft (or a revised, returned report) to the secretariat for review.

    :raises DomainError: no narrative, or an indicator without a value (named, next to its field).
    """
    require_editable(actor, report)
    now = now or utcnow()
    _sync_rows(report)
    if not report.narrative.strip():
        raise DomainError(_("Write the narrative: what was done in this period."), field="narrative")
    values = {row.indicator_id: row.value for row in report.values}
    missing = [indicator for indicator in report.pledge.indicators if values.get(indicator.id) is None]
    if missing:
        raise DomainError(_("Enter a value for every indicator. Missing: %(names)s.",
                            names=", ".join(f"“{indicator.name}”" for indicator in missing)),
                          field=value_field(missing[0].id))
    report.state = ReportState.submitted
    report.submitted_at = report.updated_at = now
    db.session.flush()
    pledge = report.pledge
    record_event(pledge, actor, "report_submitted", report=report, now=now)
    for admin in admins():
        notify(admin, "report_submitted", key=f"report_submitted:{report.id}:{admin.id}:{now.isoformat()}",
               url=report_url(report), actor=actor, now=now, pledge=pledge.title)
    logger.info("Progress report %r submitted by %s", report, actor)
    return report


def _tell_reporters(actor: User, report: ProgressReport, kind: str, now: datetime, **params) -> None:
    """Notify the report's author and the pledge's coordinating focal point (once each)."""
    people = {}
    for person_id in (report.author_id, report.pledge.coordinator_id):
        if person_id is not None and person_id not in people:
            person = db.session.get(User, person_id)
            if person is not None:
                people[person_id] = person
    for person in people.values():
        notify(person, kind, key=f"{kind}:{report.id}:{person.id}:{now.isoformat()}", url=report_url(report),
               actor=actor, now=now, pledge=report.pledge.title, **params)


def return_report(admin: User, report: ProgressReport, comment: str, *, now: datetime | None = None) -> ProgressReport:
    """Send a submitted report back to its author for revision, saying what to change.

    :raises DomainError: no comment (``field="comment"``).
    """
    require_reviewer(admin, report)
    comment = (comment or "").strip()
    if not comment:
        raise DomainError(_("Say what needs to change: your comment goes to the author."), field="comment")
    if len(comment) > TEXT_MAX:
        raise DomainError(_("Keep the comment under %(max)d characters.", max=TEXT_MAX), field="comment")
    now = now or utcnow()
    report.state = ReportState.returned
    report.review_comment = comment
    report.reviewed_by_id = admin.id
    report.reviewed_at = report.updated_at = now
    db.session.flush()
    record_event(report.pledge, admin, "report_returned", comment=comment, report=report, now=now)
    _tell_reporters(admin, report, "report_returned", now, message=comment)
    logger.info("Progress report %r returned by %s", report, admin)
    return report


def approve_report(admin: User, report: ProgressReport, *, now: datetime | None = None) -> ProgressReport:
    """Approve a submitted report: it becomes public and moves the pledge forward.

    An indicator takes the report's value only if no later period's value is already approved, so
    approving an older report after a newer one never turns the clock back. Deliverables the report
    says are done get that date (a date already recorded is kept). The pledge is reported through the
    end of the latest approved period, and its traffic light is recomputed.
    """
    require_reviewer(admin, report)
    now = now or utcnow()
    pledge = report.pledge
    report.state = ReportState.approved
    report.reviewed_by_id = admin.id
    report.reviewed_at = report.approved_at = report.updated_at = now
    indicators = {indicator.id: indicator for indicator in pledge.indicators}
    for row in report.values:
        indicator = indicators.get(row.indicator_id)
        if row.value is None or indicator is None:
            continue
        if indicator.current_as_of is None or indicator.current_as_of <= report.period_end:
            indicator.current_value, indicator.current_as_of = row.value, report.period_end
            parts = parts_record(row)
            indicator.current_parts = parts if any(parts.values()) else None
    deliverables = {deliverable.id: deliverable for deliverable in pledge.deliverables}
    for row in report.deliverable_updates:
        deliverable = deliverables.get(row.deliverable_id)
        if row.done_on is not None and deliverable is not None and deliverable.done_on is None:
            deliverable.done_on = row.done_on
            deliverable.done_by_id = report.author_id
    pledge.reported_through = max(filter(None, (pledge.reported_through, report.period_end)))
    pledge.refresh_schedule()
    db.session.flush()
    record_event(pledge, admin, "report_approved", report=report, now=now)
    _tell_reporters(admin, report, "report_approved", now)
    logger.info("Progress report %r approved by %s", report, admin)
    return report


# -- evidence -----------------------------------------------------------------------------------------------
def _check_caption(caption: str | None) -> str:
    caption = " ".join((caption or "").split())
    if len(caption) > CAPTION_MAX:
        raise DomainError(_("Keep the caption under %(max)d characters.", max=CAPTION_MAX), field="caption")
    return caption


def _check_room(report: ProgressReport) -> None:
    if len(report.evidence) >= EVIDENCE_MAX:
        raise DomainError(_("A report takes at most %(max)d files and links. Remove one to add another.",
                            max=EVIDENCE_MAX))


def checked_link(url: str | None) -> str:
    """A web address given as evidence: http or https with a host, no spaces, of a storable length.

    :raises DomainError: anything else (``javascript:``, ``data:``, ``ftp:``, a bare word), ``field="url"``.
    """
    url = (url or "").strip()
    if not url:
        raise DomainError(_("Give the web address of the evidence."), field="url")
    if len(url) > URL_MAX:
        raise DomainError(_("Keep the address under %(max)d characters.", max=URL_MAX), field="url")
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = None
    if (parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname
            or any(ch.isspace() or ord(ch) < 32 for ch in url)):
        raise DomainError(_("Give a web address starting with https:// or http://."), field="url")
    return url


def add_evidence_file(actor: User, report: ProgressReport, stored: StoredFile, caption: str = "", *,
                      now: datetime | None = None) -> ReportEvidence:
    """Attach a checked, stored file (app/uploads.py: ``stored_upload``) to a draft or returned report.

    :raises NotAllowedError, InvalidTransitionError: as :func:`require_editable`.
    :raises DomainError: a caption too long, or the report has EVIDENCE_MAX items already.
    """
    require_editable(actor, report)
    caption = _check_caption(caption)
    _check_room(report)
    now = now or utcnow()
    evidence = ReportEvidence(report=report, kind="file", caption=caption, path_key=stored.path_key,
                              file_name=stored.original_name, mime=stored.mime, size=stored.size,
                              sha256=stored.sha256, added_by_id=actor.id, created_at=now)
    db.session.add(evidence)
    report.updated_at = now
    db.session.flush()
    logger.info("Evidence %r added by %s", evidence, actor)
    return evidence


def add_evidence_link(actor: User, report: ProgressReport, url: str, caption: str = "", *,
                      now: datetime | None = None) -> ReportEvidence:
    """Attach a link (http or https only) to a draft or returned report.

    :raises DomainError: a link that is not a web address (``field="url"``), a caption too long, a full report.
    """
    require_editable(actor, report)
    url = checked_link(url)
    caption = _check_caption(caption)
    _check_room(report)
    now = now or utcnow()
    evidence = ReportEvidence(report=report, kind="link", caption=caption, url=url, added_by_id=actor.id,
                              created_at=now)
    db.session.add(evidence)
    report.updated_at = now
    db.session.flush()
    logger.info("Evidence %r added by %s", evidence, actor)
    return evidence


def remove_evidence(actor: User, evidence: ReportEvidence, *, now: datetime | None = None) -> None:
    """Remove a file or link while its report is a draft or returned; a file is deleted once that is committed.

    :raises NotAllowedError, InvalidTransitionError: as :func:`require_editable`.
    """
    report = evidence.report
    require_editable(actor, report)
    path_key = evidence.path_key
    report.evidence.remove(evidence)
    report.updated_at = now or utcnow()
    db.session.flush()
    if path_key:
        delete_later(path_key)  # by the worker, once the removal is committed
    logger.info("Evidence %r removed by %s", evidence, actor)
