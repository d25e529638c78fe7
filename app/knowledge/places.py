"""Places as the search finds them: the words that name a country or a region in the Hub's three
languages, and the countries a query names.

An item's places (ISO 3166-1 alpha-3 country codes, the M49 codes of the continents in
:data:`app.taxonomy.REGIONS`, and ``"global"``) become extra words of its search document
(:func:`place_words`), so "Ghana", "Côte d'Ivoire", "Costa de Marfil", "CIV" or "Afrique" find the pledges,
resources and sessions about the place, although their texts may never name it. A country also names its
continent ("Africa" finds a pledge about Ghana).

:func:`countries_named` is the other way round: the countries whose name (in any of the three languages)
or code a query spells, so that the search can show the country's page first.
"""
from __future__ import annotations

from functools import lru_cache

import pycountry
from babel import Locale

from app.taxonomy import REGIONS, region_of
from app.utils import search_words

LANGUAGES = ("en", "fr", "es")
GLOBAL = "global"


@lru_cache(maxsize=1)
def _country_words() -> dict[str, tuple[str, ...]]:
    """alpha-3 -> the folded words naming the country (its names in the three languages, both ISO codes)."""
    territories = [Locale.parse(lang).territories for lang in LANGUAGES]
    out = {}
    for country in pycountry.countries:
        names = {t.get(country.alpha_2, "") for t in territories}
        names.update(getattr(country, attr, "") for attr in ("name", "common_name"))
        words: dict[str, None] = {}
        for name in sorted(n for n in names if n):
            words.update(dict.fromkeys(search_words(name)))
        words.update(dict.fromkeys((country.alpha_3.lower(), country.alpha_2.lower())))
        out[country.alpha_3] = tuple(words)
    return out


@lru_cache(maxsize=1)
def _country_names() -> dict[str, tuple[tuple[str, ...], ...]]:
    """alpha-3 -> each of its names as a tuple of folded words (for matching a query against a whole name)."""
    territories = [Locale.parse(lang).territories for lang in LANGUAGES]
    out = {}
    for country in pycountry.countries:
        names = {t.get(country.alpha_2, "") for t in territories}
        names.update(getattr(country, attr, "") for attr in ("name", "common_name"))
        out[country.alpha_3] = tuple({tuple(search_words(n)) for n in names if n})
    return out


@lru_cache(maxsize=1)
def _codes() -> dict[str, tuple[str, str]]:
    """alpha-3 -> its two ISO codes, folded ("gha", "gh")."""
    return {c.alpha_3: (c.alpha_3.lower(), c.alpha_2.lower()) for c in pycountry.countries}


@lru_cache(maxsize=1)
def _region_words() -> dict[str, tuple[str, ...]]:
    territories = [Locale.parse(lang).territories for lang in LANGUAGES]
    return {code: tuple(dict.fromkeys(w for t in territories for w in search_words(t.get(code, ""))))
            for code in REGIONS}


def place_words(places) -> str:
    """The folded words naming ``places`` (country codes, region codes, "global") and the continents of the
    countries, one space apart, each once; unknown codes are ignored."""
    country_words, region_words = _country_words(), _region_words()
    words: dict[str, None] = {}
    regions: dict[str, None] = {}
    for code in places or ():
        if code in country_words:
            words.update(dict.fromkeys(country_words[code]))
            region = region_of(code)
            if region:
                regions[region] = None
        elif code in region_words:
            regions[code] = None
        elif code == GLOBAL:
            words[GLOBAL] = None
    for region in regions:
        words.update(dict.fromkeys(region_words[region]))
    return " ".join(words)


def countries_named(q: str, limit: int = 3) -> list[str]:
    """The countries (alpha-3) whose name or code the query spells: every word of the query starts a word
    of one of the country's names, in order ("ivoire", "côte", "cote d'ivoire"), or the query is the
    country's ISO code ("GHA", "gh"). Best first: whole names before prefixes, then shorter names."""
    words = search_words(q)
    if not words or len(words) > 6:
        return []
    found: list[tuple[tuple[int, int, str], str]] = []
    codes = _codes()
    single = words[0] if len(words) == 1 else None
    for code, names in _country_names().items():
        best = None
        if single is not None and single in codes[code]:
            best = (0, 0, code)
        for name in names:
            if _spells(words, name):
                exact = 0 if list(name) == words else 1
                key = (exact, len(name), code)
                best = key if best is None or key < best else best
        if best is not None:
            found.append((best, code))
    # A word as short as "co" names too many countries to guess.
    if single is not None and len(single) < 3:
        found = [item for item in found if item[0][0] == 0 and item[0][1] == 0]
    return [code for _key, code in sorted(found)[:limit]]


def _spells(words: list[str], name: tuple[str, ...]) -> bool:
    """Whether the query's words start words of the name, in order (each word of the name used once)."""
    position = 0
    for word in words:
        while position < len(name) and not name[position].startswith(word):
            position += 1
        if position == len(name):
            return False
        position += 1
    return True


def all_place_words() -> set[str]:
    """Every word naming a country or a region (for the search's spelling suggestions)."""
    words = {w for ws in _country_words().values() for w in ws if len(w) > 3}
    words.update(w for ws in _region_words().values() for w in ws)
    return words
