"""Evidence on progress reports (files and links with captions) and values split by sex and age group:
the services' rules, who may do what on the new routes, what the pages show."""
from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.commitments import reports
from app.commitments.models import ReportEvidence, ReportState
from app.errors import DomainError, InvalidTransitionError, NotAllowedError
from app.extensions import db
from app.uploads import store_upload
from tests.actiongroups.documents.conftest import PDF, PNG, file_storage, stored_files
from tests.commitments.conftest import ROLES
from tests.commitments.test_report_routes import (  # noqa: F401
    CLOCK, LOGIN, P4, base, clock, filled, html_error, world,
)
from tests.conftest import drain, reload


def uploads(app) -> Path:
    return Path(app.config["UPLOAD_DIR"])


def add_photo(report, person, caption="Training in Kumasi"):
    stored = store_upload(file_storage(PNG, "kumasi.png"), allowed=reports.EVIDENCE_TYPES)
    evidence = reports.add_evidence_file(person, report, stored, caption, now=CLOCK)
    db.session.commit()
    return evidence


# -- services: evidence -------------------------------------------------------------------------------------
def test_files_and_links_are_added_with_captions_and_removed(app, world):
    member, report = world.people.member, world.reports["draft"]
    photo = add_photo(report, member)
    link = reports.add_evidence_link(member, report, "https://example.org/news/kumasi", "  News   item ", now=CLOCK)
    db.session.commit()
    report = reload(report)
    assert [(e.kind, e.caption) for e in report.evidence] == [("file", "Training in Kumasi"), ("link", "News item")]
    assert photo.mime == "image/png" and photo.is_image and photo.file_name == "kumasi.png"
    assert link.url == "https://example.org/news/kumasi"
    assert len(stored_files(uploads(app))) == 1

    reports.remove_evidence(member, report.evidence[0], now=CLOCK)
    db.session.commit()
    assert [e.kind for e in reload(report).evidence] == ["link"]
    assert len(stored_files(uploads(app))) == 1  # until the worker runs
    drain()
    assert stored_files(uploads(app)) == []  # the file goes with its row


def test_a_removal_rolled_back_keeps_the_file(app, world):
    member, report = world.people.member, world.reports["draft"]
    photo = add_photo(report, member)
    reports.remove_evidence(member, photo, now=CLOCK)
    db.session.rollback()
    drain()
    assert len(stored_files(uploads(app))) == 1
    assert db.session.scalar(sa.select(sa.func.count(ReportEvidence.id))) == 1


@pytest.mark.parametrize("url", ["javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,<b>x</b>",
                                 "ftp://example.org/file", "example.org", "https://", "http://exa mple.org",
                                 "", "https://example.org/" + "a" * 500])
def test_links_must_be_web_addresses(world, url):
    with pytest.raises(DomainError) as caught:
        reports.add_evidence_link(world.people.member, world.reports["draft"], url, now=CLOCK)
    assert caught.value.field == "url"


def test_only_the_pledging_organisation_adds_evidence_and_only_while_editable(world):
    people, link = world.people, "https://example.org/a"
    for role in ("partner", "outsider", "admin"):
        with pytest.raises(NotAllowedError):
            reports.add_evidence_link(getattr(people, role), world.reports["draft"], link, now=CLOCK)
    for state in ("submitted", "approved"):
        with pytest.raises(InvalidTransitionError):
            reports.add_evidence_link(people.member, world.reports[state], link, now=CLOCK)


def test_evidence_cannot_be_removed_once_submitted(world):
    member, report = world.people.member, world.reports["draft"]
    reports.add_evidence_link(member, report, "https://example.org/a", now=CLOCK)
    reports.save_report(member, report, filled(world.pledge), now=CLOCK)
    reports.submit_report(member, report, now=CLOCK)
    db.session.commit()
    with pytest.raises(InvalidTransitionError):
        reports.remove_evidence(member, report.evidence[0], now=CLOCK)


def test_a_report_takes_a_bounded_number_of_items(world, monkeypatch):
    monkeypatch.setattr(reports, "EVIDENCE_MAX", 2)
    member, report = world.people.member, world.reports["draft"]
    for n in range(2):
        reports.add_evidence_link(member, report, f"https://example.org/{n}", now=CLOCK)
    with pytest.raises(DomainError, match="at most 2"):
        reports.add_evidence_link(member, report, "https://example.org/3", now=CLOCK)


