"""Public pledges as IATI activity XML, version 2.03 (https://iatistandard.org/en/iati-standard/203/).

One ``iati-activity`` per pledge, its elements in the order the schema's sequence requires. Only
public data: no contact details, and results from approved progress reports only. The Hub reports as
a *secondary reporter* (it republishes what organisations pledged); the reporting organisation comes
from the configuration (``IATI_REPORTING_ORG_*``).

Choices worth knowing:

- a pledge that covers the whole world has no ``recipient-country`` but one ``recipient-region``
  998 "Developing countries, unspecified" (vocabulary 1, OECD DAC); a pledge in several countries
  splits 100 per cent between them, to two decimals, the last one taking the remainder;
- a completed pledge is activity status 4 (closed: it takes no more reports), a withdrawn one 5
  (cancelled), a published one 2 (implementation);
- each indicator is one ``result`` of type 1 (output); every approved report is a ``period`` with the
  pledge's target and the reported value (reports are cumulative); before any report, one period over
  the whole pledge carries the target alone;
- ``xml:lang`` is the language of the request, which the words the Hub adds (tag, units) are written
  in; the pledge's own texts are in whatever language its authors wrote them.
"""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import datetime
from decimal import ROUND_DOWN, Decimal

import pycountry
import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from lxml import etree

from app.commitments.models import Pledge, PledgeState, ProgressReport, ReportState
from app.commitments.registry import plain_number
from app.extensions import db
from app.members.models import StakeholderType
from app.taxonomy import TARGET_GROUPS, labels
from app.urls import external_url
from app.utils import as_utc, utcnow

IATI_VERSION = "2.03"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
CHUNK = 500

# IATI OrganisationType codes (https://iatistandard.org/en/iati-standard/203/codelists/organisationtype/).
ORGANISATION_TYPES = {
    StakeholderType.government: "10",           # Government
    StakeholderType.workers: "22",              # social partners: national civil society organisations
    StakeholderType.employers: "22",
    StakeholderType.un_agency: "40",            # Multilateral
    StakeholderType.regional: "40",             # regional intergovernmental organisations
    StakeholderType.development_partner: "10",  # bilateral donors are mostly government agencies
    StakeholderType.civil_society: "22",        # National NGO (we do not know which are international)
    StakeholderType.academia: "80",             # Academic, Training and Research
    StakeholderType.private_sector: "70",       # Private Sector
    StakeholderType.media: "90",                # Other
    StakeholderType.other: "90",
}
# ActivityStatus codes.
ACTIVITY_STATUS = {PledgeState.published: "2", PledgeState.completed: "4", PledgeState.withdrawn: "5"}
# OrganisationRole codes.
ROLE_ACCOUNTABLE, ROLE_IMPLEMENTING = "2", "4"
# ActivityDateType codes.
PLANNED_START, ACTUAL_START, PLANNED_END, ACTUAL_END = "1", "2", "3", "4"
# DescriptionType codes.
DESCRIPTION_GENERAL, DESCRIPTION_OBJECTIVES, DESCRIPTION_TARGET_GROUPS = "1", "2", "3"
GLOBAL_REGION = "998"  # Region (OECD DAC, vocabulary 1): Developing countries, unspecified
SDG_TARGET_VOCABULARY = "3"
RESULT_OUTPUT = "1"
MEASURE_UNIT, MEASURE_PERCENTAGE = "1", "2"
PERCENT_UNITS = {"%", "percent", "per cent", "percentage", "pourcentage", "porcentaje"}

# Characters XML 1.0 cannot carry (lxml refuses them); people paste them from other programs.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def iati_identifier(pledge: Pledge) -> str:
    """The pledge's activity identifier: the reporting organisation's ref, then ``PLEDGE-<id>``."""
    return f"{current_app.config['IATI_REPORTING_ORG_REF']}-PLEDGE-{pledge.id}"


