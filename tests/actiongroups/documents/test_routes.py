"""Document pages: who may do what, uploads through the forms, downloads, bad input, query counts."""
from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from app.actiongroups.documents.models import Document, DocumentVersion
from app.actiongroups.models import Visibility
from app.extensions import db
from app.members.models import OrgRole, User, UserStatus
from tests.actiongroups.conftest import ROLES
from tests.actiongroups.documents.conftest import PDF, PNG, stored_files

SLUG = "supply-chains"


def upload_data(content=PDF, name="report.pdf", **fields):
    return {"file": (io.BytesIO(content), name), "title": "Annual report", "description": "", "language": "en",
            **fields}


def count_documents() -> int:
    return db.session.scalar(sa.select(sa.func.count(Document.id)))


def count_versions() -> int:
    return db.session.scalar(sa.select(sa.func.count(DocumentVersion.id)))


@pytest.fixture
def document(group_world, make_document):
    return make_document(group_world.group, group_world.people.member)


# -- the access matrix ------------------------------------------------------------------------------------
READ, WRITE = "read", "write"
EXPECTED = {  # role -> (GET of a reading page, GET/POST of a writing page); "login" = redirected to sign in
    "anonymous": ("login", "login"),
    "outsider": (403, 403),
    "requester": (403, 403),
    "observer": (200, 403),
    "member": (200, "ok"),
    "convener": (200, "ok"),
    "admin": (200, "ok"),
}
ROUTES = [  # (method, url, kind, data)
    ("GET", "/actiongroups/{slug}/documents", READ, None),
    ("GET", "/actiongroups/{slug}/documents/{doc}", READ, None),
    ("GET", "/actiongroups/{slug}/documents/{doc}/versions/{ver}/download", READ, None),
    ("GET", "/actiongroups/{slug}/documents/new", WRITE, None),
    ("POST", "/actiongroups/{slug}/documents/new", WRITE, lambda: upload_data(title="Posted")),
    ("GET", "/actiongroups/{slug}/documents/{doc}/edit", WRITE, None),
    ("POST", "/actiongroups/{slug}/documents/{doc}/edit", WRITE,
     lambda: {"title": "Renamed", "language": "fr", "description": ""}),
    ("POST", "/actiongroups/{slug}/documents/{doc}/versions", WRITE,
     lambda: {"file": (io.BytesIO(PDF), "v2.pdf"), "note": "v2"}),
]


def _request(client, method, url, data):
    if method == "GET":
        return client.get(url)
    return client.post(url, data=data(), content_type="multipart/form-data")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method, url, kind, data", ROUTES, ids=[f"{m} {u}" for m, u, _k, _d in ROUTES])
def test_access_matrix(as_role, document, role, method, url, kind, data):
    client = as_role(role)
    before = (count_documents(), count_versions(), document.title)
    url = url.format(slug=SLUG, doc=document.id, ver=document.current_version.id)
    response = _request(client, method, url, data)
    expected = EXPECTED[role][0 if kind == READ else 1]
    if expected == "login":
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    elif expected == "ok":
        assert response.status_code == (200 if method == "GET" else 302), response.get_data(as_text=True)[:500]
        if method == "POST":
            assert f"/actiongroups/{SLUG}/documents/" in response.headers["Location"]
            db.session.expire_all()
            assert (count_documents(), count_versions(), db.session.get(Document, document.id).title) != before
    else:
        assert response.status_code == expected
    if expected != "ok":
        db.session.expire_all()
        assert (count_documents(), count_versions(), db.session.get(Document, document.id).title) == before


@pytest.mark.parametrize("role", ["member", "convener", "admin", "observer"])
def test_ids_of_another_groups_documents_are_404(as_role, group_world, make_group, make_document, add_member,
                                                 document, role):
    other = make_group("Migration", slug="migration")
    add_member(other, group_world.people.outsider)
    foreign = make_document(other, group_world.people.outsider, title="Other group's file")
    client = as_role(role)
    foreign_version = foreign.current_version.id
    for url in [f"/actiongroups/{SLUG}/documents/{foreign.id}",
                f"/actiongroups/{SLUG}/documents/{foreign.id}/edit",
                f"/actiongroups/{SLUG}/documents/{foreign.id}/versions/{foreign_version}/download",
                # this group's document, with the other group's version id
                f"/actiongroups/{SLUG}/documents/{document.id}/versions/{foreign_version}/download",
                f"/actiongroups/{SLUG}/documents/999999"]:
        expected = 404 if role != "observer" or "edit" not in url else 403
        assert client.get(url).status_code == expected, url
    if role != "observer":
        response = client.post(f"/actiongroups/{SLUG}/documents/{foreign.id}/versions",
                               data={"file": (io.BytesIO(PDF), "x.pdf")}, content_type="multipart/form-data")
        assert response.status_code == 404
        assert [v.number for v in db.session.get(Document, foreign.id).versions] == [1]


