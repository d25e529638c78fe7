"""The API's reads. Every object is loaded through the same permission predicates as its web page
(``Pledge.can_view``, ``Forum.can_view``, ``Resource.can_view``...), and every record holds only what
that page shows the same caller."""
from __future__ import annotations

from datetime import date

import marshmallow as ma
import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort, g
from flask_babel import gettext as _

from app.actiongroups.models import ActionGroup
from app.actiongroups.workplan.models import WorkItem
from app.api import bp
from app.api.auth import READ, caller, require_scope
from app.api.paging import BoundedInt, PageArgs, link_header, page_of
from app.api.records import (ActionGroupPage, ActionGroupRecord, ActivityPage, CountryRecord, ForumPage, GapView,
                             MeRecord, OrganisationPage, OrganisationRecord, PledgePage, PledgeRecord, ReportPage,
                             ResourcePage, SessionPage, WorkItemPage)
from app.commitments.models import (LIGHT_LABELS, PUBLIC_STATES, Pledge, PledgePartner, ProgressReport, ReportState, ReportValue,
                                    DeliverableUpdate, parts_record)
from app.commitments.registry import (LIGHTS, STATUSES, RegistryFilters, _country_condition, filtered_query,
                                      list_options, plain_number)
from app.commitments.reports import visible_reports
from app.extensions import db
from app.forums.models import Forum, ForumSession
from app.i18n import country_name, is_country, viewer_today
from app.knowledge.countries import chart_json, indicator_charts
from app.knowledge.models import PathfinderCountry, Resource, ResourceState
from app.members.models import Organisation, OrganisationStatus, StakeholderType
from app.overlaps import gaps
from app.overlaps.initiatives import KINDS, Viewer
from app.overlaps.models import ExternalActivity
from app.policy import is_secretariat
from app.sqltools import json_list_contains
from app.taxonomy import ACTION_TYPES, AREAS, REGIONS, TARGET_GROUPS
from app.urls import external_url
from app.utils import as_utc

OneOf = ma.validate.OneOf


def _iso(value) -> str | None:
    if value is None:
        return None
    return as_utc(value).isoformat() if hasattr(value, "hour") else value.isoformat()


def _today() -> date:
    return viewer_today()


# -- pledges --------------------------------------------------------------------------------------------------
class PledgeArgs(PageArgs):
    q = ma.fields.String(load_default="", validate=ma.validate.Length(max=200),
                         metadata={"description": "words of the title or description"})
    area = ma.fields.String(load_default="", validate=OneOf(["", *AREAS]))
    country = ma.fields.String(load_default="", metadata={"description": "ISO 3166-1 alpha-3, or an M49 region"})
    stakeholder_type = ma.fields.String(load_default="", validate=OneOf(["", *StakeholderType.__members__]))
    action_type = ma.fields.String(load_default="", validate=OneOf(["", *ACTION_TYPES]))
    status = ma.fields.String(load_default="", validate=OneOf(["", *STATUSES]))
    light = ma.fields.String(load_default="", validate=OneOf(["", *LIGHTS]))
    organisation = BoundedInt(load_default=None, metadata={"description": "the pledging organisation's id"})

    @ma.validates("country")
    def _country(self, value, **kwargs):
        if value and not (is_country(value) or value in REGIONS):
            raise ma.ValidationError(_("Not an ISO 3166-1 alpha-3 country code or an M49 region code."))


class _Labels:
    """Labels translated once per page rather than once per pledge: translating is what a page of 100
    pledges spent most of its time on (each gettext looks the locale up through Flask's context)."""

    def __init__(self, today: date):
        self.today = today
        self._memo: dict = {}

    def get(self, key, make):
        if key not in self._memo:
            self._memo[key] = make()
        return self._memo[key]

    def coded(self, vocabulary, name: str, code: str):
        if code not in vocabulary:
            return None
        return self.get((name, code), lambda: {"code": code, "label": str(vocabulary[code])})

    def light(self, pledge: Pledge) -> dict:
        # The reason depends only on the light and the report due date (Pledge.light_reason).
        light = pledge.light(self.today)
        return {"code": light.value, "label": self.get(("light", light), lambda: str(LIGHT_LABELS[light])),
                "reason": self.get(("reason", light, pledge.report_due_on), lambda: pledge.light_reason(self.today))}