def pledges_to_iati(pledges: Iterable[Pledge], *, now: datetime | None = None) -> bytes:
    """An ``iati-activities`` document (UTF-8 bytes) with one activity per public pledge.

    Pledges that are not public are skipped. Approved reports are read a chunk of pledges at a time.
    :param now: the generation time (tests pass one).
    """
    now = now or utcnow()
    root = etree.Element("iati-activities", {"version": IATI_VERSION,
                                             "generated-datetime": _datetime(now)})
    for chunk in _chunks((p for p in pledges if p.is_public), CHUNK):
        reports = _approved_reports([p.id for p in chunk])
        for pledge in chunk:
            root.append(_activity(pledge, reports.get(pledge.id, [])))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


# -- one activity -------------------------------------------------------------------------------------------
def _activity(pledge: Pledge, reports: list[ProgressReport]) -> etree._Element:
    config = current_app.config
    attrs = {"last-updated-datetime": _datetime(pledge.updated_at or pledge.published_at or utcnow()),
             XML_LANG: str(get_locale() or "en"),
             "linked-data-uri": external_url("commitments.detail", pledge_id=pledge.id)}
    if pledge.resources_currency:
        attrs["default-currency"] = pledge.resources_currency
    activity = etree.Element("iati-activity", attrs)
    _sub(activity, "iati-identifier", text=iati_identifier(pledge))
    reporting = _sub(activity, "reporting-org", ref=config["IATI_REPORTING_ORG_REF"],
                     type=config["IATI_REPORTING_ORG_TYPE"], **{"secondary-reporter": "1"})
    _narrative(reporting, config["IATI_REPORTING_ORG_NAME"])
    _narrative(_sub(activity, "title"), pledge.title)
    _narrative(_sub(activity, "description", type=DESCRIPTION_GENERAL), pledge.description or pledge.title)
    if pledge.contribution:
        _narrative(_sub(activity, "description", type=DESCRIPTION_OBJECTIVES), pledge.contribution)
    groups = labels(TARGET_GROUPS, pledge.target_groups)
    if groups:
        _narrative(_sub(activity, "description", type=DESCRIPTION_TARGET_GROUPS), "; ".join(groups))
    _participating_org(activity, pledge.organisation, ROLE_ACCOUNTABLE)
    _participating_org(activity, pledge.organisation, ROLE_IMPLEMENTING)
    for partner in pledge.partners:
        _participating_org(activity, partner.organisation, ROLE_IMPLEMENTING)
    _sub(activity, "activity-status", code=ACTIVITY_STATUS[pledge.state])
    _activity_dates(activity, pledge)
    _recipients(activity, pledge)
    tag = _sub(activity, "tag", vocabulary=SDG_TARGET_VOCABULARY, code="8.7")
    _narrative(tag, _("SDG target 8.7: end forced labour, modern slavery, human trafficking and child labour"))
    values = _values_by_indicator(reports)
    for indicator in pledge.indicators:
        _result(activity, pledge, indicator, reports, values)
    return activity


def _participating_org(activity, organisation, role: str) -> None:
    org = _sub(activity, "participating-org", role=role,
               type=ORGANISATION_TYPES.get(organisation.stakeholder_type, "90"))
    _narrative(org, organisation.name)


def _activity_dates(activity, pledge: Pledge) -> None:
    dates = []
    if pledge.start_date:
        dates.append((PLANNED_START, pledge.start_date))
    if pledge.end_date:
        dates.append((PLANNED_END, pledge.end_date))
    if pledge.is_closed and pledge.closed_at:
        dates.append((ACTUAL_END, as_utc(pledge.closed_at).date()))
    if not dates:  # the schema wants at least one date; a public pledge without dates is an old record
        dates.append((ACTUAL_START, as_utc(pledge.published_at or pledge.created_at).date()))
    for kind, day in dates:
        _sub(activity, "activity-date", type=kind, **{"iso-date": day.isoformat()})


