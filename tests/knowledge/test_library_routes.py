"""The library through HTTP: submit with a file, curate, browse with facets, download, cite."""
from __future__ import annotations

import io

import sqlalchemy as sa

from app.extensions import db
from app.knowledge import services
from app.knowledge.models import Resource, ResourceCitation, ResourceState
from tests.commitments.conftest import make_pledge  # noqa: F401  (fixture)
from tests.conftest import reload

FORM = {"title": "Brick kiln survey", "resource_type": "research", "summary": "Debt bondage in brick kilns.",
        "areas": ["forced_labour"], "countries": ["PAK"], "language": "en", "publication_year": "2023",
        "licence": "cc_by", "publisher_name": "Kiln Research Unit"}


def test_submit_a_file_then_publish_then_find_it_and_download_it(as_role, world, client, login):
    client = as_role("submitter")
    response = client.post("/library/new", data={**FORM, "file": (io.BytesIO(b"kiln,workers\nA,12\n"), "kilns.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.text
    resource = db.session.scalar(sa.select(Resource).where(Resource.title == "Brick kiln survey"))
    assert resource.state is ResourceState.submitted and resource.countries == ["PAK"]
    download = client.get(f"/library/{resource.id}/file")
    assert download.data == b"kiln,workers\nA,12\n"
    download.close()
    client.post("/logout")
    assert client.get(f"/library/{resource.id}").status_code == 404  # not public yet
    login(world.people.curator)
    assert "Brick kiln survey" in client.get("/library/review").text
    assert client.post(f"/library/{resource.id}/publish").status_code == 302
    client.post("/logout")
    page = client.get("/library/?country=PAK")
    assert "Brick kiln survey" in page.text and "Pakistan" in page.text
    download = client.get(f"/library/{resource.id}/file")
    assert download.status_code == 200 and download.data.startswith(b"kiln")
    download.close()


def test_bad_input_is_shown_next_to_the_field_and_kept(as_role):
    client = as_role("submitter")
    response = client.post("/library/new", data={**FORM, "external_url": "ftp://x"})
    assert response.status_code == 200
    assert "Give a web address starting with https://" in response.text and "Brick kiln survey" in response.text
    response = client.post("/library/new", data={**FORM, "file": (io.BytesIO(b"%PDF-no"), "fake.docx")},
                           content_type="multipart/form-data")
    assert response.status_code == 200 and "does not match its name" in response.text
    assert db.session.scalar(sa.select(sa.func.count(Resource.id)).where(Resource.title == FORM["title"])) == 0


def test_return_with_comments_and_resubmit(as_role, world, client, login):
    client = as_role("curator")
    client.post(f"/library/{world.pending.id}/return", data={"reason": "Say which districts."})
    assert reload(world.pending).state is ResourceState.returned
    client.post("/logout")
    login(world.people.colleague)
    assert "Say which districts." in client.get(f"/library/{world.pending.id}").text
    response = client.post(f"/library/{world.pending.id}/edit", data={**FORM, "external_url": "https://example.org/k"})
    assert response.status_code == 302
    assert reload(world.pending).state is ResourceState.submitted


def test_a_focal_point_cites_a_resource_from_a_pledge(as_role, world, make_pledge):  # noqa: F811
    pledge = make_pledge(world.org, title="Kiln pledge")
    client = as_role("submitter")
    page = client.get(f"/library/{world.published.id}")
    assert "Pledge: Kiln pledge" in page.text
    assert client.post(f"/library/{world.published.id}/cite", data={"target": f"pledge:{pledge.id}"}).status_code == 302
    client.post("/logout")
    assert "Kiln pledge" in client.get(f"/library/{world.published.id}").text


def test_a_convener_cites_a_resource_from_a_group_and_removes_it(as_role, world, make_pledge):  # noqa: F811
    """Each kind of citer (registered by its feature's gateway) shows as itself; only whoever may cite removes."""
    pledge = make_pledge(world.org, title="Kiln pledge")
    db.session.commit()
    client = as_role("outsider")  # convenes Quarry Group, and may edit no pledge
    page = client.get(f"/library/{world.published.id}").text
    assert "Action group: Quarry Group" in page and "Pledge: Kiln pledge" not in page
    cite = f"/library/{world.published.id}/cite"
    assert client.post(cite, data={"target": f"pledge:{pledge.id}"}).status_code == 302  # refused by the service
    assert client.post(cite, data={"target": "nothing:1"}).status_code == 400  # no such kind of citer
    assert client.post(cite, data={"target": "group:x"}).status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(ResourceCitation.id))) == 0
    assert client.post(cite, data={"target": f"group:{world.group.id}"}).status_code == 302
    page = client.get(f"/library/{world.published.id}").text
    assert '<a href="/actiongroups/quarry">Quarry Group</a>' in page and "/remove" in page
    assert "Kiln pledge" not in page
    client.post("/logout")
    client = as_role("submitter")
    services.cite_resource(world.people.submitter, world.published, pledge=pledge)
    db.session.commit()
    page = client.get(f"/library/{world.published.id}").text
    assert f'<a href="/pledges/{pledge.id}">Kiln pledge</a> (Submitting Org)' in page
    assert page.count("/remove") == 1  # their pledge's citation, not the group's
    assert page.index("Kiln pledge") < page.index("Quarry Group")  # pledges first, as the citers' order says


def test_the_secretariat_appoints_a_curator(as_role, world):
    client = as_role("admin")
    response = client.post("/library/curators", data={"email": world.people.colleague.email})
    assert response.status_code == 302
    assert "Cole League" in client.get("/library/curators").text
    response = client.post("/library/curators", data={"email": "nobody@example.org"})
    assert "No approved person has this e-mail address." in response.text