def test_a_caption_too_long_is_refused(world):
    with pytest.raises(DomainError) as caught:
        reports.add_evidence_link(world.people.member, world.reports["draft"], "https://example.org",
                                  "x" * (reports.CAPTION_MAX + 1), now=CLOCK)
    assert caught.value.field == "caption"


# -- services: splits ---------------------------------------------------------------------------------------
def with_parts(pledge, value, **parts) -> dict:
    return {"narrative": "We trained inspectors.",
            "values": {i.id: {"value": value, "parts": parts} for i in pledge.indicators}}


def test_a_value_split_by_sex_and_age_is_saved(world):
    member, report = world.people.member, world.reports["draft"]
    reports.save_report(member, report, with_parts(world.pledge, Decimal(40), female=Decimal(25), male=Decimal(15),
                                                   under_18=Decimal(30), adults=Decimal(10)), now=CLOCK)
    db.session.commit()
    row = reload(report).values[0]
    assert (row.female, row.male, row.sex_other) == (25, 15, None)
    assert (row.under_18, row.adults, row.age_unknown) == (30, 10, None)


def test_a_split_that_does_not_add_up_is_named_next_to_its_fields(world):
    member, report = world.people.member, world.reports["draft"]
    indicator = world.pledge.indicators[0]
    with pytest.raises(DomainError) as caught:
        reports.save_report(member, report, with_parts(world.pledge, Decimal(40), female=Decimal(25), male=Decimal(10),
                                                       under_18=Decimal(41)), now=CLOCK)
    problems = dict(caught.value.problems)
    assert set(problems) == {f"female_{indicator.id}", f"under_18_{indicator.id}"}
    assert "35" in problems[f"female_{indicator.id}"] and "40" in problems[f"female_{indicator.id}"]


def test_parts_without_a_value_or_below_zero_are_refused(world):
    member, report = world.people.member, world.reports["draft"]
    with pytest.raises(DomainError, match="value too"):
        reports.save_report(member, report, with_parts(world.pledge, None, female=Decimal(3)), now=CLOCK)
    with pytest.raises(DomainError, match="less than zero"):
        reports.save_report(member, report, with_parts(world.pledge, Decimal(0), female=Decimal(-3),
                                                       male=Decimal(3)), now=CLOCK)


# -- routes -------------------------------------------------------------------------------------------------
# name: (method, path, report, expected per role in ROLES order: anonymous, outsider, partner, member,
# coordinator, admin). "{ev}" is a file on that report.
EVIDENCE_MATRIX = {
    "report_evidence_file": ("POST", "/{id}/evidence/file", "draft", (LOGIN, 404, 403, 302, 302, 403)),
    "report_evidence_link": ("POST", "/{id}/evidence/link", "draft", (LOGIN, 404, 403, 302, 302, 403)),
    "report_evidence_remove": ("POST", "/{id}/evidence/{ev}/remove", "draft", (LOGIN, 404, 403, 302, 302, 403)),
    "report_evidence_remove:submitted": ("POST", "/{id}/evidence/{ev}/remove", "submitted",
                                         (LOGIN, 404, 403, 302, 302, 403)),
    "report_evidence_download": ("GET", "/{id}/evidence/{ev}", "draft", (404, 404, 200, 200, 200, 200)),
    "report_evidence_download:approved": ("GET", "/{id}/evidence/{ev}", "approved", (200,) * 6),
}


@pytest.fixture
def evidenced(app, world):
    """world, with a photo on each of its three reports (added directly: submitted ones are closed)."""
    for report in world.reports.values():
        stored = store_upload(file_storage(PNG, "kumasi.png"), allowed=reports.EVIDENCE_TYPES)
        report.evidence.append(ReportEvidence(kind="file", caption="Kumasi", path_key=stored.path_key,
                                              file_name=stored.original_name, mime=stored.mime, size=stored.size,
                                              sha256=stored.sha256, created_at=CLOCK))
    db.session.commit()
    return world


