"""News on the country pages (in the reader's language, within the pages' query budget), and
the search finding news in every language it is written or translated in."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from app.extensions import db
from app.multilingual.registry import KINDS
from app.multilingual.services import save_translations
from app.news import services
from tests.conftest import drain

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def posts(make_user):
    admin = make_user("admin@example.org", admin=True)
    kenya = services.create_post(admin, services.NewsData(title="Kenya inspectors trained", body="Two hundred.",
                                                          countries=["KEN"]), now=NOW)
    memo = services.create_post(admin, services.NewsData(title="Kenya partners memo", body="Partners only.",
                                                         countries=["KEN"], is_public=False), now=NOW)
    ghana = services.create_post(admin, services.NewsData(title="Ghana cocoa news", body="Cocoa.",
                                                          countries=["GHA"]), now=NOW)
    save_translations(KINDS["news"], kenya, "fr", {"title": "Inspecteurs formés au Kenya",
                                                   "body": "Deux cents."}, admin)
    db.session.commit()
    return dict(admin=admin, kenya=kenya, memo=memo, ghana=ghana)


def test_a_country_page_shows_its_news_to_those_who_may_read_it(client, login, make_user, posts):
    html = client.get("/countries/KEN").get_data(as_text=True)
    assert 'id="news"' in html and "Kenya inspectors trained" in html
    assert "Ghana cocoa news" not in html
    assert "Kenya partners memo" not in html  # partners only
    login(make_user("partner@example.org"))
    assert "Kenya partners memo" in client.get("/countries/KEN").get_data(as_text=True)


def test_a_country_without_news_has_no_news_section(client, posts):
    assert 'id="news"' not in client.get("/countries/FRA").get_data(as_text=True)


def test_a_french_reader_sees_the_french_title_on_the_country_page(client, login, make_user, posts):
    login(make_user("fr@example.org", locale="fr"))
    country = client.get("/countries/KEN").get_data(as_text=True)
    assert "Inspecteurs formés au Kenya" in country and "Kenya inspectors trained" not in country


def test_news_adds_one_query_to_a_page_however_many_posts_and_translations(client, count_queries, posts):
    client.get("/countries/KEN")
    count_queries.clear()
    client.get("/countries/KEN")
    few = len(count_queries)
    for n in range(12):
        post = services.create_post(posts["admin"], services.NewsData(title=f"More {n}", body="x", countries=["KEN"]),
                                    now=NOW)
        for lang in ("fr", "es"):
            save_translations(KINDS["news"], post, lang, {"title": f"{lang} {n}", "body": "y"}, posts["admin"])
    db.session.commit()
    count_queries.clear()
    client.get("/countries/KEN")
    assert len(count_queries) == few
    assert sum("news_post" in q for q in count_queries) == 1
    assert not any("content_translation" in q and "news_post" not in q for q in count_queries)


@pytest.mark.parametrize("query,lang", [("inspectors", "en"), ("inspecteurs", "fr"), ("formés", "fr")])
def test_search_finds_news_in_every_language_it_exists_in(client, posts, query, lang):
    drain()  # the worker indexes what the services asked for
    html = client.get(f"/search?q={query}").get_data(as_text=True)
    assert f"/news/{posts['kenya'].id}" in html, (query, lang)
    assert f"/news/{posts['ghana'].id}" not in html


def test_search_finds_a_spanish_translation_added_later(client, posts):
    save_translations(KINDS["news"], posts["ghana"], "es", {"title": "Noticias del cacao en Ghana",
                                                            "body": "Cacao."}, posts["admin"])
    db.session.commit()
    drain()
    assert f"/news/{posts['ghana'].id}" in client.get("/search?q=noticias").get_data(as_text=True)