def pledge_json(pledge: Pledge, labels: _Labels) -> dict:
    """The registry's public record of a pledge (:func:`app.commitments.registry.pledge_record`, the JSON
    export: a test keeps the two equal), with the ids of indicators and deliverables and the update time.
    Nothing private: no focal point, no review notes, no values from reports not yet approved."""
    org = pledge.organisation
    return {
        "id": pledge.id,
        "url": external_url("commitments.detail", pledge_id=pledge.id),
        "title": pledge.title,
        "description": pledge.description,
        "contribution": pledge.contribution,
        "organisation": {"id": org.id, "name": org.name, "acronym": org.acronym, "country": org.country_code,
                         "stakeholder_type": dict(labels.get(("stakeholder", org.stakeholder_type), lambda: {
                             "code": org.stakeholder_type.value, "label": org.stakeholder_type.label}))},
        "partners": [{"id": p.organisation.id, "name": p.organisation.name} for p in pledge.partners],
        "areas": [labels.coded(AREAS, "area", code) for code in pledge.areas or () if code in AREAS],
        "action_type": labels.coded(ACTION_TYPES, "action", pledge.action_type),
        "target_groups": [labels.coded(TARGET_GROUPS, "target", code) for code in pledge.target_groups or ()
                          if code in TARGET_GROUPS],
        "is_global": pledge.is_global,
        "countries": [{"code": code, "name": labels.get(("country", code), lambda: country_name(code))}
                      for code in pledge.countries or ()],
        "start_date": _iso(pledge.start_date),
        "end_date": _iso(pledge.end_date),
        "resources": {"amount": plain_number(pledge.resources_amount) or None,
                      "currency": pledge.resources_currency or None, "in_kind": pledge.resources_in_kind},
        "status": dict(labels.get(("status", pledge.state), lambda: {"code": pledge.state.value,
                                                                     "label": pledge.state_label})),
        "light": labels.light(pledge),
        "report_every_months": pledge.report_every_months,
        "next_report_due_on": _iso(pledge.report_due_on),
        "published_at": _iso(pledge.published_at),
        "closed_at": _iso(pledge.closed_at),
        "indicators": [{"id": i.id, "name": i.name, "unit": i.unit, "baseline": plain_number(i.baseline) or None,
                        "target": plain_number(i.target) or None,
                        "current_value": plain_number(i.current_value) or None,
                        "current_as_of": _iso(i.current_as_of),
                        **(i.current_parts or {"by_sex": None, "by_age_group": None})} for i in pledge.indicators],
        "deliverables": [{"id": d.id, "title": d.title, "due_date": _iso(d.due_date), "done_on": _iso(d.done_on)}
                         for d in pledge.deliverables],
        "updated_at": _iso(pledge.updated_at),
    }


def pledge_details(pledges: list[Pledge], user) -> list[dict]:
    """The API's pledge records for a page of pledges, each with its reports: the approved ones, and every
    report for those who see the pledge's private side. Three queries for the whole page, whatever it holds."""
    labels = _Labels(_today())
    if not pledges:
        return []
    ids = [p.id for p in pledges]
    private = [p.id for p in pledges if p.can_view_private(user)]
    # The reports shown: approved ones, and every one of the pledges whose private side the caller sees.
    shown = ProgressReport.state == ReportState.approved
    if private:
        shown = sa.or_(shown, ProgressReport.pledge_id.in_(private))
    on_page = sa.and_(ProgressReport.pledge_id.in_(ids), shown)
    found = db.session.scalars(sa.select(ProgressReport).where(on_page)
                               .order_by(ProgressReport.period_end, ProgressReport.id)).all()
    # Always the same two queries, by the page's pledges (never an empty IN), so every page costs the same.
    values: dict[int, list] = {r.id: [] for r in found}
    for row in db.session.scalars(sa.select(ReportValue).join(ProgressReport, ReportValue.report_id == ProgressReport.id)
                                  .where(on_page).order_by(ReportValue.indicator_id)):
        values[row.report_id].append(row)
    updates: dict[int, list] = {r.id: [] for r in found}
    for row in db.session.scalars(sa.select(DeliverableUpdate)
                                  .join(ProgressReport, DeliverableUpdate.report_id == ProgressReport.id)
                                  .where(on_page).order_by(DeliverableUpdate.deliverable_id)):
        updates[row.report_id].append(row)
    reports: dict[int, list[dict]] = {i: [] for i in ids}
    for report in found:
        reports[report.pledge_id].append(report_record(report, values[report.id], updates[report.id]))
    out = []
    for pledge in pledges:
        record = pledge_json(pledge, labels)
        record["reports"] = reports[pledge.id]
        out.append(record)
    return out