def test_unknown_group_is_404(as_role):
    assert as_role("member").get("/actiongroups/nope/documents").status_code == 404


def test_partners_visibility_lets_outsiders_read_but_not_share(as_role, group_world, document):
    group_world.group.visibility = Visibility.partners
    db.session.commit()
    client = as_role("outsider")
    assert client.get(f"/actiongroups/{SLUG}/documents").status_code == 200
    assert client.get(f"/actiongroups/{SLUG}/documents/{document.id}").status_code == 200
    download = client.get(f"/actiongroups/{SLUG}/documents/{document.id}/versions/"
                          f"{document.current_version.id}/download")
    assert download.status_code == 200 and download.data == PDF
    assert client.get(f"/actiongroups/{SLUG}/documents/new").status_code == 403
    response = client.post(f"/actiongroups/{SLUG}/documents/new", data=upload_data(),
                           content_type="multipart/form-data")
    assert response.status_code == 403 and count_documents() == 1


def test_an_archived_group_is_read_only(as_role, group_world, document, upload_dir):
    group_world.group.is_archived = True
    db.session.commit()
    files_before = stored_files(upload_dir)
    client = as_role("convener")
    page = client.get(f"/actiongroups/{SLUG}/documents")
    assert page.status_code == 200 and "Annual report" in page.get_data(as_text=True)
    assert "Share a document" not in page.get_data(as_text=True)
    detail = client.get(f"/actiongroups/{SLUG}/documents/{document.id}").get_data(as_text=True)
    assert "Upload a new version" not in detail and "Edit the description" not in detail
    response = client.get(f"/actiongroups/{SLUG}/documents/new")
    assert response.status_code == 403 and "archived" in response.get_data(as_text=True)
    for url, data in [(f"/actiongroups/{SLUG}/documents/new", upload_data()),
                      (f"/actiongroups/{SLUG}/documents/{document.id}/versions", {"file": (io.BytesIO(PDF), "a.pdf")}),
                      (f"/actiongroups/{SLUG}/documents/{document.id}/edit", {"title": "X", "language": "en"})]:
        assert client.post(url, data=data, content_type="multipart/form-data").status_code == 403
    db.session.expire_all()
    assert (count_documents(), count_versions(), db.session.get(Document, document.id).title) == \
        (1, 1, "Annual report")
    assert stored_files(upload_dir) == files_before
    assert client.get(f"/actiongroups/{SLUG}/documents/{document.id}/versions/"
                      f"{document.current_version.id}/download").status_code == 200


# -- uploading --------------------------------------------------------------------------------------------
def test_share_a_pdf_then_see_it_listed_and_download_it(as_role, group_world, upload_dir):
    client = as_role("member")
    form = client.get(f"/actiongroups/{SLUG}/documents/new").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in form and 'accept=".pdf,' in form
    response = client.post(f"/actiongroups/{SLUG}/documents/new", content_type="multipart/form-data",
                           data=upload_data(name="Annual report 2025.pdf", title="Annual report 2025",
                                            description="Our *year*.", areas=["forced_labour", "trafficking"],
                                            language="fr", is_public="y"))
    assert response.status_code == 302
    document = db.session.scalar(sa.select(Document))
    assert response.headers["Location"].endswith(f"/documents/{document.id}")
    assert (document.title, document.language, document.is_public) == ("Annual report 2025", "fr", True)
    assert document.areas == ["forced_labour", "trafficking"]
    version = document.current_version
    assert (version.original_name, version.mime, version.size) == ("Annual_report_2025.pdf", "application/pdf",
                                                                     len(PDF))
    assert stored_files(upload_dir) == [upload_dir / version.path_key]
    listing = client.get(f"/actiongroups/{SLUG}/documents").get_data(as_text=True)
    assert "Annual report 2025" in listing and "Forced labour" in listing
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<em>year</em>" in detail and "Annual_report_2025.pdf" in detail
    download = client.get(f"/actiongroups/{SLUG}/documents/{document.id}/versions/{version.id}/download")
    assert download.status_code == 200 and download.data == PDF


