"""Views for the work plan: the list (sortable, filterable, CSV), one item, adding, editing, status."""
from __future__ import annotations

import csv
import io

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Response, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.actiongroups.routes import get_workspace_or_abort, run_service
from app.actiongroups.workplan import bp, services
from app.actiongroups.workplan.forms import StatusForm, WorkItemForm
from app.actiongroups.workplan.models import (
    STATUS_ORDER, WORK_ITEM_STATUS_LABELS, WorkItem, WorkItemStatus,
)
from app.extensions import db
from app.forms import service_accepts
from app.members.models import User
from app.overlaps import services as overlaps
from app.taxonomy import area_labels
from app.urls import absolute_url
from app.utils import csv_cell, is_safe_next

SORTS = ("due", "-due", "status")


def _list_options() -> tuple[str, WorkItemStatus | None]:
    """The list's sort and status filter from the query string; unknown values fall back quietly."""
    sort = request.args.get("sort", "due")
    if sort not in SORTS:
        sort = "due"
    status = request.args.get("status") or None
    return sort, WorkItemStatus(status) if status in WorkItemStatus.__members__ else None


def _items_query(group, sort: str, status: WorkItemStatus | None) -> sa.Select:
    """One group's items in the requested order, with the lead organisation and the responsible person
    joined into the same query (so the page's query count does not grow with the list)."""
    query = (sa.select(WorkItem).where(WorkItem.group_id == group.id)
             .options(so.joinedload(WorkItem.lead_organisation),
                      so.joinedload(WorkItem.responsible).joinedload(User.organisation)))
    if status is not None:
        query = query.where(WorkItem.status == status)
    no_due = WorkItem.due_date.is_(None)  # items without a due date go last in every order
    if sort == "-due":
        order = [no_due, WorkItem.due_date.desc()]
    elif sort == "status":
        order = [sa.case(STATUS_ORDER, value=WorkItem.status), no_due, WorkItem.due_date]
    else:
        order = [no_due, WorkItem.due_date]
    return query.order_by(*order, WorkItem.id)


def _item_or_404(group, item_id: int) -> WorkItem:
    """A work item of this group; an id from another group is as unknown as a missing one."""
    item = db.session.scalar(sa.select(WorkItem).where(WorkItem.id == item_id, WorkItem.group_id == group.id)
                             .options(so.joinedload(WorkItem.lead_organisation),
                                      so.joinedload(WorkItem.responsible).joinedload(User.organisation),
                                      so.joinedload(WorkItem.created_by)))
    if item is None:
        abort(404)
    return item


def _planner_or_403(group) -> None:
    if not group.can_participate(current_user):
        abort(403)


def _data(form: WorkItemForm) -> services.WorkItemData:
    return services.WorkItemData(
        title=form.title.data or "", description=form.description.data or "",
        lead_organisation_id=form.lead_organisation_id.data, countries=form.countries.data or [],
        areas=form.areas.data or [], start_date=form.start_date.data, due_date=form.due_date.data,
        status=form.status.data or WorkItemStatus.planned.value, responsible_id=form.responsible_id.data)


def _form(group, item: WorkItem | None = None) -> WorkItemForm:
    """The item form, with the item's values on first display; on a POST only what was sent counts
    (a field left out, like an emptied multiple select, must not fall back to the stored value)."""
    data = None
    if item is not None and request.method == "GET":
        data = {"title": item.title, "description": item.description,
                "lead_organisation_id": item.lead_organisation_id, "countries": list(item.countries or []),
                "areas": list(item.areas or []), "start_date": item.start_date, "due_date": item.due_date,
                "status": item.status.value, "responsible_id": item.responsible_id}
    people = services.responsible_candidates(group)
    if item is not None and item.responsible is not None and item.responsible not in people:
        people.append(item.responsible)  # someone who left stays selectable on their old item
    organisations = services.lead_organisation_candidates()
    if item is not None and item.lead_organisation is not None and item.lead_organisation not in organisations:
        organisations.append(item.lead_organisation)
    return WorkItemForm(data=data, organisations=organisations, people=people)


