"""IATI activity XML 2.03: valid against the vendored schema, with the values a reader looks for."""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import pytest
from lxml import etree

from app.commitments import registry_routes
from app.commitments.iati import pledges_to_iati
from app.commitments.models import Indicator, PledgeState, ProgressReport, ReportState, ReportValue
from app.extensions import db
from app.members.models import StakeholderType
from tests.commitments.conftest import NOW

SCHEMAS = Path(__file__).parent / "iati-schemas"


@lru_cache(maxsize=1)
def schema() -> etree.XMLSchema:
    # Parsed offline: the activity schema includes iati-common.xsd and imports xml.xsd from this folder.
    return etree.XMLSchema(etree.parse(str(SCHEMAS / "iati-activities-schema.xsd")))


def valid(body: bytes) -> etree._Element:
    """Parse an export, fail with the schema's own words if it is not valid IATI 2.03, return the root."""
    root = etree.fromstring(body)
    if not schema().validate(root):
        pytest.fail("\n".join(str(error) for error in schema().error_log))
    return root


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(registry_routes, "viewer_today", lambda now=None: NOW.date())


def activity(root, pledge) -> etree._Element:
    found = root.xpath("iati-activity[iati-identifier=$ident]", ident=f"XI-IATI-A87HUB-PLEDGE-{pledge.id}")
    assert len(found) == 1
    return found[0]


def approve(pledge, start, end, values, state=ReportState.approved):
    report = ProgressReport(pledge_id=pledge.id, period_start=start, period_end=end, state=state,
                            narrative="What we did.")
    for indicator, value in zip(pledge.indicators, values):
        report.values.append(ReportValue(indicator_id=indicator.id, value=value))
    db.session.add(report)
    db.session.commit()
    return report


@pytest.fixture
def joint(pledge_world, make_org):
    """The published joint pledge, with two indicators, two approved reports and one under review."""
    pledge = pledge_world.pledge
    pledge.organisation.stakeholder_type = StakeholderType.government
    pledge.countries = ["CIV", "GHA", "KEN"]
    pledge.target_groups = ["children", "migrants"]
    pledge.indicators.append(Indicator(position=1, name="Districts covered", unit="%", baseline=Decimal("10"),
                                       target=Decimal("60")))
    db.session.commit()
    approve(pledge, date(2026, 1, 1), date(2026, 7, 1), [Decimal(80), Decimal("25.5")])
    approve(pledge, date(2026, 7, 1), date(2027, 1, 1), [Decimal(150), None])
    approve(pledge, date(2027, 1, 1), date(2027, 7, 1), [Decimal(999), Decimal(99)], state=ReportState.submitted)
    return pledge


def test_one_published_joint_pledge_is_valid_iati_with_its_key_values(client, joint, pledge_world):
    response = client.get(f"/pledges/{joint.id}/iati.xml")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    root = valid(response.data)
    assert root.get("version") == "2.03" and root.get("generated-datetime")
    act = activity(root, joint)
    assert act.get("default-currency") == "USD" and act.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    assert act.get("last-updated-datetime").endswith("+00:00")
    assert act.get("linked-data-uri").endswith(f"/pledges/{joint.id}")
    assert act.xpath("reporting-org/@ref") == ["XI-IATI-A87HUB"]
    assert act.xpath("reporting-org/@secondary-reporter") == ["1"]
    assert act.xpath("title/narrative/text()") == ["Inspectors for cocoa farms"]
    assert act.xpath("description[@type='1']/narrative/text()") == [joint.description]
    assert act.xpath("description[@type='2']/narrative/text()") == [joint.contribution]
    assert act.xpath("description[@type='3']/narrative/text()") == ["Children aged 5–17; Migrants"]
    orgs = [(o.get("role"), o.get("type"), o.findtext("narrative")) for o in act.xpath("participating-org")]
    assert orgs == [("2", "10", "Pledging Org"), ("4", "10", "Pledging Org"), ("4", "22", "Partner Org")]
    assert act.xpath("activity-status/@code") == ["2"]
    assert [(d.get("type"), d.get("iso-date")) for d in act.xpath("activity-date")] == [
        ("1", "2026-01-01"), ("3", "2027-12-31")]
    countries = [(c.get("code"), c.get("percentage")) for c in act.xpath("recipient-country")]
    assert countries == [("CI", "33.33"), ("GH", "33.33"), ("KE", "33.34")]
    assert sum(Decimal(p) for _, p in countries) == 100
    assert act.xpath("recipient-region") == []
    assert act.xpath("tag[@vocabulary='3']/@code") == ["8.7"] and act.xpath("tag/narrative/text()")
    results = act.xpath("result")
    assert [r.get("type") for r in results] == ["1", "1"]
    people, share = (r.find("indicator") for r in results)
    assert people.get("measure") == "1" and share.get("measure") == "2" and people.get("ascending") == "1"
    assert people.xpath("title/narrative/text()") == ["Inspectors trained"]
    assert people.xpath("baseline/@year") == ["2026"] and people.xpath("baseline/@value") == ["0"]
    assert share.xpath("baseline/@value") == ["10"]
    periods = [(p.find("period-start").get("iso-date"), p.find("period-end").get("iso-date"),
                p.xpath("target/@value"), p.xpath("actual/@value")) for p in people.xpath("period")]
    assert periods == [("2026-01-01", "2026-07-01", ["200"], ["80"]), ("2026-07-01", "2027-01-01", ["200"], ["150"])]
    assert [p.xpath("actual/@value") for p in share.xpath("period")] == [["25.5"], []]  # no value reported
    assert b"999" not in response.data  # the report under review is not public