def test_download_headers(as_role, group_world, make_document):
    document = make_document(group_world.group, group_world.people.member, content=PNG,
                             name="../Carte des risques été.png")
    version = document.current_version
    response = as_role("observer").get(f"/actiongroups/{SLUG}/documents/{document.id}/versions/{version.id}/download")
    assert response.status_code == 200 and response.data == PNG
    assert response.headers["Content-Disposition"] == "attachment; filename=Carte_des_risques_ete.png"
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]


def test_a_new_version_keeps_the_old_one_downloadable(as_role, group_world, document):
    client = as_role("convener")
    first = document.current_version
    new_pdf = PDF.replace(b"Catalog", b"Catalog2")
    response = client.post(f"/actiongroups/{SLUG}/documents/{document.id}/versions",
                           data={"file": (io.BytesIO(new_pdf), "report-v2.pdf"), "note": "Corrected figures"},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    db.session.expire_all()
    versions = db.session.get(Document, document.id).versions
    assert [(v.number, v.is_current, v.note) for v in versions] == [(2, True, "Corrected figures"),
                                                                      (1, False, "")]
    base = f"/actiongroups/{SLUG}/documents/{document.id}/versions"
    assert client.get(f"{base}/{first.id}/download").data == PDF
    assert client.get(f"{base}/{versions[0].id}/download").data == new_pdf
    detail = client.get(f"/actiongroups/{SLUG}/documents/{document.id}").get_data(as_text=True)
    assert "Version 2" in detail and "Version 1" in detail and "Corrected figures" in detail


def test_edit_keeps_and_changes_the_description(as_role, group_world, document):
    client = as_role("member")
    page = client.get(f"/actiongroups/{SLUG}/documents/{document.id}/edit").get_data(as_text=True)
    assert 'value="Annual report"' in page and 'type="file"' not in page
    response = client.post(f"/actiongroups/{SLUG}/documents/{document.id}/edit",
                           data={"title": "", "description": "Kept text", "language": "es"})
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "Give the document a title." in text and "Kept text" in text
    response = client.post(f"/actiongroups/{SLUG}/documents/{document.id}/edit",
                           data={"title": "Informe anual", "description": "", "language": "es", "is_public": "y"})
    assert response.status_code == 302
    document = db.session.get(Document, document.id)
    db.session.refresh(document)
    assert (document.title, document.language, document.is_public) == ("Informe anual", "es", True)


# -- public documents ----------------------------------------------------------------------------------------
def test_public_documents_are_listed_on_the_public_page_and_downloadable_by_anyone(client, group_world,
                                                                                      make_document):
    group, member = group_world.group, group_world.people.member
    public = make_document(group, member, title="Public guidance", public=True)
    private = make_document(group, member, title="Internal minutes")
    page = client.get(f"/actiongroups/{SLUG}").get_data(as_text=True)
    assert "Public documents" in page and "Public guidance" in page and "Internal minutes" not in page
    url = f"/actiongroups/{SLUG}/documents/{public.id}/versions/{public.current_version.id}/download"
    assert url in page
    response = client.get(url)
    assert response.status_code == 200 and response.data == PDF
    private_url = f"/actiongroups/{SLUG}/documents/{private.id}/versions/{private.current_version.id}/download"
    assert client.get(private_url).status_code == 302  # anonymous: sign in first


def test_only_the_current_version_of_a_public_document_is_public(client, login, group_world, make_document):
    from app.actiongroups.documents import services
    from app.uploads import store_upload
    from tests.actiongroups.documents.conftest import file_storage

    document = make_document(group_world.group, group_world.people.member, public=True)
    old = document.current_version
    services.add_version(group_world.people.member, document, store_upload(file_storage(PNG, "map.png")))
    db.session.commit()
    base = f"/actiongroups/{SLUG}/documents/{document.id}/versions"
    assert client.get(f"{base}/{db.session.get(Document, document.id).current_version.id}/download").data == PNG
    assert client.get(f"{base}/{old.id}/download").status_code == 302
    login(group_world.people.outsider)
    assert client.get(f"{base}/{old.id}/download").status_code == 403


def test_no_public_section_without_public_documents(client, group_world, document):
    assert "Public documents" not in client.get(f"/actiongroups/{SLUG}").get_data(as_text=True)


# -- bad input ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("content, name, message", [
    (PNG, "report.pdf", "does not match its name"),
    (b"", "empty.pdf", "The file is empty"),
    (b"MZ\x90\x00", "tool.exe", "cannot be uploaded"),
])
def test_refused_files_show_a_field_error_and_store_nothing(as_role, group_world, upload_dir, content, name, message):
    client = as_role("member")
    response = client.post(f"/actiongroups/{SLUG}/documents/new", content_type="multipart/form-data",
                           data=upload_data(content, name, title="Kept title"))
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and message in text
    assert 'id="file-error"' in text and 'value="Kept title"' in text
    assert count_documents() == 0 and stored_files(upload_dir) == []


