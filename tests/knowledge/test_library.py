"""The library's rules: submitting (a file or a link), curation, facets, related resources, citations."""
from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from app.errors import DomainError, DuplicateError, InvalidTransitionError, NotAllowedError
from app.extensions import db
from app.knowledge import services
from app.knowledge.models import Resource, ResourceCitation, ResourceState
from app.knowledge.services import LibraryFilters, ResourceData
from app.uploads import store_upload
from tests.commitments.conftest import make_pledge  # noqa: F401  (fixture)
from tests.conftest import reload
from tests.knowledge.conftest import NOW

LINK = ResourceData(title="Hazardous work in mines", resource_type="research", summary="What we found.",
                    areas=["child_labour"], countries=["GHA"], external_url="https://example.org/mines")


def test_a_partner_submits_a_link_and_a_curator_publishes_it(world):
    resource = services.submit_resource(world.people.submitter, LINK, now=NOW)
    assert resource.state is ResourceState.submitted and not resource.is_public
    assert resource.organisation_id == world.org.id
    assert not resource.can_view(world.people.outsider) and resource.can_view(world.people.colleague)
    services.publish_resource(world.people.curator, resource, now=NOW)
    assert resource.is_public and resource.published_at == NOW and resource.can_view(None)


def test_a_file_or_a_link_but_not_both_nor_neither(world, app):
    stored = store_upload(FileStorage(io.BytesIO(b"a,b\n1,2\n"), filename="data.csv"))
    with pytest.raises(DomainError) as both:
        services.submit_resource(world.people.submitter, LINK, stored, now=NOW)
    assert both.value.field == "external_url"
    with pytest.raises(DomainError):
        services.submit_resource(world.people.submitter, ResourceData(title="x", resource_type="data"), now=NOW)
    resource = services.submit_resource(world.people.submitter, ResourceData(
        title="Survey data", resource_type="data"), stored, now=NOW)
    assert resource.has_file and resource.file_name == "data.csv" and resource.file_mime == "text/csv"


@pytest.mark.parametrize("change, field", [
    ({"title": " "}, "title"), ({"resource_type": "poetry"}, "resource_type"), ({"language": "xx"}, "language"),
    ({"countries": ["ZZZ"]}, "countries"), ({"publication_year": 2999}, "publication_year"),
    ({"licence": "wtfpl"}, "licence"), ({"external_url": "javascript:alert(1)"}, "external_url"),
    ({"publisher_id": 999999}, "publisher_id"),
])
def test_bad_input_names_its_field_and_writes_nothing(world, change, field):
    before = db.session.scalar(sa.select(sa.func.count(Resource.id)))
    with pytest.raises(DomainError) as error:
        services.submit_resource(world.people.submitter, ResourceData(**{**LINK.__dict__, **change}), now=NOW)
    assert error.value.field == field
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Resource.id))) == before


def test_only_curators_curate(world):
    for person in (world.people.submitter, world.people.outsider):
        with pytest.raises(NotAllowedError):
            services.publish_resource(person, world.pending, now=NOW)
    with pytest.raises(DomainError) as error:
        services.return_resource(world.people.admin, world.pending, "  ", now=NOW)
    assert error.value.field == "reason"
    services.return_resource(world.people.admin, world.pending, "Add the year.", now=NOW)
    assert world.pending.state is ResourceState.returned
    with pytest.raises(InvalidTransitionError):
        services.return_resource(world.people.admin, world.pending, "Again.", now=NOW)


def test_a_returned_resource_goes_back_to_the_curators_when_edited(world):
    services.return_resource(world.people.curator, world.pending, "Add the year.", now=NOW)
    services.update_resource(world.people.colleague, world.pending,
                             ResourceData(**{**LINK.__dict__, "publication_year": 2023}), now=NOW)
    assert world.pending.state is ResourceState.submitted and world.pending.publication_year == 2023
    services.publish_resource(world.people.curator, world.pending, now=NOW)
    with pytest.raises(NotAllowedError):  # published: only curators change it now
        services.update_resource(world.people.submitter, world.pending, LINK, now=NOW)


