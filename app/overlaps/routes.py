"""Overlap views: the panel's JSON endpoint, contacting a focal point, the review queue and its
decisions, links, the gap view, and imported external activities."""
from __future__ import annotations

import csv
import io

import sqlalchemy as sa
from flask import Response, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from babel import Locale
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.extensions import db, limiter
from app.forms import EmptyForm, run_service
from app.i18n import country_choices, country_name, viewer_today
from app.overlaps import bp, drafts, gaps, initiatives, services
from app.overlaps.forms import ContactForm, DecisionForm
from app.overlaps.initiatives import KIND_LABELS, Viewer, card
from app.overlaps.models import (
    ACTIVITY_STATUS_LABELS, FLAG_STATUS_LABELS, SOURCE_LABELS, ExternalActivity, FlagStatus, InitiativeLink,
    OverlapDecision, OverlapFlag,
)
from app.overlaps.reasons import TIER_LABELS, from_stored, render_all
from app.policy import is_partner
from app.taxonomy import AREAS, REGIONS, TARGET_GROUPS, labels
from app.utils import csv_cell, is_safe_next, like_pattern, whole_number


def _require(allowed: bool) -> None:
    if not allowed:
        abort(403)


def _approved() -> bool:
    return is_partner(current_user)


# -- the panel ------------------------------------------------------------------------------------------------
def _edited(kind: str, raw_id: str | None):
    """The initiative being edited (a pledge or work item the person may edit), or None for a new one."""
    if not raw_id:
        return None
    if whole_number(raw_id) is None:
        abort(400)
    obj = initiatives.load_one(f"{kind}:{raw_id}")
    if obj is None or not obj.can_edit(current_user):
        abort(404)
    return obj


@bp.route("/overlaps/check", methods=["POST"])
@login_required
@limiter.limit(lambda: current_app.config["OVERLAP_CHECK_RATE_LIMIT"],
               key_func=lambda: f"overlaps-check:{current_user.get_id()}")
def check():
    """What overlaps the draft in the form that sent this (the pledge or work item form), as JSON.

    The form's own fields are posted (with its CSRF token); ``kind`` and ``id`` in the query string say
    which form it is and which initiative is being edited.
    """
    _require(is_partner(current_user))
    kind = request.args.get("kind", "")
    if kind not in drafts.form_kinds():
        abort(400)
    edited = _edited(kind, request.args.get("id"))
    organisation_id = edited.organisation_id if kind == "pledge" and edited is not None \
        else current_user.organisation_id
    draft = drafts.draft_from_form(kind, request.form, organisation_id=organisation_id,
                                   initiative_id=edited.initiative_id if edited is not None else None)
    panel = services.check_draft(draft, current_user)
    return jsonify(panel.as_dict())


# -- contacting the focal point of an initiative --------------------------------------------------------------
def _initiative_or_404(initiative_id: str):
    try:
        initiatives.parse_id(initiative_id)
    except ValueError:
        abort(404)
    obj = initiatives.load_one(initiative_id)
    if obj is None or not Viewer.of(current_user).can_see(obj):
        abort(404)
    return obj


@bp.route("/overlaps/contact/<initiative_id>", methods=["GET", "POST"])
@login_required
@limiter.limit(lambda: current_app.config["OVERLAP_CONTACT_RATE_LIMIT"], methods=["POST"],
               key_func=lambda: f"overlaps-contact:{current_user.get_id()}")
def contact(initiative_id: str):
    _require(is_partner(current_user))
    target = _initiative_or_404(initiative_id)
    form = ContactForm()
    people = initiatives.owners(target)
    if form.validate_on_submit() and people:
        told = {}

        def action():
            told["n"] = services.ask_to_coordinate(current_user, target, form.message.data or "")

        if run_service(action, None, form):
            flash(_("Your message was sent. They have your name, e-mail address and organisation to reply."),
                  "success")
            return redirect(initiatives.url_of(target))
    return render_template("overlaps/contact.html", form=form, target=card(target), people=people,
                           external_contact=initiatives.contact_of(target) if not people else "")


@bp.route("/overlaps/initiatives/<initiative_id>")
def initiative(initiative_id: str):
    """Any initiative's page, by its id (the gap view and notifications link here)."""
    return redirect(initiatives.url_of(_initiative_or_404(initiative_id)))


# -- the review queue -----------------------------------------------------------------------------------------
def _filters() -> services.QueueFilters:
    args = request.args
    return services.QueueFilters(
        country=args.get("country", "") if len(args.get("country", "")) == 3 else "",
        area=args.get("area", "") if args.get("area") in AREAS else "",
        tier=args.get("tier", "") if args.get("tier") in TIER_LABELS else "",
        kind=args.get("kind", "") if args.get("kind") in initiatives.KINDS else "",
        status=args.get("status", "open") if args.get("status", "open") in (*FlagStatus.__members__, "all") else "open")


