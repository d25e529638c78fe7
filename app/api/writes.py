"""The API's writes, with a token: progress report drafts and deliverables marked done.

Each goes through the same service as the web form (:mod:`app.commitments.reports`,
:func:`app.commitments.services.mark_deliverable_done`), so the same checks and the same review apply:
a draft saved here is submitted and reviewed on the site. One commit per request, nothing on error,
and an audit entry for every change.
"""
from __future__ import annotations

import re

import marshmallow as ma
import sqlalchemy as sa
from flask import abort, g
from flask_babel import gettext as _

from app import audit
from app.api import bp
from app.api.auth import PLEDGES_WRITE, REPORTS_WRITE, require_scope
from app.api.records import DeliverableDone, ReportRecord
from app.api.problems import problem
from app.api.routes import _pledge_or_404, report_record
from app.commitments import reports
from app.commitments.models import SPLIT_COLUMNS, Deliverable, ProgressReport
from app.commitments.services import mark_deliverable_done
from app.errors import DomainError, DuplicateError, InvalidTransitionError, NotAllowedError
from app.extensions import db
from app.i18n import viewer_today

TEXT_MAX = 20_000


class Number(ma.fields.Decimal):
    """A decimal from JSON (a number or a string such as "12.5"), finite and short; the service bounds it."""

    def __init__(self, **kwargs):
        super().__init__(allow_nan=False, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or (isinstance(value, str) and len(value) > 30):
            raise ma.ValidationError(_("Enter a number, e.g. 50 or 12.5"))
        return super()._deserialize(value, attr, data, **kwargs)


class ValueIn(ma.Schema):
    value = Number(allow_none=True, load_default=None)
    comment = ma.fields.String(load_default="", validate=ma.validate.Length(max=500))
    # The value split by sex and by age group: each split optional; the parts given add up to the value.
    female = Number(allow_none=True, load_default=None, metadata={"description": "part of the value: female"})
    male = Number(allow_none=True, load_default=None, metadata={"description": "part of the value: male"})
    sex_other = Number(allow_none=True, load_default=None,
                       metadata={"description": "part of the value: other sex or not known"})
    under_18 = Number(allow_none=True, load_default=None, metadata={"description": "part of the value: under 18"})
    adults = Number(allow_none=True, load_default=None, metadata={"description": "part of the value: 18 and over"})
    age_unknown = Number(allow_none=True, load_default=None,
                         metadata={"description": "part of the value: age not known"})


class DeliverableIn(ma.Schema):
    done_on = ma.fields.Date(allow_none=True, load_default=None)
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=2000))


class ReportIn(ma.Schema):
    narrative = ma.fields.String(load_default="", validate=ma.validate.Length(max=TEXT_MAX))
    challenges = ma.fields.String(load_default="", validate=ma.validate.Length(max=TEXT_MAX))
    values = ma.fields.Dict(keys=ma.fields.String(validate=ma.validate.Regexp(r"^[0-9]{1,10}$")),
                            values=ma.fields.Nested(ValueIn), load_default=dict,
                            metadata={"description": "by indicator id"})
    deliverables = ma.fields.Dict(keys=ma.fields.String(validate=ma.validate.Regexp(r"^[0-9]{1,10}$")),
                                  values=ma.fields.Nested(DeliverableIn), load_default=dict,
                                  metadata={"description": "by deliverable id"})


class NewReportIn(ReportIn):
    period_end = ma.fields.Date(required=True, metadata={"description": "the end of one of the pledge's periods"})


class DoneIn(ma.Schema):
    done_on = ma.fields.Date(required=True)
    evidence_url = ma.fields.String(load_default="", validate=ma.validate.Length(max=500))


_FIELD = re.compile(r"^(value|comment|done_on|note|female|male|sex_other|under_18|adults|age_unknown)_(\d+)$")
_WHERE = {"value": "values.{}.value", "comment": "values.{}.comment", "done_on": "deliverables.{}.done_on",
          "note": "deliverables.{}.note", **{column: f"values.{{}}.{column}" for column in SPLIT_COLUMNS}}


def _api_field(name: str | None) -> str:
    """The service's form field name (``value_3``) as the JSON path of the request (``values.3.value``)."""
    match = _FIELD.match(name or "")
    if match:
        return _WHERE[match.group(1)].format(match.group(2))
    return name or "_"