def test_facets_count_what_the_filters_match(world, make_resource):
    make_resource(title="Forced labour in fishing", resource_type="policy", areas=["forced_labour"],
                  countries=["THA", "IDN"], language="fr", publication_year=2021)
    make_resource(title="Training on trafficking", resource_type="training", areas=["trafficking", "forced_labour"],
                  countries=["THA"], publication_year=2021)
    counts = services.facet_counts(LibraryFilters())
    assert counts["type"] == {"research": 1, "policy": 1, "training": 1}  # the pending one is not counted
    assert counts["area"] == {"child_labour": 1, "forced_labour": 2, "trafficking": 1}
    assert counts["country"] == {"GHA": 1, "THA": 2, "IDN": 1}
    assert counts["year"] == {2024: 1, 2021: 2}
    narrowed = services.facet_counts(LibraryFilters(country="THA", area="forced_labour"))
    assert narrowed["type"] == {"policy": 1, "training": 1} and narrowed["language"] == {"fr": 1, "en": 1}


def test_related_resources_share_areas_or_countries(world, make_resource):
    same_country = make_resource(title="Ghana mines", areas=["forced_labour"], countries=["GHA"])
    same_both = make_resource(title="Ghana cocoa again", areas=["child_labour"], countries=["GHA"])
    make_resource(title="Unrelated", areas=["modern_slavery"], countries=["FRA"])
    make_resource(title="Hidden", state=ResourceState.submitted, areas=["child_labour"], countries=["GHA"])
    related = services.related_resources(world.published)
    assert [r.title for r in related] == [same_both.title, same_country.title]


def test_pledges_and_conveners_cite_resources(world, make_pledge):  # noqa: F811
    pledge = make_pledge(world.org, title="Cocoa pledge")
    citation = services.cite_resource(world.people.submitter, world.published, pledge=pledge, now=NOW)
    services.cite_resource(world.people.outsider, world.published, group=world.group, now=NOW)  # a convener
    with pytest.raises(DuplicateError):
        services.cite_resource(world.people.colleague, world.published, pledge=pledge, now=NOW)
    with pytest.raises(NotAllowedError):
        services.cite_resource(world.people.outsider, world.published, pledge=pledge, now=NOW)
    with pytest.raises(InvalidTransitionError):
        services.cite_resource(world.people.submitter, world.pending, pledge=pledge, now=NOW)
    db.session.commit()
    cited = services.citations(world.published, None)  # pledges first, then groups (their citers' order)
    assert [(c.citer.name, c.obj) for c in cited] == [("pledge", pledge), ("group", world.group)]
    services.remove_citation(world.people.colleague, citation)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(ResourceCitation.id))) == 1


def test_curators_are_appointed_by_the_secretariat(world):
    with pytest.raises(NotAllowedError):
        services.appoint_curator(world.people.curator, world.people.submitter.email)
    services.appoint_curator(world.people.admin, world.people.submitter.email.upper())
    db.session.commit()
    assert services.publish_resource(world.people.submitter, world.pending, now=NOW) is None
    with pytest.raises(DuplicateError):
        services.appoint_curator(world.people.admin, world.people.submitter.email)
    services.remove_curator(world.people.admin, world.people.submitter.id)
    db.session.commit()
    assert reload(world.pending).state is ResourceState.published


def test_a_replaced_file_is_deleted_only_once_its_change_is_committed(world, app):
    from app.uploads import open_stored

    def content(key):
        with open_stored(key) as f:
            return f.read()
    from tests.conftest import drain

    first = store_upload(FileStorage(io.BytesIO(b"a,b\n1,2\n"), filename="data.csv"))
    resource = services.submit_resource(world.people.submitter, ResourceData(title="Survey", resource_type="data"),
                                        first, now=NOW)
    db.session.commit()
    data = ResourceData(title="Survey", resource_type="data")
    second = store_upload(FileStorage(io.BytesIO(b"a,b\n3,4\n"), filename="data.csv"))
    services.update_resource(world.people.submitter, resource, data, second, now=NOW)
    db.session.rollback()                                   # the change did not happen: the first file stays
    drain()
    assert content(first.path_key) == b"a,b\n1,2\n"
    resource = db.session.get(Resource, resource.id)
    third = store_upload(FileStorage(io.BytesIO(b"a,b\n5,6\n"), filename="data.csv"))
    services.update_resource(world.people.submitter, resource, data, third, now=NOW)
    db.session.commit()
    assert content(first.path_key) == b"a,b\n1,2\n"  # still there until the worker ran
    drain()
    with pytest.raises(FileNotFoundError):
        content(first.path_key)
    assert drain() == 0                                      # delivered once
