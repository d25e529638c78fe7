"""SQL expressions that differ between SQLite and PostgreSQL, behind one function each."""
from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import JSONB

from app.extensions import db


def json_list_contains(column, value: str) -> sa.ColumnElement[bool]:
    """True where a JSON list column (e.g. ``countries``) holds ``value``."""
    return json_list_contains_any(column, [value])


def json_list_contains_any(column, values: Iterable[str]) -> sa.ColumnElement[bool]:
    """True where a JSON list column holds any of ``values``, in one lookup (a region has up to 60 countries).

    PostgreSQL: JSONB ``?|``; SQLite: a correlated ``json_each`` with IN.
    """
    values = list(values)
    if db.engine.dialect.name == "postgresql":
        return sa.cast(column, JSONB).has_any(postgresql.array(values))
    items = sa.func.json_each(column).table_valued("value").alias("items")
    return sa.exists(sa.select(1).select_from(items).where(items.c.value.in_(values)))


def month_of(column) -> sa.ColumnElement[str]:
    """The UTC month of a timestamp column as ``YYYY-MM`` text (to count things per month in SQL)."""
    if db.engine.dialect.name == "postgresql":
        return sa.func.to_char(sa.func.timezone("UTC", column), "YYYY-MM")
    return sa.func.strftime("%Y-%m", column)


def _is_postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"


def date_month(column) -> sa.ColumnElement[str]:
    """The month of a date as ``YYYY-MM`` text."""
    if _is_postgresql():
        return sa.func.to_char(column, "YYYY-MM")
    return sa.func.strftime("%Y-%m", column)


def month_index(column) -> sa.ColumnElement[int]:
    """A date's month counted from year 0 (year * 12 + month - 1): months between two dates by subtraction."""
    if _is_postgresql():
        year, month = sa.extract("year", column), sa.extract("month", column)
    else:  # SQLite keeps a date as YYYY-MM-DD text: cutting it is much cheaper than strftime
        year, month = sa.func.substr(column, 1, 4), sa.func.substr(column, 6, 2)
    return sa.cast(year, sa.Integer) * 12 + sa.cast(month, sa.Integer) - 1


def day_of_month(column) -> sa.ColumnElement[int]:
    if _is_postgresql():
        return sa.cast(sa.extract("day", column), sa.Integer)
    return sa.cast(sa.func.substr(column, 9, 2), sa.Integer)  # YYYY-MM-DD text, as month_index


def date_in_month(month, day) -> sa.ColumnElement:
    """The date on ``day`` of the month numbered ``month`` (as month_index counts), or the month's last day
    if it is shorter: with month = month_index(d) + n and day = day_of_month(d), what
    app.commitments.schedule.add_months(d, n) gives (SQLite's ``date(d, '+n months')`` would roll 31 January
    over into March)."""
    if _is_postgresql():
        first = sa.func.make_date(month // 12, month % 12 + 1, 1)
        last = sa.cast(first + sa.text("interval '1 month'") - sa.text("interval '1 day'"), sa.Date)
        return sa.type_coerce(sa.func.least(first + (day - 1), last), sa.Date)
    # Integer arithmetic and one printf: SQLite's date functions cost more than the rest of the query.
    year, number = month // 12, month % 12 + 1
    leap = sa.or_(sa.and_(year % 4 == 0, year % 100 != 0), year % 400 == 0)
    length = sa.case((number == 2, sa.case((leap, 29), else_=28)), (number.in_([4, 6, 9, 11]), 30), else_=31)
    return sa.type_coerce(sa.func.printf("%04d-%02d-%02d", year, number, sa.func.min(day, length)), sa.Date)


def add_days(column, days: int) -> sa.ColumnElement:
    """A date plus a number of days."""
    if _is_postgresql():
        return sa.type_coerce(column + days, sa.Date)
    return sa.type_coerce(sa.func.date(column, f"{days:+d} days"), sa.Date)


def utc_date(column) -> sa.ColumnElement:
    """The UTC calendar day of a timestamp column (SQLite keeps UTC text without the zone: see UTCDateTime)."""
    if _is_postgresql():
        return sa.type_coerce(sa.cast(sa.func.timezone("UTC", column), sa.Date), sa.Date)
    return sa.type_coerce(sa.func.date(column), sa.Date)
