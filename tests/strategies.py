"""What the fuzz tests share: hostile form values and how hard to try.

``FUZZ_EXAMPLES=1000 make test`` runs every fuzz test that many times instead of its default, which is
worth doing before a release: a rare input (a start date in year 9997) once got past 60 examples.
"""
from __future__ import annotations

import os
from datetime import date

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

ODD_DATES = ["2026-02-30", "0001-01-01", "0001-01-02", "9997-1-1", "9999-12-31", "2026-13-01", "",
             "1899-12-31", "2201-01-01", "2200-12-31", "1900-01-01", "0000-00-00", "10000-01-01"]
# Past every database integer: 2**31 (PostgreSQL's integer), 2**63 (SQLite's and bigint), and far beyond.
HUGE_NUMBERS = ["2147483648", "9223372036854775807", "9223372036854775808", "18446744073709551616", "9" * 30,
                "9" * 5000, "-9223372036854775809"]
ODD_NUMBERS = ["about 50", "1e400", "NaN", "-Infinity", "12,5", "1 000", "-0", "0x10", "½", "²", "٣",
               *HUGE_NUMBERS]


def fuzz(max_examples: int) -> settings:
    """Settings for a fuzz test that goes through the app's fixtures (function-scoped on purpose)."""
    return settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", max_examples)), deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


def any_text(max_size: int) -> st.SearchStrategy[str]:
    """Any text a browser can send (no lone surrogates)."""
    return st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=max_size)


def far_dates() -> st.SearchStrategy[str]:
    """Any date of the calendar as a form sends it, the far ones (year 1, year 9999) included."""
    return st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)).map(date.isoformat)


def huge_numbers() -> st.SearchStrategy[str]:
    """Whole numbers around and past the database's integers, as text."""
    return st.one_of(st.sampled_from(HUGE_NUMBERS), st.integers(min_value=2**31 - 2, max_value=2**80).map(str))


def dateish(text: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(text, st.sampled_from(ODD_DATES), far_dates())


def numberish(text: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(text, st.sampled_from(ODD_NUMBERS), huge_numbers())


def idish(text: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """What a select of ids may receive: text, small numbers, huge ones."""
    return st.one_of(text, st.integers(min_value=0, max_value=1000).map(str), huge_numbers())


def some_fields(fields: dict[str, st.SearchStrategy], max_size: int = 4) -> st.SearchStrategy[dict]:
    """A few of a form's fields, each with a value from its own strategy."""
    return st.dictionaries(st.sampled_from(sorted(fields)), st.none(), min_size=1, max_size=max_size).flatmap(
        lambda keys: st.fixed_dictionaries({key: fields[key] for key in keys}))