def _recipients(activity, pledge: Pledge) -> None:
    if pledge.is_global:
        region = _sub(activity, "recipient-region", code=GLOBAL_REGION, vocabulary="1")
        _narrative(region, _("Worldwide"))
        return
    codes = [alpha2 for alpha2 in (_alpha2(c) for c in pledge.countries or ()) if alpha2]
    shares = _percentages(len(codes))
    for code, share in zip(codes, shares):
        attrs = {"code": code}
        if len(codes) > 1:
            attrs["percentage"] = share
        _sub(activity, "recipient-country", **attrs)


def _result(activity, pledge: Pledge, indicator, reports: list[ProgressReport],
            values: dict[tuple[int, int], Decimal | None]) -> None:
    result = _sub(activity, "result", type=RESULT_OUTPUT)
    _narrative(_sub(result, "title"), indicator.name)
    attrs = {"measure": MEASURE_PERCENTAGE if indicator.unit.strip().lower() in PERCENT_UNITS else MEASURE_UNIT}
    if indicator.baseline is not None and indicator.target is not None and indicator.target != indicator.baseline:
        attrs["ascending"] = "1" if indicator.target > indicator.baseline else "0"
    element = _sub(result, "indicator", **attrs)
    _narrative(_sub(element, "title"), indicator.name)
    if indicator.unit:
        _narrative(_sub(element, "description"), _("Unit: %(unit)s", unit=indicator.unit))
    if indicator.baseline is not None:
        start = pledge.start_date or as_utc(pledge.published_at or pledge.created_at).date()
        _sub(element, "baseline", year=str(start.year), **{"iso-date": start.isoformat(),
                                                           "value": plain_number(indicator.baseline)})
    periods = [(r.period_start, r.period_end, values.get((r.id, indicator.id))) for r in reports]
    if not periods and pledge.start_date and pledge.end_date and indicator.target is not None:
        periods = [(pledge.start_date, pledge.end_date, None)]
    for start, end, actual in periods:
        period = _sub(element, "period")
        _sub(period, "period-start", **{"iso-date": start.isoformat()})
        _sub(period, "period-end", **{"iso-date": end.isoformat()})
        if indicator.target is not None:
            _sub(period, "target", value=plain_number(indicator.target))
        if actual is not None:
            _sub(period, "actual", value=plain_number(actual))


# -- helpers ------------------------------------------------------------------------------------------------
def _approved_reports(pledge_ids: list[int]) -> dict[int, list[ProgressReport]]:
    """Approved reports of these pledges, oldest period first, with their values (two queries)."""
    found = db.session.scalars(
        sa.select(ProgressReport).where(ProgressReport.pledge_id.in_(pledge_ids),
                                        ProgressReport.state == ReportState.approved)
        .order_by(ProgressReport.pledge_id, ProgressReport.period_end)
        .options(so.selectinload(ProgressReport.values)))
    out: dict[int, list[ProgressReport]] = defaultdict(list)
    for report in found:
        out[report.pledge_id].append(report)
    return out


def _values_by_indicator(reports: list[ProgressReport]) -> dict[tuple[int, int], Decimal | None]:
    return {(report.id, value.indicator_id): value.value for report in reports for value in report.values}


def _percentages(count: int) -> list[str]:
    """``count`` shares of 100 with two decimals that add up to exactly 100."""
    if count == 0:
        return []
    share = (Decimal(100) / count).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    return [plain_number(share)] * (count - 1) + [plain_number(Decimal(100) - share * (count - 1))]


def _alpha2(alpha3: str) -> str | None:
    country = pycountry.countries.get(alpha_3=alpha3)
    return country.alpha_2 if country else None


def _datetime(value: datetime) -> str:
    return as_utc(value).isoformat(timespec="seconds")


def _sub(parent, tag: str, text: str | None = None, **attrs) -> etree._Element:
    element = etree.SubElement(parent, tag, {key: value for key, value in attrs.items()})
    if text is not None:
        element.text = _clean(text)
    return element


def _narrative(parent, text: str) -> etree._Element:
    return _sub(parent, "narrative", text=text)


def _clean(text: str) -> str:
    return _NOT_XML.sub("", str(text))


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    chunk: list = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
