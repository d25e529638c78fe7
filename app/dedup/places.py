"""Countries, regions and "global": turn what an initiative names into a set of ISO alpha-3 codes.

The detector cannot import ``app.taxonomy``, so it reads the same reference file,
``app/data/regions.json`` (continents keyed by UN M49 code), by path; a caller may pass its own
``{region code: countries}`` mapping instead (``DetectorConfig.regions``).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pycountry

REGIONS_FILE = Path(__file__).resolve().parent.parent / "data" / "regions.json"
GLOBAL_CODES = frozenset({"global", "GLOBAL", "001", "world", "WORLD"})


@lru_cache(maxsize=1)
def default_regions() -> dict[str, tuple[str, ...]]:
    """The app's continent table (``app/data/regions.json``), or an empty table when it is missing."""
    try:
        with open(REGIONS_FILE, encoding="utf-8") as f:
            data = json.load(f)
    except OSError:
        return {}
    return {str(k): tuple(v) for k, v in data.items()}


@lru_cache(maxsize=1)
def known_countries() -> frozenset[str]:
    return frozenset(c.alpha_3 for c in pycountry.countries)


@lru_cache(maxsize=512)
def english_country_name(code: str) -> str:
    country = pycountry.countries.get(alpha_3=code)
    return getattr(country, "common_name", None) or getattr(country, "name", code) if country else code


@dataclass(frozen=True)
class Place:
    """Where an initiative works, resolved: ``countries`` (alpha-3), whether it is global, whether any
    country came from a region, and the codes that were neither (ignored, and said)."""

    countries: frozenset[str]
    is_global: bool
    from_region: bool
    unknown: tuple[str, ...]

    @property
    def given(self) -> bool:
        return bool(self.countries) or self.is_global


def resolve(codes, regions: dict[str, tuple[str, ...]] | None = None) -> Place:
    """Resolve country, region and "global" codes; unknown codes are kept aside in ``unknown``."""
    regions = default_regions() if regions is None else regions
    known = known_countries()
    countries: set[str] = set()
    is_global = from_region = False
    unknown: list[str] = []
    for raw in codes or ():
        code = str(raw).strip()
        if not code:
            continue
        if code in GLOBAL_CODES:
            is_global = True
        elif code in regions:
            countries.update(regions[code])
            from_region = True
        elif code.upper() in known:
            countries.add(code.upper())
        elif code not in unknown:
            unknown.append(code)
    return Place(frozenset(countries), is_global, from_region, tuple(unknown))


@lru_cache(maxsize=1)
def country_name_keys() -> frozenset[str]:
    """Every country's names, folded like the detector's text (to keep them out of shared phrases: the
    countries in common are a reason of their own)."""
    from .text import tokens

    names = set()
    for c in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            value = getattr(c, attr, None)
            if value:
                names.add(" ".join(tokens(value)))
    return frozenset(names)
