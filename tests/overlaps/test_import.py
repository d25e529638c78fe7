"""Importing external activities: IATI XML (streamed, idempotent, never stopped by a bad record, any
encoding or script) and CSV; read-only activities marked with their source."""
from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.overlaps import importing
from app.overlaps.index import get_index
from app.overlaps.models import ExternalActivity, InitiativeChange

DATA = Path(__file__).parent / "data"


def activities() -> dict[str, ExternalActivity]:
    db.session.expire_all()
    return {a.identifier: a for a in db.session.scalars(sa.select(ExternalActivity))}


def run(*names, kind="iati"):
    report = importing.run_import([DATA / n for n in names], kind=kind)
    db.session.commit()
    return report


def test_an_iati_file_is_imported_with_every_field(app):
    report = run("iati-sample.xml")
    assert (report.created, report.updated, report.unchanged) == (7, 0, 0)
    found = activities()
    first = found["XM-TEST-1"]
    assert first.title == "Child labour monitoring in cocoa communities"
    assert first.description.startswith("Community facilitators find children")
    assert "Fewer children" in first.description  # the objectives follow the general description
    assert first.countries == ["GHA", "CIV"] and first.regions == ["289"]
    assert (first.start_date, first.end_date) == (date(2025, 2, 1), date(2027, 12, 31))  # actual start wins
    assert first.status == "2" and first.sdg_targets == ["8.7"]
    assert first.areas == ["child_labour"] and first.target_groups == ["children"]
    assert first.reporting_org_name == "Test Donor Agency" and first.reporting_org_ref == "XM-TEST"
    assert {"ref": "", "name": "Cocoa Communities Trust", "role": "4"} in first.participating_orgs
    assert first.contact == {"person": "Dana Donor", "email": "dana@donor.example.org"}
    assert first.source == "iati" and first.source_name == "iati-sample.xml"
    assert first.url.startswith("https://d-portal.org/") and first.language == "en"
    assert found["XM-TEST-6"].title.startswith("Old style title")  # IATI 1.0x text without narratives


def test_a_bad_record_is_skipped_with_its_reason_and_the_import_goes_on(app):
    report = run("iati-sample.xml")
    skipped = dict(report.skipped)
    assert skipped["iati-sample.xml, activity 2"] == "no identifier"
    assert skipped["iati-sample.xml, activity 3 (XM-TEST-NO-TITLE)"] == "no title"
    assert "already read in this import" in skipped["iati-sample.xml, activity 9 (XM-TEST-1)"]
    assert ("iati-sample.xml, activity 4 (XM-TEST-2)", "unknown country code 'ZZ' left out") in report.warnings
    assert ("iati-sample.xml, activity 4 (XM-TEST-2)", "date '2026-13-45' is not a date: left out") in report.warnings
    found = activities()
    assert found["XM-TEST-2"].countries == ["SEN"] and found["XM-TEST-2"].start_date is None
    assert found["XM-TEST-3"].end_date is None  # it ended before it started: the end was left out
    assert "XM-TEST-7" in found  # cancelled: imported, but not compared
    assert f"external_activity:{found['XM-TEST-7'].id}" not in get_index().detector()


def test_non_latin_scripts_are_kept_and_compared(app):
    run("iati-sample.xml")
    found = activities()
    assert found["XM-TEST-3"].title == "مكافحة العمل القسري في قطاع البناء" and found["XM-TEST-3"].language == "ar"
    assert found["XM-TEST-4"].title == "消除供应链中的强迫劳动"
    assert found["XM-TEST-5"].title == "Борьба с торговлей людьми в Центральной Азии"
    assert found["XM-TEST-2"].title == "Lutte contre la traite des personnes au Sénégal"  # the activity's language
    from app.dedup import Initiative

    matches = get_index().detector().find_overlaps(Initiative(
        title="Борьба с торговлей людьми в Центральной Азии", description="Борьба с торговлей людьми",
        countries=("KAZ",)), include_below=True)
    assert f"external_activity:{found['XM-TEST-5'].id}" in [m.id for m in matches]


@pytest.mark.parametrize("name, identifier, title", [
    ("iati-latin1.xml", "XM-LATIN1-1", "Éradication du travail des enfants dans les mines d'or (Côte d'Ivoire)"),
    ("iati-utf16.xml", "XM-UTF16-1", "Erradicación del trabajo infantil en la cosecha de café — Perú"),
    ("iati-mixed-encodings.xml", "XM-MIXED-2", "Travail forcé dans les plantations — Côte d’Ivoire"),
    ("iati-mixed-encodings.xml", "XM-MIXED-3", "Забота о детях — Kazakhstan"),
])
def test_every_encoding_is_read(app, name, identifier, title):
    report = run(name)
    assert activities()[identifier].title == title
    if "mixed" in name:
        assert any("not UTF-8" in w for _where, w in report.warnings)


def test_broken_xml_never_stops_the_import(app):
    report = run("iati-broken.xml", "iati-sample.xml")
    found = activities()
    assert {"XM-BROKEN-1", "XM-BROKEN-3", "XM-TEST-1"} <= set(found)
    assert report.files == 2 and any("XM-BROKEN-2" in where for where, _why in report.skipped)


def test_external_entities_are_never_resolved(app):
    run("iati-entities.xml")
    assert "root:" not in activities()["XM-ENTITY-1"].title


