"""The search finds places (countries in three languages, ISO codes, continents), puts a country's page first,
suggests a spelling when nothing matches, and shows snippets as text, not Markdown."""
from __future__ import annotations

import pytest

from app import events
from app.extensions import db
from app.knowledge import search
from app.knowledge.places import countries_named, place_words
from app.knowledge.search import Query, plain_text
from tests.commitments.conftest import make_pledge  # noqa: F401  (fixture)
from tests.conftest import drain


def titles(q, user=None, **kw):
    return [hit.title for hit in search.search(Query(q=q, **kw), user).hits]


@pytest.mark.parametrize("q, expected", [
    ("Ghana", ["GHA"]), ("ghana", ["GHA"]), ("GHA", ["GHA"]), ("gh", ["GHA"]),
    ("ivoire", ["CIV"]), ("côte", ["CIV"]), ("cote d'ivoire", ["CIV"]), ("Côte d’Ivoire", ["CIV"]),
    ("Allemagne", ["DEU"]), ("Alemania", ["DEU"]),
    ("cocoa", []), ("", []), ("d", []), ("ivoire ghana", []),
])
def test_the_countries_a_query_names(q, expected):
    assert countries_named(q) == expected


def test_a_whole_name_comes_before_a_longer_name_it_starts():
    assert countries_named("Niger")[0] == "NER"          # before Nigeria
    assert countries_named("Guinea")[0] == "GIN"         # before Guinea-Bissau, Equatorial Guinea


def test_place_words_name_countries_in_three_languages_codes_and_continents():
    words = place_words(["CIV", "150", "global", "nonsense"]).split()
    for word in ("cote", "ivoire", "civ", "ci", "africa", "afrique", "europe", "europa",
                 "global"):
        assert word in words
    assert "nonsense" not in words and place_words([]) == ""


def test_items_are_found_by_their_places_in_every_language(world, make_resource, make_pledge):  # noqa: F811
    make_resource(title="Mining study", summary="Gold mines.", countries=["CIV"])
    make_pledge(world.org, title="Cocoa farms pledge", countries=["GHA"])
    make_pledge(world.org, title="Worldwide pledge", countries=[], is_global=True)
    make_resource(title="Labour inspection study", summary="Inspections.", countries=["DEU"])
    drain()
    for q in ("Allemagne", "alemania", "germany", "deu"):
        assert titles(q) == ["Labour inspection study"], q
    for q in ("ivoire", "côte", "côte d'ivoire", "civ"):
        assert titles(q) == ["Mining study"], q
    assert "Cocoa farms pledge" in titles("Ghana") and "Worldwide pledge" not in titles("Ghana")
    assert "Cocoa farms pledge" in titles("afrique") and "Mining study" in titles("africa")
    assert titles("worldwide global") == ["Worldwide pledge"]


def test_the_country_page_is_the_first_result_for_its_name(client, world):
    page = client.get("/search?q=Ghana")
    assert page.status_code == 200
    first = page.text.index('data-kind="country"')
    assert 'href="/countries/GHA"' in page.text[first:first + 400]
    assert first < page.text.find('data-kind="resource"') or 'data-kind="resource"' not in page.text
    assert 'data-kind="country"' in client.get("/search?q=ivoire").text
    assert 'data-kind="country"' not in client.get("/search?q=Ghana&kind=resource").text


def test_a_misspelt_word_gets_a_suggestion_that_finds_something(client, world):
    drain()
    results = search.search(Query(q="cocao"), None)
    assert results.total == 0 and results.suggestion == "cocoa"
    assert search.search(Query(q="cocao study"), None).suggestion == "cocoa study"
    assert search.search(Query(q="xqzwv"), None).suggestion == ""        # nothing close: no suggestion
    assert search.search(Query(q="cocoa"), None).suggestion == ""        # found: no suggestion
    page = client.get("/search?q=cocao")
    assert "search-suggestion" in page.text and "/search?q=cocoa" in page.text


def test_a_suggestion_never_reveals_a_private_title(world):
    from app.actiongroups.documents.models import Document, DocumentVersion
    from tests.knowledge.conftest import NOW

    document = Document(group_id=world.group.id, title="Zebrafish inspection minutes", description="Confidential.",
                        created_at=NOW, updated_at=NOW)
    document.versions = [DocumentVersion(number=1, path_key="ab/" + "a" * 32, original_name="m.pdf", size=1,
                                         mime="application/pdf", sha256="0" * 64)]
    db.session.add(document)
    events.reindex_later(document)
    db.session.commit()
    drain()
    assert search.search(Query(q="zebrafsh"), None).suggestion == ""
    assert "zebrafish" not in search.vocabulary()


def test_snippets_are_text_without_markdown(world, make_resource):
    make_resource(title="Kiln report", summary="**Bold claim** about _brick_ kilns, see [the report](https://x.org/r)."
                  "\n\n# Heading\n- item `code`")
    drain()
    hit = search.search(Query(q="kiln"), None).hits[0]
    assert "**" not in hit.snippet_html and "](" not in hit.snippet_html and "#" not in hit.snippet_html
    assert "Bold claim about brick" in str(hit.snippet_html) and "the report" in str(hit.snippet_html)
    assert plain_text("a * b and 2*3 and snake_case_name") == "a * b and 2*3 and snake_case_name"


def test_edit_distance_counts_a_swap_as_one_typo():
    assert search.edit_distance("cocao", "cocoa", 2) == 1
    assert search.edit_distance("labor", "labour", 2) == 1
    assert search.edit_distance("ghana", "kenya", 1) == 2      # more than the most asked: most + 1
