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


def _coded(enum, **kwargs) -> ma.fields.Nested:
    """A :class:`CodeLabel` whose code is one of ``enum``'s values."""
    return Nested(CodeLabel, metadata=_about("code: one of " + ", ".join(_codes(enum))), **kwargs)


class Documented(ma.Schema):
    """A response's documented shape; ``dump`` returns the view's object unchanged (see the module). Every field
    is required: a record always holds it (``allow_none`` says when it may be null)."""

    class Meta:
        unknown = ma.RAISE

    def on_bind_field(self, field_name: str, field_obj: ma.fields.Field) -> None:
        field_obj.required = True

    def dump(self, obj, *, many=None):
        return obj


# -- small shapes used by several records -------------------------------------------------------------------------
class CodeLabel(Documented):
    """A coded value and its label in the request's language."""

    code = Str()
    label = Str(metadata=_about("in the language asked for (Accept-Language)"))


class CountryName(Documented):
    code = Str(metadata=_about("ISO 3166-1 alpha-3"))
    name = Str(metadata=_about("in the language asked for"))


class OrganisationRef(Documented):
    id = Int()
    name = Str()


class SexSplit(Documented):
    """A value split by sex: the parts add up to the value; a part not given in a given split is "0"."""

    female = _decimal("women and girls")
    male = _decimal("men and boys")
    sex_other = _decimal("other or not known")


class AgeSplit(Documented):
    """A value split by age group: the parts add up to the value; a part not given is "0"."""

    under_18 = _decimal("children (under 18)")
    adults = _decimal("adults (18 and over)")
    age_unknown = _decimal("age not known")


def _by_sex():
    return Nested(SexSplit, allow_none=True, metadata=_about("null when not split by sex"))


def _by_age_group():
    return Nested(AgeSplit, allow_none=True, metadata=_about("null when not split by age group"))


# -- pledges and their reports -------------------------------------------------------------------------------------
class PledgingOrganisation(Documented):
    id = Int()
    name = Str()
    acronym = Str(metadata=_about("empty when it has none"))
    country = Str(metadata=_about("ISO 3166-1 alpha-3 of its seat"))
    stakeholder_type = _coded(StakeholderType)


class PledgeLight(Documented):
    """The pledge's traffic light, as on its page."""

    code = Str(validate=OneOf(_codes(Light)))
    label = Str()
    reason = Str(metadata=_about("why the light has this colour, in a sentence"))


class PledgeResources(Documented):
    amount = _decimal("money committed", allow_none=True)
    currency = Str(allow_none=True, metadata=_about("ISO 4217"))
    in_kind = Str(metadata=_about("what is given in kind, in words (may be empty)"))


class IndicatorRecord(Documented):
    id = Int()
    name = Str()
    unit = Str()
    baseline = _decimal(allow_none=True)
    target = _decimal(allow_none=True)
    current_value = _decimal("the value of the latest approved report that gave one", allow_none=True)
    current_as_of = _date("the end of that report's period", allow_none=True)
    by_sex = _by_sex()
    by_age_group = _by_age_group()


class DeliverableRecord(Documented):
    id = Int()
    title = Str()
    due_date = _date(allow_none=True)
    done_on = _date("null while not done", allow_none=True)


class ReportValueRecord(Documented):
    indicator_id = Int()
    value = _decimal(allow_none=True)
    comment = Str()
    by_sex = _by_sex()
    by_age_group = _by_age_group()


class ReportDeliverableRecord(Documented):
    deliverable_id = Int()
    done_on = _date("the report says it was done on", allow_none=True)
    note = Str()


class ReportRecord(Documented):
    """A progress report as its page shows it (without the secretariat's review note)."""

    id = Int()
    pledge_id = Int()
    period_start = _date()
    period_end = _date()
    status = _coded(ReportState)
    narrative = Str()
    challenges = Str()
    approved_at = _time("null until approved", allow_none=True)
    updated_at = _time()
    values = List(Nested(ReportValueRecord), metadata=_about("one per indicator reported on"))
    deliverables = List(Nested(ReportDeliverableRecord))


