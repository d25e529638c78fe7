"""The request class (submitted text without NUL characters) and the ``int`` URL converter.

No person types U+0000, PostgreSQL refuses it in text ("cannot contain NUL characters"), and SQLite
would store it. Dropping it from every form field and query parameter at the door means no view, form
or service has to remember it. (Found by the hypothesis fuzz tests, on PostgreSQL.)
"""
from __future__ import annotations

from flask import Request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter
from werkzeug.utils import cached_property

from app.utils import MAX_ID, whole_number


def _without_nul(values: ImmutableMultiDict) -> ImmutableMultiDict:
    if not any("\x00" in value for _key, value in values.items(multi=True)):
        return values
    return ImmutableMultiDict([(key.replace("\x00", ""), value.replace("\x00", ""))
                               for key, value in values.items(multi=True)])


class HubRequest(Request):
    @cached_property
    def args(self) -> ImmutableMultiDict:
        return _without_nul(super().args)

    def _load_form_data(self) -> None:
        super()._load_form_data()
        self.__dict__["form"] = _without_nul(self.__dict__["form"])


class IdConverter(IntegerConverter):
    """``<int:...>`` in every route: an id from 0 to MAX_ID, through the project's one bounded parser.

    Werkzeug's own converter accepts any length of digits, so ``/pledges/9223372036854775808`` reached
    the database and failed there (OverflowError, a 500) instead of naming nothing (404).

    An id past the bound is a 404 at once (``NotFound``, not werkzeug's ``ValidationError``): with a
    ``ValidationError`` the matcher goes on, and where two rules share a path with different methods (the
    API's ``GET`` and ``POST`` of a pledge's reports) it answered 405 because the other method's rule matched.
    No other rule can want an all-digit segment that an id rule's pattern took.
    """

    def to_python(self, value: str) -> int:
        number = whole_number(value, 0, MAX_ID)
        if number is None:
            raise NotFound()
        return number
