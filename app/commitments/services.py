"""Pledge rules: drafting, the SMART check on submission, review, revisions after publication, closing.

Services take explicit actors, flush but never commit, raise DomainError with words for the person (and
the form field the problem belongs to), and take ``now`` so tests fix the clock. Every state change is
written to the pledge's history (PledgeEvent) and to the audit log.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from urllib.parse import urlsplit

import pycountry
import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import ngettext

from app import events
from app.actiongroups.models import ActionGroup, Membership
from app.audit import record
from app.commitments import schedule
from app.commitments.models import (
    PUBLIC_EVENTS, Deliverable, Indicator, Pledge, PledgeEvent, PledgePartner, PledgeState, ProgressReport,
    ReportValue, pledge_initiative,
)
from app.errors import DomainError, InvalidTransitionError, NotAllowedError
from app.extensions import db
from app.i18n import is_country
from app.members.models import Organisation, OrganisationStatus, OrgRole, User, UserStatus
from app.members.services import admins
from app.notifications.services import notify
from app.policy import is_secretariat, may_pledge
from app.taxonomy import ACTION_TYPES, TARGET_GROUPS, clean_areas, clean_codes, expand_regions
from app.uploads import StoredFile
from app.utils import search_text_of, utcnow


def initiative_saved(obj, *, now=None) -> None:
    """Tell the duplication detector an initiative changed (change log; overlaps looked for at once), and
    have the worker re-index it for the search (every change of a pledge comes through here).

    Imported here rather than at the top: app.overlaps imports this feature's models.
    """
    from app.overlaps.services import initiative_saved as saved

    saved(obj, now=now)
    events.reindex_later(obj)


TITLE_MAX = 200
TEXT_MAX = 20000


def pledge_url(pledge: Pledge) -> str:
    """The pledge's page, as a path inside the Hub (for notifications; works outside a request too)."""
    return f"/pledges/{pledge.id}"


def record_event(pledge: Pledge, actor: User | None, action: str, *, comment: str = "",
                 report: ProgressReport | None = None, changes: dict | None = None, revision: int | None = None,
                 now: datetime | None = None) -> PledgeEvent:
    """Add a line to the pledge's history (and the audit log). ``action`` is a key of EVENT_TEXTS."""
    event = PledgeEvent(pledge_id=pledge.id, report_id=report.id if report is not None else None,
                        actor_id=actor.id if actor is not None else None, action=action, comment=comment or "",
                        changes=changes or {}, revision=revision, created_at=now or utcnow())
    db.session.add(event)
    record(actor, f"pledge_{action}" if not action.startswith("pledge_") else action, pledge,
           **({"report": report.id} if report is not None else {}))
    return event


# -- what a person enters -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class DeliverableData:
    title: str
    due_date: date | None = None
    id: int | None = None  # an existing deliverable of the pledge, or None for a new one


@dataclass(frozen=True)
class IndicatorData:
    name: str
    unit: str = ""
    baseline: Decimal | None = None
    target: Decimal | None = None
    id: int | None = None


@dataclass(frozen=True)
class PledgeData:
    """A pledge as entered (codes, ids, dates and Decimals; no model objects). Rows left wholly empty
    in the deliverables and indicators lists are ignored."""

    title: str
    description: str = ""
    contribution: str = ""
    areas: list[str] = field(default_factory=list)
    action_type: str = ""
    countries: list[str] = field(default_factory=list)  # alpha-3 codes and/or region codes (app.taxonomy)
    is_global: bool = False
    target_groups: list[str] = field(default_factory=list)
    start_date: date | None = None
    end_date: date | None = None
    resources_amount: Decimal | None = None
    resources_currency: str = ""
    resources_in_kind: str = ""
    partner_ids: list[int] = field(default_factory=list)
    coordinator_id: int | None = None
    group_id: int | None = None
    report_every_months: int = schedule.DEFAULT_EVERY_MONTHS
    deliverables: list[DeliverableData] = field(default_factory=list)
    indicators: list[IndicatorData] = field(default_factory=list)


