"""What each response of the API holds, field by field, for the OpenAPI document.

The views build their JSON themselves (``pledge_json``, ``report_record``... in :mod:`app.api.routes`), so
these schemas do not dump anything: :class:`Documented` returns the view's object as is, and the bytes sent
stay those the view built. They say what an API user may rely on: every field, its type, whether it can be
null. ``tests/api/test_every_operation.py`` validates every documented operation's response against the
document, and the object schemas forbid fields they do not name (``unknown = RAISE`` is written
``additionalProperties: false``), so a field added to a record without its line here fails that test.
"""
from __future__ import annotations

import marshmallow as ma

from app.actiongroups.workplan.models import WorkItemStatus
from app.commitments.models import Light, PledgeState, ReportState
from app.forums.models import SessionKind
from app.members.models import StakeholderType

Str, Int, Bool, List, Nested = ma.fields.String, ma.fields.Integer, ma.fields.Boolean, ma.fields.List, ma.fields.Nested
OneOf = ma.validate.OneOf


def _about(text: str) -> dict:
    return {"description": text}


def _decimal(text: str = "", **kwargs) -> ma.fields.String:
    """A decimal number written as a string without trailing zeros or exponent (``"50000"``, ``"12.5"``)."""
    about = "a decimal number as a string, e.g. \"12.5\"" + (f": {text}" if text else "")
    return Str(metadata=_about(about), **kwargs)


def _date(text: str = "", **kwargs) -> ma.fields.String:
    """An ISO 8601 date (``2026-07-01``), written by the view (``format: date`` in the document)."""
    return Str(metadata={"format": "date", **({"description": text} if text else {})}, **kwargs)


def _time(text: str = "", **kwargs) -> ma.fields.String:
    """An ISO 8601 time with its UTC offset (``2026-07-01T09:30:00+00:00``)."""
    return Str(metadata={"format": "date-time", **({"description": text} if text else {})}, **kwargs)


def _codes(enum) -> list[str]:
    return [member.value for member in enum]


class Documented(ma.Schema):
    """A response's documented shape; ``dump`` returns the view's object unchanged (see the module)."""

    class Meta:
        unknown = ma.RAISE

    def dump(self, obj, *, many=None):
        return obj


# -- small shapes used by several records -------------------------------------------------------------------------
class CodeLabel(Documented):
    """A coded value and its label in the request's language."""

    code = Str(required=True)
    label = Str(required=True, metadata=_about("in the language asked for (Accept-Language)"))


class CountryName(Documented):
    code = Str(required=True, metadata=_about("ISO 3166-1 alpha-3"))
    name = Str(required=True, metadata=_about("in the language asked for"))


class OrganisationRef(Documented):
    id = Int(required=True)
    name = Str(required=True)


class SexSplit(Documented):
    """A value split by sex: the parts add up to the value; a part not given in a given split is "0"."""

    female = _decimal("women and girls", required=True)
    male = _decimal("men and boys", required=True)
    sex_other = _decimal("other or not known", required=True)


class AgeSplit(Documented):
    """A value split by age group: the parts add up to the value; a part not given is "0"."""

    under_18 = _decimal("children (under 18)", required=True)
    adults = _decimal("adults (18 and over)", required=True)
    age_unknown = _decimal("age not known", required=True)


def _by_sex():
    return Nested(SexSplit, required=True, allow_none=True, metadata=_about("null when not split by sex"))


def _by_age_group():
    return Nested(AgeSplit, required=True, allow_none=True, metadata=_about("null when not split by age group"))


# -- pledges and their reports -------------------------------------------------------------------------------------
class PledgingOrganisation(Documented):
    id = Int(required=True)
    name = Str(required=True)
    acronym = Str(required=True, metadata=_about("empty when it has none"))
    country = Str(required=True, metadata=_about("ISO 3166-1 alpha-3 of its seat"))
    stakeholder_type = Nested(CodeLabel, required=True,
                              metadata=_about("code: one of " + ", ".join(_codes(StakeholderType))))


class PledgeLight(Documented):
    """The pledge's traffic light, as on its page."""

    code = Str(required=True, validate=OneOf(_codes(Light)))
    label = Str(required=True)
    reason = Str(required=True, metadata=_about("why the light has this colour, in a sentence"))


