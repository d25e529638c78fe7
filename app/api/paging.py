"""Query-string arguments shared by the lists: bounded numbers, opaque cursors and ``updated_since``."""
from __future__ import annotations

import base64
import binascii

import marshmallow as ma
import sqlalchemy as sa
from flask import request
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.urls import absolute_url
from app.utils import MAX_ID, as_utc, whole_number

LIMIT_DEFAULT, LIMIT_MAX = 50, 100


class BoundedInt(ma.fields.Integer):
    """A whole number read through the project's one bounded parser (:func:`app.utils.whole_number`)."""

    def __init__(self, low: int = 1, high: int = MAX_ID, **kwargs):
        super().__init__(strict=False, **kwargs)
        self.low, self.high = low, high

    def _deserialize(self, value, attr, data, **kwargs):
        number = whole_number(value, self.low, self.high)
        if number is None:
            raise ma.ValidationError(str(_l("Enter a whole number from %(low)d to %(high)d.",
                                            low=self.low, high=self.high)))
        return number


class Cursor(ma.fields.String):
    """An opaque cursor: where the previous page ended (the last id, base64url). Clients pass it back as is."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            decoded = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode("ascii")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            decoded = ""
        kind, _sep, rest = decoded.partition(":")
        number = whole_number(rest, 0, MAX_ID) if kind == "v1" else None
        if number is None or len(text) > 40:
            raise ma.ValidationError(str(_l("This cursor is not one the API gave: start again without it.")))
        return number


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"v1:{last_id}".encode()).decode().rstrip("=")


class PageArgs(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    cursor = Cursor(load_default=None, metadata={"description": "next_cursor from the previous page"})
    limit = BoundedInt(1, LIMIT_MAX, load_default=LIMIT_DEFAULT,
                       metadata={"description": f"items per page, 1 to {LIMIT_MAX}"})
    updated_since = ma.fields.AwareDateTime(
        load_default=None, default_timezone=None,
        metadata={"description": "only what changed at or after this time (ISO 8601 with a time zone)"})


class ProblemSchema(ma.Schema):
    """An error (RFC 9457, served as application/problem+json)."""

    type = ma.fields.String()
    title = ma.fields.String()
    status = ma.fields.Integer()
    detail = ma.fields.String()
    errors = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String(),
                            metadata={"description": "one message per field (a dotted path for nested ones)"})


def page_of(query: sa.Select, id_column, args: dict, updated_column=None, load=None) -> dict:
    """One page of ``query`` in id order after the cursor: ``{"items": [...], "next_cursor": ...}``.

    :param load: turns the page's rows into JSON objects (one call for the whole page, so that loading
        what the items show is a fixed number of queries).
    """
    if args.get("cursor") is not None:
        query = query.where(id_column > args["cursor"])
    if args.get("updated_since") is not None and updated_column is not None:
        query = query.where(updated_column >= as_utc(args["updated_since"]))
    limit = args.get("limit") or LIMIT_DEFAULT
    rows = list(db.session.scalars(
        query.order_by(None).order_by(id_column).limit(limit + 1)).unique())
    more = len(rows) > limit
    rows = rows[:limit]
    items = load(rows) if load else rows
    next_cursor = encode_cursor(rows[-1].id) if more and rows else None
    return {"items": items, "next_cursor": next_cursor}


def link_header(page: dict) -> dict:
    if not page.get("next_cursor"):
        return {}
    args = request.args.to_dict()
    args["cursor"] = page["next_cursor"]
    from urllib.parse import urlencode

    return {"Link": f'<{absolute_url(request.path)}?{urlencode(args)}>; rel="next"'}
