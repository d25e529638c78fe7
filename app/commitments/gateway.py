"""Pledges and progress reports in the cross-cutting packages, through their registries, so that those
packages know nothing of commitments:

- **search** (:func:`~app.knowledge.search.register_kind`): public pledges (re-indexed with their organisation);
- **the library** (:func:`~app.knowledge.citations.register_citer`): pledges cite resources;
- **country pages** (:func:`~app.knowledge.countries.register_country_section`): the public pledges naming
  the country;
- **dashboard** (:func:`~app.knowledge.dashboard.register_figure`): the pledge and progress report figures
  (app/commitments/figures.py);
- **members** (:func:`~app.members.overview.register_organisation_list`,
  :func:`~app.members.guide.register_guide_step`): an organisation's public pledges (its own and those it
  is a partner of), on its page; "make a pledge" in the getting-started guide;
- **notifications** (:func:`~app.notifications.kinds.register_kind`): pledges and progress reports under
  review, published, approved or returned;
- **translations** (:func:`~app.multilingual.registry.register_kind`): a pledge's title and description;
- **the duplication detector** (:func:`~app.overlaps.initiatives.register_kind`): pledges as initiatives it
  compares, shows, and reads from the pledge form while people type.
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.commitments import figures as dashboard
from app.commitments.models import (
    COMPARED_STATES, PUBLIC_STATES, FacetKind, Pledge, PledgePartner, PledgeState, pledge_initiative, with_facet,
)
from app.commitments.registry import list_options
from app.extensions import db
from app.knowledge.citations import Citer, register_citer
from app.knowledge.countries import LIST_MAX, CountryContext, CountrySection, register_country_section
from app.knowledge.dashboard import register_figure
from app.knowledge.search import Entry, SearchKind
from app.knowledge.search import register_kind as register_search_kind
from app.members.guide import Step, register_guide_step
from app.members.models import Organisation, User
from app.members.overview import Listing, listing, register_organisation_list
from app.multilingual.registry import TranslatableKind
from app.multilingual.registry import register_kind as register_translatable
from app.notifications.kinds import Kind
from app.notifications.kinds import register_kind as register_notification_kind
from app.notifications.models import Delivery
from app.overlaps.drafts import codes_of, date_of, int_of, text_of
from app.overlaps.initiatives import Card, InitiativeKind
from app.overlaps.initiatives import register_kind as register_initiative_kind
from app.policy import has_organisation, is_secretariat

IMMEDIATELY = Delivery.immediately


# -- search ---------------------------------------------------------------------------------------------------
def _pledge_entry(pledge: Pledge) -> Entry | None:
    if not pledge.is_public:
        return None
    body = "\n".join(part for part in (pledge.description, pledge.contribution, pledge.organisation.name) if part)
    places = (*(pledge.countries or ()), *(("global",) if pledge.is_global else ()))
    return Entry(title=pledge.title, body=body, url=f"/pledges/{pledge.id}", updated_at=pledge.published_at,
                 places=places)


def _pledge_query() -> sa.Select:
    return sa.select(Pledge).options(so.joinedload(Pledge.organisation))


def search_kind() -> SearchKind:
    return SearchKind("pledge", _l("Pledges"), Pledge, _pledge_entry, _pledge_query, order=20,
                      follows={"organisation": lambda ids: sa.select(Pledge.id).where(Pledge.organisation_id.in_(ids))})


# -- the library's citations -------------------------------------------------------------------------------
def citable_pledges(user) -> list[Pledge]:
    """The pledges this person may make cite a resource: those their organisation can still edit."""
    if not has_organisation(user):
        return []
    pledges = db.session.scalars(sa.select(Pledge).where(Pledge.organisation_id == user.organisation_id)
                                 .order_by(Pledge.title, Pledge.id))
    return [p for p in pledges if p.can_edit(user)]


def citer() -> Citer:
    """Pledges cite library resources: added and removed by those who may edit the pledge."""
    return Citer("pledge", _l("Pledge"), Pledge, choice=lambda pledge: _("Pledge: %(title)s", title=pledge.title),
                 citable=citable_pledges, may_cite=lambda pledge, user: pledge.can_edit(user),
                 refusal=_l("Only people of the pledging organisation can add references to this pledge."),
                 title=lambda pledge: pledge.title,
                 url=lambda pledge: url_for("commitments.detail", pledge_id=pledge.id),
                 detail=lambda pledge: pledge.organisation.name, can_see=lambda pledge, user: pledge.can_view(user),
                 load_options=lambda: (so.joinedload(Pledge.organisation),), order=10)


# -- country pages ------------------------------------------------------------------------------------------
def load_country_pledges(ctx: CountryContext) -> dict:
    """Public pledges naming the country, newest first (their traffic lights need nothing more), and how many
    global pledges do not name it (the registry's country filter includes them unless ``global=0``): one
    query for the ids and the three counts, one for the pledges."""
    named = Pledge.id.in_(with_facet(FacetKind.country, ctx.code))
    condition = sa.and_(Pledge.state.in_(PUBLIC_STATES), sa.or_(named, Pledge.is_global.is_(True)))
    total = sa.func.count(sa.case((named, 1))).over()
    active = sa.func.count(sa.case((sa.and_(named, Pledge.state == PledgeState.published), 1))).over()
    global_total = sa.func.count(sa.case((sa.not_(named), 1))).over()
    rows = db.session.execute(
        sa.select(Pledge.id, total, active, global_total, sa.case((named, 1), else_=0).label("is_named"))
        .where(condition)
        .order_by(sa.desc("is_named"), Pledge.published_at.desc(), Pledge.id.desc()).limit(LIST_MAX)).all()
    ids = [row[0] for row in rows if row.is_named]
    # At most LIST_MAX pledges: their partners joined into the same query rather than one more (the page's
    # budget is 15 queries).
    loaded = {p.id: p for p in db.session.scalars(
        sa.select(Pledge).where(Pledge.id.in_(ids)).options(
            so.joinedload(Pledge.organisation),
            so.joinedload(Pledge.partners).joinedload(PledgePartner.organisation))).unique()} if ids else {}
    first = rows[0] if rows else None
    return {"pledges": [loaded[i] for i in ids], "total": first[1] if first else 0,
            "active": first[2] if first else 0, "global_total": first[3] if first else 0, "today": ctx.today}



# -- members ------------------------------------------------------------------------------------------------
def organisation_pledges(org: Organisation) -> Listing:
    """The organisation's public pledges and those it is a partner of, newest first."""
    partnered = sa.select(PledgePartner.pledge_id).where(PledgePartner.organisation_id == org.id)
    return listing(
        sa.select(Pledge).where(Pledge.state.in_(PUBLIC_STATES),
                                sa.or_(Pledge.organisation_id == org.id, Pledge.id.in_(partnered)))
        .order_by(Pledge.published_at.desc(), Pledge.id.desc()), list_options())


def guide_step(user: User) -> Step:
    """Make a pledge: done once the organisation has one, whatever its state (one query)."""
    pledged = db.session.scalar(sa.select(sa.exists().where(Pledge.organisation_id == user.organisation_id)))
    return Step("pledge", _l("Make a pledge"),
                _l("Say what your organisation commits to; the secretariat reviews it and publishes it."),
                "commitments.create", {}, bool(pledged))


# -- notifications ------------------------------------------------------------------------------------------
def notification_kinds() -> list[Kind]:
    return [
        # params: actor, pledge
        Kind("pledge_submitted", _l("Pledges waiting for review (secretariat)"),
             _l("%(actor)s submitted the pledge “%(pledge)s” for review"), IMMEDIATELY, order=110),
        # params: actor, pledge
        Kind("pledge_published", _l("Your organisation's pledge is published"),
             _l("The pledge “%(pledge)s” is published"), IMMEDIATELY, order=120),
        # params: actor, pledge, message (the secretariat's comments)
        Kind("pledge_returned", _l("Your organisation's pledge is returned for changes"),
             _l("The pledge “%(pledge)s” was returned for changes: %(message)s"), IMMEDIATELY,
             message_without={"message": _l("The pledge “%(pledge)s” was returned for changes")},
             subject=_l("The pledge “%(pledge)s” was returned for changes"), order=130),
        # params: actor, pledge
        Kind("report_submitted", _l("Progress reports waiting for review (secretariat)"),
             _l("%(actor)s submitted a progress report on “%(pledge)s”"), IMMEDIATELY, order=140),
        # params: actor, pledge
        Kind("report_approved", _l("Your progress report is approved"),
             _l("The progress report on “%(pledge)s” was approved"), IMMEDIATELY, order=150),
        # params: actor, pledge, message (the secretariat's comments)
        Kind("report_returned", _l("Your progress report is returned for revision"),
             _l("The progress report on “%(pledge)s” was returned for revision: %(message)s"), IMMEDIATELY,
             message_without={"message": _l("The progress report on “%(pledge)s” was returned for revision")},
             subject=_l("The progress report on “%(pledge)s” was returned for revision"), order=160),
    ]


def translatable_kind() -> TranslatableKind:
    return TranslatableKind(
        "pledge", Pledge, _l("Pledge"),
        (("title", _l("Title"), False), ("description", _l("Description"), True)),
        can_translate=lambda pledge, user: pledge.can_edit(user) or is_secretariat(user),
        can_view=lambda pledge, user: pledge.can_view(user),
        url=lambda pledge: url_for("commitments.detail", pledge_id=pledge.id), order=50)


# -- the duplication detector -----------------------------------------------------------------------------
def _load_options(light: bool) -> list:
    options = [so.joinedload(Pledge.organisation), so.selectinload(Pledge.partners)]
    if light:
        return [*options, so.defer(Pledge.description), so.defer(Pledge.contribution),
                so.defer(Pledge.resources_in_kind), so.defer(Pledge.search_text), so.defer(Pledge.review_comment)]
    return [*options, so.joinedload(Pledge.coordinator)]


def _can_see(viewer, pledge: Pledge) -> bool:
    """``Pledge.can_view`` without a query per pledge."""
    if pledge.is_public:
        return True
    if not viewer.is_partner:
        return False
    return viewer.is_secretariat or viewer.user.organisation_id in {pledge.organisation_id, *pledge.partner_ids}


def _url(pledge: Pledge) -> str:
    return f"/pledges/{pledge.id}"


def _card(pledge: Pledge, full: bool) -> Card:
    return Card(id=pledge.initiative_id, kind="pledge", title=pledge.title, url=_url(pledge),
                organisation=pledge.organisation.name, organisation_url=f"/organisations/{pledge.organisation_id}",
                description=(pledge.description or "") if full else "", countries=tuple(pledge.countries or ()),
                is_global=pledge.is_global, start=pledge.start_date, end=pledge.end_date,
                areas=tuple(pledge.areas or ()), target_groups=tuple(pledge.target_groups or ()),
                state=pledge.state_label if full else "")


def _active(viewer, naming) -> sa.Select:
    """Published pledges (the gap view)."""
    return (sa.select(sa.literal("pledge").label("kind"), Pledge.id, Pledge.title, Pledge.countries,
                      Pledge.is_global, Pledge.areas, Organisation.name.label("organisation"))
            .join(Organisation, Organisation.id == Pledge.organisation_id)
            .where(Pledge.state == PledgeState.published, naming(Pledge.countries)))


def _draft(form, *, organisation_id: int | None, initiative_id: str | None):
    """What someone types in the pledge form, read leniently (see app.overlaps.drafts)."""
    return pledge_initiative(
        id=initiative_id, title=text_of(form.get("title")), description=text_of(form.get("description")),
        contribution=text_of(form.get("contribution")), countries=codes_of(form, "countries"),
        is_global=str(form.get("is_global", "")).lower() in ("y", "yes", "on", "true", "1"),
        start=date_of(form.get("start_date")), end=date_of(form.get("end_date")), areas=codes_of(form, "areas"),
        target_groups=codes_of(form, "target_groups"), organisation_id=organisation_id,
        partner_ids=[i for i in (int_of(v) for v in codes_of(form, "partner_ids")) if i is not None])


def initiative_kind() -> InitiativeKind:
    return InitiativeKind(
        "pledge", _l("Pledge"), Pledge, compared=lambda: Pledge.state.in_(COMPARED_STATES),
        load_options=_load_options, can_see=_can_see, url=_url, card=_card,
        owners=lambda pledge: [pledge.coordinator, pledge.created_by], active=_active, draft=_draft,
        stream_options=(so.selectinload(Pledge.partners),), order=10)


# -- wiring -------------------------------------------------------------------------------------------------
def register() -> None:
    """Plug commitments into the cross-cutting registries (called by create_app)."""
    register_search_kind(search_kind())
    register_citer(citer())
    register_organisation_list("pledges", organisation_pledges)
    register_guide_step("pledge", guide_step, order=30)
    register_country_section(CountrySection("pledges", _l("Pledges"), "knowledge/country/_pledges.html",
                                            load_country_pledges, order=30))
    for figure in dashboard.figures():
        register_figure(figure)
    for kind in notification_kinds():
        register_notification_kind(kind)
    register_translatable(translatable_kind())
    register_initiative_kind(initiative_kind())
