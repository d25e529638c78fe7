"""The public registry: who is listed, each filter, search, order, pages, and the CSV and JSON exports."""
from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from app.commitments import registry_routes
from app.commitments.models import Pledge, PledgeState, ProgressReport, ReportState, ReportValue
from app.commitments.registry import (
    LIGHTS, RegistryFilters, filtered_query, light_condition, registry_query,
)
from app.commitments.schedule import Light
from app.extensions import db
from app.utils import search_text_of, search_words
from app.members.models import StakeholderType
from app.taxonomy import region_countries
from tests.commitments.conftest import NOW
from tests.strategies import any_text, fuzz

TODAY = NOW.date()  # 1 March 2026


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    """The registry's "today" is NOW's date, so traffic lights do not depend on when the tests run."""
    monkeypatch.setattr(registry_routes, "viewer_today", lambda now=None: TODAY)


@pytest.fixture
def org(make_org):
    return make_org("Pledging Org")


def titles(client, query: str = "") -> list[str]:
    """The titles the registry lists for a query string, in order (first page)."""
    response = client.get(f"/pledges/{query}")
    assert response.status_code == 200
    return re.findall(r'<h2 class="h5 mb-1"><a href="/pledges/\d+">([^<]+)</a>', response.get_data(as_text=True))


def csv_rows(response) -> list[dict[str, str]]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


# -- who is listed ------------------------------------------------------------------------------------------
def test_only_pledges_published_once_are_listed(client, org, make_pledge):
    for state in PledgeState:
        make_pledge(org, state=state, title=f"A {state.value} pledge")
    assert sorted(titles(client)) == ["A completed pledge", "A published pledge", "A withdrawn pledge"]
    for export in ("/pledges/export.csv", "/pledges/export.json", "/pledges/export.xml"):
        body = client.get(export).get_data(as_text=True)
        assert "A published pledge" in body
        assert not any(f"A {state} pledge" in body for state in ("draft", "submitted", "returned")), export


def test_the_registry_is_public_and_says_what_to_do_when_empty(client):
    page = client.get("/pledges/").get_data(as_text=True)
    assert "No pledge has been published yet" in page and "0 pledges" in page
    assert "/pledges/export.csv" not in page  # nothing to download


# -- filters, one by one -------------------------------------------------------------------------------------
def test_filter_by_area(client, org, make_pledge):
    make_pledge(org, title="Forced labour pledge", areas=["forced_labour", "trafficking"])
    make_pledge(org, title="Child labour pledge", areas=["child_labour"])
    assert titles(client, "?area=trafficking") == ["Forced labour pledge"]
    assert titles(client, "?area=child_labour") == ["Child labour pledge"]


def test_filter_by_country_includes_global_pledges(client, org, make_pledge):
    make_pledge(org, title="In Uganda", countries=["UGA", "KEN"])
    make_pledge(org, title="In Kenya only", countries=["KEN"])
    make_pledge(org, title="Everywhere", countries=[], is_global=True)
    assert sorted(titles(client, "?country=UGA")) == ["Everywhere", "In Uganda"]
    assert sorted(titles(client, "?country=KEN")) == ["Everywhere", "In Kenya only", "In Uganda"]
    assert titles(client, "?country=FRA") == ["Everywhere"]



def test_the_country_filter_says_how_many_global_pledges_it_includes_and_can_leave_them_out(client, org, make_pledge):
    make_pledge(org, title="In Kenya only", countries=["KEN"])
    make_pledge(org, title="Everywhere", countries=[], is_global=True)
    make_pledge(org, title="Global and Kenya", countries=["KEN"], is_global=True)   # counted as Kenya's
    page = client.get("/pledges/?country=KEN").get_data(as_text=True)
    assert "Including 1 global pledge (for every country)." in page
    assert "/pledges/?country=KEN&amp;global=0" in page
    assert sorted(titles(client, "?country=KEN&global=0")) == ["Global and Kenya", "In Kenya only"]
    only = client.get("/pledges/?country=KEN&global=0").get_data(as_text=True)
    assert "Not counting 1 global pledge (for every country)." in only and "/pledges/?country=KEN\"" in only
    assert 'name="global" value="0"' in only          # the filter form keeps the choice
    assert "/pledges/export.csv?country=KEN&amp;global=0" in only   # and so do the exports
    csv = client.get("/pledges/export.csv?country=KEN&global=0").get_data(as_text=True)
    assert "In Kenya only" in csv and "Everywhere" not in csv
    assert "global pledge" not in client.get("/pledges/").get_data(as_text=True)   # no country: nothing to say
    assert sorted(titles(client, "?global=0")) == ["Everywhere", "Global and Kenya", "In Kenya only"]
    for bad in ("?country=KEN&global=", "?country=KEN&global=yes", "?country=KEN&global=%00"):
        assert len(titles(client, bad)) == 3, bad  # anything but 0 includes them
    country = client.get("/countries/KEN").get_data(as_text=True)
    assert "Not counted here: 1 global pledge (for every country)." in country
    assert "/pledges/?country=KEN&amp;global=0" not in country or "2 public pledges name this country" in country


