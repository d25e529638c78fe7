"""Publisher families: an organisation and its sub-agencies count as one organisation.

IATI organisation identifiers name agencies of one government or institution separately (US-GOV-1 is
USAID, US-GOV-11 the State Department; XM-DAC-6-4 an agency of DAC donor 6; the European Commission's
directorates-general are XI-IATI-EC_ECHO, XI-IATI-EC_INTPA, ...). Two activities of sister agencies are
"your organisation's related initiative", not a duplicate across partners.

:func:`publisher_family` maps an organisation key to its family's key; keys are the app's strings, with
an optional ``prefix:`` (the app writes ``ext:<IATI identifier>`` for organisations named in imported
activities). Keys that are not IATI identifiers are returned unchanged.
"""
from __future__ import annotations

import re
from functools import lru_cache

_RULES = [
    # European Commission directorates-general and services: XI-IATI-EC_ECHO, XI-IATI-EC_DEVCO, ...
    (re.compile(r"^XI-IATI-EC(?:_[A-Z0-9_-]+)?$"), "XI-IATI-EC"),
    # a government's agencies: US-GOV-1, GB-GOV-3 (and the numbered agencies FR-6, DE-1, GB-1)
    (re.compile(r"^([A-Z]{2})-GOV(?:-\d+)?$"), r"\1-GOV"),
    (re.compile(r"^([A-Z]{2})-\d{1,2}$"), r"\1-GOV"),
    # the U.S. government's own identifier
    (re.compile(r"^US-USAGOV$"), "US-GOV"),
    # a DAC donor's agencies: XM-DAC-6-4 belongs to XM-DAC-6
    (re.compile(r"^XM-DAC-(\d+)-\d+$"), r"XM-DAC-\1"),
]


@lru_cache(maxsize=65536)
def publisher_family(key: str | None) -> str | None:
    """The key of the family ``key`` belongs to (``key`` itself when it has none)."""
    if not key:
        return key
    prefix, sep, ref = key.rpartition(":")
    identifier = ref.strip().upper()
    for pattern, family in _RULES:
        if pattern.match(identifier):
            return f"{prefix}{sep}{pattern.sub(family, identifier)}"
    return key
