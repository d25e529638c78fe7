"""What the fuzz tests share: hostile form values and how hard to try.

``FUZZ_EXAMPLES=1000 make test`` runs every fuzz test that many times instead of its default, which is
worth doing before a release: a rare input (a start date in year 9997) once got past 60 examples.
"""
from __future__ import annotations

import os

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

ODD_DATES = ["2026-02-30", "0001-01-01", "0001-01-02", "9997-1-1", "9999-12-31", "2026-13-01", ""]
ODD_NUMBERS = ["about 50", "1e400", "NaN", "-Infinity", "12,5", "1 000", "9" * 30, "-0", "0x10", "½", "²", "٣"]


def fuzz(max_examples: int) -> settings:
    """Settings for a fuzz test that goes through the app's fixtures (function-scoped on purpose)."""
    return settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", max_examples)), deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


def any_text(max_size: int) -> st.SearchStrategy[str]:
    """Any text a browser can send (no lone surrogates)."""
    return st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=max_size)


def dateish(text: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(text, st.sampled_from(ODD_DATES))


def numberish(text: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(text, st.sampled_from(ODD_NUMBERS))


def some_fields(fields: dict[str, st.SearchStrategy], max_size: int = 4) -> st.SearchStrategy[dict]:
    """A few of a form's fields, each with a value from its own strategy."""
    return st.dictionaries(st.sampled_from(sorted(fields)), st.none(), min_size=1, max_size=max_size).flatmap(
        lambda keys: st.fixed_dictionaries({key: fields[key] for key in keys}))