@bp.route("/overlaps/review")
@login_required
def review_queue():
    _require(services.can_review_overlaps(current_user))
    filters = _filters()
    new_since = services.visit_queue(current_user)
    db.session.commit()
    page = db.paginate(services.review_queue(current_user, filters, new_since),
                       per_page=current_app.config["PAGE_SIZE"], error_out=False)
    objects = initiatives.load((i for flag in page.items for i in flag.ids), light=True)
    rows = []
    for flag in page.items:
        sides = [card(objects[i], full=False) if i in objects else None for i in flag.ids]
        reasons = render_all(from_stored(flag.reasons), sides={
            "draft": f"“{sides[0].title}”" if sides[0] else flag.a_id,
            "other": f"“{sides[1].title}”" if sides[1] else flag.b_id, "both": _("both")})
        rows.append((flag, sides, [r for r in reasons if r.kind == "evidence"][:3],
                     new_since is None or flag.flagged_at > new_since))
    return render_template("overlaps/review_queue.html", page=page, rows=rows, filters=filters,
                           countries=country_choices(), areas=AREAS, tiers=TIER_LABELS, kinds=KIND_LABELS,
                           statuses=[*((s.value, label) for s, label in FLAG_STATUS_LABELS.items()),
                                     ("all", _("All statuses"))],
                           new_since=new_since, tier_labels=TIER_LABELS)


def _flag_or_404(flag_id: int) -> OverlapFlag:
    flag = db.session.get(OverlapFlag, flag_id)
    if flag is None:
        abort(404)
    if not flag.can_review(current_user):
        abort(403)
    return flag


def _decision_form(flag: OverlapFlag, objects: dict) -> DecisionForm:
    sides = [(i, objects[i].title if i in objects else i) for i in flag.ids]
    return DecisionForm(sides=sides)


@bp.route("/overlaps/review/<int:flag_id>")
@login_required
def pair(flag_id: int):
    _require(services.can_review_overlaps(current_user))
    flag = _flag_or_404(flag_id)
    objects = initiatives.load(flag.ids)
    return _render_pair(flag, objects, _decision_form(flag, objects))


def _render_pair(flag: OverlapFlag, objects: dict, form: DecisionForm):
    sides = [card(objects[i]) if i in objects else None for i in flag.ids]
    return render_template("overlaps/pair.html", flag=flag, sides=sides, form=form,
                           reasons=services.pair_view(flag, objects), tier_labels=TIER_LABELS,
                           contacts=[initiatives.contact_of(objects[i]) if i in objects else "" for i in flag.ids],
                           action_form=EmptyForm())


@bp.route("/overlaps/review/<int:flag_id>/decide", methods=["POST"])
@login_required
def decide(flag_id: int):
    flag = _flag_or_404(flag_id)
    objects = initiatives.load(flag.ids)
    form = _decision_form(flag, objects)
    if form.validate_on_submit():
        messages = {"same": _("Recorded: the same initiative. Both are kept and linked."),
                    "related": _("Recorded: related. Both focal points were told to coordinate, with each "
                                 "other's contact."),
                    "distinct": _("Recorded: distinct. The pair will not be flagged again unless one of them "
                                  "changes materially.")}
        if run_service(lambda: services.decide(current_user, flag, form.decision.data,
                                               reference_id=form.reference.data or None, note=form.note.data or ""),
                       messages.get(form.decision.data), form):
            return redirect(url_for(".pair", flag_id=flag.id))
    return _render_pair(flag, objects, form)


@bp.route("/overlaps/review/<int:flag_id>/decisions/<int:decision_id>/revert", methods=["POST"])
@login_required
def revert(flag_id: int, decision_id: int):
    flag = _flag_or_404(flag_id)
    decision = db.session.get(OverlapDecision, decision_id)
    if decision is None or decision.flag_id != flag.id:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    run_service(lambda: services.revert_decision(current_user, decision),
                _("The decision was undone: it stays in the history, and the pair waits for a decision again."))
    return redirect(url_for(".pair", flag_id=flag.id))


@bp.route("/overlaps/links/<int:link_id>/remove", methods=["POST"])
@login_required
def remove_link(link_id: int):
    link = db.session.get(InitiativeLink, link_id)
    if link is None:
        abort(404)
    objects = initiatives.load([link.a_id, link.b_id])
    viewer = Viewer.of(current_user)
    if not any(viewer.can_see(o) for o in objects.values()):
        abort(404)
    _require(services.can_remove_link(current_user, link, objects))
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    run_service(lambda: services.remove_link(current_user, link), _("The link was removed."))
    target = request.form.get("next", "")
    return redirect(target if is_safe_next(target) else url_for("pages.home"))