def draft_initiative(data: PledgeData, organisation_id: int | None, pledge: Pledge | None = None):
    """A pledge as entered, before it is saved, as the duplication detector's Initiative."""
    return pledge_initiative(
        id=pledge.initiative_id if pledge is not None else None, title=" ".join((data.title or "").split()),
        description=data.description, contribution=data.contribution, countries=data.countries,
        is_global=data.is_global, start=data.start_date, end=data.end_date, areas=data.areas,
        target_groups=data.target_groups, organisation_id=organisation_id, partner_ids=data.partner_ids)


def pledge_data(pledge: Pledge) -> PledgeData:
    """The pledge as a person would enter it (to fill the edit form, and to compare for revisions)."""
    return PledgeData(
        title=pledge.title, description=pledge.description, contribution=pledge.contribution,
        areas=list(pledge.areas or []), action_type=pledge.action_type, countries=list(pledge.countries or []),
        is_global=pledge.is_global, target_groups=list(pledge.target_groups or []), start_date=pledge.start_date,
        end_date=pledge.end_date, resources_amount=pledge.resources_amount,
        resources_currency=pledge.resources_currency, resources_in_kind=pledge.resources_in_kind,
        partner_ids=sorted(pledge.partner_ids), coordinator_id=pledge.coordinator_id, group_id=pledge.group_id,
        report_every_months=pledge.report_every_months,
        deliverables=[DeliverableData(d.title, d.due_date, d.id) for d in pledge.deliverables],
        indicators=[IndicatorData(i.name, i.unit, i.baseline, i.target, i.id) for i in pledge.indicators])


class SmartError(DomainError):
    """A pledge is not SMART yet: one message per missing piece, each with the field it belongs to."""

    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__(ngettext("The pledge is not ready: %(num)d thing is missing or unclear.",
                                  "The pledge is not ready: %(num)d things are missing or unclear.", len(problems)))
        self.problems = problems


# -- people and choices -------------------------------------------------------------------------------------
def coordinator_candidates(organisation_id: int) -> list[User]:
    """The organisation's approved focal points, by name: who can coordinate its pledges."""
    return list(db.session.scalars(
        sa.select(User).where(User.organisation_id == organisation_id, User.status == UserStatus.active,
                              User.org_role == OrgRole.focal_point).order_by(User.full_name, User.id)))


def partner_candidates(organisation_id: int) -> list[Organisation]:
    """Every other active organisation, by name."""
    return list(db.session.scalars(
        sa.select(Organisation).where(Organisation.status == OrganisationStatus.active,
                                      Organisation.id != organisation_id).order_by(Organisation.name_key)))


def group_candidates(user: User) -> list[ActionGroup]:
    """The open action groups this person takes part in (a pledge may be linked to one)."""
    groups = db.session.scalars(
        sa.select(ActionGroup).join(Membership, Membership.group_id == ActionGroup.id)
        .where(Membership.user_id == user.id, ActionGroup.is_archived.is_(False)).order_by(ActionGroup.name))
    return [g for g in groups if g.can_participate(user)]


# -- checks -------------------------------------------------------------------------------------------------
def _clean_text(value: str | None) -> str:
    return (value or "").strip()