def report_record(report: ProgressReport, values=None, updates=None) -> dict:
    """A report as its page shows it (without the secretariat's review note)."""
    values = report.values if values is None else values
    updates = report.deliverable_updates if updates is None else updates
    return {"id": report.id, "pledge_id": report.pledge_id, "period_start": _iso(report.period_start),
            "period_end": _iso(report.period_end), "status": {"code": report.state.value, "label": report.state_label},
            "narrative": report.narrative, "challenges": report.challenges,
            "approved_at": _iso(report.approved_at), "updated_at": _iso(report.updated_at),
            "values": [{"indicator_id": v.indicator_id, "value": plain_number(v.value) or None, "comment": v.comment,
                        **parts_record(v)} for v in values],
            "deliverables": [{"deliverable_id": u.deliverable_id, "done_on": _iso(u.done_on), "note": u.note}
                             for u in updates]}


def _detail_options():
    # search_text (the folded title and description) is the registry's search key, not shown: not read.
    return [*list_options(), so.selectinload(Pledge.indicators), so.selectinload(Pledge.deliverables),
            so.defer(Pledge.search_text)]


@bp.route("/pledges")
@bp.arguments(PledgeArgs, location="query", as_kwargs=False)
@bp.response(200, PledgePage)
@bp.doc(tags=["Pledges"], summary="Published pledges",
        description="The public registry (published, completed and withdrawn pledges), with the registry page's "
                    "filters, in id order; indicators, deliverables, traffic light with its reason and approved "
                    "report values.")
def pledges(args):
    filters = RegistryFilters(q=args["q"], area=args["area"], country=args["country"],
                              stakeholder_type=args["stakeholder_type"], action_type=args["action_type"],
                              status=args["status"], light=args["light"])
    query = filtered_query(filters, _today()).options(*_detail_options())
    if args.get("organisation"):
        query = query.where(Pledge.organisation_id == args["organisation"])
    user = caller()
    page = page_of(query, Pledge.id, args, Pledge.updated_at, lambda rows: pledge_details(rows, user))
    return page, 200, link_header(page)


def _pledge_or_404(pledge_id: int) -> Pledge:
    pledge = db.session.scalar(sa.select(Pledge).where(Pledge.id == pledge_id).options(*_detail_options()))
    if pledge is None or not pledge.can_view(caller()):
        abort(404)
    return pledge


@bp.route("/pledges/<int:pledge_id>")
@bp.response(200, PledgeRecord)
@bp.doc(tags=["Pledges"], summary="One pledge",
        description="A public pledge; with a token, also a draft of your organisation or of a partner's pledge.")
def pledge(pledge_id: int):
    return pledge_details([_pledge_or_404(pledge_id)], caller())[0]


@bp.route("/pledges/<int:pledge_id>/reports")
@bp.response(200, ReportPage)
@bp.doc(tags=["Pledges"], summary="A pledge's progress reports",
        description="Approved reports for everyone; every report for the pledging organisation and its partners.")
def pledge_reports(pledge_id: int):
    pledge = _pledge_or_404(pledge_id)
    return {"items": [report_record(r) for r in visible_reports(pledge, caller())], "next_cursor": None}