def test_a_region_as_country_filter_matches_pledges_in_any_of_its_countries(client, org, make_pledge):
    africa, europe = "002", "150"
    assert "UGA" in region_countries()[africa] and "FRA" in region_countries()[europe]
    make_pledge(org, title="In Uganda", countries=["UGA"])
    make_pledge(org, title="In France", countries=["FRA"])
    make_pledge(org, title="In Peru", countries=["PER"])
    make_pledge(org, title="Everywhere", countries=[], is_global=True)
    assert sorted(titles(client, f"?country={africa}")) == ["Everywhere", "In Uganda"]
    assert sorted(titles(client, f"?country={europe}")) == ["Everywhere", "In France"]


def test_filter_by_stakeholder_type_of_the_pledging_organisation(client, make_org, make_pledge):
    ministry = make_org("Ministry", kind=StakeholderType.government)
    union = make_org("Union", kind=StakeholderType.workers)
    make_pledge(ministry, title="Government pledge")
    make_pledge(union, title="Union pledge", partners=[ministry])  # a government partner does not count
    assert titles(client, "?stakeholder_type=government") == ["Government pledge"]
    assert titles(client, "?stakeholder_type=workers") == ["Union pledge"]


def test_filter_by_action_type(client, org, make_pledge):
    make_pledge(org, title="A law", action_type="policy_law")
    make_pledge(org, title="A survey", action_type="research_data")
    assert titles(client, "?action_type=research_data") == ["A survey"]


def test_filter_by_status(client, org, make_pledge):
    make_pledge(org, title="Going on", state=PledgeState.published)
    make_pledge(org, title="Done", state=PledgeState.completed)
    make_pledge(org, title="Stopped", state=PledgeState.withdrawn)
    assert titles(client, "?status=completed") == ["Done"]
    assert titles(client, "?status=withdrawn") == ["Stopped"]
    assert titles(client, "?status=published") == ["Going on"]
    assert titles(client, "?status=draft") == titles(client)  # not a public state: ignored


@pytest.fixture
def lights(org, make_pledge):
    """One pledge at each light on TODAY (1 March 2026), reporting every 6 months; title = light."""
    starts = {Light.green: date(2026, 1, 1), Light.amber: date(2025, 7, 1), Light.red: date(2025, 1, 1),
              Light.inactive: date(2024, 1, 1)}
    made = {light: make_pledge(org, title=light.value, start_date=start, end_date=date(2028, 12, 31))
            for light, start in starts.items()}
    made[Light.completed] = make_pledge(org, title="completed", state=PledgeState.completed)
    made[Light.withdrawn] = make_pledge(org, title="withdrawn", state=PledgeState.withdrawn)
    # Every report in: green with nothing due.
    done = make_pledge(org, title="all reported", start_date=date(2024, 1, 1), end_date=date(2025, 1, 1))
    done.reported_through = date(2025, 1, 1)
    done.refresh_schedule()
    db.session.commit()
    made[Light.none] = make_pledge(org, title="draft", state=PledgeState.draft)
    for light, pledge in made.items():
        assert pledge.light(TODAY) is light, light
    assert done.light(TODAY) is Light.green and done.report_due_on is None
    return made


def test_filter_by_traffic_light(client, lights):
    for light in LIGHTS:
        expected = ["all reported", "green"] if light == "green" else [light]
        assert sorted(titles(client, f"?light={light}")) == expected, light


def test_the_sql_light_filter_agrees_with_the_pledges_light_on_every_day(lights):
    """Walk days across every boundary (due, red, inactive) of every pledge and compare both answers."""
    pledges = db.session.scalars(sa.select(Pledge)).all()
    days = {TODAY}
    for p in pledges:
        for boundary in (p.report_due_on, p.red_from, p.inactive_from):
            if boundary is not None:
                days |= {boundary, date.fromordinal(boundary.toordinal() - 1)}
    for day in sorted(days):
        for light in Light:
            in_sql = set(db.session.scalars(sa.select(Pledge.id).where(light_condition(light, day))))
            in_python = {p.id for p in pledges if p.light(day) is light}
            assert in_sql == in_python, (day, light)