def _check_draft(actor: User, organisation_id: int, data: PledgeData, pledge: Pledge | None) -> None:
    """What even a draft must respect: a title, known codes, dates in order, sane numbers, allowed links."""
    title = " ".join((data.title or "").split())
    if not title:
        raise DomainError(_("Give the pledge a short title (you can change it later)."), field="title")
    if len(title) > TITLE_MAX:
        raise DomainError(_("Keep the title under %(max)d characters: a short name people remember.",
                            max=TITLE_MAX), field="title")
    for name in ("description", "contribution", "resources_in_kind"):
        if len(getattr(data, name) or "") > TEXT_MAX:
            raise DomainError(_("Keep this under %(max)d characters.", max=TEXT_MAX), field=name)
    if data.action_type and data.action_type not in ACTION_TYPES:
        raise DomainError(_("Choose a type of action from the list."), field="action_type")
    unknown = [c for c in expand_regions(data.countries) if not is_country(c)]
    if unknown:
        raise DomainError(_("Unknown country code: %(codes)s.", codes=", ".join(map(str, unknown))),
                          field="countries")
    if data.start_date and data.end_date and data.end_date <= data.start_date:
        raise DomainError(_("The end date must be after the start date."), field="end_date")
    if data.resources_currency and data.resources_currency not in currency_codes():
        raise DomainError(_("Choose a currency from the list."), field="resources_currency")
    if data.resources_amount is not None and data.resources_amount < 0:
        raise DomainError(_("The amount cannot be negative."), field="resources_amount")
    if data.resources_amount is not None and not data.resources_currency:
        raise DomainError(_("Say in which currency the amount is."), field="resources_currency")
    low, high = schedule.EVERY_MONTHS_RANGE
    if not low <= (data.report_every_months or 0) <= high:
        raise DomainError(_("Reports can be asked for every %(low)d to %(high)d months.", low=low, high=high),
                          field="report_every_months")
    for index, row in enumerate(data.deliverables):
        if not _clean_text(row.title):
            raise DomainError(_("Deliverable %(num)d needs a title.", num=index + 1),
                              field=f"deliverables-{index}-title")
    for index, row in enumerate(data.indicators):
        if not _clean_text(row.name):
            raise DomainError(_("Indicator %(num)d needs a name.", num=index + 1), field=f"indicators-{index}-name")
    if data.coordinator_id is not None and data.coordinator_id != (pledge.coordinator_id if pledge else None):
        if data.coordinator_id not in {u.id for u in coordinator_candidates(organisation_id)}:
            raise DomainError(_("The coordinating focal point must be a focal point of your organisation."),
                              field="coordinator_id")
    new_partners = set(data.partner_ids) - (pledge.partner_ids if pledge else set())
    if organisation_id in data.partner_ids:
        raise DomainError(_("Your own organisation is the pledging organisation, not a partner."),
                          field="partner_ids")
    if new_partners:
        active = set(db.session.scalars(sa.select(Organisation.id).where(
            Organisation.id.in_(new_partners), Organisation.status == OrganisationStatus.active)))
        if active != new_partners:
            raise DomainError(_("Choose partner organisations from the list."), field="partner_ids")
    if data.group_id is not None and data.group_id != (pledge.group_id if pledge else None):
        if data.group_id not in {g.id for g in group_candidates(actor)}:
            raise DomainError(_("You can link a pledge only to an action group you take part in."),
                              field="group_id")


def smart_problems(pledge: Pledge) -> list[tuple[str, str]]:
    """What keeps a pledge from being SMART, in plain words, each with the form field to fix.

    Specific: what, how it contributes, where, for whom, which areas, which type of action.
    Measurable: at least one indicator with a unit, a baseline and a target.
    Achievable (resourced): money committed or in-kind resources described.
    Time-bound: start and end dates, and at least one deliverable with a due date.
    """
    problems: list[tuple[str, str]] = []
    if len(_clean_text(pledge.description)) < 20:
        problems.append(("description", _("Specific: say what will be done, in a sentence or more.")))
    if len(_clean_text(pledge.contribution)) < 20:
        problems.append(("contribution", _("Specific: say how the pledge contributes to ending child labour, "
                                           "forced labour, modern slavery or human trafficking.")))
    if not pledge.areas:
        problems.append(("areas", _("Specific: choose at least one 8.7 area.")))
    if not pledge.action_type:
        problems.append(("action_type", _("Specific: choose the type of action.")))
    if not pledge.countries and not pledge.is_global:
        problems.append(("countries", _("Specific: choose the countries where the work happens, or tick "
                                        "“Global”.")))
    if not pledge.target_groups:
        problems.append(("target_groups", _("Specific: choose at least one group of people the pledge is for.")))
    if not pledge.indicators:
        problems.append(("indicators", _("Measurable: add at least one indicator, with its unit, baseline and "
                                         "target, so progress can be measured.")))
    for index, indicator in enumerate(pledge.indicators):
        if not _clean_text(indicator.unit):
            problems.append((f"indicators-{index}-unit", _("Measurable: give the unit of indicator %(num)d "
                                                           "(people, laws, %%…).", num=index + 1)))
        if indicator.baseline is None:
            problems.append((f"indicators-{index}-baseline", _("Measurable: give the baseline of indicator "
                                                               "%(num)d (the value today; 0 if none).",
                                                               num=index + 1)))
        if indicator.target is None:
            problems.append((f"indicators-{index}-target", _("Measurable: give the target of indicator "
                                                             "%(num)d.", num=index + 1)))
        elif indicator.baseline is not None and indicator.target == indicator.baseline:
            problems.append((f"indicators-{index}-target", _("Measurable: the target of indicator %(num)d "
                                                             "equals its baseline.", num=index + 1)))
    if pledge.resources_amount is None and not _clean_text(pledge.resources_in_kind):
        problems.append(("resources_amount", _("Achievable: say what resources you commit — an amount and "
                                               "currency, or in-kind resources such as staff time.")))
    if pledge.start_date is None:
        problems.append(("start_date", _("Time-bound: give a start date.")))
    if pledge.end_date is None:
        problems.append(("end_date", _("Time-bound: give an end date.")))
    if not pledge.deliverables:
        problems.append(("deliverables", _("Time-bound: add at least one deliverable with a due date.")))
    for index, deliverable in enumerate(pledge.deliverables):
        if deliverable.due_date is None:
            problems.append((f"deliverables-{index}-due_date", _("Time-bound: give deliverable %(num)d a due "
                                                                  "date.", num=index + 1)))
    if pledge.coordinator_id is None:
        problems.append(("coordinator_id", _("Choose the coordinating focal point, who reports on the pledge.")))
    return problems