# -- reading ------------------------------------------------------------------------------------------------
@bp.route("")
def index(slug: str):
    group = get_workspace_or_abort(slug)
    sort, status = _list_options()
    page = db.paginate(_items_query(group, sort, status), per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template("workplan/index.html", group=group, page=page, sort=sort, status=status,
                           today=services.viewer_today(), status_labels=WORK_ITEM_STATUS_LABELS,
                           WorkItemStatus=WorkItemStatus, can_plan=group.can_participate(current_user),
                           quick_form=StatusForm())


@bp.route("/export.csv")
def export(slug: str):
    group = get_workspace_or_abort(slug)
    sort, status = _list_options()
    items = db.session.scalars(_items_query(group, sort, status)).all()
    out = io.StringIO()
    out.write("\ufeff")  # a byte-order mark, so spreadsheet programs read the file as UTF-8
    writer = csv.writer(out)
    writer.writerow([_("Title"), _("Status"), _("Lead organisation"), _("Countries"), _("Start date"),
                     _("Due date"), _("Person responsible"), _("Description"), _("8.7 areas"), _("Link")])
    for item in items:
        writer.writerow([csv_cell(item.title), item.status_label,
                         csv_cell(item.lead_organisation.name if item.lead_organisation else ""),
                         " ".join(item.countries or []),
                         item.start_date.isoformat() if item.start_date else "",
                         item.due_date.isoformat() if item.due_date else "",
                         csv_cell(item.responsible.name_with_org if item.responsible else ""),
                         csv_cell(item.description or ""), "; ".join(area_labels(item.areas or [])),
                         absolute_url(services.work_item_url(item, group))])
    filename = f"{group.slug}-workplan.csv"
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.route("/<int:item_id>")
def detail(slug: str, item_id: int):
    group = get_workspace_or_abort(slug)
    item = _item_or_404(group, item_id)
    return render_template("workplan/detail.html", group=group, item=item, today=services.viewer_today(),
                           areas=area_labels(item.areas), can_plan=group.can_participate(current_user),
                           quick_form=StatusForm())


# -- changing -----------------------------------------------------------------------------------------------
def _compare_step(form: WorkItemForm, item: WorkItem | None, action):
    """What comes before saving: ``(compare step, save now)``. The compare step shows the initiatives like
    this one once (never blocking); it is shown only for a form the services accept (``action`` run and
    rolled back), so a validation error always comes first: then ``(None, False)``, the errors on the form.
    """
    compare = overlaps.compare_before_saving(services.draft_initiative(_data(form), item), current_user,
                                             request.form, before=item.to_initiative() if item is not None else None)
    if compare is None:
        return None, True
    if not service_accepts(action, form):
        return None, False
    return compare, False


@bp.route("/new", methods=["GET", "POST"])
def create(slug: str):
    group = get_workspace_or_abort(slug)
    _planner_or_403(group)
    form = _form(group)
    compare = None
    if form.validate_on_submit():
        created = {}

        def action():
            created["item"] = services.create_work_item(current_user, group, _data(form))
            overlaps.link_related(current_user, created["item"], request.form.getlist("link_related"))

        compare, save_now = _compare_step(form, None, action)
        if save_now and run_service(action, _("The work item was added."), form):
            return redirect(url_for(".detail", slug=slug, item_id=created["item"].id))
    return render_template("workplan/form.html", group=group, form=form, item=None, compare=compare)


@bp.route("/<int:item_id>/edit", methods=["GET", "POST"])
def edit(slug: str, item_id: int):
    group = get_workspace_or_abort(slug)
    _planner_or_403(group)
    item = _item_or_404(group, item_id)
    form = _form(group, item)
    compare = None
    if form.validate_on_submit():
        def action():
            services.update_work_item(current_user, item, _data(form))
            overlaps.link_related(current_user, item, request.form.getlist("link_related"))

        compare, save_now = _compare_step(form, item, action)
        if save_now and run_service(action, _("The work item was saved."), form):
            return redirect(url_for(".detail", slug=slug, item_id=item.id))
    return render_template("workplan/form.html", group=group, form=form, item=item, compare=compare)


@bp.route("/<int:item_id>/status", methods=["POST"])
def change_status(slug: str, item_id: int):
    group = get_workspace_or_abort(slug)
    _planner_or_403(group)
    item = _item_or_404(group, item_id)
    form = StatusForm()
    if not form.validate_on_submit():
        abort(400)
    chosen = form.status.data or ""
    label = WORK_ITEM_STATUS_LABELS[WorkItemStatus(chosen)] if chosen in WorkItemStatus.__members__ else chosen
    run_service(lambda: services.change_status(current_user, item, chosen),
                _("“%(title)s” is now: %(status)s.", title=item.title, status=label))
    target = form.next.data
    if not is_safe_next(target):
        target = url_for(".detail", slug=slug, item_id=item_id)
    return redirect(target)