# -- organisations ----------------------------------------------------------------------------------------------
class OrganisationArgs(PageArgs):
    country = ma.fields.String(load_default="")
    stakeholder_type = ma.fields.String(load_default="", validate=OneOf(["", *StakeholderType.__members__]))


def organisation_record(org: Organisation) -> dict:
    return {"id": org.id, "name": org.name, "acronym": org.acronym, "country": org.country_code,
            "country_name": country_name(org.country_code),
            "stakeholder_type": {"code": org.stakeholder_type.value, "label": org.stakeholder_type.label},
            "website": org.website, "description": org.description,
            "url": external_url("members.organisation", org_id=org.id), "updated_at": _iso(org.updated_at)}


@bp.route("/organisations")
@bp.arguments(OrganisationArgs, location="query", as_kwargs=False)
@bp.response(200, OrganisationPage)
@bp.doc(tags=["Partners"], summary="Partner organisations", description="Active partner organisations.")
def organisations(args):
    query = sa.select(Organisation).where(Organisation.status == OrganisationStatus.active)
    if args["country"]:
        query = query.where(Organisation.country_code == args["country"].upper())
    if args["stakeholder_type"]:
        query = query.where(Organisation.stakeholder_type == StakeholderType(args["stakeholder_type"]))
    page = page_of(query, Organisation.id, args, Organisation.updated_at,
                   lambda rows: [organisation_record(o) for o in rows])
    return page, 200, link_header(page)


@bp.route("/organisations/<int:org_id>")
@bp.response(200, OrganisationRecord)
@bp.doc(tags=["Partners"], summary="One partner organisation")
def organisation(org_id: int):
    org = db.session.get(Organisation, org_id)
    if org is None or not org.can_view(caller()):
        abort(404)
    return organisation_record(org)


# -- action groups -----------------------------------------------------------------------------------------------
def group_record(group: ActionGroup) -> dict:
    """The group's public page: name, mandate, areas and focus countries (the workspace stays private)."""
    return {"id": group.id, "slug": group.slug, "name": group.name, "mandate": group.mandate,
            "areas": list(group.areas or ()), "focus_countries": list(group.focus_countries or ()),
            "is_archived": group.is_archived, "updated_at": _iso(group.updated_at)}


@bp.route("/action-groups")
@bp.arguments(PageArgs, location="query", as_kwargs=False)
@bp.response(200, ActionGroupPage)
@bp.doc(tags=["Action groups"], summary="Action groups (public fields)")
def action_groups(args):
    page = page_of(sa.select(ActionGroup), ActionGroup.id, args, ActionGroup.updated_at,
                   lambda rows: [group_record(g) for g in rows])
    return page, 200, link_header(page)


@bp.route("/action-groups/<int:group_id>")
@bp.response(200, ActionGroupRecord)
@bp.doc(tags=["Action groups"], summary="One action group (public fields)")
def action_group(group_id: int):
    group = db.session.get(ActionGroup, group_id)
    if group is None:
        abort(404)
    return group_record(group)


# -- the Forum -------------------------------------------------------------------------------------------------
def forum_record(forum: Forum) -> dict:
    return {"id": forum.id, "slug": forum.slug, "title": forum.title, "description": forum.description,
            "starts_on": _iso(forum.starts_on), "ends_on": _iso(forum.ends_on), "venue_name": forum.venue_name,
            "venue_address": forum.venue_address, "timezone": forum.timezone, "updated_at": _iso(forum.updated_at)}


def session_record(session: ForumSession) -> dict:
    """A timetable entry as the public timetable shows it (the online link only reaches registered people)."""
    return {"id": session.id, "forum_id": session.forum_id, "title": session.title,
            "description": session.description, "kind": {"code": session.kind.value, "label": session.kind_label},
            "track": session.track.name if session.track else None, "room": session.location or None,
            "starts_at": _iso(session.starts_at), "ends_at": _iso(session.ends_at), "group_id": session.group_id,
            "countries": list(session.countries or ()),
            "speakers": [{"name": s.name, "organisation": s.organisation} for s in session.speakers],
            "updated_at": _iso(session.updated_at)}


