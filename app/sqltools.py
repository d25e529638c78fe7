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
