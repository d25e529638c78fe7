"""Search, library, country and dashboard pages run the same number of SQL queries with little and much data."""
from __future__ import annotations

from datetime import datetime, timezone

from app.commitments.demo_bulk import seed_many_pledges
from app.extensions import db
from app.knowledge.demo import seed_many_resources
from app.knowledge.search import rebuild_index

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
PAGES = ["/search?q=child+labour", "/search?q=traffick&kind=pledge&page=2", "/search?q=cocoa+mining",
         "/library/", "/library/?q=forced&country=KEN&sort=relevance", "/library/?area=trafficking&page=2",
         "/countries/KEN", "/countries/GHA", "/dashboard", "/dashboard?year=2025&region=002&area=child_labour",
         "/dashboard/compliance.csv"]
MAX_QUERIES = 15  # DESIGN.md: every page, however much data


def seed(pledges: int, resources: int) -> None:
    seed_many_pledges(pledges, now=NOW)
    seed_many_resources(resources, now=NOW, seed=pledges)
    rebuild_index()
    db.session.commit()


def measure(client, count_queries) -> list[int]:
    counts = []
    for url in PAGES:
        client.get(url)  # warm up
        count_queries.clear()
        response = client.get(url)
        assert response.status_code == 200, url
        counts.append(len(count_queries))
    return counts


def test_pages_run_the_same_queries_with_little_and_much_data(client, count_queries):
    seed(60, 40)
    small = measure(client, count_queries)
    seed(3000, 1500)
    large = measure(client, count_queries)
    assert small == large, list(zip(PAGES, small, large))
    assert max(large) <= MAX_QUERIES, list(zip(PAGES, large))


def test_signed_in_partners_add_a_fixed_number_of_queries(client, login, make_user, count_queries):
    seed(60, 40)
    login(make_user())
    small = measure(client, count_queries)
    seed(1000, 500)
    large = measure(client, count_queries)
    assert small == large and max(large) <= MAX_QUERIES, list(zip(PAGES, small, large))