@bp.route("/forums")
@bp.arguments(PageArgs, location="query", as_kwargs=False)
@bp.response(200, ForumPage)
@bp.doc(tags=["Forum"], summary="Forum editions", description="Published editions of the Partnership Forum.")
def forums(args):
    query = sa.select(Forum) if is_secretariat(caller()) else sa.select(Forum).where(Forum.is_published.is_(True))
    page = page_of(query, Forum.id, args, Forum.updated_at, lambda rows: [forum_record(f) for f in rows])
    return page, 200, link_header(page)


@bp.route("/forums/<int:forum_id>/sessions")
@bp.arguments(PageArgs, location="query", as_kwargs=False)
@bp.response(200, SessionPage)
@bp.doc(tags=["Forum"], summary="An edition's sessions")
def forum_sessions(args, forum_id: int):
    forum = db.session.get(Forum, forum_id)
    if forum is None or not forum.can_view(caller()):
        abort(404)
    query = (sa.select(ForumSession).where(ForumSession.forum_id == forum.id)
             .options(so.joinedload(ForumSession.track), so.joinedload(ForumSession.room),
                      so.selectinload(ForumSession.speakers)))
    page = page_of(query, ForumSession.id, args, ForumSession.updated_at,
                   lambda rows: [session_record(s) for s in rows])
    return page, 200, link_header(page)


# -- knowledge resources ------------------------------------------------------------------------------------------
class ResourceArgs(PageArgs):
    area = ma.fields.String(load_default="", validate=OneOf(["", *AREAS]))


def resource_record(resource: Resource) -> dict:
    has_file = bool(resource.file_path_key)
    return {"id": resource.id, "title": resource.title, "summary": resource.summary,
            "resource_type": resource.resource_type, "areas": list(resource.areas or ()),
            "countries": list(resource.countries or ()), "language": resource.language,
            "publication_year": resource.publication_year, "publisher": resource.publisher_label,
            "licence": resource.licence, "external_url": resource.external_url or None,
            "file_url": external_url("knowledge.resource_file", resource_id=resource.id) if has_file else None,
            "url": external_url("knowledge.resource", resource_id=resource.id),
            "updated_at": _iso(resource.updated_at)}


@bp.route("/resources")
@bp.arguments(ResourceArgs, location="query", as_kwargs=False)
@bp.response(200, ResourcePage)
@bp.doc(tags=["Knowledge"], summary="Published knowledge resources")
def resources(args):
    query = sa.select(Resource).where(Resource.state == ResourceState.published).options(
        so.joinedload(Resource.publisher))
    if args["area"]:
        query = query.where(json_list_contains(Resource.areas, args["area"]))
    page = page_of(query, Resource.id, args, Resource.updated_at, lambda rows: [resource_record(r) for r in rows])
    return page, 200, link_header(page)


# -- imported activities --------------------------------------------------------------------------------------------
def activity_record(activity: ExternalActivity) -> dict:
    """An imported activity as its page shows it (its publisher's contact stays with the contact form)."""
    return {"id": activity.id, "identifier": activity.identifier, "source": activity.source,
            "reporting_org": {"ref": activity.reporting_org_ref, "name": activity.reporting_org_name},
            "title": activity.title, "description": activity.description,
            "countries": list(activity.countries or ()), "start_date": _iso(activity.start_date),
            "end_date": _iso(activity.end_date), "status": activity.status, "areas": list(activity.areas or ()),
            "target_groups": list(activity.target_groups or ()), "url": activity.url or None,
            "updated_at": _iso(activity.updated_at)}


@bp.route("/activities")
@bp.arguments(PageArgs, location="query", as_kwargs=False)
@bp.response(200, ActivityPage)
@bp.doc(tags=["Activities"], summary="Imported activities (IATI and spreadsheets)")
def activities(args):
    page = page_of(sa.select(ExternalActivity), ExternalActivity.id, args, ExternalActivity.updated_at,
                   lambda rows: [activity_record(a) for a in rows])
    return page, 200, link_header(page)


# -- countries and the gap view --------------------------------------------------------------------------------------
@bp.route("/countries/<code>")
@bp.response(200, CountryRecord)
@bp.doc(tags=["Countries"], summary="A country page's figures",
        description="Pathfinder status, the number of public pledges there, and the indicator series.")