class PledgeResources(Documented):
    amount = _decimal("money committed", required=True, allow_none=True)
    currency = Str(required=True, allow_none=True, metadata=_about("ISO 4217"))
    in_kind = Str(required=True, metadata=_about("what is given in kind, in words (may be empty)"))


class IndicatorRecord(Documented):
    id = Int(required=True)
    name = Str(required=True)
    unit = Str(required=True)
    baseline = _decimal(required=True, allow_none=True)
    target = _decimal(required=True, allow_none=True)
    current_value = _decimal("the value of the latest approved report that gave one", required=True,
                             allow_none=True)
    current_as_of = _date("the end of that report's period", required=True, allow_none=True)
    by_sex = _by_sex()
    by_age_group = _by_age_group()


class DeliverableRecord(Documented):
    id = Int(required=True)
    title = Str(required=True)
    due_date = _date(required=True, allow_none=True)
    done_on = _date("null while not done", required=True, allow_none=True)


class ReportValueRecord(Documented):
    indicator_id = Int(required=True)
    value = _decimal(required=True, allow_none=True)
    comment = Str(required=True)
    by_sex = _by_sex()
    by_age_group = _by_age_group()


class ReportDeliverableRecord(Documented):
    deliverable_id = Int(required=True)
    done_on = _date("the report says it was done on", required=True, allow_none=True)
    note = Str(required=True)


class ReportRecord(Documented):
    """A progress report as its page shows it (without the secretariat's review note)."""

    id = Int(required=True)
    pledge_id = Int(required=True)
    period_start = _date(required=True)
    period_end = _date(required=True)
    status = Nested(CodeLabel, required=True, metadata=_about("code: one of " + ", ".join(_codes(ReportState))))
    narrative = Str(required=True)
    challenges = Str(required=True)
    approved_at = _time("null until approved", required=True, allow_none=True)
    updated_at = _time(required=True)
    values = List(Nested(ReportValueRecord), required=True, metadata=_about("one per indicator reported on"))
    deliverables = List(Nested(ReportDeliverableRecord), required=True)


class PledgeRecord(Documented):
    """A pledge as the registry shows it (the JSON export's record), with its ids, reports and update time."""

    id = Int(required=True)
    url = Str(required=True, metadata=_about("its page on the Hub"))
    title = Str(required=True)
    description = Str(required=True)
    contribution = Str(required=True, metadata=_about("what the organisation commits to do"))
    organisation = Nested(PledgingOrganisation, required=True, metadata=_about("the pledging organisation"))
    partners = List(Nested(OrganisationRef), required=True)
    areas = List(Nested(CodeLabel), required=True, metadata=_about("Target 8.7 areas"))
    action_type = Nested(CodeLabel, required=True, allow_none=True)
    target_groups = List(Nested(CodeLabel), required=True)
    is_global = Bool(required=True, metadata=_about("worldwide rather than in listed countries"))
    countries = List(Nested(CountryName), required=True)
    start_date = _date(required=True, allow_none=True)
    end_date = _date(required=True, allow_none=True)
    resources = Nested(PledgeResources, required=True)
    status = Nested(CodeLabel, required=True, metadata=_about("code: one of " + ", ".join(_codes(PledgeState))))
    light = Nested(PledgeLight, required=True)
    report_every_months = Int(required=True, metadata=_about("how often progress is reported"))
    next_report_due_on = _date(required=True, allow_none=True)
    published_at = _time(required=True, allow_none=True)
    closed_at = _time("when it was completed or withdrawn", required=True, allow_none=True)
    indicators = List(Nested(IndicatorRecord), required=True)
    deliverables = List(Nested(DeliverableRecord), required=True)
    updated_at = _time(required=True)
    reports = List(Nested(ReportRecord), required=True,
                   metadata=_about("approved reports; every report for the pledging organisation and its partners"))


class DeliverableDone(Documented):
    """A deliverable just marked as done."""

    id = Int(required=True)
    title = Str(required=True)
    done_on = _date(required=True)
    evidence_url = Str(required=True, allow_none=True)


