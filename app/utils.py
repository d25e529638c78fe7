"""Small helpers shared by every feature: time, text normalisation, safe redirects."""
from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timezone
from urllib.parse import urlsplit


# The dates the Hub accepts from people and imports: anything outside is a typing mistake ("9999-12-31"),
# and leaves room for the date arithmetic (reporting periods, open-ended periods) to stay within date.max.
FIRST_DATE = date(1900, 1, 1)
LAST_DATE = date(2200, 12, 31)


def date_in_range(day: date | None) -> bool:
    """Whether ``day`` is a date the Hub accepts (FIRST_DATE..LAST_DATE)."""
    return isinstance(day, date) and FIRST_DATE <= (day.date() if isinstance(day, datetime) else day) <= LAST_DATE


def parse_date(value) -> date | None:
    """``value`` (text from a form, a query or a file) as an ISO date within the accepted range, else None."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value if date_in_range(value) else None
    try:
        parsed = date.fromisoformat(str(value or "").strip()[:10])
    except ValueError:
        return None
    return parsed if date_in_range(parsed) else None


def utcnow() -> datetime:
    """Return the current time as a timezone-aware UTC datetime."""
    return datetime.now(timezone.utc)


def as_utc(value: datetime | None) -> datetime | None:
    """Treat a naive datetime read back from SQLite as UTC; leave aware ones alone."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=timezone.utc)


def fold(text: str) -> str:
    """Fold case and accents and collapse spaces: 'Société  Générale' -> 'societe generale'.

    Used for uniqueness keys (organisation names), accent-insensitive search and for sorting
    names in French and Spanish in an order close to those languages' collation.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


def is_safe_next(target: str | None) -> bool:
    """Accept only local paths for ``next=``: '/x' yes; '//evil', 'http://evil', '/\\evil' no."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def one_line(text: str | None) -> str:
    """Collapse all whitespace, newlines included, to single spaces (names, titles)."""
    return " ".join((text or "").split())


def like_pattern(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, with % _ and \\ taken literally (use escape="\\")."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def csv_cell(text: str) -> str:
    """Keep a spreadsheet from running what people typed as a formula (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def search_words(text: str) -> list[str]:
    """The words of ``text`` as search compares them: case and accents folded, punctuation dropped.

    Words are letters and digits only, so a search word never holds a LIKE wildcard (``%``, ``_``) or
    the escape character: the patterns need no ESCAPE clause, which makes SQLite's LIKE much slower.
    """
    return re.findall(r"[^\W_]+", fold(text))


def search_text_of(*parts: str) -> str:
    """What ``Pledge.search_text`` should hold for the given texts: their words, one space apart.

    Turning punctuation into spaces lets "labour" find "child-labour" as a word.
    """
    return " ".join(search_words(" ".join(part or "" for part in parts)))


# The largest id a row can have (ids are 32-bit integers on PostgreSQL); a larger one names nothing.
MAX_ID = 2**31 - 1
# The largest page number a list accepts (`?page=`): further pages are empty anyway.
MAX_PAGE = 99_999


def whole_number(value, low: int | None = None, high: int | None = None) -> int | None:
    """``value`` (text from a form, a URL or a file) as a whole number within ``low``..``high``, else None.

    This is the one parser for every number that comes from outside: ids in URLs (the ``int`` converter),
    ``page=``, select values, number fields. Only ASCII digits count. ``str.isdigit`` is not the test to
    use before ``int``: ``"²".isdigit()`` is true and ``int("²")`` raises, which made ``?page=²`` a server
    error on several pages; and a number past the database's integers (``2**63``) made an OverflowError.
    """
    text = str(value if value is not None else "").strip()
    if not text or len(text) > 18 or not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    if (low is not None and number < low) or (high is not None and number > high):
        return None
    return number


def id_number(value) -> int | None:
    """``value`` as the id of a row (1..MAX_ID), else None: an id no row can have is no id."""
    return whole_number(value, 1, MAX_ID)


def page_number(value) -> int:
    """``value`` (a ``page=`` parameter) as a page number: 1..MAX_PAGE, the first page when it is not one."""
    return whole_number(value, 1, MAX_PAGE) or 1