def country(code: str):
    code = code.upper()
    if not is_country(code):
        abort(404)
    pathfinder = db.session.get(PathfinderCountry, code)
    pledges = db.session.scalar(sa.select(sa.func.count(Pledge.id)).where(
        Pledge.state.in_(PUBLIC_STATES), _country_condition(code)))
    return {"code": code, "name": country_name(code),
            "pathfinder": {"since": _iso(pathfinder.since)} if pathfinder else None,
            "public_pledges": pledges,
            "indicators": [chart_json(c) | {"label": c.label, "unit": c.unit} for c in indicator_charts(code)],
            "url": external_url("knowledge.country", code=code)}


class GapArgs(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    region = ma.fields.String(load_default="", validate=OneOf(["", *REGIONS]))
    kind = ma.fields.String(load_default="")


@bp.route("/gaps")
@bp.arguments(GapArgs, location="query", as_kwargs=False)
@bp.response(200, GapView)
@bp.doc(tags=["Countries"], summary="The gap view",
        description="Active initiatives per country and 8.7 area, as on the gap page (what the caller may see).")
def gap_view(args):
    kind = args["kind"] if args["kind"] in KINDS else ""
    matrix = gaps.gap_matrix(Viewer.of(caller()), today=_today(), region=args["region"], kind=kind)
    return {"columns": matrix.columns, "rows": [
        {"country": row, "cells": {col: {"count": matrix.count(row, col),
                                         "organisations": matrix.organisations(row, col)}
                                   for col in matrix.columns if matrix.count(row, col)}}
        for row in matrix.rows]}


# -- with a token: what the person may see ----------------------------------------------------------------------------
@bp.route("/me")
@bp.response(200, MeRecord)
@bp.doc(tags=["Your data"], summary="Who the token acts for", security=[{"bearer": []}])
def me():
    user = require_scope(READ)
    token = g.api_token
    return {"id": user.id, "name": user.full_name, "organisation_id": user.organisation_id,
            "scopes": token.scopes, "token_expires_at": _iso(token.expires_at)}


@bp.route("/me/pledges")
@bp.arguments(PageArgs, location="query", as_kwargs=False)
@bp.response(200, PledgePage)
@bp.doc(tags=["Your data"], summary="Your organisation's pledges, drafts included", security=[{"bearer": []}])
def my_pledges(args):
    user = require_scope(READ)
    partner_of = sa.select(PledgePartner.pledge_id).where(PledgePartner.organisation_id == user.organisation_id)
    query = sa.select(Pledge).where(sa.or_(Pledge.organisation_id == user.organisation_id,
                                           Pledge.id.in_(partner_of))).options(*_detail_options())
    page = page_of(query, Pledge.id, args, Pledge.updated_at, lambda rows: pledge_details(
        [p for p in rows if p.can_view(user)], user))
    return page, 200, link_header(page)


def work_item_record(item: WorkItem) -> dict:
    return {"id": item.id, "group_id": item.group_id, "title": item.title, "description": item.description,
            "lead_organisation_id": item.lead_organisation_id, "countries": list(item.countries or ()),
            "areas": list(item.areas or ()), "start_date": _iso(item.start_date), "due_date": _iso(item.due_date),
            "status": item.status.value, "updated_at": _iso(item.updated_at)}


@bp.route("/me/work-items")
@bp.arguments(PageArgs, location="query", as_kwargs=False)
@bp.response(200, WorkItemPage)
@bp.doc(tags=["Your data"], summary="Work items of the groups whose workspace you see", security=[{"bearer": []}])
def my_work_items(args):
    user = require_scope(READ)
    readable = ActionGroup.workspace_readable_by(user)
    query = sa.select(WorkItem).join(ActionGroup, ActionGroup.id == WorkItem.group_id)
    if readable is not None:
        query = query.where(readable)
    page = page_of(query, WorkItem.id, args, WorkItem.updated_at, lambda rows: [work_item_record(i) for i in rows])
    return page, 200, link_header(page)
