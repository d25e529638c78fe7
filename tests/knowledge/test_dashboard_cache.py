"""The dashboard's figures computed at most once per period (DASHBOARD_FIGURES_SECONDS) for the same filters,
language and kind of viewer; the page says when they were computed."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from app.commitments.models import PledgeState
from app.extensions import db
from tests.commitments.conftest import make_pledge  # noqa: F401  (fixture)

NOW = datetime(2026, 3, 1, 12, 1, 30, tzinfo=timezone.utc)   # in the period 12:00–12:05
STATUS = "/dashboard/status.csv"


@pytest.fixture
def app(make_app, clock):
    """An app of its own that remembers figures for five minutes (the tests' default is not to), at NOW."""
    clock(NOW)
    return make_app(DASHBOARD_FIGURES_SECONDS=300)


def published(client, url=STATUS) -> str:
    return next(line for line in client.get(url).get_data(as_text=True).splitlines() if "Published" in line)


def test_figures_are_computed_once_per_period_then_again(client, make_org, make_pledge, clock,  # noqa: F811
                                                          count_queries):
    org = make_org("Gov Org")
    make_pledge(org, title="A")
    db.session.commit()
    assert published(client) == "Published,1"
    make_pledge(org, title="B")
    db.session.commit()
    count_queries.clear()
    assert published(client) == "Published,1"      # remembered: no query for the figure
    assert not [q for q in count_queries if "pledge" in q]
    clock(NOW + timedelta(minutes=3, seconds=29))    # 12:04:59, same period
    assert published(client) == "Published,1"
    clock(NOW + timedelta(minutes=3, seconds=30))    # 12:05:00, a new period on every host
    assert published(client) == "Published,2"


def test_each_filter_language_and_kind_of_viewer_has_its_own_figures(client, login, make_user, make_org,
                                                                      make_pledge):  # noqa: F811
    org = make_org("Gov Org")
    make_pledge(org, title="A", areas=["child_labour"])
    make_pledge(org, title="Draft", state=PledgeState.draft)
    db.session.commit()
    assert published(client) == "Published,1"
    assert published(client, STATUS + "?area=forced_labour") == "Published,0"
    assert published(client, STATUS + "?area=child_labour") == "Published,1"
    french = client.get(STATUS, headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Publié" in french
    login(make_user(admin=True))
    pipeline = client.get("/dashboard/pipeline.csv").get_data(as_text=True)
    assert "Draft,1" in pipeline


def test_the_page_says_when_its_figures_were_computed(client, make_org, make_pledge, clock):  # noqa: F811
    make_pledge(make_org("Gov Org"), title="A")
    db.session.commit()
    page = client.get("/dashboard").text
    assert "Figures as of 12:01\u202fPM (UTC); they are computed again every 5 minutes." in page
    french = client.get("/dashboard", headers={"Accept-Language": "fr"}).text
    assert "Chiffres arrêtés à 12:01 (UTC) ; ils sont recalculés toutes les 5 minutes." in french
    clock(NOW + timedelta(minutes=2))
    assert "Figures as of 12:01\u202fPM (UTC)" in client.get("/dashboard").text    # the oldest figure shown
    clock(NOW + timedelta(minutes=4))
    assert "Figures as of 12:05\u202fPM (UTC)" in client.get("/dashboard").text


def test_without_a_period_figures_are_computed_on_every_request(app, client, make_org, make_pledge):  # noqa: F811
    app.config["DASHBOARD_FIGURES_SECONDS"] = 0
    org = make_org("Gov Org")
    make_pledge(org, title="A")
    db.session.commit()
    assert published(client) == "Published,1"
    make_pledge(org, title="B")
    db.session.commit()
    assert published(client) == "Published,2"
    assert "Figures as of" not in client.get("/dashboard").text