def test_a_global_pledge_names_a_region_not_countries(client, make_org, make_pledge):
    pledge = make_pledge(make_org("Academy", kind=StakeholderType.academia), countries=[], is_global=True,
                         resources_amount=None, resources_currency="")
    act = activity(valid(client.get(f"/pledges/{pledge.id}/iati.xml").data), pledge)
    assert act.xpath("recipient-country") == []
    assert [(r.get("code"), r.get("vocabulary"), r.get("percentage")) for r in act.xpath("recipient-region")] == [
        ("998", "1", None)]
    assert act.get("default-currency") is None
    assert act.xpath("participating-org/@type") == ["80", "80"]


def test_a_single_country_needs_no_percentage(client, make_org, make_pledge):
    pledge = make_pledge(make_org(), countries=["KEN"])
    act = activity(valid(client.get(f"/pledges/{pledge.id}/iati.xml").data), pledge)
    assert [(c.get("code"), c.get("percentage")) for c in act.xpath("recipient-country")] == [("KE", None)]


def test_a_withdrawn_pledge_is_cancelled_with_its_actual_end_date(client, make_org, make_pledge):
    pledge = make_pledge(make_org(kind=StakeholderType.private_sector), state=PledgeState.withdrawn,
                         closed_at=datetime(2026, 5, 4, 10, tzinfo=timezone.utc))
    act = activity(valid(client.get(f"/pledges/{pledge.id}/iati.xml").data), pledge)
    assert act.xpath("activity-status/@code") == ["5"]
    assert act.xpath("activity-date[@type='4']/@iso-date") == ["2026-05-04"]
    assert act.xpath("participating-org/@type") == ["70", "70"]
    # No report yet: one period over the whole pledge carries the target alone.
    period = act.xpath("result/indicator/period")
    assert len(period) == 1 and period[0].xpath("target/@value") == ["200"] and period[0].xpath("actual") == []


def test_a_completed_pledge_is_closed(client, make_org, make_pledge):
    pledge = make_pledge(make_org(), state=PledgeState.completed)
    act = activity(valid(client.get(f"/pledges/{pledge.id}/iati.xml").data), pledge)
    assert act.xpath("activity-status/@code") == ["4"]


def test_the_filtered_registry_is_one_valid_document(client, joint, make_org, make_pledge):
    other = make_org("Other")
    world = make_pledge(other, title="Worldwide", countries=[], is_global=True, areas=["forced_labour"])
    gone = make_pledge(other, title="Gone", state=PledgeState.withdrawn, areas=["forced_labour"])
    make_pledge(other, title="Draft", state=PledgeState.draft, areas=["forced_labour"])
    make_pledge(other, title="Child labour only", areas=["child_labour"])
    root = valid(client.get("/pledges/export.xml?area=forced_labour").data)
    assert sorted(root.xpath("iati-activity/title/narrative/text()")) == ["Gone", "Worldwide"]
    assert activity(root, world).xpath("recipient-region/@code") == ["998"]
    assert activity(root, gone).xpath("activity-status/@code") == ["5"]
    everything = valid(client.get("/pledges/export.xml").data)
    assert len(everything.xpath("iati-activity")) == 4  # the joint pledge too; never the draft
    activity(everything, joint)


def test_only_public_pledges_have_an_iati_file(client, make_org, make_pledge):
    org = make_org()
    for state in (PledgeState.draft, PledgeState.submitted, PledgeState.returned):
        assert client.get(f"/pledges/{make_pledge(org, state=state).id}/iati.xml").status_code == 404
    assert client.get("/pledges/999999/iati.xml").status_code == 404


def test_pledges_to_iati_skips_pledges_that_are_not_public(app, make_org, make_pledge):
    org = make_org()
    public, draft = make_pledge(org, title="Public"), make_pledge(org, title="Draft", state=PledgeState.draft)
    with app.test_request_context():
        root = valid(pledges_to_iati([public, draft], now=NOW))
    assert root.xpath("iati-activity/title/narrative/text()") == ["Public"]
    assert root.get("generated-datetime") == "2026-03-01T12:00:00+00:00"


def test_text_xml_cannot_carry_is_dropped(client, make_org, make_pledge):
    pledge = make_pledge(make_org(), title="Vertical\x0btab", description="Form\x0cfeed")
    act = activity(valid(client.get(f"/pledges/{pledge.id}/iati.xml").data), pledge)
    assert act.xpath("title/narrative/text()") == ["Verticaltab"]


def test_the_schema_rejects_elements_out_of_order(client, make_org, make_pledge):
    """The check above is meaningful: swapping two elements makes the document invalid."""
    pledge = make_pledge(make_org())
    root = valid(client.get(f"/pledges/{pledge.id}/iati.xml").data)
    act = root.find("iati-activity")
    title = act.find("title")
    act.remove(title)
    act.append(title)
    assert not schema().validate(root)


def test_the_bulk_demo_pledges_export_as_valid_iati(client):
    from app.commitments.demo_bulk import seed_many_pledges

    seed_many_pledges(60, now=NOW)
    db.session.commit()
    root = valid(client.get("/pledges/export.xml").data)
    assert len(root.xpath("iati-activity")) == 60
    assert set(root.xpath("iati-activity/activity-status/@code")) == {"2", "4", "5"}
