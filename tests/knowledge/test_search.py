"""The global search, the same on SQLite (FTS5) and PostgreSQL (tsvector): kept in step with the data,
prefix matching, accents and capitals ignored, English stemming, ranking, snippets, permissions, pages."""
from __future__ import annotations

import sqlalchemy as sa

from app import events
from app.actiongroups.documents.models import Document, DocumentVersion
from app.commitments.models import PledgeState
from app.extensions import db
from app.knowledge import search, services
from app.knowledge.models import ResourceState, SearchDocument
from app.knowledge.search import Query
from app.members.models import OrganisationStatus
from tests.commitments.conftest import make_pledge  # noqa: F401  (fixture)
from tests.conftest import drain
from tests.knowledge.conftest import NOW


def found(q, user=None, **kw):
    return [(hit.kind, hit.title) for hit in search.search(Query(q=q, **kw), user).hits]


def titles(q, user=None, **kw):
    return [title for _kind, title in found(q, user, **kw)]


def test_what_is_published_is_found_and_what_is_not_is_not(world):
    drain()
    assert titles("cocoa") == ["Published cocoa study"]
    assert titles("kiln") == []                             # submitted, not published
    services.publish_resource(world.people.curator, world.pending, now=NOW)
    assert titles("kiln") == []                             # not committed yet: the index follows commits
    db.session.commit()
    assert titles("kiln") == []                             # committed, but the worker has not run yet
    reindex = sa.select(sa.func.count()).select_from(events.OutboxEvent).where(
        events.OutboxEvent.kind == events.REINDEX, events.OutboxEvent.state == events.PENDING)
    assert db.session.scalar(reindex) == 1                   # one re-index row for the one change
    drain()                                                 # (and the submitter's notification e-mail)
    assert titles("kiln") == ["Pending brick kiln study"]
    services.archive_resource(world.people.curator, world.pending, now=NOW)
    db.session.commit()
    assert titles("kiln") == ["Pending brick kiln study"]   # until the worker ran
    drain()
    assert titles("kiln") == []


def test_a_change_is_searchable_only_once_the_worker_ran_and_changes_coalesce(world):
    drain()
    resource = world.published
    resource.title = "Renamed sugar study"
    events.reindex_later(resource)
    events.reindex_later(resource)          # a second change in the same transaction: the same row
    db.session.commit()
    assert titles("sugar") == [] and titles("cocoa") == ["Published cocoa study"]   # not in a request
    assert drain() == 1
    assert titles("sugar") == ["Renamed sugar study"] and titles("published") == []
    resource.summary = "Now about tea."
    events.reindex_later(resource)          # a later transaction records its own row
    db.session.commit()
    assert drain() == 1 and titles("tea") == ["Renamed sugar study"] and titles("cocoa") == []


def test_a_deleted_object_leaves_the_index(world, make_pledge):  # noqa: F811
    pledge = make_pledge(world.org, title="Vanilla pledge")
    drain()
    assert titles("vanilla") == ["Vanilla pledge"]
    events.reindex_later(pledge)
    db.session.delete(pledge)
    db.session.commit()
    assert titles("vanilla") == ["Vanilla pledge"]
    drain()
    assert titles("vanilla") == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SearchDocument).where(
        SearchDocument.kind == "pledge", SearchDocument.object_id == pledge.id)) == 0


def test_no_session_listener_reindexes():
    """Re-indexing is the worker's (an outbox row), never a side effect of a commit."""
    from sqlalchemy.orm import Session

    from app.forums import gateway

    for name in ("_note_changes", "_index_changes", "_forget_changes"):
        assert not hasattr(search, name)
    for name in ("_note_dependents", "_reindex_dependents", "_forget_dependents"):
        assert not hasattr(gateway, name)
    for identifier in ("after_flush", "before_commit", "after_commit", "after_rollback"):
        listeners = getattr(Session.dispatch, identifier)._clslevel.get(Session, ())
        modules = {getattr(fn, "__module__", "") for fn in listeners}
        assert not modules & {"app.knowledge.search", "app.forums.gateway"}, (identifier, modules)
    assert events.REINDEX in events.HANDLERS


def test_a_rolled_back_change_never_reaches_the_index(world):
    services.publish_resource(world.people.curator, world.pending, now=NOW)
    db.session.flush()
    db.session.rollback()
    db.session.commit()
    drain()
    assert titles("kiln") == []


def test_prefixes_accents_capitals_and_stemming(world, make_resource):
    make_resource(title="Trafic et traite des êtres humains", summary="Étude sur la traite à Dakar.", language="fr")
    make_resource(title="Trafficked fishers", summary="Men trafficked onto fishing boats.")
    make_resource(title="Trafficking in persons report", summary="Annual figures.")
    drain()
    assert set(titles("traffick")) == {"Trafficked fishers", "Trafficking in persons report"}
    assert set(titles("trafficking")) == {"Trafficked fishers", "Trafficking in persons report"}  # stemmed
    assert titles("ETRES HUMAINS") == ["Trafic et traite des êtres humains"]                   # accents folded
    assert titles("étude dakar") == ["Trafic et traite des êtres humains"]                    # every word
    assert titles("dakar fishers") == []


