"""The Hub's shared vocabularies: 8.7 areas, types of action, target groups, regions."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from flask_babel import lazy_gettext as _l

from app.i18n import is_country

# The six areas of SDG target 8.7, in the order the target names them.
AREAS = {
    "child_labour": _l("Child labour"),
    "worst_forms": _l("Worst forms of child labour"),
    "child_soldiers": _l("Child soldiers"),
    "forced_labour": _l("Forced labour"),
    "trafficking": _l("Human trafficking"),
    "modern_slavery": _l("Modern slavery"),
}


def area_labels(codes) -> list[str]:
    return labels(AREAS, codes)


def clean_areas(codes) -> list[str]:
    """Keep known area codes, in the canonical order, without duplicates."""
    return clean_codes(AREAS, codes)


# Types of action a pledge (or any initiative) takes.
ACTION_TYPES = {
    "policy_law": _l("Policy and law"),
    "programme_services": _l("Programmes and services"),
    "research_data": _l("Research and data"),
    "awareness": _l("Awareness raising"),
    "funding": _l("Funding"),
    "supply_chain": _l("Supply-chain due diligence"),
    "other": _l("Other"),
}

# The people an initiative works with or for.
TARGET_GROUPS = {
    "children": _l("Children aged 5–17"),
    "adolescents": _l("Adolescents"),
    "migrants": _l("Migrants"),
    "domestic_workers": _l("Domestic workers"),
    "indigenous_peoples": _l("Indigenous peoples"),
    "women": _l("Women"),
    "other": _l("Other groups"),
}


def labels(vocabulary: dict, codes, label=str) -> list[str]:
    """The labels of known codes of a vocabulary, in the order given (``label``: e.g. a
    :class:`app.i18n.Translator`'s, when many are translated at once)."""
    return [label(vocabulary[c]) for c in codes or () if c in vocabulary]


def clean_codes(vocabulary: dict, codes) -> list[str]:
    """Keep known codes of a vocabulary, in the vocabulary's order, without duplicates."""
    wanted = set(codes or ())
    return [code for code in vocabulary if code in wanted]


# Continents a person may pick instead of listing countries, keyed by UN M49 code (Babel names them in
# every language). Which countries each holds: app/data/regions.json (see app/data/README.md).
REGIONS = ("002", "019", "142", "150", "009")


@lru_cache(maxsize=1)
def region_countries() -> dict[str, tuple[str, ...]]:
    with open(Path(__file__).parent / "data" / "regions.json", encoding="utf-8") as f:
        data = json.load(f)
    return {code: tuple(c for c in data[code] if is_country(c)) for code in REGIONS}


def region_of(country: str) -> str | None:
    """The M49 code of the continent a country (alpha-3) belongs to, or None."""
    return _regions_by_country().get(country)


@lru_cache(maxsize=1)
def _regions_by_country() -> dict[str, str]:
    return {country: code for code, members in region_countries().items() for country in members}


def expand_regions(codes) -> list[str]:
    """Country codes, with any region code (M49) replaced by its countries; order kept, no duplicates."""
    out: dict[str, None] = {}
    for code in codes or ():
        for country in region_countries().get(code, (code,)):
            out[country] = None
    return list(out)