def deliverable_warnings(pledge: Pledge) -> list[str]:
    """Deliverables due outside the pledge's period: allowed, but worth a second look."""
    if pledge.start_date is None or pledge.end_date is None:
        return []
    return [_("“%(title)s” is due outside the pledge's period.", title=d.title) for d in pledge.deliverables
            if d.due_date is not None and not pledge.start_date <= d.due_date <= pledge.end_date]


# -- writing ------------------------------------------------------------------------------------------------
def _apply(pledge: Pledge, data: PledgeData) -> None:
    """Copy the entered data onto the pledge (deliverables and indicators matched by id)."""
    pledge.title = " ".join(data.title.split())
    pledge.description = _clean_text(data.description)
    pledge.contribution = _clean_text(data.contribution)
    pledge.areas = clean_areas(data.areas)
    pledge.action_type = data.action_type or ""
    pledge.is_global = bool(data.is_global)
    pledge.countries = sorted(expand_regions(data.countries))
    pledge.target_groups = clean_codes(TARGET_GROUPS, data.target_groups)
    pledge.start_date, pledge.end_date = data.start_date, data.end_date
    pledge.resources_amount = data.resources_amount
    pledge.resources_currency = data.resources_currency or ""
    pledge.resources_in_kind = _clean_text(data.resources_in_kind)
    pledge.coordinator_id = data.coordinator_id
    pledge.group_id = data.group_id
    pledge.report_every_months = data.report_every_months
    pledge.search_text = search_text_of(pledge.title, pledge.description)

    wanted = set(data.partner_ids)
    pledge.partners = [p for p in pledge.partners if p.organisation_id in wanted] + [
        PledgePartner(organisation_id=org_id) for org_id in sorted(wanted - pledge.partner_ids)]

    deliverables = {d.id: d for d in pledge.deliverables}
    kept = []
    for position, row in enumerate(data.deliverables):
        deliverable = deliverables.get(row.id) if row.id is not None else None
        if deliverable is None:
            deliverable = Deliverable()
        deliverable.position, deliverable.title, deliverable.due_date = position, _clean_text(row.title), row.due_date
        kept.append(deliverable)
    removed = [d for d in pledge.deliverables if d not in kept]
    if any(d.is_done for d in removed):
        raise DomainError(_("A deliverable marked as done cannot be removed: its history stays."),
                          field="deliverables")
    pledge.deliverables = kept

    indicators = {i.id: i for i in pledge.indicators}
    kept_indicators = []
    for position, row in enumerate(data.indicators):
        indicator = indicators.get(row.id) if row.id is not None else None
        if indicator is None:
            indicator = Indicator()
        indicator.position, indicator.name, indicator.unit = position, _clean_text(row.name), _clean_text(row.unit)
        indicator.baseline, indicator.target = row.baseline, row.target
        kept_indicators.append(indicator)
    removed_ids = [i.id for i in pledge.indicators if i not in kept_indicators and i.id is not None]
    if removed_ids and db.session.scalar(sa.select(sa.func.count(ReportValue.id)).where(
            ReportValue.indicator_id.in_(removed_ids), ReportValue.value.is_not(None))):
        raise DomainError(_("An indicator with reported values cannot be removed: its history stays."),
                          field="indicators")
    pledge.indicators = kept_indicators