def test_title_matches_rank_above_body_matches(world, make_resource):
    make_resource(title="Annual review", summary="Notes about debt bondage among many other subjects.")
    make_resource(title="Debt bondage in brick kilns", summary="A study.")
    drain()
    assert titles("bondage") == ["Debt bondage in brick kilns", "Annual review"]


def test_every_registered_kind_is_found(world, make_pledge):  # noqa: F811
    make_pledge(world.org, title="Zanzibar clove pledge")
    make_pledge(world.org, title="Zanzibar draft pledge", state=PledgeState.draft)
    world.group.name = "Zanzibar working group"
    events.reindex_later(world.group)
    db.session.commit()
    drain()
    kinds = dict(found("zanzibar"))
    assert kinds == {"pledge": "Zanzibar clove pledge", "group": "Zanzibar working group"}
    assert ("organisation", "Submitting Org") in found("submitting")
    world.org.status = OrganisationStatus.suspended
    events.reindex_later(world.org)
    db.session.commit()
    drain()
    assert ("organisation", "Submitting Org") not in found("submitting")


def test_snippets_highlight_the_words_found_and_escape_the_rest(world, make_resource):
    make_resource(title="<b>Bold</b> claims", summary=" ".join(["filler"] * 60)
                  + " children were trafficked <script>x</script> across the border " + " ".join(["tail"] * 60))
    drain()
    hit = search.search(Query(q="trafficking border"), None).hits[0]
    assert "<mark>trafficked</mark>" in hit.snippet_html and "<mark>border</mark>" in hit.snippet_html
    assert "&lt;script&gt;" in hit.snippet_html and "<script>" not in hit.snippet_html
    assert hit.snippet_html.startswith("… ") and hit.snippet_html.endswith(" …")
    assert str(search.highlight("<b>Bold</b> claims", ["bold"])) == "&lt;b&gt;<mark>Bold</mark>&lt;/b&gt; claims"


def test_private_workspace_documents_are_found_only_by_their_readers(world):
    from app.uploads import StoredFile

    document = Document(group_id=world.group.id, title="Quarry inspection minutes", description="Confidential.",
                        created_at=NOW, updated_at=NOW)
    document.versions = [DocumentVersion(number=1, path_key="ab/" + "a" * 32, original_name="m.pdf", size=1,
                                         mime="application/pdf", sha256="0" * 64)]
    db.session.add(document)
    events.reindex_later(document)
    db.session.commit()
    drain()
    assert StoredFile  # the file itself is not needed for the search
    assert titles("quarry inspection") == []
    assert titles("quarry inspection", world.people.submitter) == []            # not a member
    assert titles("quarry inspection", world.people.outsider) == ["Quarry inspection minutes"]  # the convener
    assert titles("quarry inspection", world.people.admin) == ["Quarry inspection minutes"]
    document.is_public = True
    events.reindex_later(document)
    db.session.commit()
    drain()
    assert titles("quarry inspection") == ["Quarry inspection minutes"]


def test_results_are_paginated_and_counted_per_kind(world, make_resource, make_pledge):  # noqa: F811
    for n in range(25):
        make_resource(title=f"Mica mining study {n}")
    make_pledge(world.org, title="Mica pledge")
    drain()
    first = search.search(Query(q="mica"), None, per_page=10)
    assert first.total == 26 and first.pages == 3 and first.per_kind == {"resource": 25, "pledge": 1}
    last = search.search(Query(q="mica", page=3), None, per_page=10)
    assert len(last.hits) == 6
    only = search.search(Query(q="mica", kind="pledge"), None, per_page=10)
    assert [h.title for h in only.hits] == ["Mica pledge"] and only.per_kind["resource"] == 25


def test_queries_with_no_words_find_nothing_and_punctuation_is_harmless(world):
    drain()
    assert titles("") == [] and titles("  *** ") == []
    assert titles('cocoa" OR title_key:*') == []   # FTS syntax is never passed through: these are words
    assert titles("cocoa)(") == ["Published cocoa study"]


def test_reindex_rebuilds_everything_from_the_database(world, make_resource):
    db.session.execute(sa.delete(SearchDocument))
    db.session.commit()
    assert titles("cocoa") == []
    counts = search.rebuild_index()
    db.session.commit()
    assert counts["resource"] == 1 and counts["organisation"] == 2 and titles("cocoa") == ["Published cocoa study"]


def test_the_search_page(client, world):
    drain()
    page = client.get("/search?q=cocoa+stud")
    assert page.status_code == 200
    assert "<mark>cocoa</mark>" in page.text and f'/library/{world.published.id}' in page.text
    assert "1 result" in page.text
    assert client.get("/search?q=").status_code == 200
    assert client.get("/search?q=cocoa&kind=nonsense&page=-3").status_code == 200


def test_search_reindex_command(app, world):
    db.session.execute(sa.delete(SearchDocument))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["search-reindex"])
    assert result.exit_code == 0, result.output
    assert "1 resource" in result.output and titles("cocoa") == ["Published cocoa study"]
    assert app.test_cli_runner().invoke(args=["search-reindex", "--kind", "nonsense"]).exit_code != 0
