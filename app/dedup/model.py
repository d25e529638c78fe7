"""The detector's vocabulary: frozen dataclasses in (Initiative) and out (Match, Reason, SubScores)."""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date


class DedupError(Exception):
    """Base class of every error the detector raises on purpose."""


class IndexCorruptError(DedupError):
    """A saved index is missing, partial, of another format version, or damaged.

    The caller rebuilds the index from its source data; the detector never half-loads one.
    """


class Tier(str, enum.Enum):
    """How strongly a match looks like the same work. The values are stable codes (for storage and i18n)."""

    LIKELY = "likely_duplicate"
    POSSIBLE = "possible_overlap"
    BELOW = "below_threshold"

    @property
    def label(self) -> str:
        return {"likely_duplicate": "likely duplicate", "possible_overlap": "possible overlap",
                "below_threshold": "below the line"}[self.value]

    @property
    def rank(self) -> int:
        """2 for likely, 1 for possible, 0 below: compare tiers with this."""
        return {"likely_duplicate": 2, "possible_overlap": 1, "below_threshold": 0}[self.value]


class Relation(str, enum.Enum):
    """Who runs the other initiative, seen from the draft's side."""

    SAME_ORGANISATION = "same_organisation"  # "your organisation's related initiative"
    SHARED_PARTNER = "shared_partner"        # different leads, at least one organisation in common
    OTHER_ORGANISATION = "other_organisation"
    UNKNOWN = "unknown"                      # one side names no organisation


class R:
    """Reason codes. Each reason is ``Reason(code, params)``; the parameters of each code are listed here.

    Evidence (supports the match):
      SHARED_PHRASES (phrases: tuple[str, ...])   up to 5 key phrases both texts use, rarest first
      SIMILAR_TEXT (percent: int)                 texts alike without a phrase to show (lexical cosine)
      SIMILAR_MEANING (percent: int)              the sentence model finds the same meaning (cosine as a
                                                  percent): paraphrases, and texts in another language
      COUNTRIES (codes: tuple[str, ...], total: int)  ISO alpha-3 codes in common (at most 10 listed)
      GLOBAL_SCOPE (side: "draft" | "other" | "both")  a global initiative overlaps every country
      PERIOD_OVERLAP_MONTHS (months: int)         length of the overlapping period
      SHARED_THEMES (codes: tuple[str, ...])      8.7 areas in common
      SHARED_TARGET_GROUPS (codes: tuple[str, ...])
      SAME_ORGANISATION ()                        same lead organisation
      SHARED_PARTNER (org_ids: tuple[str, ...])   organisations involved in both
    Against (the match is weaker for it):
      NO_COMMON_COUNTRY ()                        both name countries, none in common
      DIFFERENT_PERIOD (gap_months: int)          both periods known, they do not overlap
    Caveats (something is missing or was adjusted; the score treats it as neutral):
      COUNTRY_NOT_GIVEN (side)   DATES_NOT_GIVEN (side)   NO_END_DATE (side)   NO_START_DATE (side)
      SHORT_TEXT (side)          too few distinct content words for the text alone to count
    Notes on the draft itself (``Overlaps.notes``; also usable on their own):
      TEXT_CUT (limit: int)   UNKNOWN_COUNTRIES (codes)   END_BEFORE_START ()   EMPTY_DRAFT ()
    """

    SHARED_PHRASES = "shared_phrases"
    SIMILAR_TEXT = "similar_text"
    SIMILAR_MEANING = "similar_meaning"
    COUNTRIES = "countries"
    GLOBAL_SCOPE = "global_scope"
    PERIOD_OVERLAP_MONTHS = "period_overlap_months"
    SHARED_THEMES = "shared_themes"
    SHARED_TARGET_GROUPS = "shared_target_groups"
    SAME_ORGANISATION = "same_organisation"
    SHARED_PARTNER = "shared_partner"
    NO_COMMON_COUNTRY = "no_common_country"
    DIFFERENT_PERIOD = "different_period"
    COUNTRY_NOT_GIVEN = "country_not_given"
    DATES_NOT_GIVEN = "dates_not_given"
    NO_END_DATE = "no_end_date"
    NO_START_DATE = "no_start_date"
    SHORT_TEXT = "short_text"
    TEXT_CUT = "text_cut"
    UNKNOWN_COUNTRIES = "unknown_countries"
    END_BEFORE_START = "end_before_start"
    EMPTY_DRAFT = "empty_draft"

    EVIDENCE = frozenset({SHARED_PHRASES, SIMILAR_TEXT, SIMILAR_MEANING, COUNTRIES, GLOBAL_SCOPE, PERIOD_OVERLAP_MONTHS,
                          SHARED_THEMES, SHARED_TARGET_GROUPS, SAME_ORGANISATION, SHARED_PARTNER})
    AGAINST = frozenset({NO_COMMON_COUNTRY, DIFFERENT_PERIOD})
    CAVEATS = frozenset({COUNTRY_NOT_GIVEN, DATES_NOT_GIVEN, NO_END_DATE, NO_START_DATE, SHORT_TEXT})
    NOTES = frozenset({TEXT_CUT, UNKNOWN_COUNTRIES, END_BEFORE_START, EMPTY_DRAFT})