def _snapshot(pledge: Pledge) -> dict[str, str]:
    """The pledge's fields as plain text, to tell what a revision changed (money, dates, lists as text)."""
    return {
        "title": pledge.title,
        "description": pledge.description,
        "contribution": pledge.contribution,
        "areas": ", ".join(pledge.areas or []),
        "action_type": pledge.action_type,
        "countries": "global" if pledge.is_global and not pledge.countries else ", ".join(pledge.countries or []),
        "is_global": "yes" if pledge.is_global else "no",
        "target_groups": ", ".join(pledge.target_groups or []),
        "start_date": pledge.start_date.isoformat() if pledge.start_date else "",
        "end_date": pledge.end_date.isoformat() if pledge.end_date else "",
        "resources": " ".join(x for x in (str(pledge.resources_amount or ""), pledge.resources_currency) if x),
        "resources_in_kind": pledge.resources_in_kind,
        "partners": ", ".join(str(i) for i in sorted(pledge.partner_ids)),
        "report_every_months": str(pledge.report_every_months),
        "deliverables": "; ".join(f"{d.title} ({d.due_date.isoformat() if d.due_date else '?'})"
                                  for d in pledge.deliverables),
        "indicators": "; ".join(f"{i.name} [{i.unit}] {_num(i.baseline)} → {_num(i.target)}"
                                for i in pledge.indicators),
    }


def _num(value: Decimal | None) -> str:
    return "?" if value is None else format(value.normalize(), "f")


def create_pledge(actor: User, data: PledgeData, *, now: datetime | None = None) -> Pledge:
    """Start a pledge for the actor's organisation, as a draft."""
    if not may_pledge(actor):
        raise NotAllowedError(_("Only approved members of a partner organisation can make pledges."))
    organisation_id = actor.organisation_id
    if data.coordinator_id is None and actor.is_focal_point:
        data = replace(data, coordinator_id=actor.id)
    _check_draft(actor, organisation_id, data, None)
    now = now or utcnow()
    pledge = Pledge(organisation_id=organisation_id, created_by_id=actor.id, state=PledgeState.draft,
                    created_at=now, updated_at=now)
    _apply(pledge, data)
    db.session.add(pledge)
    db.session.flush()
    record_event(pledge, actor, "created", now=now)
    initiative_saved(pledge, now=now)
    return pledge


def update_pledge(actor: User, pledge: Pledge, data: PledgeData, *, now: datetime | None = None) -> bool:
    """Save changes. After publication, every change is a visible revision (what changed, before and
    after, kept in the history); publication-relevant dates refresh the reporting schedule.

    :return: whether anything changed.
    """
    if not pledge.can_edit(actor):
        if pledge.is_closed:
            raise InvalidTransitionError(_("A completed or withdrawn pledge can no longer be changed."))
        if pledge.state is PledgeState.submitted:
            raise InvalidTransitionError(_("The pledge is being reviewed: wait for the secretariat's answer."))
        raise NotAllowedError(_("Only people of the pledging organisation can change this pledge."))
    _check_draft(actor, pledge.organisation_id, data, pledge)
    if pledge.state is PledgeState.published:
        _check_published(pledge, data)
    now = now or utcnow()
    before = _snapshot(pledge)
    _apply(pledge, data)
    db.session.flush()
    after = _snapshot(pledge)
    changes = {name: [before[name], after[name]] for name in before if before[name] != after[name]}
    if not changes:
        return False
    pledge.updated_at = now
    if pledge.state is PledgeState.published:
        problems = smart_problems(pledge)
        if problems:
            raise SmartError(problems)
        pledge.revision += 1
        pledge.refresh_schedule()
        record_event(pledge, actor, "revised", changes=changes, revision=pledge.revision, now=now)
    initiative_saved(pledge, now=now)
    return True


