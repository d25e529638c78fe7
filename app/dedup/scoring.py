"""Explainable scoring of one pair: sub-scores (text, place, time, theme, organisation), their fusion
into one score and a tier, and the reasons, built from the same numbers so that they always agree."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from .model import Match, R, Reason, Relation, SubScores, Tier
from .records import Columns, Prepared

DAYS_PER_MONTH = 30.4375
THEME_WEIGHT, GROUP_WEIGHT = 0.7, 0.3  # 8.7 areas against target groups, in the theme sub-score
_FIRST_DAY, _LAST_DAY = date.min.toordinal(), date.max.toordinal()


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

    @property
    def open_end_days(self) -> int:
        return round(365.25 * self.open_end_years)


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
    horizon = timedelta(days=cfg.open_end_days)
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
        parts.append((THEME_WEIGHT, _overlap_coefficient(a.themes, b.themes)))
        if a.themes & b.themes:
            reasons.append(Reason(R.SHARED_THEMES, (tuple(sorted(a.themes & b.themes)),)))
    if a.target_groups and b.target_groups:
        parts.append((GROUP_WEIGHT, _overlap_coefficient(a.target_groups, b.target_groups)))
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


def quick_scores(a: Prepared, cols: Columns, cosines: Sequence[float],
                 cfg: ScoringConfig) -> list[tuple[float, Tier] | None]:
    """The score and tier of :func:`score_pair` for many records at once, without reasons (for ranking the
    shortlist; None where a record is not present). The sub-scores are computed with numpy, in the same
    order of operations as the functions above; their fusion and tier by :func:`fuse` and :func:`tier_of`
    themselves. ``tests/dedup/test_properties.py`` checks that both always agree."""
    c = np.asarray(cosines, dtype=np.float64)
    text = np.maximum(0.0, np.minimum(1.0, (c - cfg.text_floor) / (1.0 - cfg.text_floor)))
    short = (text > 0) & ((a.content_words < cfg.min_content_words) | (cols.words < cfg.min_content_words))
    text = np.where(short, text * cfg.short_text_factor, text)

    pa, sizes, common = a.place, cols.sizes, cols.common
    place_known = pa.given & ((sizes["countries"] > 0) | cols.is_global)
    place = _coefficients(common["countries"], len(pa.countries), sizes["countries"])
    place = np.where(pa.from_region | cols.from_region, place * cfg.region_factor, place)
    place = np.where(common["countries"] > 0, place,
                     np.where(pa.is_global | cols.is_global, cfg.global_place, 0.0))

    horizon = cfg.open_end_days
    time_known = np.zeros(len(c), dtype=bool)
    time = np.zeros(len(c))
    if a.start is not None or a.end is not None:
        first = a.start.toordinal() if a.start else max(_FIRST_DAY, a.end.toordinal() - horizon)
        last = a.end.toordinal() if a.end else min(_LAST_DAY, a.start.toordinal() + horizon)
        starts = np.where(cols.starts > 0, cols.starts, np.maximum(_FIRST_DAY, cols.ends - horizon))
        ends = np.where(cols.ends > 0, cols.ends, np.minimum(_LAST_DAY, cols.starts + horizon))
        overlap = np.minimum(last, ends) - np.maximum(first, starts)
        shortest = np.maximum(1, np.minimum(last - first, ends - starts))
        time_known = (cols.starts > 0) | (cols.ends > 0)
        time = np.where(overlap < 0, 0.0, np.minimum(1.0, np.maximum(overlap, 1) / shortest))

    with_themes = bool(a.themes) & (sizes["themes"] > 0)
    with_groups = bool(a.target_groups) & (sizes["target_groups"] > 0)
    themes = THEME_WEIGHT * _coefficients(common["themes"], len(a.themes), sizes["themes"])
    groups = GROUP_WEIGHT * _coefficients(common["target_groups"], len(a.target_groups), sizes["target_groups"])
    weighted = np.where(with_themes, themes, 0.0) + np.where(with_groups, groups, 0.0)
    weights = np.where(with_themes, THEME_WEIGHT, 0.0) + np.where(with_groups, GROUP_WEIGHT, 0.0)
    theme_known = with_themes | with_groups
    theme = weighted / np.where(theme_known, weights, 1.0)

    org_known = bool(a.orgs) & (sizes["orgs"] > 0)
    org = np.where(cols.same_lead, 1.0, np.where(common["orgs"] > 0, cfg.shared_partner, 0.0))

    out: list[tuple[float, Tier] | None] = []
    for present, t, s, p, pk, tm, tk, th, thk, o, ok in zip(
            cols.present.tolist(), text.tolist(), short.tolist(), place.tolist(), place_known.tolist(),
            time.tolist(), time_known.tolist(), theme.tolist(), theme_known.tolist(), org.tolist(), org_known.tolist()):
        if not present:
            out.append(None)
            continue
        sub = SubScores(text=round(t, 4), place=round(p, 4) if pk else None, time=round(tm, 4) if tk else None,
                        theme=round(th, 4) if thk else None, organisation=o if ok else None)
        score = round(fuse(sub, cfg), 4)
        out.append((score, tier_of(score, sub, cfg, short_text=s)))
    return out


def _coefficients(common: np.ndarray, size: int, sizes: np.ndarray) -> np.ndarray:
    """:func:`_overlap_coefficient` for one set of ``size`` codes against many (0 where either is empty)."""
    return common / np.maximum(1, np.minimum(size, sizes))


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
