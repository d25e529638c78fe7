"""The public pledge registry: filters, search, pages, and its CSV, JSON and IATI exports."""
from __future__ import annotations

import csv
import io

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Response, abort, current_app, jsonify, render_template, request

from app.commitments import bp
from app.commitments.forms import region_choices
from app.commitments.iati import pledges_to_iati
from app.commitments.models import LIGHT_LABELS, PLEDGE_STATE_LABELS, Pledge, PledgeState
from app.commitments.registry import (
    LIGHTS, STATUSES, RegistryFilters, csv_header, csv_row, export_pledges, global_count, list_options,
    pledge_record, registry_page,
)
from app.commitments.schedule import Light
from app.extensions import db
from app.i18n import country_choices, viewer_today
from app.taxonomy import ACTION_TYPES, AREAS
from app.urls import external_url


def _download(body: str | bytes, mimetype: str, filename: str) -> Response:
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.route("/")
def registry():
    filters = RegistryFilters.from_args(request.args)
    today = viewer_today()
    page = registry_page(filters, today, current_app.config["PAGE_SIZE"])
    return render_template(
        "commitments/registry.html", page=page, filters=filters, today=today, global_count=global_count(filters, today),
        areas=AREAS, action_types=ACTION_TYPES, regions=region_choices(), countries=country_choices(),
        statuses=[(code, PLEDGE_STATE_LABELS[PledgeState(code)]) for code in STATUSES],
        lights=[(code, LIGHT_LABELS[Light(code)]) for code in LIGHTS])


@bp.route("/export.csv")
def export_csv():
    filters = RegistryFilters.from_args(request.args)
    today = viewer_today()
    out = io.StringIO()
    out.write("\ufeff")  # a byte-order mark, so spreadsheet programs read the file as UTF-8
    writer = csv.writer(out)
    writer.writerow(csv_header())
    for pledge in export_pledges(filters, today):
        writer.writerow(csv_row(pledge, today, external_url("commitments.detail", pledge_id=pledge.id)))
    return _download(out.getvalue(), "text/csv", f"pledges-{today.isoformat()}.csv")


@bp.route("/export.json")
def export_json():
    filters = RegistryFilters.from_args(request.args)
    today = viewer_today()
    records = [pledge_record(pledge, today, external_url("commitments.detail", pledge_id=pledge.id))
               for pledge in export_pledges(filters, today, with_details=True)]
    response = jsonify(records)
    response.headers["Content-Disposition"] = f'attachment; filename="pledges-{today.isoformat()}.json"'
    return response


@bp.route("/export.xml")
def export_iati():
    """The filtered registry as IATI activity XML 2.03."""
    filters = RegistryFilters.from_args(request.args)
    today = viewer_today()
    body = pledges_to_iati(export_pledges(filters, today, with_details=True))
    return _download(body, "application/xml", f"pledges-iati-{today.isoformat()}.xml")


@bp.route("/<int:pledge_id>/iati.xml")
def pledge_iati(pledge_id: int):
    """One pledge as IATI activity XML; only public pledges have one (404 otherwise, even for their authors)."""
    pledge = db.session.scalar(sa.select(Pledge).where(Pledge.id == pledge_id).options(
        *list_options(), so.selectinload(Pledge.indicators)))
    if pledge is None or not pledge.is_public:
        abort(404)
    return _download(pledges_to_iati([pledge]), "application/xml", f"pledge-{pledge.id}-iati.xml")
