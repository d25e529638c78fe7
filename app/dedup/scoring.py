"""Explainable scoring of one pair: sub-scores (text, place, time, theme, organisation), their fusion
into one score and a tier, and the reasons, built from the same numbers so that they always agree."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from .model import Match, R, Reason, Relation, SubScores, Tier
from .records import Prepared

DAYS_PER_MONTH = 30.4375


@dataclass(frozen=True)
class Weights:
    """How the sub-scores combine (see :func:`fuse`). Unknown sub-scores take their ``neutral`` value."""

    place: float = 0.35
    time: float = 0.25
    theme: float = 0.2
    organisation: float = 0.2
    neutral_place: float = 0.5
    neutral_time: float = 0.6
    neutral_theme: float = 0.5
    neutral_organisation: float = 0.3
    structure_floor: float = 0.35  # share of the text score kept when nothing structural agrees


@dataclass(frozen=True)
class ScoringConfig:
    """Every number the scorer uses. ``likely`` and ``possible`` are the tier thresholds (calibrated by
    ``python -m bench dedup_calibrate``); the rest are documented defaults."""

    likely: float = 0.55
    possible: float = 0.3
    text_floor: float = 0.12        # cosine below which two texts count as unrelated (domain words alone)
    text_reason_min: float = 0.2    # a text reason is given iff the text sub-score reaches this
    min_content_words: int = 5      # fewer on either side: the text cannot count on its own
    short_text_factor: float = 0.5
    region_factor: float = 0.7      # a place matched only through a region (continent) is less specific
    global_place: float = 0.5       # a global initiative against any place
    open_end_years: int = 3         # an open end (or start) is assumed this far from the known date
    shared_partner: float = 0.6     # organisation sub-score when only a partner is shared
    weights: Weights = field(default_factory=Weights)


def _months(days: float) -> int:
    return max(0, int(round(days / DAYS_PER_MONTH)))


def _shifted(day: date, delta: timedelta) -> date:
    """``day + delta``, held at the calendar's ends (a start in year 9997 has an open end at 9999-12-31)."""
    try:
        return day + delta
    except OverflowError:
        return date.max if delta > timedelta(0) else date.min


def _interval(rec: Prepared, horizon: timedelta) -> tuple[date, date] | None:
    if rec.start is None and rec.end is None:
        return None
    start = rec.start or _shifted(rec.end, -horizon)
    end = rec.end or _shifted(rec.start, horizon)
    return start, end


def _overlap_coefficient(a: frozenset, b: frozenset) -> float:
    return len(a & b) / min(len(a), len(b)) if a and b else 0.0


def _side(draft_missing: bool, other_missing: bool) -> str:
    return "both" if draft_missing and other_missing else ("draft" if draft_missing else "other")


def place_score(a: Prepared, b: Prepared, cfg: ScoringConfig) -> tuple[float | None, list[Reason]]:
    pa, pb = a.place, b.place
    if not pa.given or not pb.given:
        return None, [Reason(R.COUNTRY_NOT_GIVEN, (_side(not pa.given, not pb.given),))]
    common = pa.countries & pb.countries
    if common:
        score = _overlap_coefficient(pa.countries, pb.countries)
        if pa.from_region or pb.from_region:
            score *= cfg.region_factor
        codes = tuple(sorted(common))
        return score, [Reason(R.COUNTRIES, (codes[:10], len(codes)))]
    if pa.is_global or pb.is_global:
        return cfg.global_place, [Reason(R.GLOBAL_SCOPE, (_side(pa.is_global, pb.is_global),))]
    return 0.0, [Reason(R.NO_COMMON_COUNTRY, ())]


def time_score(a: Prepared, b: Prepared, cfg: ScoringConfig) -> tuple[float | None, list[Reason]]:
    reasons: list[Reason] = []
    for rec, side in ((a, "draft"), (b, "other")):
        if rec.start is not None and rec.end is None:
            reasons.append(Reason(R.NO_END_DATE, (side,)))
        elif rec.start is None and rec.end is not None:
            reasons.append(Reason(R.NO_START_DATE, (side,)))
    horizon = timedelta(days=round(365.25 * cfg.open_end_years))
    ia, ib = _interval(a, horizon), _interval(b, horizon)
    if ia is None or ib is None:
        return None, reasons + [Reason(R.DATES_NOT_GIVEN, (_side(ia is None, ib is None),))]
    start, end = max(ia[0], ib[0]), min(ia[1], ib[1])
    overlap = (end - start).days
    if overlap < 0:
        return 0.0, [Reason(R.DIFFERENT_PERIOD, (_months(-overlap),))] + reasons
    shortest = max(1, min((ia[1] - ia[0]).days, (ib[1] - ib[0]).days))
    score = min(1.0, max(overlap, 1) / shortest)
    return score, [Reason(R.PERIOD_OVERLAP_MONTHS, (max(1, _months(overlap)),))] + reasons