def test_search_ignores_case_and_accents_and_matches_word_starts(client, org, make_pledge):
    make_pledge(org, title="Société civile contre le TRAVAIL forcé", description="Écoles pour les enfants.")
    make_pledge(org, title="Cocoa inspectors", description="Labour inspections on cocoa farms.")
    assert titles(client, "?q=societe") == ["Société civile contre le TRAVAIL forcé"]
    assert titles(client, "?q=TRAVAIL+FORCE") == ["Société civile contre le TRAVAIL forcé"]
    assert titles(client, "?q=écoles") == ["Société civile contre le TRAVAIL forcé"]  # description too
    assert titles(client, "?q=insp+coc") == ["Cocoa inspectors"]                          # word starts
    assert titles(client, "?q=ociete") == []                                            # not inside a word
    assert titles(client, "?q=cocoa+societe") == []                                     # every word must match
    # LIKE's wildcards are punctuation, not patterns: "%" and "_" alone search for nothing.
    assert titles(client, "?q=%25") == titles(client, "?q=_") == titles(client, "?q=%25_") == titles(client)
    assert titles(client, "?q=coc%25a") == [] and titles(client, "?q=co_oa") == []


def test_search_words_and_search_text_drop_punctuation():
    assert search_words("Anti-TRAFFICKING (Côte d'Ivoire)!") == ["anti", "trafficking", "cote", "d", "ivoire"]
    assert search_words("50%_off \\ x") == ["50", "off", "x"]
    assert search_text_of("Child-labour free", None, "cocoa") == "child labour free cocoa"


def test_unknown_filter_values_are_ignored_quietly(client, org, make_pledge):
    make_pledge(org, title="Only pledge")
    for query in ("?area=nope", "?country=XXX", "?country=<script>", "?stakeholder_type=alien", "?action_type=1",
                  "?light=purple", "?sort=random", "?page=-3", "?page=abc", "?status=", "?whatever=1"):
        assert titles(client, query) == ["Only pledge"], query
    assert RegistryFilters.from_args({"page": "99999999999", "sort": "end"}) == RegistryFilters(sort="end")


# -- order and pages ----------------------------------------------------------------------------------------
def test_newest_first_or_by_end_date_with_ties_by_id(client, org, make_pledge):
    first = make_pledge(org, title="Old", end_date=date(2027, 6, 30))
    second = make_pledge(org, title="New", end_date=date(2029, 1, 1))
    tie = make_pledge(org, title="Tie", end_date=date(2027, 6, 30))
    first.published_at = tie.published_at = datetime(2026, 1, 1, tzinfo=timezone.utc)
    second.published_at = datetime(2026, 2, 1, tzinfo=timezone.utc)
    db.session.commit()
    assert titles(client) == ["New", "Tie", "Old"]
    assert titles(client, "?sort=end") == ["Old", "Tie", "New"]


def test_pages_keep_the_filters(app, client, org, make_pledge):
    app.config["PAGE_SIZE"] = 2
    for n in range(5):
        make_pledge(org, title=f"Trafficking {n}", areas=["trafficking"],
                    published_at=datetime(2026, 1, 1 + n, tzinfo=timezone.utc))
    make_pledge(org, title="Other area", areas=["child_labour"])
    assert titles(client, "?area=trafficking") == ["Trafficking 4", "Trafficking 3"]
    assert titles(client, "?area=trafficking&page=3") == ["Trafficking 0"]
    page = client.get("/pledges/?area=trafficking").get_data(as_text=True)
    assert "5 pledges" in page and "Page 1 of 3" in page
    assert "/pledges/?area=trafficking&amp;page=2" in page
    beyond = client.get("/pledges/?area=trafficking&page=9").get_data(as_text=True)
    assert "5 pledges" in beyond  # a page past the end still counts the matches