# -- the gap view ---------------------------------------------------------------------------------------------
def _gap_args() -> tuple[str, str]:
    region = request.args.get("region", "")
    kind = request.args.get("kind", "")
    return (region if region in REGIONS else ""), (kind if kind in initiatives.KINDS else "")


def _area_label(code: str) -> str:
    return str(AREAS[code]) if code in AREAS else _("Area not given")


def _row_label(code: str) -> str:
    return _("Global (all countries)") if code == gaps.GLOBAL else country_name(code)


def _region_names() -> list[tuple[str, str]]:
    territories = Locale.parse(str(get_locale() or "en")).territories
    return [(code, territories.get(code, code)) for code in REGIONS]


@bp.route("/overlaps/gaps")
def gap_view():
    region, kind = _gap_args()
    matrix = gaps.gap_matrix(Viewer(current_user), today=viewer_today(), region=region, kind=kind)
    return render_template("overlaps/gaps.html", matrix=matrix, region=region, kind=kind, regions=_region_names(),
                           kinds=KIND_LABELS, area_label=_area_label, row_label=_row_label, crowded=gaps.CROWDED)


@bp.route("/overlaps/gaps.csv")
def gap_export():
    region, kind = _gap_args()
    matrix = gaps.gap_matrix(Viewer(current_user), today=viewer_today(), region=region, kind=kind)
    out = io.StringIO()
    out.write("\ufeff")  # a byte-order mark, so spreadsheet programs read the file as UTF-8
    writer = csv.writer(out)
    writer.writerow([_("Country code"), _("Country"), _("8.7 area code"), _("8.7 area"),
                     _("Active initiatives"), _("Organisations")])
    for row in matrix.rows:
        for column in matrix.columns:
            writer.writerow([row, csv_cell(_row_label(row)), column, csv_cell(_area_label(column)),
                             matrix.count(row, column), csv_cell("; ".join(matrix.organisations(row, column)))])
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="overlaps-gaps.csv"'})


@bp.route("/overlaps/gaps/cell")
def gap_cell():
    region, kind = _gap_args()
    row, column = request.args.get("country", ""), request.args.get("area", "")
    if not (row == gaps.GLOBAL or len(row) == 3) or column not in (*AREAS, gaps.NO_AREA):
        abort(404)
    matrix = gaps.gap_matrix(Viewer(current_user), today=viewer_today(), region=region, kind=kind,
                             country="" if row == gaps.GLOBAL else row)
    entries = gaps.cell_entries(matrix, row, column)
    return render_template("overlaps/gap_cell.html", entries=entries, row=row, column=column, region=region,
                           kind=kind, organisations=matrix.organisations(row, column), row_label=_row_label(row),
                           area_label=_area_label(column), kinds=KIND_LABELS)


# -- external activities --------------------------------------------------------------------------------------
@bp.route("/activities/")
def activities():
    q = " ".join(request.args.get("q", "").split())[:200]
    country = request.args.get("country", "")
    query = sa.select(ExternalActivity)
    if q:
        pattern = like_pattern(q.lower())
        query = query.where(sa.or_(*(sa.func.lower(column).like(pattern, escape="\\") for column in (
            ExternalActivity.title, ExternalActivity.identifier, ExternalActivity.reporting_org_name))))
    if len(country) == 3:
        from app.sqltools import json_list_contains

        query = query.where(json_list_contains(ExternalActivity.countries, country))
    page = db.paginate(query.order_by(ExternalActivity.updated_at.desc(), ExternalActivity.id.desc()),
                       per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template("overlaps/activities.html", page=page, q=q, country=country, countries=country_choices(),
                           status_labels=ACTIVITY_STATUS_LABELS)


@bp.route("/activities/<int:activity_id>")
def activity(activity_id: int):
    activity = db.session.get(ExternalActivity, activity_id)
    if activity is None:
        abort(404)
    return render_template("overlaps/activity.html", activity=activity, areas=labels(AREAS, activity.areas),
                           target_groups=labels(TARGET_GROUPS, activity.target_groups),
                           countries=[country_name(c) for c in activity.countries], sources=SOURCE_LABELS)


# -- on other features' pages ---------------------------------------------------------------------------------
@bp.app_template_global("initiative_overlaps")
def initiative_overlaps_global(obj):
    """``{% set overlaps = initiative_overlaps(pledge) %}`` on an initiative's page."""
    return services.initiative_overlaps(obj, current_user)