def theme_score(a: Prepared, b: Prepared) -> tuple[float | None, list[Reason]]:
    parts, reasons = [], []
    if a.themes and b.themes:
        parts.append((0.7, _overlap_coefficient(a.themes, b.themes)))
        if a.themes & b.themes:
            reasons.append(Reason(R.SHARED_THEMES, (tuple(sorted(a.themes & b.themes)),)))
    if a.target_groups and b.target_groups:
        parts.append((0.3, _overlap_coefficient(a.target_groups, b.target_groups)))
        if a.target_groups & b.target_groups:
            reasons.append(Reason(R.SHARED_TARGET_GROUPS, (tuple(sorted(a.target_groups & b.target_groups)),)))
    if not parts:
        return None, []
    return sum(w * s for w, s in parts) / sum(w for w, _ in parts), reasons


def organisation_score(a: Prepared, b: Prepared, cfg: ScoringConfig) -> tuple[float | None, Relation, list[Reason]]:
    if not a.orgs or not b.orgs:
        return None, Relation.UNKNOWN, []
    if a.lead_org and a.lead_org == b.lead_org:
        return 1.0, Relation.SAME_ORGANISATION, [Reason(R.SAME_ORGANISATION, ())]
    shared = a.orgs & b.orgs
    if shared:
        return cfg.shared_partner, Relation.SHARED_PARTNER, [Reason(R.SHARED_PARTNER, (tuple(sorted(shared)),))]
    return 0.0, Relation.OTHER_ORGANISATION, []


def text_score(cosine: float, a: Prepared, b: Prepared, cfg: ScoringConfig) -> tuple[float, list[Reason]]:
    """The cosine rescaled so that ``text_floor`` (what any two texts of the field share) maps to 0."""
    score = max(0.0, min(1.0, (cosine - cfg.text_floor) / (1.0 - cfg.text_floor)))
    reasons = []
    short_a, short_b = a.content_words < cfg.min_content_words, b.content_words < cfg.min_content_words
    if (short_a or short_b) and score > 0:
        score *= cfg.short_text_factor
        reasons.append(Reason(R.SHORT_TEXT, (_side(short_a, short_b),)))
    return score, reasons


def fuse(sub: SubScores, cfg: ScoringConfig) -> float:
    """One score in [0, 1]: the text score, scaled by how far the structure agrees.

    ``score = text × (floor + (1 − floor) × structure)``, where structure is the weighted mean of place,
    time, theme and organisation (unknown ones at their neutral value; a different organisation is neutral
    too, since a duplicate across partners is what we look for). Text is necessary (two
    initiatives in the same place and period, on the same theme, but about different work are not
    duplicates), and structure decides how much the text counts.
    """
    w = cfg.weights
    values = [(w.place, w.neutral_place if sub.place is None else sub.place),
              (w.time, w.neutral_time if sub.time is None else sub.time),
              (w.theme, w.neutral_theme if sub.theme is None else sub.theme),
              # another organisation is the usual case for a duplicate: neutral, like an unknown one
              (w.organisation, sub.organisation or w.neutral_organisation)]
    structure = sum(a * b for a, b in values) / sum(a for a, _ in values)
    return max(0.0, min(1.0, sub.text * (w.structure_floor + (1 - w.structure_floor) * structure)))


def tier_of(score: float, sub: SubScores, cfg: ScoringConfig, short_text: bool) -> Tier:
    if score >= cfg.likely and not (sub.place == 0.0 or sub.time == 0.0 or short_text):
        return Tier.LIKELY
    if score >= cfg.possible:
        return Tier.POSSIBLE
    return Tier.BELOW