def test_no_file_chosen_is_a_field_error(as_role, group_world):
    response = as_role("member").post(f"/actiongroups/{SLUG}/documents/new", data={"title": "T", "language": "en"},
                                      content_type="multipart/form-data")
    assert response.status_code == 200 and "Choose a file to upload." in response.get_data(as_text=True)
    assert count_documents() == 0


def test_a_file_over_upload_max_bytes_gets_a_field_error(app, as_role, group_world, upload_dir):
    app.config["UPLOAD_MAX_BYTES"] = 1024
    response = as_role("member").post(f"/actiongroups/{SLUG}/documents/new", content_type="multipart/form-data",
                                      data=upload_data(PDF + b"%" * 2000))
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "larger than the 1 KB allowed" in text and 'id="file-error"' in text
    assert count_documents() == 0 and stored_files(upload_dir) == []


def test_a_request_over_max_content_length_gets_the_413_page(app, as_role, group_world, upload_dir):
    app.config["MAX_CONTENT_LENGTH"] = 4096
    response = as_role("member").post(f"/actiongroups/{SLUG}/documents/new", content_type="multipart/form-data",
                                      data=upload_data(PDF + b"%" * 10_000))
    assert response.status_code == 413 and "File too large" in response.get_data(as_text=True)
    assert count_documents() == 0 and stored_files(upload_dir) == []


def test_a_bad_new_version_keeps_the_current_one(as_role, group_world, document, upload_dir):
    files = stored_files(upload_dir)
    response = as_role("member").post(f"/actiongroups/{SLUG}/documents/{document.id}/versions",
                                      data={"file": (io.BytesIO(PNG), "report.pdf")},
                                      content_type="multipart/form-data")
    assert response.status_code == 200 and "does not match its name" in response.get_data(as_text=True)
    assert count_versions() == 1 and stored_files(upload_dir) == files


def test_a_database_failure_after_the_file_was_written_leaves_no_orphan_file(as_role, group_world, upload_dir,
                                                                             monkeypatch):
    client = as_role("member")

    def broken_commit():
        raise sa.exc.OperationalError("COMMIT", {}, Exception("disk I/O error"))

    monkeypatch.setattr(db.session, "commit", broken_commit)
    response = client.post(f"/actiongroups/{SLUG}/documents/new", content_type="multipart/form-data",
                           data=upload_data())
    monkeypatch.undo()
    assert response.status_code == 500
    db.session.rollback()
    assert count_documents() == 0 and stored_files(upload_dir) == []


def test_a_file_write_failure_leaves_no_database_row(as_role, group_world, upload_dir, monkeypatch):
    from app import uploads

    client = as_role("member")

    def refuse(*args):
        raise OSError("No space left on device")

    monkeypatch.setattr(uploads.os, "replace", refuse)
    response = client.post(f"/actiongroups/{SLUG}/documents/new", content_type="multipart/form-data",
                           data=upload_data())
    assert response.status_code == 200 and "could not be saved" in response.get_data(as_text=True)
    assert count_documents() == 0 and stored_files(upload_dir) == []


def test_a_missing_file_on_disk_is_a_404_not_a_crash(as_role, group_world, document, upload_dir):
    (upload_dir / document.current_version.path_key).unlink()
    response = as_role("member").get(f"/actiongroups/{SLUG}/documents/{document.id}/versions/"
                                     f"{document.current_version.id}/download")
    assert response.status_code == 404


# -- filters, pagination, query counts -------------------------------------------------------------------------
def _add_rows(group, people, n, *, public=False, start=0):
    """Documents straight in the database (no files needed to list them), each by another uploader, so
    that a page loading uploaders one by one would run more queries with more documents."""
    for i in range(start, start + n):
        uploader = User(email=f"uploader{i}@example.org", full_name=f"Uploader {i}",
                        organisation_id=people.member.organisation_id, org_role=OrgRole.member,
                        status=UserStatus.active)
        db.session.add(uploader)
        document = Document(group_id=group.id, title=f"Doc {i:03d}", areas=["child_labour"] if i % 2 else [],
                            language="fr" if i % 3 == 0 else "en", is_public=public, created_by=uploader)
        db.session.add(document)
        db.session.add(DocumentVersion(document=document, number=1, is_current=True, path_key=f"ab/{i:032x}",
                                       original_name=f"doc{i}.pdf", size=1000 + i, mime="application/pdf",
                                       sha256="0" * 64, uploaded_by=uploader))
    db.session.commit()


