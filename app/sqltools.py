"""SQL expressions that differ between SQLite and PostgreSQL, behind one function each."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from app.extensions import db


def json_list_contains(column, value: str) -> sa.ColumnElement[bool]:
    """True where a JSON list column (e.g. ``countries``) holds ``value``.

    PostgreSQL: JSONB containment; SQLite: a correlated ``json_each`` lookup.
    """
    if db.engine.dialect.name == "postgresql":
        return sa.cast(column, JSONB).contains([value])
    items = sa.func.json_each(column).table_valued("value").alias("items")
    return sa.exists(sa.select(1).select_from(items).where(items.c.value == value))