# -- partners, groups, the Forum, knowledge, activities -------------------------------------------------------------
class OrganisationRecord(Documented):
    id = Int(required=True)
    name = Str(required=True)
    acronym = Str(required=True, metadata=_about("empty when it has none"))
    country = Str(required=True, metadata=_about("ISO 3166-1 alpha-3 of its seat"))
    country_name = Str(required=True)
    stakeholder_type = Nested(CodeLabel, required=True,
                              metadata=_about("code: one of " + ", ".join(_codes(StakeholderType))))
    website = Str(required=True)
    description = Str(required=True)
    url = Str(required=True, metadata=_about("its page on the Hub"))
    updated_at = _time(required=True)


class ActionGroupRecord(Documented):
    id = Int(required=True)
    slug = Str(required=True)
    name = Str(required=True)
    mandate = Str(required=True)
    areas = List(Str(), required=True, metadata=_about("Target 8.7 area codes"))
    focus_countries = List(Str(), required=True, metadata=_about("ISO 3166-1 alpha-3 codes"))
    is_archived = Bool(required=True)
    updated_at = _time(required=True)


class ForumRecord(Documented):
    id = Int(required=True)
    slug = Str(required=True)
    title = Str(required=True)
    description = Str(required=True)
    starts_on = _date(required=True)
    ends_on = _date(required=True)
    venue_name = Str(required=True)
    venue_address = Str(required=True)
    timezone = Str(required=True, metadata=_about("IANA time zone of the venue, e.g. Europe/Paris"))
    updated_at = _time(required=True)


class Speaker(Documented):
    name = Str(required=True)
    organisation = Str(required=True, metadata=_about("may be empty"))


class SessionRecord(Documented):
    """A timetable entry as the public timetable shows it."""

    id = Int(required=True)
    forum_id = Int(required=True)
    title = Str(required=True)
    description = Str(required=True)
    kind = Nested(CodeLabel, required=True, metadata=_about("code: one of " + ", ".join(_codes(SessionKind))))
    track = Str(required=True, allow_none=True, metadata=_about("the track's name"))
    room = Str(required=True, allow_none=True, metadata=_about("where it takes place"))
    starts_at = _time(required=True)
    ends_at = _time(required=True)
    group_id = Int(required=True, allow_none=True, metadata=_about("the action group that holds it"))
    countries = List(Str(), required=True, metadata=_about("ISO 3166-1 alpha-3 codes"))
    speakers = List(Nested(Speaker), required=True)
    updated_at = _time(required=True)


class ResourceRecord(Documented):
    id = Int(required=True)
    title = Str(required=True)
    summary = Str(required=True)
    resource_type = Str(required=True)
    areas = List(Str(), required=True, metadata=_about("Target 8.7 area codes"))
    countries = List(Str(), required=True, metadata=_about("ISO 3166-1 alpha-3 codes"))
    language = Str(required=True)
    publication_year = Int(required=True, allow_none=True)
    publisher = Str(required=True, metadata=_about("the publishing organisation's name (may be empty)"))
    licence = Str(required=True)
    external_url = Str(required=True, allow_none=True, metadata=_about("where it is published elsewhere"))
    file_url = Str(required=True, allow_none=True, metadata=_about("its file on the Hub, when it has one"))
    url = Str(required=True, metadata=_about("its page on the Hub"))
    updated_at = _time(required=True)


class ReportingOrg(Documented):
    ref = Str(required=True, metadata=_about("IATI organisation identifier (may be empty)"))
    name = Str(required=True)


class ActivityRecord(Documented):
    """An activity imported from IATI or a spreadsheet."""

    id = Int(required=True)
    identifier = Str(required=True, metadata=_about("its identifier at the source (IATI activity identifier)"))
    source = Str(required=True, metadata=_about("where it was imported from"))
    reporting_org = Nested(ReportingOrg, required=True)
    title = Str(required=True)
    description = Str(required=True)
    countries = List(Str(), required=True, metadata=_about("ISO 3166-1 alpha-3 codes"))
    start_date = _date(required=True, allow_none=True)
    end_date = _date(required=True, allow_none=True)
    status = Str(required=True, metadata=_about("as the source gives it"))
    areas = List(Str(), required=True, metadata=_about("Target 8.7 area codes"))
    target_groups = List(Str(), required=True)
    url = Str(required=True, allow_none=True)
    updated_at = _time(required=True)


# -- countries and the gap view --------------------------------------------------------------------------------------
class Pathfinder(Documented):
    since = _date("a Pathfinder country since", required=True)


