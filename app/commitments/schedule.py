"""When a pledge's progress reports fall due, and what its traffic light says.

Plain functions of dates (no database, no clock): the service stores their results on the pledge
(``report_due_on``, ``red_from``, ``inactive_from``), so the registry can filter by light in SQL, and
:func:`light` reads the same three dates, so the badge and the filter always agree.

Reporting periods run from the start date in steps of ``every`` months; the last one ends on the end
date. The report for a period is due on the day the period ends. Reports are cumulative: an approved
report covers its period and every earlier one.

The light, for a published pledge, where *d* is the due date of the first period not yet covered by
an approved report and *P* the reporting interval:

- green: nothing is due yet (today < d), or every period is covered;
- amber: a report is due or overdue by less than one period (d <= today < d + P);
- red: overdue by a full period or more (d + P <= today < d + 2P);
- inactive (grey): two periods have passed since the report fell due (today >= d + 2P).
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta

DEFAULT_EVERY_MONTHS = 6
# Reports can be asked for every month up to once every two years.
EVERY_MONTHS_RANGE = (1, 24)


class Light(str, enum.Enum):
    green = "green"
    amber = "amber"
    red = "red"
    inactive = "inactive"
    completed = "completed"
    withdrawn = "withdrawn"
    none = "none"  # not published yet: no light


@dataclass(frozen=True)
class Period:
    """One reporting period: ``start`` is its first day, ``end`` its due date (exclusive end)."""

    index: int  # 1, 2, ...
    start: date
    end: date


@dataclass(frozen=True)
class Deadlines:
    """The three dates the light changes on; all None once every period is covered."""

    report_due_on: date | None
    red_from: date | None
    inactive_from: date | None


NO_DEADLINES = Deadlines(None, None, None)


def add_months(day: date, months: int) -> date:
    """``day`` plus whole months; the 31st becomes the last day of a shorter month.

    Never raises on stored data: past the calendar's last (or first) day it stays there. Forms keep dates
    within 1900–2200, but a pledge ending 9999-12-31 once made its own page fail ("year 10000").
    """
    try:
        return day + relativedelta(months=months)
    except (OverflowError, ValueError):
        return date.max if months > 0 else date.min


def periods(start: date | None, end: date | None, every: int) -> list[Period]:
    """The reporting periods of a pledge running from ``start`` to ``end`` (empty if either is missing)."""
    if start is None or end is None or end <= start or every < 1:
        return []
    out: list[Period] = []
    begin = start
    index = 1
    while begin < end:
        finish = min(add_months(start, every * index), end)
        out.append(Period(index, begin, finish))
        begin = finish
        index += 1
    return out


def deadlines(start: date | None, end: date | None, every: int, reported_through: date | None) -> Deadlines:
    """The dates on which the light turns amber, red and grey, given the end of the last approved report."""
    for period in periods(start, end, every):
        if reported_through is None or period.end > reported_through:
            due = period.end
            return Deadlines(due, add_months(due, every), add_months(due, 2 * every))
    return NO_DEADLINES


def light(published: bool, completed: bool, withdrawn: bool, due: Deadlines, today: date) -> Light:
    """The traffic light of a pledge on ``today``."""
    if withdrawn:
        return Light.withdrawn
    if completed:
        return Light.completed
    if not published:
        return Light.none
    if due.report_due_on is None or today < due.report_due_on:
        return Light.green
    if due.red_from is not None and today >= due.red_from:
        if due.inactive_from is not None and today >= due.inactive_from:
            return Light.inactive
        return Light.red
    return Light.amber
