"""The action groups' figure of the monitoring dashboard (app.knowledge.dashboard), registered from the
gateway, and how the dashboard's filters select groups (the Forum's meetings per group read it too)."""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.actiongroups.discussions.models import Thread
from app.actiongroups.documents.models import Document
from app.actiongroups.models import ActionGroup, Membership
from app.extensions import db
from app.knowledge.dashboard import Figure, FigureContext, Table, month_label
from app.sqltools import month_of


def group_conditions(ctx: FigureContext) -> list[sa.ColumnElement[bool]]:
    """The groups the dashboard's region and area filters select: those focused on a country of the region,
    with the area."""
    return ctx.place_conditions(ActionGroup.areas, ActionGroup.focus_countries)


def group_activity(ctx: FigureContext) -> Table:
    """Per month: people joining action groups, discussions started, documents shared (one query)."""
    start, end = ctx.window_times
    conditions = group_conditions(ctx)

    def per_month(name: str, column, group_id) -> sa.Select:
        month = month_of(column)
        query = (sa.select(sa.literal(name).label("kind"), month.label("month"), sa.func.count())
                 .where(column >= start, column < end).group_by(month))
        if conditions:
            query = query.join(ActionGroup, ActionGroup.id == group_id).where(*conditions)
        return query

    counts: dict[tuple[str, str], int] = {}
    for kind, month, n in db.session.execute(sa.union_all(
            per_month("members", Membership.joined_at, Membership.group_id),
            per_month("threads", Thread.created_at, Thread.group_id),
            per_month("documents", Document.created_at, Document.group_id))):
        counts[(kind, month)] = n
    rows = [[month_label(m), *(counts.get((kind, m), 0) for kind in ("members", "threads", "documents"))]
            for m in ctx.months]
    return Table([_("Month"), _("New members"), _("Discussions started"), _("Documents shared")], rows)


def figures() -> list[Figure]:
    """The figures the gateway registers."""
    return [Figure("groups", _l("Action group activity"), group_activity, chart="line", order=90, section="groups")]