def _side(side: str) -> str:
    return {"draft": "this initiative", "other": "the other initiative", "both": "either initiative"}.get(side, side)


_CAVEATS = {R.COUNTRY_NOT_GIVEN: "country not given", R.DATES_NOT_GIVEN: "dates not given",
            R.NO_END_DATE: "no end date", R.NO_START_DATE: "no start date",
            R.SHORT_TEXT: "text too short to compare on its own"}


def _english(code: str, params: tuple) -> str:
    """Plain-English text of a reason (CLI and debugging; the web app renders the code in three languages)."""
    p = params
    match code:
        case R.SHARED_PHRASES:
            return "shared phrases: " + ", ".join(f"“{x}”" for x in p[0])
        case R.SIMILAR_TEXT:
            return f"similar wording ({p[0]} %)"
        case R.SIMILAR_MEANING:
            return f"similar meaning ({p[0]} %)"
        case R.COUNTRIES:
            more = f" and {p[1] - len(p[0])} more" if p[1] > len(p[0]) else ""
            return "countries in common: " + ", ".join(country_name(c) for c in p[0]) + more
        case R.GLOBAL_SCOPE:
            return f"global scope ({_side(p[0])})"
        case R.PERIOD_OVERLAP_MONTHS:
            return f"periods overlap for {p[0]} month{'s' if p[0] != 1 else ''}"
        case R.SHARED_THEMES:
            return "same 8.7 areas: " + ", ".join(x.replace("_", " ") for x in p[0])
        case R.SHARED_TARGET_GROUPS:
            return "same target groups: " + ", ".join(x.replace("_", " ") for x in p[0])
        case R.SAME_ORGANISATION:
            return "same organisation (your organisation's related initiative)"
        case R.SHARED_PARTNER:
            return "shared partner: " + ", ".join(p[0])
        case R.NO_COMMON_COUNTRY:
            return "no country in common"
        case R.DIFFERENT_PERIOD:
            return f"periods do not overlap ({p[0]} months apart)"
        case R.COUNTRY_NOT_GIVEN | R.DATES_NOT_GIVEN | R.NO_END_DATE | R.NO_START_DATE | R.SHORT_TEXT:
            return f"{_CAVEATS[code]} ({_side(p[0])})"
        case R.TEXT_CUT:
            return f"description cut at {p[0]} characters"
        case R.UNKNOWN_COUNTRIES:
            return "unknown country codes ignored: " + ", ".join(p[0])
        case R.END_BEFORE_START:
            return "end date before start date: end date ignored"
        case R.EMPTY_DRAFT:
            return "nothing to compare yet"
    return f"{code} {params!r}"


def country_name(code: str) -> str:
    """English name of an ISO alpha-3 code (pycountry), or the code itself."""
    from .places import english_country_name

    return english_country_name(code)


@dataclass(frozen=True)
class Reason:
    """One readable reason: a stable ``code`` (see :class:`R`) and its parameters, as plain data."""

    code: str
    params: tuple = ()

    @property
    def is_caveat(self) -> bool:
        return self.code in R.CAVEATS or self.code in R.NOTES

    @property
    def is_against(self) -> bool:
        return self.code in R.AGAINST

    def __str__(self) -> str:
        return _english(self.code, self.params)