class PledgeRecord(Documented):
    """A pledge as the registry shows it (the JSON export's record), with its ids, reports and update time."""

    id = Int()
    url = Str(metadata=_about("its page on the Hub"))
    title = Str()
    description = Str()
    contribution = Str(metadata=_about("what the organisation commits to do"))
    organisation = Nested(PledgingOrganisation, metadata=_about("the pledging organisation"))
    partners = List(Nested(OrganisationRef))
    areas = List(Nested(CodeLabel), metadata=_about("Target 8.7 areas"))
    action_type = Nested(CodeLabel, allow_none=True)
    target_groups = List(Nested(CodeLabel))
    is_global = Bool(metadata=_about("worldwide rather than in listed countries"))
    countries = List(Nested(CountryName))
    start_date = _date(allow_none=True)
    end_date = _date(allow_none=True)
    resources = Nested(PledgeResources)
    status = _coded(PledgeState)
    light = Nested(PledgeLight)
    report_every_months = Int(metadata=_about("how often progress is reported"))
    next_report_due_on = _date(allow_none=True)
    published_at = _time(allow_none=True)
    closed_at = _time("when it was completed or withdrawn", allow_none=True)
    indicators = List(Nested(IndicatorRecord))
    deliverables = List(Nested(DeliverableRecord))
    updated_at = _time()
    reports = List(Nested(ReportRecord),
                   metadata=_about("approved reports; every report for the pledging organisation and its partners"))


class DeliverableDone(Documented):
    """A deliverable just marked as done."""

    id = Int()
    title = Str()
    done_on = _date()
    evidence_url = Str(allow_none=True)


# -- partners, groups, the Forum, knowledge, activities -------------------------------------------------------------
class OrganisationRecord(Documented):
    id = Int()
    name = Str()
    acronym = Str(metadata=_about("empty when it has none"))
    country = Str(metadata=_about("ISO 3166-1 alpha-3 of its seat"))
    country_name = Str()
    stakeholder_type = _coded(StakeholderType)
    website = Str()
    description = Str()
    url = Str(metadata=_about("its page on the Hub"))
    updated_at = _time()


class ActionGroupRecord(Documented):
    id = Int()
    slug = Str()
    name = Str()
    mandate = Str()
    areas = List(Str(), metadata=_about("Target 8.7 area codes"))
    focus_countries = List(Str(), metadata=_about("ISO 3166-1 alpha-3 codes"))
    is_archived = Bool()
    updated_at = _time()


class ForumRecord(Documented):
    id = Int()
    slug = Str()
    title = Str()
    description = Str()
    starts_on = _date()
    ends_on = _date()
    venue_name = Str()
    venue_address = Str()
    timezone = Str(metadata=_about("IANA time zone of the venue, e.g. Europe/Paris"))
    updated_at = _time()


class Speaker(Documented):
    name = Str()
    organisation = Str(metadata=_about("may be empty"))


class SessionRecord(Documented):
    """A timetable entry as the public timetable shows it."""

    id = Int()
    forum_id = Int()
    title = Str()
    description = Str()
    kind = _coded(SessionKind)
    track = Str(allow_none=True, metadata=_about("the track's name"))
    room = Str(allow_none=True, metadata=_about("where it takes place"))
    starts_at = _time()
    ends_at = _time()
    group_id = Int(allow_none=True, metadata=_about("the action group that holds it"))
    countries = List(Str(), metadata=_about("ISO 3166-1 alpha-3 codes"))
    speakers = List(Nested(Speaker))
    updated_at = _time()


class ResourceRecord(Documented):
    id = Int()
    title = Str()
    summary = Str()
    resource_type = Str()
    areas = List(Str(), metadata=_about("Target 8.7 area codes"))
    countries = List(Str(), metadata=_about("ISO 3166-1 alpha-3 codes"))
    language = Str()
    publication_year = Int(allow_none=True)
    publisher = Str(metadata=_about("the publishing organisation's name (may be empty)"))
    licence = Str()
    external_url = Str(allow_none=True, metadata=_about("where it is published elsewhere"))
    file_url = Str(allow_none=True, metadata=_about("its file on the Hub, when it has one"))
    url = Str(metadata=_about("its page on the Hub"))
    updated_at = _time()