def test_importing_again_changes_nothing_and_an_update_updates(app):
    run("iati-sample.xml")
    changes = db.session.scalar(sa.select(sa.func.count(InitiativeChange.seq)))
    again = run("iati-sample.xml")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 7)
    assert db.session.scalar(sa.select(sa.func.count(InitiativeChange.seq))) == changes
    update = run("iati-update.xml")
    assert (update.created, update.updated) == (1, 1)
    assert any("an older version than the one already imported" in why for _where, why in update.skipped)
    found = activities()
    assert found["XM-TEST-1"].title == "Child labour monitoring and remediation in cocoa communities"
    assert found["XM-TEST-1"].end_date == date(2028, 12, 31)
    assert found["XM-TEST-5"].title == "Борьба с торговлей людьми в Центральной Азии"  # the older one was skipped
    # Every change went to the change log: the index sees it at its next query.
    detector = get_index().detector()
    assert f"external_activity:{found['XM-TEST-8'].id}" in detector


def test_a_folder_is_imported_file_by_file(app, tmp_path):
    folder = tmp_path / "dump" / "nested"
    folder.mkdir(parents=True)
    for name in ("iati-latin1.xml", "iati-utf16.xml"):
        shutil.copy(DATA / name, folder / name)
    (folder / "notes.txt").write_text("not an IATI file")
    report = importing.run_import([tmp_path / "dump", tmp_path / "missing.xml"], kind="iati")
    assert report.files == 2 and report.created == 2
    assert (str(tmp_path / "missing.xml"), "no such file") in report.skipped


def test_the_import_iati_command_shows_progress_and_a_summary(app):
    result = app.test_cli_runner().invoke(args=["import-iati", str(DATA / "iati-sample.xml"),
                                                str(DATA / "iati-broken.xml"), "--verbose"])
    assert result.exit_code == 0, result.output
    assert "Reading" in result.output
    assert "Files read: 2; activities created: 9, updated: 0, unchanged: 0, skipped: 4." in result.output
    assert "skipped  iati-sample.xml, activity 2: no identifier" in result.output
    assert "note     iati-sample.xml, activity 4 (XM-TEST-2): unknown country code 'ZZ' left out" in result.output
    again = app.test_cli_runner().invoke(args=["import-iati", str(DATA / "iati-sample.xml")])
    assert "activities created: 0, updated: 0, unchanged: 7" in again.output


def test_the_import_command_needs_a_path(app):
    result = app.test_cli_runner().invoke(args=["import-iati"])
    assert result.exit_code != 0 and "Give at least one file or folder" in result.output


def test_a_large_import_rebuilds_the_index_at_the_end(app, tmp_path, monkeypatch):
    from app.overlaps import cli

    monkeypatch.setattr(cli, "REBUILD_AFTER", 3)
    result = app.test_cli_runner().invoke(args=["import-iati", str(DATA / "iati-sample.xml")])
    assert "Rebuilding the overlap index (7 activities changed)" in result.output
    assert get_index().rebuilds >= 1


# -- CSV ---------------------------------------------------------------------------------------------------
def test_a_csv_file_is_imported_with_its_documented_columns(app):
    report = run("activities.csv", kind="csv")
    assert report.created == 3
    found = activities()
    first = found["CSV-1"]
    assert first.source == "csv" and first.countries == ["GHA", "CIV"]
    assert first.areas == ["child_labour", "worst_forms"]  # by code or by label
    assert first.reporting_org_name == "Test Foundation" and first.reporting_org_ref == "XM-FOUND"
    assert [o["name"] for o in first.participating_orgs] == ["Cocoa Trust", "Farmers' Union"]
    assert first.contact == {"person": "Ann Example", "email": "ann@example.org"}
    second = found["CSV-2"]
    assert second.end_date is None and second.status == "" and second.url == ""  # bad date, status, url dropped
    assert found["CSV-4"].title == "平等就业 项目"
    assert dict(report.skipped) == {"activities.csv, line 4": "no identifier", "activities.csv, line 5": "no title"}
    assert run("activities.csv", kind="csv").unchanged == 3


def test_a_csv_file_in_windows_1252_with_semicolons_is_read(app):
    report = run("activities-cp1252.csv", kind="csv")
    assert activities()["CP-1"].title == "Éliminer le travail forcé dans la filière coton"
    assert any("Windows-1252" in w for _where, w in report.warnings)


def test_a_csv_file_without_the_required_columns_is_refused_with_the_list(app, tmp_path):
    path = tmp_path / "wrong.csv"
    path.write_text("name,place\nSomething,KEN\n")
    report = importing.run_import([path], kind="csv")
    assert report.created == 0 and "no column identifier, title" in report.skipped[0][1]


def test_the_csv_command(app):
    result = app.test_cli_runner().invoke(args=["import-activities", str(DATA / "activities.csv")])
    assert result.exit_code == 0 and "activities created: 3" in result.output


# -- read-only pages -----------------------------------------------------------------------------------------
def test_imported_activities_are_listed_searchable_and_marked_read_only(client, app):
    run("iati-sample.xml", "activities.csv")
    html = client.get("/activities/").get_data(as_text=True)
    assert "Child labour monitoring in cocoa communities" in html
    assert "Cocoa child labour" not in client.get("/activities/?q=traite").get_data(as_text=True)
    assert "Lutte contre la traite" in client.get("/activities/?q=traite").get_data(as_text=True)
    assert "Борьба" in client.get("/activities/?country=KAZ").get_data(as_text=True)
    assert "No imported activity matches." in client.get("/activities/?q=%25_\\").get_data(as_text=True)
    activity = activities()["XM-TEST-1"]
    page = client.get(f"/activities/{activity.id}").get_data(as_text=True)
    assert "read-only here" in page and "IATI activity file" in page and "iati-sample.xml" in page
    assert "/edit" not in page
    assert client.get("/activities/999999").status_code == 404


def test_the_demo_file_imports_cleanly(app):
    from app.demo_overlaps import DEMO_IATI

    report = importing.run_import([DEMO_IATI], kind="iati")
    assert (report.created, report.skipped, report.warnings) == (10, [], [])