@dataclass(frozen=True)
class SubScores:
    """Each signal in [0, 1]; ``None`` means unknown on at least one side (neutral, and said in the reasons)."""

    text: float
    place: float | None
    time: float | None
    theme: float | None
    organisation: float | None

    def as_dict(self) -> dict[str, float | None]:
        return {"text": self.text, "place": self.place, "time": self.time, "theme": self.theme,
                "organisation": self.organisation}


def _tuple(value) -> tuple:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(value)


@dataclass(frozen=True)
class Initiative:
    """Anything that does work somewhere: a pledge, a work item, an imported activity, a draft being typed.

    ``id`` is the app's key, made unique across kinds (e.g. ``"pledge:12"``); ints are turned into
    strings. ``countries`` holds ISO 3166-1 alpha-3 codes, UN M49 region codes (expanded to their
    countries with the detector's region table) or ``"global"``. ``themes`` are 8.7 area codes and
    ``target_groups`` target group codes (any strings: the detector only compares them). Organisations
    are the app's ids as strings. Lists are stored as tuples, so an Initiative is hashable.
    """

    id: str | None = None
    kind: str = "initiative"
    title: str = ""
    description: str = ""
    countries: tuple[str, ...] = ()
    start: date | None = None
    end: date | None = None
    themes: tuple[str, ...] = ()
    target_groups: tuple[str, ...] = ()
    lead_org: str | None = None
    partner_orgs: tuple[str, ...] = ()
    language: str = "en"

    def __post_init__(self):
        set_ = object.__setattr__
        if self.id is not None and not isinstance(self.id, str):
            set_(self, "id", str(self.id))
        if self.lead_org is not None and not isinstance(self.lead_org, str):
            set_(self, "lead_org", str(self.lead_org))
        set_(self, "title", self.title or "")
        set_(self, "description", self.description or "")
        for name in ("countries", "themes", "target_groups"):
            set_(self, name, _tuple(getattr(self, name)))
        set_(self, "partner_orgs", tuple(str(o) for o in _tuple(self.partner_orgs)))


@dataclass(frozen=True)
class Match:
    """One initiative that overlaps the draft, with its score, tier, sub-scores and reasons.

    ``reasons`` always holds at least one :class:`Reason`, and they agree with ``subscores``: a text
    reason iff ``text >= TEXT_REASON_MIN``; COUNTRIES or GLOBAL_SCOPE iff ``place > 0``; NO_COMMON_COUNTRY
    iff ``place == 0``; COUNTRY_NOT_GIVEN iff ``place is None``; likewise PERIOD_OVERLAP_MONTHS /
    DIFFERENT_PERIOD / DATES_NOT_GIVEN for ``time``; SHARED_THEMES or SHARED_TARGET_GROUPS iff
    ``theme > 0``; SAME_ORGANISATION or SHARED_PARTNER iff ``organisation > 0``.
    """

    id: str
    kind: str
    score: float
    tier: Tier
    subscores: SubScores
    relation: Relation
    reasons: tuple[Reason, ...] = field(default=())

    @property
    def same_organisation(self) -> bool:
        return self.relation is Relation.SAME_ORGANISATION

    def reason(self, code: str) -> Reason | None:
        """The reason with this code, or None."""
        return next((r for r in self.reasons if r.code == code), None)

    def __str__(self) -> str:
        head = f"{self.id} ({self.kind}): {self.tier.label}, score {self.score:.2f}"
        if self.same_organisation:
            head += " — your organisation's related initiative"
        return head + "".join(f"\n  - {r}" for r in self.reasons)


class Overlaps(list):
    """The ranked matches of one query (a plain ``list[Match]``) plus ``notes`` on the draft itself
    (text cut, unknown country codes ignored, end before start, empty draft)."""

    def __init__(self, matches=(), notes: tuple[Reason, ...] = ()):
        super().__init__(matches)
        self.notes = tuple(notes)

    def __repr__(self) -> str:
        return f"Overlaps({list.__repr__(self)}, notes={self.notes!r})"