# -- the page -----------------------------------------------------------------------------------------------
def test_each_pledge_shows_organisation_partners_places_areas_end_and_light(client, make_org, make_pledge):
    org = make_org("Pledging Org", acronym="PO")
    partner = make_org("Partner Org")
    pledge = make_pledge(org, title="Joint pledge", partners=[partner], countries=["CIV", "GHA"],
                         areas=["child_labour", "trafficking"], end_date=date(2027, 12, 31))
    make_pledge(org, title="World pledge", countries=[], is_global=True)
    page = client.get("/pledges/").get_data(as_text=True)
    item = next(part for part in page.split('registry-pledge')[1:] if "Joint pledge" in part)
    assert f'href="/pledges/{pledge.id}"' in item
    for text in ("Pledging Org (PO)", "Partner Org", "Côte d’Ivoire", "Ghana", "Child labour", "Human trafficking",
                 "Dec 31, 2027", 'data-light="green"', "next progress report is due"):
        assert text in item, text
    assert "Global" in next(part for part in page.split('registry-pledge')[1:] if "World pledge" in part)


def test_no_match_offers_to_clear_the_filters(client, org, make_pledge):
    make_pledge(org, title="Child labour pledge", areas=["child_labour"])
    page = client.get("/pledges/?area=child_soldiers&sort=end").get_data(as_text=True)
    assert "No pledge matches these filters" in page and "0 pledges" in page
    assert 'href="/pledges/">' in page  # "clear filters and show every pledge"
    assert 'href="/pledges/?sort=end">' in page  # the form's "clear filters" keeps the order


def test_the_filter_form_works_without_javascript(client):
    page = client.get("/pledges/?area=forced_labour&country=002&light=red").get_data(as_text=True)
    form = page[page.index('role="search"'):page.index("</form>", page.index('role="search"'))]
    assert 'method="get"' in page[page.rindex("<form", 0, page.index('role="search"')):page.index('role="search"')]
    for name in ("q", "area", "country", "stakeholder_type", "action_type", "status", "light", "sort"):
        assert f'name="{name}"' in form, name
    assert '<option value="forced_labour" selected>' in form and '<option value="002" selected>' in form
    assert '<option value="red" selected>' in form


# -- exports ------------------------------------------------------------------------------------------------
def test_export_links_carry_the_filters(client, org, make_pledge):
    make_pledge(org, title="Forced labour in Kenya", areas=["forced_labour"], countries=["KEN"])
    make_pledge(org, title="Forced labour in Peru", areas=["forced_labour"], countries=["PER"])
    make_pledge(org, title="Child labour in Kenya", areas=["child_labour"], countries=["KEN"])
    page = client.get("/pledges/?area=forced_labour&country=KEN&q=kenya").get_data(as_text=True)
    links = re.findall(r'href="(/pledges/export\.\w+\?[^"]+)"', page)
    assert len(links) == 3
    for link in links:
        link = link.replace("&amp;", "&")
        assert "area=forced_labour" in link and "country=KEN" in link and "q=kenya" in link
        body = client.get(link).get_data(as_text=True)
        assert "Forced labour in Kenya" in body
        assert "Forced labour in Peru" not in body and "Child labour in Kenya" not in body, link


def test_csv_has_a_bom_one_row_per_pledge_and_defuses_formulas(client, make_org, make_pledge):
    org = make_org("=cmd|' /C calc'!A0")
    pledge = make_pledge(org, title="=HYPERLINK(\"http://evil\")", countries=["KEN", "UGA"],
                         resources_amount=Decimal("1250.50"), resources_currency="EUR")
    make_pledge(org, title="@SUM(A1)", countries=[], is_global=True)
    response = client.get("/pledges/export.csv")
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    rows = csv_rows(response)
    assert len(rows) == 2
    row = next(r for r in rows if r["ID"] == str(pledge.id))
    assert row["Title"] == "'=HYPERLINK(\"http://evil\")" and row["Organisation"].startswith("'=")
    assert row["Countries"] == "Kenya; Uganda" and row["Country codes"] == "KEN UGA"
    assert row["Resources committed"] == "1250.5" and row["Currency"] == "EUR"
    assert row["Traffic light"] == "On track" and row["Link"].endswith(f"/pledges/{pledge.id}")
    assert next(r for r in rows if r["ID"] != str(pledge.id))["Title"] == "'@SUM(A1)"


JSON_KEYS = {"id", "url", "title", "description", "contribution", "organisation", "partners", "areas",
             "action_type", "target_groups", "is_global", "countries", "start_date", "end_date", "resources",
             "status", "light", "report_every_months", "next_report_due_on", "published_at", "closed_at",
             "indicators", "deliverables"}


