"""Small helpers every feature leans on."""
from __future__ import annotations

import pytest

from app.utils import whole_number


@pytest.mark.parametrize("value, low, high, expected", [
    ("12", None, None, 12), (" 7 ", None, None, 7), (3, None, None, 3), ("0", 1, None, None),
    ("100000", 1, 99_999, None), ("99999", 1, 99_999, 99_999), ("", None, None, None), (None, None, None, None),
    ("-3", None, None, None), ("1e3", None, None, None), ("12.0", None, None, None),
    ("²", None, None, None), ("①", None, None, None), ("٣", None, None, None), ("9" * 40, None, None, None),
])
def test_whole_number_takes_ascii_digits_within_bounds(value, low, high, expected):
    assert whole_number(value, low, high) == expected


# Superscripts and circled digits pass str.isdigit() and then make int() raise.
@pytest.mark.parametrize("url", ["/pledges/?page=²", "/library/?page=²&year=²", "/search?q=cocoa&page=²",
                                 "/dashboard?year=²"])
def test_odd_digits_in_a_query_string_are_not_a_server_error(client, url):
    assert client.get(url).status_code < 500
