"""The public pledge registry: filters, search, pages, and its CSV, JSON and IATI exports."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Response, abort, current_app, json, render_template, request, stream_with_context

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


def _download(body, mimetype: str, filename: str) -> Response:
    """A file to save; ``body`` may be a generator of text, sent as it comes (wrap it in stream_with_context)."""
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


# How many rows a streamed export sends at once: few enough for the first bytes to leave at once, enough
# for the writes not to cost more than the rows.
STREAM_ROWS = 200


def csv_lines(header: list[str], rows) -> Iterator[str]:
    """The CSV text of ``header`` and ``rows``, a few rows at a time, with a byte-order mark first so that
    spreadsheet programs read the file as UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out)
    out.write("\ufeff")
    writer.writerow(header)
    yield out.getvalue()
    out.seek(0)
    out.truncate()
    for count, row in enumerate(rows, 1):
        writer.writerow(row)
        if count % STREAM_ROWS == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


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
    """The filtered registry as CSV, streamed: the first rows leave before the last are read."""
    filters = RegistryFilters.from_args(request.args)
    today = viewer_today()
    pledges = export_pledges(filters, today, release=True)
    rows = (csv_row(pledge, today, external_url("commitments.detail", pledge_id=pledge.id)) for pledge in pledges)
    return _download(stream_with_context(csv_lines(csv_header(), rows)), "text/csv",
                     f"pledges-{today.isoformat()}.csv")


@bp.route("/export.json")
def export_json():
    """The filtered registry as a JSON list of objects, streamed like the CSV."""
    filters = RegistryFilters.from_args(request.args)
    today = viewer_today()
    pledges = export_pledges(filters, today, with_details=True, release=True)

    def body() -> Iterator[str]:
        opening, records = "[", []
        for pledge in pledges:
            records.append(json.dumps(pledge_record(pledge, today,
                                                    external_url("commitments.detail", pledge_id=pledge.id))))
            if len(records) == STREAM_ROWS:
                yield opening + ",".join(records)
                opening, records = ",", []
        yield (opening + ",".join(records) if records or opening == "[" else "") + "]\n"

    return _download(stream_with_context(body()), "application/json", f"pledges-{today.isoformat()}.json")


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