def _run(action):
    """Run a service and commit; on a refusal roll back and answer a problem (403, 409 or 422)."""
    try:
        result = action()
    except NotAllowedError as exc:
        db.session.rollback()
        return None, problem(403, str(exc))
    except (InvalidTransitionError, DuplicateError) as exc:
        db.session.rollback()
        return None, problem(409, str(exc), errors={_api_field(exc.field): str(exc)} if exc.field else None)
    except DomainError as exc:
        db.session.rollback()
        return None, problem(422, str(exc), errors={_api_field(exc.field): str(exc)})
    db.session.commit()
    return result, None


def _data(body: dict) -> reports.ReportData:
    return reports.ReportData(
        narrative=body["narrative"], challenges=body["challenges"],
        values={int(k): reports.ValueEntry(v["value"], v["comment"], {c: v[c] for c in SPLIT_COLUMNS})
                for k, v in body["values"].items()},
        deliverables={int(k): reports.DeliverableEntry(v["done_on"], v["note"])
                      for k, v in body["deliverables"].items()})


@bp.route("/pledges/<int:pledge_id>/reports", methods=["POST"])
@bp.arguments(NewReportIn, as_kwargs=False)
@bp.response(201, ReportRecord)
@bp.doc(tags=["Reporting"], summary="Start a progress report draft", security=[{"bearer": []}],
        description="Needs the reports:write scope. The draft is submitted and reviewed on the site, as any report.")
def report_create(body, pledge_id: int):
    user = require_scope(REPORTS_WRITE)
    pledge = _pledge_or_404(pledge_id)

    def action():
        report = reports.start_report(user, pledge, body["period_end"])
        reports.save_report(user, report, _data(body))
        audit.record(user, "api.report_started", report, token=g.api_token.id, pledge=pledge.id)
        return report

    report, refused = _run(action)
    if refused is not None:
        return refused
    return report_record(report), 201


def _report_or_404(pledge_id: int, report_id: int) -> ProgressReport:
    pledge = _pledge_or_404(pledge_id)
    report = db.session.scalar(sa.select(ProgressReport).where(ProgressReport.id == report_id,
                                                               ProgressReport.pledge_id == pledge.id))
    if report is None or not report.can_view(g.api_user):
        abort(404)
    return report


@bp.route("/pledges/<int:pledge_id>/reports/<int:report_id>", methods=["PUT"])
@bp.arguments(ReportIn, as_kwargs=False)
@bp.response(200, ReportRecord)
@bp.doc(tags=["Reporting"], summary="Save a progress report draft", security=[{"bearer": []}],
        description="Replaces the draft's text, values and deliverable notes (a draft or a returned report).")
def report_save(body, pledge_id: int, report_id: int):
    user = require_scope(REPORTS_WRITE)
    report = _report_or_404(pledge_id, report_id)

    def action():
        reports.save_report(user, report, _data(body))
        audit.record(user, "api.report_saved", report, token=g.api_token.id, pledge=report.pledge_id)
        return report

    saved, refused = _run(action)
    return refused if refused is not None else report_record(saved)


@bp.route("/pledges/<int:pledge_id>/deliverables/<int:deliverable_id>/done", methods=["POST"])
@bp.arguments(DoneIn, as_kwargs=False)
@bp.response(200, DeliverableDone)
@bp.doc(tags=["Reporting"], summary="Mark a deliverable as done", security=[{"bearer": []}],
        description="Needs the pledges:write scope; as the pledge page's 'mark as done'.")
def deliverable_done(body, pledge_id: int, deliverable_id: int):
    user = require_scope(PLEDGES_WRITE)
    pledge = _pledge_or_404(pledge_id)
    deliverable = db.session.scalar(sa.select(Deliverable).where(Deliverable.id == deliverable_id,
                                                                 Deliverable.pledge_id == pledge.id))
    if deliverable is None:
        abort(404)

    def action():
        mark_deliverable_done(user, deliverable, body["done_on"], body["evidence_url"], today=viewer_today())
        audit.record(user, "api.deliverable_done", deliverable, token=g.api_token.id, pledge=pledge.id)
        return deliverable

    done, refused = _run(action)
    if refused is not None:
        return refused
    return {"id": done.id, "title": done.title, "done_on": done.done_on.isoformat(),
            "evidence_url": done.evidence_url or None}
