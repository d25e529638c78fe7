"""Drafts: what someone is typing in a pledge or work item form, read leniently as an Initiative (each
kind reads its own form: ``InitiativeKind.draft``, with the lenient readers below).

The panel asks while people type, so nothing here refuses input: a date that does not parse is left
out, unknown codes are passed on (the detector ignores them and says so), over-long text is cut by the
detector (and said). The form's own validation still runs when the form is saved.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from app.dedup import Initiative
from app.overlaps.initiatives import KINDS
from app.utils import parse_date, whole_number

MAX_CODES = 300     # countries, areas... a form never sends more
TEXT_LIMIT = 20000  # what the forms accept; the detector itself compares less (and says so)


def date_of(value) -> date | None:
    """Dates outside the accepted range are typing mistakes (and the detector adds years to an open period)."""
    return parse_date(value)


def int_of(value) -> int | None:
    return whole_number(value, high=10**11)


def text_of(value) -> str:
    return str(value or "").replace("\x00", "")[:TEXT_LIMIT]


def codes_of(form, name: str) -> list[str]:
    getlist = getattr(form, "getlist", None)
    values = getlist(name) if getlist else form.get(name) or []
    if isinstance(values, str):
        values = [values]
    return [str(v).strip()[:20] for v in values[:MAX_CODES] if str(v).strip()]


def form_kinds() -> tuple[str, ...]:
    """The kinds whose form the panel reads while people type."""
    return tuple(name for name, kind in KINDS.items() if kind.draft is not None)


def draft_from_form(kind: str, form: Mapping, *, organisation_id: int | None, initiative_id: str | None) -> Initiative:
    """A draft initiative from the fields of the pledge form or the work item form.

    :param organisation_id: the pledging organisation (a pledge form; the person's own, or the pledge's).
    :param initiative_id: the initiative being edited (so it never matches itself), or None.
    :raises ValueError: an unknown kind.
    """
    registered = KINDS.get(kind)
    if registered is not None and registered.draft is not None:
        return registered.draft(form, organisation_id=organisation_id, initiative_id=initiative_id)
    raise ValueError(f"no draft form for {kind!r}")
