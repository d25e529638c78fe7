"""The registry's SQL query count does not grow with the number of pledges (up to 20,000)."""
from __future__ import annotations

import pytest

from app.commitments import registry_routes
from app.commitments.demo_bulk import seed_many_pledges
from app.extensions import db
from tests.commitments.conftest import NOW

PAGES = ["/pledges/", "/pledges/?area=forced_labour&country=KEN", "/pledges/?country=002&sort=end&page=2",
         "/pledges/?q=cocoa", "/pledges/?q=train+insp&light=red", "/pledges/?light=amber",
         "/pledges/?stakeholder_type=government&action_type=funding", "/pledges/?status=completed"]
EXPORTS = ["/pledges/export.csv?area=child_labour", "/pledges/export.json?area=child_labour",
           "/pledges/export.xml?area=child_labour"]


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(registry_routes, "viewer_today", lambda now=None: NOW.date())


def seed(count: int) -> None:
    seed_many_pledges(count, now=NOW)
    db.session.commit()


def measure(client, count_queries, urls) -> list[int]:  # noqa: F811
    counts = []
    for url in urls:
        client.get(url).close()  # warm up (first-request work is not what we measure)
        count_queries.clear()
        response = client.get(url)
        assert response.status_code == 200, url
        response.get_data()  # a streamed export runs its queries as it is read
        response.close()
        if "/export." not in url:  # every page lists pledges at both sizes, or the comparison means little
            assert "registry-pledge" in response.get_data(as_text=True), url
        counts.append(len(count_queries))
    return counts


def test_registry_pages_run_the_same_queries_with_300_and_20000_pledges(client, count_queries):  # noqa: F811
    seed(300)
    small = measure(client, count_queries, PAGES)
    seed(19_700)
    large = measure(client, count_queries, PAGES)
    assert small == large, list(zip(PAGES, small, large))
    assert max(large) <= 4, list(zip(PAGES, large))


def test_signed_in_visitors_add_a_fixed_number_of_queries(client, login, make_user, count_queries):  # noqa: F811
    seed(50)
    login(make_user())
    small = measure(client, count_queries, PAGES[:3])
    seed(450)
    assert measure(client, count_queries, PAGES[:3]) == small


def test_exports_run_the_same_queries_with_few_and_many_pledges(client, count_queries):  # noqa: F811
    seed(20)
    small = measure(client, count_queries, EXPORTS)
    seed(280)
    large = measure(client, count_queries, EXPORTS)
    assert small == large, list(zip(EXPORTS, small, large))
