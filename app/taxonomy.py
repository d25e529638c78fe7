"""The Hub's shared vocabularies: 8.7 areas (and, later, target groups and types of action)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

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
    return [str(AREAS[c]) for c in codes or () if c in AREAS]


def clean_areas(codes) -> list[str]:
    """Keep known area codes, in the canonical order, without duplicates."""
    wanted = set(codes or ())
    return [code for code in AREAS if code in wanted]