def evidence_form(name: str) -> dict:
    return {"report_evidence_file": {"file-file": (io.BytesIO(PNG), "photo.png"), "file-caption": "A photo"},
            "report_evidence_link": {"link-url": "https://example.org/news", "link-caption": "News"}}.get(name, {})


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", list(EVIDENCE_MATRIX))
def test_access(as_role, evidenced, role, name):
    method, path, which, expectations = EVIDENCE_MATRIX[name]
    expected = expectations[ROLES.index(role)]
    report = evidenced.reports[which]
    url = base(evidenced) + path.format(id=report.id, ev=report.evidence[0].id)
    before = db.session.scalar(sa.select(sa.func.count(ReportEvidence.id)))
    client = as_role(role)
    response = client.get(url) if method == "GET" else client.post(url, data=evidence_form(name))
    if expected == LOGIN:
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    else:
        assert response.status_code == expected, response.get_data(as_text=True)[:500]
    if expected == 200 and method == "GET":
        assert response.data == PNG and response.headers["Cache-Control"] == "private, no-store"
    response.close()
    after = db.session.scalar(sa.select(sa.func.count(ReportEvidence.id)))
    if method == "POST" and (expected != 302 or which == "submitted"):
        assert after == before  # refused (or told it is too late): nothing changed
    elif method == "POST":
        assert after == before + (-1 if "remove" in name else 1)


def test_evidence_of_another_report_is_not_found(as_role, evidenced):
    draft, approved = evidenced.reports["draft"], evidenced.reports["approved"]
    client = as_role("member")
    assert client.get(f"{base(evidenced)}/{approved.id}/evidence/{draft.evidence[0].id}").status_code == 404
    assert client.post(f"{base(evidenced)}/{approved.id}/evidence/{draft.evidence[0].id}/remove").status_code == 404


def test_a_bad_upload_is_said_next_to_the_field_and_nothing_is_kept(app, as_role, world):
    app.config["UPLOAD_MAX_BYTES"] = 4096
    client, url = as_role("member"), f"{base(world)}/{world.reports['draft'].id}/evidence/file"
    for content, name, words in ((PDF, "photo.png", "does not match"), (b"<script>", "page.html", "cannot be uploaded"),
                                 (PDF + b"x" * 5000, "big.pdf", "larger than")):
        response = client.post(url, data={"file-file": (io.BytesIO(content), name), "file-caption": "Kept caption"})
        html = response.get_data(as_text=True)
        assert response.status_code == 400 and words in html, name
        assert 'value="Kept caption"' in html
    assert stored_files(uploads(app)) == []
    assert reload(world.reports["draft"]).evidence == []