class Dataset(Documented):
    label = Str(required=True, metadata=_about("the series"))
    data = List(ma.fields.Float(allow_none=True), required=True,
                metadata=_about("one per year of labels; null: no figure"))


class IndicatorSeries(Documented):
    """An indicator's chart: years, and one series of figures per dataset."""

    id = Str(required=True, metadata=_about("the indicator's code"))
    type = Str(required=True, metadata=_about("the chart's kind (line)"))
    labels = List(Str(), required=True, metadata=_about("the years"))
    datasets = List(Nested(Dataset), required=True)
    label = Str(required=True)
    unit = Str(required=True)


class CountryRecord(Documented):
    code = Str(required=True, metadata=_about("ISO 3166-1 alpha-3"))
    name = Str(required=True)
    pathfinder = Nested(Pathfinder, required=True, allow_none=True, metadata=_about("null: not a Pathfinder country"))
    public_pledges = Int(required=True, metadata=_about("public pledges in this country"))
    indicators = List(Nested(IndicatorSeries), required=True)
    url = Str(required=True, metadata=_about("the country page on the Hub"))


class GapCell(Documented):
    count = Int(required=True, metadata=_about("active initiatives"))
    organisations = List(Str(), required=True, metadata=_about("the names of the organisations behind them"))


class GapRow(Documented):
    country = Str(required=True, metadata=_about("ISO 3166-1 alpha-3, or \"global\""))
    cells = ma.fields.Dict(keys=Str(), values=Nested(GapCell), required=True,
                           metadata=_about("by column; a column without initiatives is left out"))


class GapView(Documented):
    columns = List(Str(), required=True, metadata=_about("Target 8.7 area codes, and \"none\": area not given"))
    rows = List(Nested(GapRow), required=True)


# -- with a token ----------------------------------------------------------------------------------------------------
class MeRecord(Documented):
    id = Int(required=True, metadata=_about("the person's id"))
    name = Str(required=True)
    organisation_id = Int(required=True, allow_none=True)
    scopes = List(Str(), required=True, metadata=_about("what the token may do"))
    token_expires_at = _time(required=True)


class WorkItemRecord(Documented):
    id = Int(required=True)
    group_id = Int(required=True)
    title = Str(required=True)
    description = Str(required=True)
    lead_organisation_id = Int(required=True, allow_none=True)
    countries = List(Str(), required=True, metadata=_about("ISO 3166-1 alpha-3 codes"))
    areas = List(Str(), required=True, metadata=_about("Target 8.7 area codes"))
    start_date = _date(required=True, allow_none=True)
    due_date = _date(required=True, allow_none=True)
    status = Str(required=True, validate=OneOf(_codes(WorkItemStatus)))
    updated_at = _time(required=True)


# -- pages -----------------------------------------------------------------------------------------------------------
def _page(name: str, record: type[Documented]) -> type[Documented]:
    """A list's page: its items and the cursor of the next page."""
    return type(name, (Documented,), {
        "items": List(Nested(record), required=True),
        "next_cursor": Str(required=True, allow_none=True,
                           metadata=_about("pass it as cursor= for the next page; null on the last page")),
        "__doc__": f"A page of {record.__name__} (in id order).",
    })


PledgePage = _page("PledgePage", PledgeRecord)
ReportPage = _page("ReportPage", ReportRecord)
OrganisationPage = _page("OrganisationPage", OrganisationRecord)
ActionGroupPage = _page("ActionGroupPage", ActionGroupRecord)
ForumPage = _page("ForumPage", ForumRecord)
SessionPage = _page("SessionPage", SessionRecord)
ResourcePage = _page("ResourcePage", ResourceRecord)
ActivityPage = _page("ActivityPage", ActivityRecord)
WorkItemPage = _page("WorkItemPage", WorkItemRecord)


def null_or_nested(self, field: ma.fields.Field, ret: dict, **kwargs) -> dict:
    """An apispec attribute function: a nullable nested object is written (OpenAPI 3.0) as ``anyOf`` of its
    schema and *any* object or null, which lets an object of any shape through; here the other branch
    admits null only, so the nested schema is what an object is checked against."""
    loose = {"type": "object", "nullable": True}
    if not field.allow_none or loose not in ret.get("anyOf", ()):
        return {}
    return {"anyOf": [{**loose, "enum": [None]} if branch == loose else branch for branch in ret["anyOf"]]}