class ReportingOrg(Documented):
    ref = Str(metadata=_about("IATI organisation identifier (may be empty)"))
    name = Str()


class ActivityRecord(Documented):
    """An activity imported from IATI or a spreadsheet."""

    id = Int()
    identifier = Str(metadata=_about("its identifier at the source (IATI activity identifier)"))
    source = Str(metadata=_about("where it was imported from"))
    reporting_org = Nested(ReportingOrg)
    title = Str()
    description = Str()
    countries = List(Str(), metadata=_about("ISO 3166-1 alpha-3 codes"))
    start_date = _date(allow_none=True)
    end_date = _date(allow_none=True)
    status = Str(metadata=_about("as the source gives it"))
    areas = List(Str(), metadata=_about("Target 8.7 area codes"))
    target_groups = List(Str())
    url = Str(allow_none=True)
    updated_at = _time()


# -- countries and the gap view --------------------------------------------------------------------------------------
class Pathfinder(Documented):
    since = _date("a Pathfinder country since")


class Dataset(Documented):
    label = Str(metadata=_about("the series"))
    data = List(ma.fields.Float(allow_none=True), metadata=_about("one per year of labels; null: no figure"))


class IndicatorSeries(Documented):
    """An indicator's chart: years, and one series of figures per dataset."""

    id = Str(metadata=_about("the indicator's code"))
    type = Str(metadata=_about("the chart's kind (line)"))
    labels = List(Str(), metadata=_about("the years"))
    datasets = List(Nested(Dataset))
    label = Str()
    unit = Str()


class CountryRecord(Documented):
    code = Str(metadata=_about("ISO 3166-1 alpha-3"))
    name = Str()
    pathfinder = Nested(Pathfinder, allow_none=True, metadata=_about("null: not a Pathfinder country"))
    public_pledges = Int(metadata=_about("public pledges in this country"))
    indicators = List(Nested(IndicatorSeries))
    url = Str(metadata=_about("the country page on the Hub"))


class GapCell(Documented):
    count = Int(metadata=_about("active initiatives"))
    organisations = List(Str(), metadata=_about("the names of the organisations behind them"))


class GapRow(Documented):
    country = Str(metadata=_about("ISO 3166-1 alpha-3, or \"global\""))
    cells = ma.fields.Dict(keys=Str(), values=Nested(GapCell),
                           metadata=_about("by column; a column without initiatives is left out"))


class GapView(Documented):
    columns = List(Str(), metadata=_about("Target 8.7 area codes, and \"none\": area not given"))
    rows = List(Nested(GapRow))


# -- with a token ----------------------------------------------------------------------------------------------------
class MeRecord(Documented):
    id = Int(metadata=_about("the person's id"))
    name = Str()
    organisation_id = Int(allow_none=True)
    scopes = List(Str(), metadata=_about("what the token may do"))
    token_expires_at = _time()


class WorkItemRecord(Documented):
    id = Int()
    group_id = Int()
    title = Str()
    description = Str()
    lead_organisation_id = Int(allow_none=True)
    countries = List(Str(), metadata=_about("ISO 3166-1 alpha-3 codes"))
    areas = List(Str(), metadata=_about("Target 8.7 area codes"))
    start_date = _date(allow_none=True)
    due_date = _date(allow_none=True)
    status = Str(validate=OneOf(_codes(WorkItemStatus)))
    updated_at = _time()


# -- pages -----------------------------------------------------------------------------------------------------------
def _page(name: str, record: type[Documented]) -> type[Documented]:
    """A list's page: its items and the cursor of the next page."""
    return type(name, (Documented,), {
        "items": List(Nested(record)),
        "next_cursor": Str(allow_none=True,
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