def test_filters_by_area_and_language(as_role, group_world):
    _add_rows(group_world.group, group_world.people, 6)
    client = as_role("observer")
    text = client.get(f"/actiongroups/{SLUG}/documents?area=child_labour").get_data(as_text=True)
    assert all(title in text for title in ("Doc 001", "Doc 003", "Doc 005", "Uploader 5"))
    assert "Doc 000" not in text and "Doc 002" not in text
    text = client.get(f"/actiongroups/{SLUG}/documents?language=fr").get_data(as_text=True)
    assert "Doc 000" in text and "Doc 003" in text and "Doc 001" not in text
    text = client.get(f"/actiongroups/{SLUG}/documents?language=fr&area=child_labour").get_data(as_text=True)
    assert "Doc 003" in text and "Doc 000" not in text
    text = client.get(f"/actiongroups/{SLUG}/documents?language=de&area=bogus").get_data(as_text=True)
    assert "Doc 000" in text and "Doc 005" in text  # unknown filters are ignored
    text = client.get(f"/actiongroups/{SLUG}/documents?area=child_soldiers").get_data(as_text=True)
    assert "No document matches these filters." in text


@pytest.mark.parametrize("role, words", [("member", "Share the first one"), ("observer", "will share them here")])
def test_empty_list_says_what_to_do(as_role, group_world, role, words):
    assert words in as_role(role).get(f"/actiongroups/{SLUG}/documents").get_data(as_text=True)


def test_the_list_is_newest_first_and_paginated(app, as_role, group_world):
    _add_rows(group_world.group, group_world.people, 25)
    client = as_role("member")
    first = client.get(f"/actiongroups/{SLUG}/documents").get_data(as_text=True)
    assert first.index("Doc 024") < first.index("Doc 023") and "Doc 004" not in first
    assert "Page 1 of 2 (25 in all)" in first
    second = client.get(f"/actiongroups/{SLUG}/documents?page=2").get_data(as_text=True)
    assert "Doc 004" in second and "Doc 024" not in second


@pytest.fixture
def statements(app):
    collected = []

    def _count(conn, cursor, statement, *args):
        collected.append(statement)

    event.listen(db.engine, "before_cursor_execute", _count)
    yield collected
    event.remove(db.engine, "before_cursor_execute", _count)


def _queries(client, url, statements) -> int:
    statements.clear()
    assert client.get(url).status_code == 200
    return len(statements)


def test_the_list_runs_the_same_number_of_queries_for_5_and_60_documents(as_role, group_world, statements):
    client = as_role("member")
    _add_rows(group_world.group, group_world.people, 5)
    small = _queries(client, f"/actiongroups/{SLUG}/documents", statements)
    _add_rows(group_world.group, group_world.people, 55, start=5)
    large = _queries(client, f"/actiongroups/{SLUG}/documents", statements)
    assert small == large and large <= 15, "\n".join(statements)
    assert "Uploader 59" in client.get(f"/actiongroups/{SLUG}/documents").get_data(as_text=True)


def test_the_public_page_runs_the_same_number_of_queries_for_3_and_30_public_documents(client, group_world,
                                                                                        statements):
    _add_rows(group_world.group, group_world.people, 3, public=True)
    small = _queries(client, f"/actiongroups/{SLUG}", statements)
    _add_rows(group_world.group, group_world.people, 27, public=True, start=3)
    large = _queries(client, f"/actiongroups/{SLUG}", statements)
    assert small == large, "\n".join(statements)


def test_the_detail_page_runs_the_same_number_of_queries_for_1_and_12_versions(as_role, group_world, document,
                                                                                statements):
    client = as_role("member")
    url = f"/actiongroups/{SLUG}/documents/{document.id}"
    small = _queries(client, url, statements)
    for n in range(2, 13):
        db.session.execute(sa.update(DocumentVersion).where(DocumentVersion.document_id == document.id)
                           .values(is_current=False))
        db.session.add(DocumentVersion(document_id=document.id, number=n, is_current=True, path_key=f"cd/{n:032x}",
                                       original_name=f"v{n}.pdf", size=n, mime="application/pdf", sha256="0" * 64,
                                       uploaded_by_id=group_world.people.convener.id if n % 2 else None))
        db.session.commit()
    large = _queries(client, url, statements)
    assert small == large, "\n".join(statements)
