"""News on the monitoring dashboard: "News published per month", registered from the news gateway."""
from __future__ import annotations

import json
import re
from datetime import datetime, timezone

import pytest

from app.actiongroups.models import ActionGroup
from app.extensions import db
from app.knowledge import dashboard
from app.knowledge.dashboard import DashboardFilters, FigureContext
from app.news import services

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)


def at(y, m, d, hour=9):
    return datetime(y, m, d, hour, 0, tzinfo=timezone.utc)


@pytest.fixture
def news(make_user, make_org, clock):
    clock(NOW)
    admin = make_user("admin@example.org", org=make_org("Secretariat"), admin=True)
    group = ActionGroup(slug="quarry", name="Quarry Group", mandate="Stone work.")
    db.session.add(group)
    db.session.commit()

    def post(title, when, **data):
        return services.create_post(admin, services.NewsData(title=title, body="Text.", **data), now=when)

    post("Kenya, child labour", at(2026, 1, 5), countries=["KEN"], areas=["child_labour"])
    post("France, forced labour", at(2026, 1, 20), countries=["FRA"], areas=["forced_labour"])
    post("Group news", at(2026, 3, 1), group_id=group.id)
    post("Last day of the window", at(2026, 3, 31, 23))                  # after NOW: not published yet
    post("Partners only", at(2026, 2, 2), is_public=False, countries=["KEN"], areas=["child_labour"])
    post("Too old", at(2025, 3, 31, 23), countries=["KEN"])             # the month before the window
    post("Last year", at(2025, 6, 1), countries=["KEN"], areas=["child_labour"])
    db.session.commit()
    return admin


def counts(now=NOW, **filters) -> dict:
    table = dashboard.FIGURES["news"].compute(FigureContext(DashboardFilters(**filters), now))
    assert table.columns == ["Month", "News published"]
    return {row[0]: row[1] for row in table.rows}


def test_public_news_counted_per_month_of_the_window(news):
    rows = counts()
    assert list(rows)[0] == "Apr 2025" and list(rows)[-1] == "Mar 2026" and len(rows) == 12
    # Partners-only news and news dated after now are left out; the March 2025 post is before the window.
    assert {m: n for m, n in rows.items() if n} == {"Jun 2025": 1, "Jan 2026": 2, "Mar 2026": 1}
    # Read later in March, the last post is published too.
    assert counts(now=at(2026, 4, 1, 0))["Mar 2026"] == 2


def test_the_dashboard_filters_select_news_by_countries_areas_and_year(news):
    assert {m: n for m, n in counts(region="002").items() if n} == {"Jun 2025": 1, "Jan 2026": 1}  # Africa
    assert {m: n for m, n in counts(region="150").items() if n} == {"Jan 2026": 1}                 # Europe
    assert {m: n for m, n in counts(area="forced_labour").items() if n} == {"Jan 2026": 1}
    assert {m: n for m, n in counts(area="child_labour", region="002").items() if n} == {"Jun 2025": 1,
                                                                                         "Jan 2026": 1}
    year = counts(year=2025)
    assert list(year)[0] == "Jan 2025" and {m: n for m, n in year.items() if n} == {"Mar 2025": 1, "Jun 2025": 1}


def test_no_news_is_an_empty_figure(make_user, clock):
    clock(NOW)
    table = dashboard.FIGURES["news"].compute(FigureContext(DashboardFilters(), NOW))
    assert table.is_empty and len(table.rows) == 12


def test_the_figure_is_on_the_page_in_its_chart_data_and_as_csv(news, client):
    page = client.get("/dashboard").text
    assert 'id="figure-news"' in page and "News published per month" in page
    assert "/dashboard/news.csv" in page
    charts = json.loads(re.search(r'<script type="application/json" id="chart-data-dashboard">(.*?)</script>',
                                  page, re.S).group(1))["charts"]
    chart = next(c for c in charts if c["id"] == "news")
    assert chart["type"] == "line" and chart["labels"][-1] == "Mar 2026"
    assert chart["datasets"] == [{"label": "News published", "data": [0, 0, 1, 0, 0, 0, 0, 0, 0, 2, 0, 1]}]
    lines = client.get("/dashboard/news.csv?region=150").get_data(as_text=True).splitlines()
    assert lines[0] == "\ufeffMonth,News published" and "Jan 2026,1" in lines and len(lines) == 13
    # Filtered to nothing, the figure says so.
    page = client.get("/dashboard?section=groups&area=child_labour&region=150").text
    figure = page[page.index('id="figure-news"'):]
    assert "Nothing to show for these filters yet." in figure[:figure.index("</section>")]


def test_the_figure_is_translated(news, client):
    page = client.get("/dashboard", headers={"Accept-Language": "fr"}).text
    assert "Actualités publiées par mois" in page and "Actualités publiées" in page
    page = client.get("/dashboard", headers={"Accept-Language": "es"}).text
    assert "Noticias publicadas por mes" in page
