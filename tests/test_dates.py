"""Far dates (issue 14, item 3): refused on input by every date field, and harmless when already stored."""
from __future__ import annotations

import re
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.commitments import schedule
from app.commitments.models import Pledge
from app.extensions import db
from app.forums import ical
from app.utils import FIRST_DATE, LAST_DATE, parse_date
from tests.commitments.conftest import make_pledge, pledge_world  # noqa: F401  (fixtures)
from tests.commitments.test_routes import _form

APP = Path(__file__).resolve().parents[1] / "app"


def test_every_date_field_of_every_form_is_bounded():
    """One validator for all forms: a plain WTForms DateField anywhere in the app would skip it."""
    plain = [f"{path.relative_to(APP)}:{n}" for path in APP.rglob("*.py") if path.name != "forms.py" or path.parent != APP
             for n, line in enumerate(path.read_text().splitlines(), 1) if re.search(r"(?<!Bounded)DateField\(", line)]
    assert plain == []


@pytest.mark.parametrize("field, value", [("end_date", "9999-12-31"), ("start_date", "0001-01-01"),
                                          ("end_date", "2201-01-01"), ("deliverables-0-due_date", "9997-01-01")])
def test_a_far_date_in_the_pledge_form_is_an_error_next_to_the_field(client, login, pledge_world, field, value):
    login(pledge_world.people.coordinator)
    before = db.session.scalar(sa.select(sa.func.count(Pledge.id)))
    response = client.post("/pledges/new", data=_form(pledge_world, **{field: value}))
    assert response.status_code == 200
    assert "Enter a date between Jan 1, 1900 and Dec 31, 2200." in response.text
    assert f'value="{value}"' in response.text  # what was typed is kept
    assert db.session.scalar(sa.select(sa.func.count(Pledge.id))) == before


def test_the_edges_of_the_range_are_accepted(client, login, pledge_world):
    login(pledge_world.people.coordinator)
    response = client.post("/pledges/new", data=_form(pledge_world, start_date=FIRST_DATE.isoformat(),
                                                      end_date=LAST_DATE.isoformat()))
    assert response.status_code == 302


def test_far_dates_in_the_work_plan_and_forum_forms_are_errors(client, login, make_user):
    login(make_user(admin=True))
    response = client.post("/forums/new", data={"title": "Forum", "slug": "forum-far", "starts_on": "9999-12-30",
                                                 "ends_on": "9999-12-31", "timezone": "UTC"})
    assert response.status_code == 200 and "Enter a date between" in response.text


@pytest.mark.parametrize("value, expected", [("2026-02-28", date(2026, 2, 28)), ("9999-12-31", None),
                                             ("1899-12-31", None), ("2026-02-30", None), ("", None), (None, None)])
def test_parse_date_keeps_to_the_range(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize("start, end", [(date(2026, 1, 1), date(9999, 12, 31)), (date(1, 1, 1), date(9999, 12, 31)),
                                        (date(9999, 12, 30), date(9999, 12, 31))])
def test_a_stored_pledge_with_far_dates_still_shows(client, make_org, make_pledge, start, end):
    pledge = make_pledge(make_org(), start_date=start, end_date=end, report_every_months=24,
                         deliverables=[("Far away", date(9999, 12, 31))])
    assert client.get(f"/pledges/{pledge.id}").status_code == 200
    assert client.get("/pledges/").status_code == 200
    assert client.get("/pledges/export.csv").status_code == 200


def test_month_arithmetic_stops_at_the_ends_of_the_calendar():
    assert schedule.add_months(date(9999, 12, 31), 6) == date.max
    assert schedule.add_months(date(1, 1, 31), -6) == date.min
    assert schedule.deadlines(date(9999, 1, 1), date(9999, 12, 31), 24, None).report_due_on == date(9999, 12, 31)


def test_an_all_day_event_on_the_last_day_of_the_calendar_is_written():
    event = ical.all_day_event("uid@hub", "Far", date.max, date.max, datetime(2026, 1, 1, tzinfo=timezone.utc),
                               "https://hub.example.org/x")
    assert event.decoded("dtend") == date.max