def _check_published(pledge: Pledge, data: PledgeData) -> None:
    """A published pledge keeps what its reports rely on: its start, and periods already reported."""
    if data.start_date != pledge.start_date and pledge.reported_through is not None:
        raise DomainError(_("The start date cannot change once a progress report is approved: the reporting "
                            "periods depend on it."), field="start_date")
    if pledge.reported_through and data.end_date and data.end_date < pledge.reported_through:
        raise DomainError(_("The end date cannot be before the end of the last approved report (%(date)s).",
                            date=format_date(pledge.reported_through)), field="end_date")


def submit_pledge(actor: User, pledge: Pledge, *, now: datetime | None = None) -> None:
    """Send a draft (or a returned pledge) to the secretariat, if it is SMART."""
    if not pledge.can_submit(actor):
        if pledge.state not in (PledgeState.draft, PledgeState.returned):
            raise InvalidTransitionError(_("This pledge has already been submitted."))
        raise NotAllowedError(_("Only people of the pledging organisation can submit this pledge."))
    problems = smart_problems(pledge)
    if problems:
        raise SmartError(problems)
    now = now or utcnow()
    pledge.state = PledgeState.submitted
    pledge.submitted_at = now
    record_event(pledge, actor, "submitted", now=now)
    initiative_saved(pledge, now=now)
    for admin in admins():
        notify(admin, "pledge_submitted", key=f"pledge-submitted:{pledge.id}:{now.isoformat()}:user:{admin.id}",
               url=pledge_url(pledge), actor=actor, now=now, pledge=pledge.title)


def _require_review(admin: User, pledge: Pledge) -> None:
    if not is_secretariat(admin):
        raise NotAllowedError(_("Only the secretariat reviews pledges."))
    if pledge.state is not PledgeState.submitted:
        raise InvalidTransitionError(_("Only a pledge submitted for review can be published or returned."))


def _tell_organisation(pledge: Pledge, kind: str, actor: User, now: datetime, key: str, **params) -> None:
    """Notify the coordinating focal point and whoever created the pledge."""
    people = {p.id: p for p in (pledge.coordinator, pledge.created_by) if p is not None}
    for person in people.values():
        notify(person, kind, key=f"{key}:user:{person.id}", url=pledge_url(pledge), actor=actor, now=now,
               pledge=pledge.title, **params)


def publish_pledge(admin: User, pledge: Pledge, *, now: datetime | None = None) -> None:
    """The secretariat publishes a submitted pledge: it joins the public registry and its light starts."""
    _require_review(admin, pledge)
    problems = smart_problems(pledge)
    if problems:
        raise SmartError(problems)
    now = now or utcnow()
    pledge.state = PledgeState.published
    pledge.published_at = pledge.published_at or now
    pledge.review_comment = ""
    pledge.refresh_schedule()
    record_event(pledge, admin, "published", now=now)
    initiative_saved(pledge, now=now)
    _tell_organisation(pledge, "pledge_published", admin, now, f"pledge-published:{pledge.id}")


def return_pledge(admin: User, pledge: Pledge, comment: str, *, now: datetime | None = None) -> None:
    """The secretariat sends a pledge back with comments; the organisation edits and submits again."""
    _require_review(admin, pledge)
    comment = _clean_text(comment)
    if not comment:
        raise DomainError(_("Say what should change, so the organisation knows what to do."), field="reason")
    now = now or utcnow()
    pledge.state = PledgeState.returned
    pledge.review_comment = comment
    record_event(pledge, admin, "returned", comment=comment, now=now)
    initiative_saved(pledge, now=now)
    _tell_organisation(pledge, "pledge_returned", admin, now, f"pledge-returned:{pledge.id}:{now.isoformat()}",
                       message=comment)


def complete_pledge(actor: User, pledge: Pledge, *, now: datetime | None = None) -> None:
    if not pledge.can_close(actor):
        raise InvalidTransitionError(_("Only a published pledge can be marked completed, by its organisation."))
    now = now or utcnow()
    pledge.state = PledgeState.completed
    pledge.closed_at = now
    record_event(pledge, actor, "completed", now=now)
    initiative_saved(pledge, now=now)


