"""The monitoring dashboard: every figure as a chart with its table, each downloadable as CSV (figures computed at
most once per DASHBOARD_FIGURES_SECONDS: see app.knowledge.dashboard.compute)."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

from flask import Response, abort, current_app, render_template, request
from flask_babel import format_timedelta
from flask_login import current_user

from app.i18n import viewer_today
from app.knowledge import bp
from app.knowledge.dashboard import (
    FIRST_YEAR, DashboardFilters, FigureContext, chart_json, compute, region_name, sections, table_for_display,
    visible_figures, world_map,
)
from app.taxonomy import AREAS, REGIONS
from app.utils import csv_cell, utcnow


def _context() -> FigureContext:
    now = utcnow()
    return FigureContext(DashboardFilters.from_args(request.args, viewer_today(now)), now, current_user)


@bp.route("/dashboard")
def dashboard():
    """Every figure, grouped in sections under a table of contents; ``?section=<key>`` shows (and computes)
    one section alone, as a tab that works without JavaScript."""
    ctx = _context()
    groups = sections(visible_figures(current_user))
    section = request.args.get("section", "")
    shown = [group for group in groups if group[0] == section] or groups
    section = section if len(shown) == 1 and shown[0][0] == section else ""
    figures, page_sections, computed_at = [], [], []
    for key, title, members in shown:
        items = []
        for figure, table, at in compute(members, ctx):
            items.append({"figure": figure, "table": table_for_display(figure, table),
                          "map": world_map(table) if figure.chart == "map" else None})
            computed_at.append(at)
        figures += items
        page_sections.append({"key": key, "title": title, "figures": items})
    charts = [chart_json(f["figure"], f["table"]) for f in figures if f["figure"].chart != "map"]
    today = viewer_today(ctx.now)
    return render_template("knowledge/dashboard.html", sections=page_sections, section=section,
                           tabs=[(key, title) for key, title, _members in groups], charts=charts, filters=ctx.filters,
                           years=range(today.year + 1, FIRST_YEAR - 1, -1),
                           regions=[(code, region_name(code)) for code in REGIONS], areas=AREAS,
                           computed_at=min(computed_at, default=None), every=_every())


def _every() -> str:
    """How often the figures are computed again, in the reader's language ("5 minutes"; "" when on every
    request)."""
    seconds = current_app.config["DASHBOARD_FIGURES_SECONDS"]
    return format_timedelta(timedelta(seconds=seconds)) if seconds else ""


@bp.route("/dashboard/<key>.csv")
def figure_csv(key: str):
    figure = next((f for f in visible_figures(current_user) if f.key == key), None)
    if figure is None:
        abort(404)
    ctx = _context()
    table = compute([figure], ctx)[0].table
    out = io.StringIO()
    out.write("\ufeff")  # a byte-order mark, so spreadsheet programs read the file as UTF-8
    writer = csv.writer(out)
    writer.writerow([str(c) for c in table.columns])
    for row in table_for_display(figure, table).rows:
        writer.writerow([csv_cell(str(v)) if isinstance(v, str) else ("" if v is None else v) for v in row])
    name = "-".join([f"dashboard-{key}", *(str(v) for v in ctx.filters.args().values())])
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