def score_pair(a: Prepared, b: Prepared, cosine: float,
               cfg: ScoringConfig) -> tuple[float, Tier, SubScores, Relation, list[Reason]]:
    """Everything about one pair except the shared phrases (added for the matches that are shown)."""
    text, text_reasons = text_score(cosine, a, b, cfg)
    place, place_reasons = place_score(a, b, cfg)
    time, time_reasons = time_score(a, b, cfg)
    theme, theme_reasons = theme_score(a, b)
    org, relation, org_reasons = organisation_score(a, b, cfg)
    sub = SubScores(text=round(text, 4), place=None if place is None else round(place, 4),
                    time=None if time is None else round(time, 4), theme=None if theme is None else round(theme, 4),
                    organisation=org)
    score = round(fuse(sub, cfg), 4)
    tier = tier_of(score, sub, cfg, short_text=bool(text_reasons))
    reasons = org_reasons + place_reasons + time_reasons + theme_reasons + text_reasons
    return score, tier, sub, relation, reasons


def quick_score(a: Prepared, b: Prepared, cosine: float, cfg: ScoringConfig) -> tuple[float, Tier]:
    """The score and tier of :func:`score_pair`, without building reasons (for ranking the shortlist).
    Same arithmetic; ``tests/dedup/test_properties.py`` checks that both always agree."""
    text = max(0.0, min(1.0, (cosine - cfg.text_floor) / (1.0 - cfg.text_floor)))
    short = text > 0 and (a.content_words < cfg.min_content_words or b.content_words < cfg.min_content_words)
    if short:
        text *= cfg.short_text_factor
    pa, pb = a.place, b.place
    if not pa.given or not pb.given:
        place = None
    elif pa.countries & pb.countries:
        place = _overlap_coefficient(pa.countries, pb.countries)
        if pa.from_region or pb.from_region:
            place *= cfg.region_factor
    else:
        place = cfg.global_place if (pa.is_global or pb.is_global) else 0.0
    horizon = timedelta(days=round(365.25 * cfg.open_end_years))
    ia, ib = _interval(a, horizon), _interval(b, horizon)
    if ia is None or ib is None:
        time = None
    else:
        overlap = (min(ia[1], ib[1]) - max(ia[0], ib[0])).days
        time = 0.0 if overlap < 0 else min(1.0, max(overlap, 1) / max(1, min((ia[1] - ia[0]).days,
                                                                             (ib[1] - ib[0]).days)))
    parts = []
    if a.themes and b.themes:
        parts.append((0.7, _overlap_coefficient(a.themes, b.themes)))
    if a.target_groups and b.target_groups:
        parts.append((0.3, _overlap_coefficient(a.target_groups, b.target_groups)))
    theme = sum(w * v for w, v in parts) / sum(w for w, _ in parts) if parts else None
    if not a.orgs or not b.orgs:
        org = None
    elif a.lead_org and a.lead_org == b.lead_org:
        org = 1.0
    else:
        org = cfg.shared_partner if a.orgs & b.orgs else 0.0
    sub = SubScores(text=round(text, 4), place=None if place is None else round(place, 4),
                    time=None if time is None else round(time, 4), theme=None if theme is None else round(theme, 4),
                    organisation=org)
    score = round(fuse(sub, cfg), 4)
    return score, tier_of(score, sub, cfg, short_text=short)


def explain(a: Prepared, b: Prepared, cosine: float, cfg: ScoringConfig, phrases_of) -> Match:
    """The full :class:`Match` of ``b`` seen from ``a``, with readable reasons.

    ``phrases_of(b_text)`` returns the key phrases ``a`` shares with ``b``.
    """
    score, tier, sub, relation, reasons = score_pair(a, b, cosine, cfg)
    text_reasons: list[Reason] = []
    if sub.text >= cfg.text_reason_min:
        phrases = phrases_of(b.text)
        text_reasons.append(Reason(R.SHARED_PHRASES, (phrases,)) if phrases
                            else Reason(R.SIMILAR_TEXT, (int(round(100 * cosine)),)))
    ordered = text_reasons + [r for r in reasons if r.code in R.EVIDENCE] + \
        [r for r in reasons if r.code in R.AGAINST] + [r for r in reasons if r.code in R.CAVEATS]
    return Match(id=str(b.id), kind=b.kind, score=score, tier=tier, subscores=sub, relation=relation,
                 reasons=tuple(ordered))