def test_a_javascript_link_is_refused_on_the_page(as_role, world):
    client = as_role("member")
    response = client.post(f"{base(world)}/{world.reports['draft'].id}/evidence/link",
                           data={"link-url": "javascript:alert(1)", "link-caption": "x"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "https://" in html and 'value="javascript:alert(1)"' in html
    assert reload(world.reports["draft"]).evidence == []


def test_the_reviewer_sees_the_files_and_links_and_no_remove_buttons(as_role, evidenced):
    report = evidenced.reports["submitted"]
    report.evidence.append(ReportEvidence(kind="link", caption="Album", url="https://example.org/album",
                                          created_at=CLOCK))
    db.session.commit()
    html = as_role("admin").get(f"{base(evidenced)}/{report.id}").get_data(as_text=True)
    assert f"/evidence/{report.evidence[0].id}" in html and "Kumasi" in html
    assert 'href="https://example.org/album"' in html and "Album" in html
    assert "/remove" not in html and "Add a link" not in html


def test_the_author_adds_a_file_and_a_link_from_the_report_page(as_role, world):
    client, report = as_role("member"), world.reports["draft"]
    page = client.get(f"{base(world)}/{report.id}").get_data(as_text=True)
    assert "Add a document or a photo" in page and "Add a link" in page
    response = client.post(f"{base(world)}/{report.id}/evidence/file",
                           data={"file-file": (io.BytesIO(PNG), "girls-class.png"), "file-caption": "Girls' class"})
    assert response.status_code == 302 and response.headers["Location"].endswith("#evidence")
    client.post(f"{base(world)}/{report.id}/evidence/link", data={"link-url": "https://example.org/x"})
    report = reload(report)
    assert [(e.kind, e.caption) for e in report.evidence] == [("file", "Girls' class"), ("link", "")]
    assert report.state is ReportState.draft


# -- splits in the form and on the pages -------------------------------------------------------------------
def test_the_form_takes_a_split_and_the_pages_show_it(as_role, world):
    client, report, indicator = as_role("member"), world.reports["draft"], world.pledge.indicators[0]
    i = indicator.id
    form = client.get(f"{base(world)}/{report.id}/edit").get_data(as_text=True)
    assert f'name="female_{i}"' in form and f'name="under_18_{i}"' in form
    response = client.post(f"{base(world)}/{report.id}/edit", data={
        "narrative": "Trained.", f"value_{i}": "40", f"female_{i}": "25", f"male_{i}": "15", f"under_18_{i}": "40",
        "action": "save"})
    assert response.status_code == 302
    row = reload(report).values[0]
    assert (row.female, row.male, row.under_18, row.adults) == (25, 15, 40, None)
    html = client.get(f"{base(world)}/{report.id}").get_data(as_text=True)
    assert "By sex: Female (women and girls) 25 · Male (men and boys) 15 · Other or not known 0" in html
    assert "By age group: Children (under 18) 40" in html


def test_a_split_that_does_not_add_up_is_said_next_to_the_field_and_nothing_typed_is_lost(as_role, world):
    client, report, i = as_role("member"), world.reports["draft"], world.pledge.indicators[0].id
    response = client.post(f"{base(world)}/{report.id}/edit", data={
        "narrative": "Trained.", f"value_{i}": "40", f"female_{i}": "25", f"male_{i}": "10", f"sex_other_{i}": "",
        "action": "save"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "add up to 35, not to the value 40" in html_error(html, f"female_{i}")
    assert 'value="25"' in html and f'value="10"' in html and 'value="40"' in html and "Trained." in html
    assert reload(report).narrative == "We trained inspectors."  # nothing saved


def test_the_split_error_is_in_the_readers_language(as_role, world):
    world.people.member.locale = "fr"
    db.session.commit()
    client, report, i = as_role("member"), world.reports["draft"], world.pledge.indicators[0].id
    response = client.post(f"{base(world)}/{report.id}/edit", data={
        "narrative": "Formés.", f"value_{i}": "40,5", f"under_18_{i}": "10", "action": "save"})
    html = response.get_data(as_text=True)
    assert "totalisent 10, et non la valeur 40,5" in html_error(html, f"under_18_{i}")


def test_the_indicator_table_under_the_chart_gives_the_approved_parts(client, world):
    member, admin, pledge = world.people.member, world.people.admin, world.pledge
    report = reports.start_report(member, pledge, P4, now=CLOCK)
    reports.save_report(member, report, with_parts(pledge, Decimal(40), female=Decimal(22), male=Decimal(18)),
                        now=CLOCK)
    reports.submit_report(member, report, now=CLOCK)
    reports.approve_report(admin, report, now=CLOCK)
    db.session.commit()
    html = client.get(f"/pledges/{pledge.id}").get_data(as_text=True)
    table = html[html.index("Approved values of"):]
    table = table[:table.index("</table>")]
    assert '<th scope="col">Female (women and girls)</th>' in table and "Children (under 18)" not in table
    assert "<td>22</td>" in table and "<td>18</td>" in table


def test_the_csv_export_gives_the_current_parts(client, world):
    import csv

    member, admin, pledge = world.people.member, world.people.admin, world.pledge
    report = reports.start_report(member, pledge, P4, now=CLOCK)
    reports.save_report(member, report, with_parts(pledge, Decimal(40), female=Decimal(22), male=Decimal(18)),
                        now=CLOCK)
    reports.submit_report(member, report, now=CLOCK)
    reports.approve_report(admin, report, now=CLOCK)
    db.session.commit()
    text = client.get("/pledges/export.csv").get_data(as_text=True)
    row = next(csv.DictReader(io.StringIO(text[1:])))
    assert row["Current values by sex"] == ("Inspectors trained: Female (women and girls) 22; "
                                            "Male (men and boys) 18; Other or not known 0")
    assert row["Current values by age group"] == ""


def test_a_formula_in_an_indicator_name_is_defused_in_the_csv(client, world):
    import csv

    indicator = world.pledge.indicators[0]
    indicator.name = "=HYPERLINK(\"http://evil\")"
    indicator.current_parts = {"by_sex": {"female": "1", "male": "0", "sex_other": "0"}, "by_age_group": None}
    db.session.commit()
    text = client.get("/pledges/export.csv").get_data(as_text=True)
    assert next(csv.DictReader(io.StringIO(text[1:])))["Current values by sex"].startswith("'=")
