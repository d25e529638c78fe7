"""The overlap pages run a bounded number of SQL queries that does not grow with the data."""
from __future__ import annotations

from datetime import date

import pytest

from app.extensions import db
from app.overlaps.jobs import scan_everything
from tests.overlaps.conftest import COCOA_DRAFT, NOW

SYLLABLES = ["ka", "mo", "tu", "re", "la", "vi", "zo", "ne", "pa", "ri", "gu", "sel", "dor", "fin", "bak", "lum"]


def made_up(i: int, k: int) -> str:
    """A word no other test initiative uses (so each grown trio matches only itself, not the world)."""
    n = i * 7 + k * 131 + 17
    return "".join(SYLLABLES[(n >> shift) % len(SYLLABLES)] for shift in (0, 3, 6, 9))


@pytest.fixture
def grow(world, make_activity, make_pledge):
    """Add n pairs of look-alike initiatives (a pledge of a partner and an imported activity with the same
    made-up subject) and flag them; the world's cocoa initiatives keep their own matches."""
    added = [0]

    def _grow(n):
        for i in range(added[0], added[0] + n):
            words = " ".join(made_up(i, k) for k in range(6))
            title = f"Programme {made_up(i, 9)} for {words}"
            text = f"Household visits by {words} facilitators, and support for each {made_up(i, 7)} family."
            period = {"start_date": date(2026, 1, 1), "end_date": date(2027, 12, 31)}
            make_activity(title, description=text, countries=["KEN"], areas=["trafficking"], **period)
            make_pledge(world.third, title=title, description=text, countries=["KEN"], areas=["trafficking"],
                        partners=[world.other], **period)
        added[0] += n
        scan_everything(now=NOW)
        db.session.commit()
    return _grow


def measure(client, count_queries, requests) -> list[int]:
    counts = []
    for method, url, data in requests:
        call = (lambda: client.get(url)) if method == "GET" else (lambda: client.post(url, data=data))
        call()  # warm up: the first request builds the index
        count_queries.clear()
        response = call()
        assert response.status_code == 200, url
        counts.append(len(count_queries))
    return counts


def test_overlap_pages_run_the_same_queries_with_few_and_many_initiatives(client, login, world, grow,
                                                                          count_queries):
    login(world.people.admin)
    requests = [("GET", "/overlaps/review", None), ("GET", "/overlaps/review?country=GHA&area=child_labour", None),
                ("GET", f"/pledges/{world.pledge.id}", None),
                ("GET", f"/actiongroups/{world.group.slug}/workplan/{world.item.id}", None),
                ("GET", f"/activities/{world.activity.id}", None),
                ("POST", "/overlaps/check?kind=pledge", COCOA_DRAFT),
                ("GET", "/overlaps/gaps", None), ("GET", "/overlaps/gaps.csv", None),
                ("GET", "/overlaps/gaps/cell?country=GHA&area=child_labour", None), ("GET", "/activities/", None)]
    grow(25)  # more pairs than a page of the review queue holds, at both sizes
    small = measure(client, count_queries, requests)
    grow(50)
    large = measure(client, count_queries, requests)
    assert small == large, list(zip([r[1] for r in requests], small, large))
    # 15, plus one on a pledge's page since its content can be given in three languages (its translations).
    assert max(large) <= 16, list(zip([r[1] for r in requests], large))


def test_the_pair_page_and_a_mixed_queue_run_a_bounded_number_of_queries(client, login, world, grow,
                                                                           count_queries):
    from app.overlaps.services import flags_of

    login(world.people.admin)
    grow(3)
    for url in [f"/overlaps/review/{f.id}" for f in flags_of(world.item.initiative_id)] + [
            "/overlaps/review?kind=work_item"]:
        client.get(url)
        count_queries.clear()
        assert client.get(url).status_code == 200
        assert len(count_queries) <= 15, (url, count_queries)
