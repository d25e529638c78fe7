"""The detector's reasons in the reader's language.

The detector returns each reason as a code from :class:`app.dedup.R` and plain parameters; this module
turns them into sentences in English, French or Spanish: countries by their name in the reader's
language, 8.7 areas and target groups by their labels, organisations by name, months with plurals.
Reasons are also stored (in :class:`OverlapFlag`) as ``[code, params]`` lists and rendered the same way.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from app.dedup import R, Reason
from app.i18n import Translator, country_name
from app.overlaps.publisher_links import LINKED_BY_PUBLISHERS, flip_kind
from app.taxonomy import AREAS, TARGET_GROUPS, labels

TIER_LABELS = {
    "likely_duplicate": _l("Likely duplicate"),
    "possible_overlap": _l("Possible overlap"),
    "below_threshold": _l("Below the line"),
}
RELATION_LABELS = {
    "same_organisation": _l("Your organisation's related initiative"),
    "shared_partner": _l("Shared partner"),
    "other_organisation": _l("Another organisation"),
    "unknown": _l("Organisation not given"),
}
# Side words as the draft's author reads them ("draft" is what they are typing).
DRAFT_SIDES = {"draft": _l("your initiative"), "other": _l("the other initiative"), "both": _l("both initiatives")}


@dataclass(frozen=True)
class ReasonText:
    code: str
    text: str
    kind: str  # "evidence", "against" or "caveat"

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "text": self.text, "kind": self.kind}


def tier_label(tier: str, label=str) -> str:
    return label(TIER_LABELS.get(getattr(tier, "value", tier), tier))


def relation_label(relation: str, label=str) -> str:
    return label(RELATION_LABELS.get(getattr(relation, "value", relation), relation))


def to_stored(reasons: Iterable[Reason]) -> list:
    """Reasons as JSON-friendly ``[code, params]`` lists (tuples become lists)."""
    return [[r.code, _jsonable(r.params)] for r in reasons]


def from_stored(stored) -> list[Reason]:
    out = []
    for item in stored or ():
        try:
            code, params = item
        except (TypeError, ValueError):
            continue
        out.append(Reason(str(code), _tuples(params)))
    return out


def _jsonable(value):
    if isinstance(value, (tuple, list)):
        return [_jsonable(v) for v in value]
    return value


def _tuples(value):
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    return value


SIDE_CODES = frozenset({R.GLOBAL_SCOPE, R.COUNTRY_NOT_GIVEN, R.DATES_NOT_GIVEN, R.NO_END_DATE, R.NO_START_DATE,
                        R.SHORT_TEXT})


def flip(reasons: Iterable[Reason]) -> list[Reason]:
    """The same reasons seen from the other side ("draft" and "other" swap).

    # NEEDS-ENGINE: reasons name sides relative to the query ("draft"/"other"); the review queue stores a
    # pair once, so it turns them round itself. A ``Match.flipped()`` in the engine would keep this in one place.
    """
    swap = {"draft": "other", "other": "draft"}
    out = []
    for reason in reasons:
        if reason.code == LINKED_BY_PUBLISHERS and reason.params:
            out.append(Reason(reason.code, (flip_kind(reason.params[0]), *reason.params[1:])))
        elif reason.code in SIDE_CODES and reason.params:
            out.append(Reason(reason.code, (swap.get(reason.params[0], reason.params[0]), *reason.params[1:])))
        else:
            out.append(reason)
    return out


def _list(items: list[str]) -> str:
    return ", ".join(items)


def render(reason: Reason, sides: Mapping[str, str] | None = None, org_names: Mapping[str, str] | None = None,
           *, tr: Translator | None = None) -> ReasonText:
    """One reason as a sentence in the current language.

    :param sides: what to call each side ("draft", "other", "both"); by default as the author of a draft
        reads them. The review queue passes the two initiatives' titles.
    :param org_names: names of organisation keys (for "shared partner").
    :param tr: the current language's translator (made here when not given; pass one when rendering many).
    """
    tr = tr or Translator()
    _, ngettext = tr.gettext, tr.ngettext
    sides = sides or DRAFT_SIDES
    p = reason.params or ()
    code = reason.code
    side = tr.label(sides.get(p[0], p[0])) if p and code in SIDE_CODES else ""
    kind = "against" if code in R.AGAINST else ("caveat" if code in R.CAVEATS or code in R.NOTES else "evidence")
    if code == LINKED_BY_PUBLISHERS:
        text = _linked(p[0] if p else "", tr.label(sides.get("draft", "draft")), tr.label(sides.get("other", "other")),
                       _)
    elif code == R.SHARED_PHRASES:
        text = _("Shared key phrases: %(phrases)s", phrases=_list([f"“{x}”" for x in p[0]]))
    elif code == R.SIMILAR_TEXT:
        text = _("Similar wording (%(percent)d%%)", percent=int(p[0]))
    elif code == R.SIMILAR_MEANING:
        text = _("Similar meaning (%(percent)d%%), even in other words or another language", percent=int(p[0]))
    elif code == R.COUNTRIES:
        names = _list([country_name(c) for c in p[0]])
        more = int(p[1]) - len(p[0]) if len(p) > 1 else 0
        text = (ngettext("Countries in common: %(names)s and %(num)d more",
                         "Countries in common: %(names)s and %(num)d more", more, names=names)
                if more > 0 else _("Countries in common: %(names)s", names=names))
    elif code == R.GLOBAL_SCOPE:
        text = _("Global scope (%(side)s): it covers every country", side=side)
    elif code == R.PERIOD_OVERLAP_MONTHS:
        text = ngettext("The periods overlap for %(num)d month", "The periods overlap for %(num)d months", int(p[0]))
    elif code == R.SHARED_THEMES:
        text = _("Same 8.7 areas: %(areas)s", areas=_list(labels(AREAS, p[0], tr.label) or list(p[0])))
    elif code == R.SHARED_TARGET_GROUPS:
        text = _("Same target groups: %(groups)s", groups=_list(labels(TARGET_GROUPS, p[0], tr.label) or list(p[0])))
    elif code == R.SAME_ORGANISATION:
        text = _("Same organisation: your organisation's related initiative, not another partner's")
    elif code == R.SHARED_PARTNER:
        names = org_names or {}
        text = _("Shared partner: %(names)s", names=_list([names.get(o) or o.split(":", 1)[-1] for o in p[0]]))
    elif code == R.NO_COMMON_COUNTRY:
        text = _("No country in common")
    elif code == R.DIFFERENT_PERIOD:
        text = ngettext("The periods do not overlap (%(num)d month apart)",
                        "The periods do not overlap (%(num)d months apart)", int(p[0]))
    elif code == R.COUNTRY_NOT_GIVEN:
        text = _("Country not given (%(side)s): places not compared", side=side)
    elif code == R.DATES_NOT_GIVEN:
        text = _("Dates not given (%(side)s): periods not compared", side=side)
    elif code == R.NO_END_DATE:
        text = _("No end date (%(side)s)", side=side)
    elif code == R.NO_START_DATE:
        text = _("No start date (%(side)s)", side=side)
    elif code == R.SHORT_TEXT:
        text = _("Text too short to count on its own (%(side)s)", side=side)
    elif code == R.TEXT_CUT:
        text = _("Only the first %(limit)s characters were compared", limit=p[0] if p else "")
    elif code == R.UNKNOWN_COUNTRIES:
        text = _("Unknown country codes ignored: %(codes)s", codes=_list([str(c) for c in (p[0] if p else ())]))
    elif code == R.END_BEFORE_START:
        text = _("The end date is before the start date: the end date was not used")
    elif code == R.EMPTY_DRAFT:
        text = _("Type a title and a few words of description to see possible overlaps")
    else:
        text = str(reason)
    return ReasonText(code, text, kind)


def _linked(kind: str, draft: str, other: str, _) -> str:
    """The publishers' link between two activities (:mod:`app.overlaps.publisher_links`); ``kind`` is
    what ``other`` is to ``draft``."""
    if kind == "funding":
        return _("Linked by the publishers: %(other)s funds %(draft)s — the same work, reported by the funder "
                 "and by the implementer", other=other, draft=draft)
    if kind == "implementing":
        return _("Linked by the publishers: %(draft)s funds %(other)s — the same work, reported by the funder "
                 "and by the implementer", other=other, draft=draft)
    if kind == "participating":
        return _("Linked by the publishers: one names the other as a participating organisation's own record — "
                 "the same work, reported twice")
    if kind == "third_party":
        return _("Linked by the publishers: one is another organisation's report on the other — the same work, "
                 "reported twice")
    if kind == "co_funded":
        return _("Linked by the publishers: co-funded — the same work, funded by more than one organisation")
    if kind == "parent":
        return _("Linked by the publishers: %(other)s is the parent of %(draft)s — related work, not a duplicate",
                 other=other, draft=draft)
    if kind == "child":
        return _("Linked by the publishers: %(other)s is part of %(draft)s — related work, not a duplicate",
                 other=other, draft=draft)
    if kind == "sibling":
        return _("Linked by the publishers: %(draft)s and %(other)s are parts of the same whole — related work, "
                 "not a duplicate", other=other, draft=draft)
    return _("Linked by the publishers")


def render_all(reasons: Iterable[Reason], sides: Mapping[str, str] | None = None,
               org_names: Mapping[str, str] | None = None, *, tr: Translator | None = None) -> list[ReasonText]:
    """Evidence first, then what speaks against, then caveats (each group in the detector's order); the
    publishers' own link, the strongest evidence, before all."""
    tr = tr or Translator()
    rendered = [render(r, sides, org_names, tr=tr) for r in reasons]
    order = {"evidence": 0, "against": 1, "caveat": 2}
    return sorted(rendered, key=lambda r: (order[r.kind], r.code != LINKED_BY_PUBLISHERS))


def partner_keys(reasons: Iterable[Reason]) -> set[str]:
    """The organisation keys the reasons name (to look their names up in one query)."""
    keys: set[str] = set()
    for reason in reasons:
        if reason.code == R.SHARED_PARTNER and reason.params:
            keys.update(reason.params[0])
    return keys