def withdraw_pledge(actor: User, pledge: Pledge, reason: str = "", *, now: datetime | None = None) -> None:
    if not pledge.can_close(actor):
        raise InvalidTransitionError(_("Only a published pledge can be withdrawn, by its organisation."))
    now = now or utcnow()
    pledge.state = PledgeState.withdrawn
    pledge.closed_at = now
    record_event(pledge, actor, "withdrawn", comment=_clean_text(reason), now=now)
    initiative_saved(pledge, now=now)


def mark_deliverable_done(actor: User, deliverable: Deliverable, done_on: date | None, evidence_url: str = "",
                          evidence: StoredFile | None = None, *, today: date) -> None:
    """Record that a deliverable is done, when, and the evidence (a link, a file, or both)."""
    pledge = deliverable.pledge
    if not pledge.can_report(actor):
        raise NotAllowedError(_("Only people of the pledging organisation can update a published pledge."))
    if deliverable.is_done:
        raise InvalidTransitionError(_("This deliverable is already marked as done."))
    if done_on is None:
        raise DomainError(_("Give the date it was done."), field="done_on")
    if done_on > today:
        raise DomainError(_("The date cannot be in the future."), field="done_on")
    if pledge.start_date and done_on < pledge.start_date:
        raise DomainError(_("The date cannot be before the pledge started (%(date)s).",
                            date=format_date(pledge.start_date)), field="done_on")
    evidence_url = _clean_text(evidence_url)
    if evidence_url and urlsplit(evidence_url).scheme not in ("http", "https"):
        raise DomainError(_("Give a web address starting with https:// or http://."), field="evidence_url")
    if len(evidence_url) > 500:
        raise DomainError(_("Keep the address under 500 characters."), field="evidence_url")
    deliverable.done_on, deliverable.evidence_url, deliverable.done_by_id = done_on, evidence_url, actor.id
    if evidence is not None:
        deliverable.evidence_path_key, deliverable.evidence_name = evidence.path_key, evidence.original_name
        deliverable.evidence_mime = evidence.mime
    record_event(pledge, actor, "deliverable_done", comment=deliverable.title)


# -- reading ------------------------------------------------------------------------------------------------
def history(pledge: Pledge, user) -> list[PledgeEvent]:
    """The pledge's history, newest first: all of it for those who see the private side, else the public lines."""
    query = (sa.select(PledgeEvent).where(PledgeEvent.pledge_id == pledge.id)
             .options(so.joinedload(PledgeEvent.actor)).order_by(PledgeEvent.created_at.desc(), PledgeEvent.id.desc()))
    if not pledge.can_view_private(user):
        query = query.where(PledgeEvent.action.in_(PUBLIC_EVENTS))
    return list(db.session.scalars(query))


def organisation_pledges(organisation_id: int) -> list[Pledge]:
    """The pledges an organisation makes or is a partner of, newest first (one query)."""
    partner_of = sa.select(PledgePartner.pledge_id).where(PledgePartner.organisation_id == organisation_id)
    return list(db.session.scalars(
        sa.select(Pledge).where(sa.or_(Pledge.organisation_id == organisation_id, Pledge.id.in_(partner_of)))
        .options(so.joinedload(Pledge.organisation), so.selectinload(Pledge.deliverables),
                 so.selectinload(Pledge.partners))
        .order_by(Pledge.created_at.desc(), Pledge.id.desc())))


def next_due(pledge: Pledge) -> tuple[str, date] | None:
    """What is due next on a pledge: the next report or the next open deliverable, whichever is sooner."""
    if pledge.state is not PledgeState.published:
        return None
    candidates: list[tuple[date, str]] = []
    if pledge.report_due_on is not None:
        candidates.append((pledge.report_due_on, _("Progress report")))
    candidates += [(d.due_date, d.title) for d in pledge.deliverables if d.due_date and not d.is_done]
    if not candidates:
        return None
    when, what = min(candidates, key=lambda c: c[0])
    return what, when


def submitted_pledges() -> list[Pledge]:
    """The secretariat's queue: pledges waiting for review, oldest first."""
    return list(db.session.scalars(
        sa.select(Pledge).where(Pledge.state == PledgeState.submitted).options(so.joinedload(Pledge.organisation))
        .order_by(Pledge.submitted_at, Pledge.id)))


@lru_cache(maxsize=1)
def currency_codes() -> frozenset[str]:
    return frozenset(c.alpha_3 for c in pycountry.currencies)
