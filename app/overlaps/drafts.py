"""Drafts: what someone is typing in a pledge or work item form, read leniently as an Initiative.

The panel asks while people type, so nothing here refuses input: a date that does not parse is left
out, unknown codes are passed on (the detector ignores them and says so), over-long text is cut by the
detector (and said). The form's own validation still runs when the form is saved.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from app.actiongroups.workplan.models import work_item_initiative
from app.commitments.models import pledge_initiative
from app.dedup import Initiative
from app.utils import parse_date, whole_number

FORM_KINDS = ("pledge", "work_item")
MAX_CODES = 300     # countries, areas... a form never sends more
TEXT_LIMIT = 20000  # what the forms accept; the detector itself compares less (and says so)


def _date(value) -> date | None:
    """Dates outside the accepted range are typing mistakes (and the detector adds years to an open period)."""
    return parse_date(value)


def _int(value) -> int | None:
    return whole_number(value, high=10**11)


def _text(value) -> str:
    return str(value or "").replace("\x00", "")[:TEXT_LIMIT]


def _codes(form, name: str) -> list[str]:
    getlist = getattr(form, "getlist", None)
    values = getlist(name) if getlist else form.get(name) or []
    if isinstance(values, str):
        values = [values]
    return [str(v).strip()[:20] for v in values[:MAX_CODES] if str(v).strip()]


def draft_from_form(kind: str, form: Mapping, *, organisation_id: int | None, initiative_id: str | None) -> Initiative:
    """A draft initiative from the fields of the pledge form or the work item form.

    :param organisation_id: the pledging organisation (a pledge form; the person's own, or the pledge's).
    :param initiative_id: the initiative being edited (so it never matches itself), or None.
    :raises ValueError: an unknown kind.
    """
    if kind == "pledge":
        return pledge_initiative(
            id=initiative_id, title=_text(form.get("title")), description=_text(form.get("description")),
            contribution=_text(form.get("contribution")), countries=_codes(form, "countries"),
            is_global=str(form.get("is_global", "")).lower() in ("y", "yes", "on", "true", "1"),
            start=_date(form.get("start_date")), end=_date(form.get("end_date")), areas=_codes(form, "areas"),
            target_groups=_codes(form, "target_groups"), organisation_id=organisation_id,
            partner_ids=[i for i in (_int(v) for v in _codes(form, "partner_ids")) if i is not None])
    if kind == "work_item":
        return work_item_initiative(
            id=initiative_id, title=_text(form.get("title")), description=_text(form.get("description")),
            countries=_codes(form, "countries"), start=_date(form.get("start_date")),
            end=_date(form.get("due_date")), areas=_codes(form, "areas"),
            lead_organisation_id=_int(form.get("lead_organisation_id")))
    raise ValueError(f"no draft form for {kind!r}")
