"""Reporting periods and the traffic light, as plain functions of dates."""
from __future__ import annotations

from datetime import date

import pytest

from app.commitments.schedule import Deadlines, Light, add_months, deadlines, light, periods

START, END = date(2026, 1, 1), date(2027, 12, 31)


def test_periods_run_from_the_start_in_steps_and_the_last_ends_on_the_end_date():
    got = periods(START, END, 6)
    assert [(p.start, p.end) for p in got] == [
        (date(2026, 1, 1), date(2026, 7, 1)), (date(2026, 7, 1), date(2027, 1, 1)),
        (date(2027, 1, 1), date(2027, 7, 1)), (date(2027, 7, 1), date(2027, 12, 31))]
    assert [p.index for p in got] == [1, 2, 3, 4]


def test_periods_need_both_dates_in_order():
    assert periods(None, END, 6) == []
    assert periods(START, None, 6) == []
    assert periods(END, START, 6) == []


def test_month_arithmetic_keeps_the_end_of_short_months():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)


def test_deadlines_follow_the_first_period_not_covered_by_an_approved_report():
    assert deadlines(START, END, 6, None) == Deadlines(date(2026, 7, 1), date(2027, 1, 1), date(2027, 7, 1))
    # A report approved for the first period moves everything to the second.
    assert deadlines(START, END, 6, date(2026, 7, 1)).report_due_on == date(2027, 1, 1)
    # Reports are cumulative: the third period's report covers the first two as well.
    assert deadlines(START, END, 6, date(2027, 7, 1)).report_due_on == date(2027, 12, 31)
    assert deadlines(START, END, 6, END) == Deadlines(None, None, None)


DUE = deadlines(START, END, 6, None)  # due 1 July 2026, red from 1 January 2027, grey from 1 July 2027


@pytest.mark.parametrize(("today", "expected"), [
    (date(2026, 3, 1), Light.green),        # nothing due yet
    (date(2026, 6, 30), Light.green),       # the day before the report is due
    (date(2026, 7, 1), Light.amber),        # due today
    (date(2026, 12, 31), Light.amber),      # overdue by less than a period
    (date(2027, 1, 1), Light.red),          # overdue by a full period
    (date(2027, 6, 30), Light.red),
    (date(2027, 7, 1), Light.inactive),     # two periods without a report
    (date(2030, 1, 1), Light.inactive),
])
def test_the_light_of_a_published_pledge_changes_on_the_deadlines(today, expected):
    assert light(True, False, False, DUE, today) is expected


def test_closed_and_unpublished_pledges_have_no_colour():
    assert light(False, False, True, DUE, date(2030, 1, 1)) is Light.withdrawn
    assert light(False, True, False, DUE, date(2030, 1, 1)) is Light.completed
    assert light(False, False, False, DUE, date(2030, 1, 1)) is Light.none


def test_every_report_in_is_green_whatever_the_date():
    assert light(True, False, False, Deadlines(None, None, None), date(2035, 1, 1)) is Light.green