def test_json_is_a_list_of_objects_with_stable_keys_codes_labels_iso_dates_and_string_amounts(
        client, make_org, make_pledge):
    org = make_org("Ministry", kind=StakeholderType.government, country="GHA")
    partner = make_org("Union", kind=StakeholderType.workers)
    pledge = make_pledge(org, partners=[partner], title="Cocoa", resources_amount=Decimal("50000.00"),
                         areas=["child_labour"], countries=["GHA"])
    data = client.get("/pledges/export.json").get_json()
    assert isinstance(data, list) and len(data) == 1
    record = data[0]
    assert set(record) == JSON_KEYS
    assert record["id"] == pledge.id and record["url"].endswith(f"/pledges/{pledge.id}")
    assert record["organisation"] == {"id": org.id, "name": "Ministry", "acronym": "", "country": "GHA",
                                      "stakeholder_type": {"code": "government", "label": "Government"}}
    assert record["partners"] == [{"id": partner.id, "name": "Union"}]
    assert record["areas"] == [{"code": "child_labour", "label": "Child labour"}]
    assert record["action_type"] == {"code": "programme_services", "label": "Programmes and services"}
    assert record["countries"] == [{"code": "GHA", "name": "Ghana"}]
    assert record["resources"] == {"amount": "50000", "currency": "USD", "in_kind": ""}
    assert (record["start_date"], record["end_date"]) == ("2026-01-01", "2027-12-31")
    assert record["published_at"] == "2026-01-15T00:00:00+00:00" and record["closed_at"] is None
    assert record["status"] == {"code": "published", "label": "Published"}
    assert record["light"]["code"] == "green" and record["next_report_due_on"] == "2026-07-01"
    assert record["indicators"] == [{"name": "Inspectors trained", "unit": "people", "baseline": "0",
                                     "target": "200", "current_value": None, "current_as_of": None,
                                     "by_sex": None, "by_age_group": None}]
    assert record["deliverables"] == [{"title": "Training curriculum", "due_date": "2026-06-30", "done_on": None}]


def test_exports_show_public_fields_only(client, pledge_world):
    """No focal point's e-mail, no review note, no value from a report not approved yet."""
    pledge = pledge_world.pledge
    pledge.review_comment = "Secret review note"
    report = ProgressReport(pledge_id=pledge.id, period_start=date(2026, 1, 1), period_end=date(2026, 7, 1),
                            state=ReportState.submitted, narrative="Unapproved narrative")
    report.values.append(ReportValue(indicator_id=pledge.indicators[0].id, value=Decimal("987654")))
    db.session.add(report)
    db.session.commit()
    for url in ("/pledges/export.csv", "/pledges/export.json", "/pledges/export.xml",
                f"/pledges/{pledge.id}/iati.xml"):
        body = client.get(url).get_data(as_text=True)
        assert pledge.title in body, url
        for secret in ("coordinator@example.org", "Cora Coordinator", "Secret review note", "987654",
                       "Unapproved narrative", "@example.org"):
            assert secret not in body, (url, secret)


def test_registry_query_lists_what_filtered_query_finds_with_the_organisation_loaded(org, make_pledge):
    make_pledge(org, title="Listed")
    make_pledge(org, title="Hidden", state=PledgeState.submitted)
    filters = RegistryFilters()
    db.session.expire_all()
    listed = db.session.scalars(registry_query(filters, TODAY)).unique().all()
    assert [p.title for p in listed] == ["Listed"]
    assert not {"organisation", "partners"} & sa.inspect(listed[0]).unloaded
    assert listed == list(db.session.scalars(filtered_query(filters, TODAY)))


ANY_TEXT = any_text(60)
ARGS = ("q", "area", "country", "stakeholder_type", "action_type", "status", "light", "sort", "page")


@fuzz(60)
@given(args=st.dictionaries(st.sampled_from(ARGS), ANY_TEXT, max_size=5))
def test_random_query_strings_never_break_the_registry_or_its_exports(client, org, make_pledge, args):
    if not getattr(org, "seeded", False):
        make_pledge(org, title="Société Générale", areas=["trafficking"], countries=["KEN"])
        org.seeded = True
    for url in ("/pledges/", "/pledges/export.json"):
        response = client.get(url, query_string=args)
        assert response.status_code == 200, (url, args)


def test_exports_link_to_the_configured_address_whatever_the_host_header(client, make_org, make_pledge):
    pledge = make_pledge(make_org())
    evil = {"Host": "evil.example"}
    row = csv_rows(client.get("/pledges/export.csv", headers=evil))[0]
    assert row["Link"] == f"http://127.0.0.1:5000/pledges/{pledge.id}"
    for export in ("/pledges/export.json", "/pledges/export.xml"):
        body = client.get(export, headers=evil).text
        assert f"http://127.0.0.1:5000/pledges/{pledge.id}" in body and "evil.example" not in body
