"""Explainable scoring of one pair: sub-scores (text, place, time, theme, organisation), their fusion
into one score and a tier, and the reasons, built from the same numbers so that they always agree."""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from .model import Match, R, Reason, Relation, SubScores, Tier
from .records import Columns, Prepared, linked

DAYS_PER_MONTH = 30.4375
THEME_WEIGHT, GROUP_WEIGHT = 0.7, 0.3  # 8.7 areas against target groups, in the theme sub-score
_FIRST_DAY, _LAST_DAY = date.min.toordinal(), date.max.toordinal()


@dataclass(frozen=True)
class Weights:
    """How text and structure combine into the score (see :func:`fuse`): a logistic model,

    ``score = 1 / (1 + exp(-z))``, ``z = text × logit(text score) + bias + place × place sub-score + time ×
    time sub-score + theme × theme sub-score + organisation × organisation sub-score``, where an unknown
    sub-score adds its ``*_unknown`` weight instead. The structure weights are never negative (more
    agreement never lowers a score) and the score is strictly increasing in the text score. ``veto``
    multiplies the score of a pair in different countries or periods; ``uncorroborated`` that of a pair
    where nothing but the text agrees. Fitted on the tune half of the IATI development set (its publishers'
    funder/implementer links against the other cross-organisation candidates) by
    ``python -m bench.dedup_calibrate --write``."""

    text: float = 1.5
    bias: float = -1.0
    place: float = 0.8
    place_unknown: float = 0.3
    time: float = 0.5
    time_unknown: float = 0.2
    theme: float = 0.3
    theme_unknown: float = 0.1
    organisation: float = 1.5
    organisation_unknown: float = 0.3
    veto: float = 0.5
    uncorroborated: float = 0.8

    def structure(self, sub: SubScores) -> float:
        """The structure's part of ``z``."""
        return (self.place_unknown if sub.place is None else self.place * sub.place) + \
            (self.time_unknown if sub.time is None else self.time * sub.time) + \
            (self.theme_unknown if sub.theme is None else self.theme * sub.theme) + \
            (self.organisation_unknown if sub.organisation is None else self.organisation * sub.organisation)

    @property
    def most_structure(self) -> float:
        """The largest the structure's part can be."""
        return max(self.place, self.place_unknown, 0) + max(self.time, self.time_unknown, 0) + \
            max(self.theme, self.theme_unknown, 0) + max(self.organisation, self.organisation_unknown, 0)

    def combine(self, text: float, structure: float) -> float:
        t = min(max(text, 1e-6), 1 - 1e-6)
        z = self.text * math.log(t / (1 - t)) + self.bias + structure
        return 1.0 / (1.0 + math.exp(-z))

    def bound(self, text: float) -> float:
        """The highest score a pair with this text score can reach (for stopping a ranking early)."""
        return self.combine(text, self.most_structure)


@dataclass(frozen=True)
class Fusion:
    """The text score: a logistic fusion of the lexical cosine (character n-grams) and the semantic one
    (sentence model), strictly increasing in both, so that it never reorders what both agree on.
    ``text = 1 / (1 + exp(-(lexical × l + semantic × s + bias)))``; without the sentence model,
    ``lexical_only`` and ``lexical_only_bias`` are used. Fitted on the STS Benchmark's train split
    (people's scores / 5) by ``python -m bench dedup_calibrate --write``."""

    lexical: float = 4.0
    semantic: float = 6.0
    bias: float = -6.5
    lexical_only: float = 7.0
    lexical_only_bias: float = -3.5

    def text(self, lexical, semantic=None):
        """The text score of scalars or numpy arrays (``semantic`` None: lexical only)."""
        lexical = np.asarray(lexical, dtype=np.float64)
        if semantic is None:
            z = lexical * self.lexical_only + self.lexical_only_bias
        else:
            z = lexical * self.lexical + np.asarray(semantic, dtype=np.float64) * self.semantic + self.bias
        out = 1.0 / (1.0 + np.exp(-z))
        return float(out) if out.ndim == 0 else out


@dataclass(frozen=True)
class ScoringConfig:
    """Every number the scorer uses. ``likely`` and ``possible`` are the tier thresholds, and ``fusion`` the
    text score's weights (calibrated by ``python -m bench dedup_calibrate``); the rest are documented
    defaults."""

    likely: float = 0.55
    possible: float = 0.3
    fusion: Fusion = field(default_factory=Fusion)
    text_reason_min: float = 0.3    # a text reason is given iff the text sub-score reaches this
    min_content_words: int = 5      # fewer distinct ones on either side: the text cannot count on its own
    near_identical: float = 0.88    # text score from which the text alone may make a "likely duplicate"
    likely_text: float = 0.5        # text score below which a pair is never a "likely duplicate"
    possible_text: float = 0.1      # text score below which a pair stays below the line: structure alone
    #                                 (same organisation, place and period, different work) is no overlap
    region_factor: float = 0.7      # a place matched only through a region (continent) is less specific
    global_place: float = 0.5       # a global initiative against any place
    open_end_years: int = 3         # an open end (or start) is assumed this far from the known date
    linked_partner: float = 0.8     # organisation sub-score when one's lead takes part in the other (funder
    #                                 and implementer report the same work)
    shared_partner: float = 0.4     # ... when only a third organisation is shared (siblings of one funder)
    likely_spread: float = 3.0      # log-odds above a line that fill 63 % of the room above it (soft_cap)
    weights: Weights = field(default_factory=Weights)

    @property
    def open_end_days(self) -> int:
        return round(365.25 * self.open_end_years)

    @property
    def floor(self) -> float:
        """The highest score of a pair that stays below the line (just under ``possible``)."""
        return max(0.0, self.possible - 0.005)

    @property
    def cap(self) -> float:
        """The highest score of a pair that may not be a "likely duplicate" (just under ``likely``)."""
        return max(0.0, self.likely - 0.005)


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
        value = cfg.linked_partner if linked(a, b) else cfg.shared_partner
        return value, Relation.SHARED_PARTNER, [Reason(R.SHARED_PARTNER, (tuple(sorted(shared)),))]
    return 0.0, Relation.OTHER_ORGANISATION, []


def text_score(lexical: float, semantic: float | None, a: Prepared, b: Prepared,
               cfg: ScoringConfig) -> tuple[float, list[Reason]]:
    """The fused text score (see :class:`Fusion`) and a SHORT_TEXT caveat when either side has fewer than
    ``min_content_words`` distinct content words (such a pair cannot be a "likely duplicate": see :func:`fuse`;
    its text score is not changed, so the order of texts stays the order of their similarity)."""
    score = cfg.fusion.text(lexical, semantic)
    short_a, short_b = a.content_words < cfg.min_content_words, b.content_words < cfg.min_content_words
    reasons = [Reason(R.SHORT_TEXT, (_side(short_a, short_b),))] if short_a or short_b else []
    return score, reasons


def vetoed(sub: SubScores) -> bool:
    """Both name countries and none is shared, or both give periods and they do not meet."""
    return sub.place == 0.0 or sub.time == 0.0


def corroborated(sub: SubScores) -> bool:
    """Something besides the text agrees: a country, a period, a theme or an organisation in common."""
    return any(v is not None and v > 0 for v in (sub.place, sub.time, sub.theme, sub.organisation))


def likely_gate(sub: SubScores, cfg: ScoringConfig, short_text: bool = False) -> str | None:
    """Why this pair may not be a "likely duplicate" whatever its score (None: it may).

    A "likely duplicate" is one piece of work reported twice: its texts say the same (``likely_text``),
    and the reports come from linked organisations (one's lead takes part in the other: a funder and its
    implementer; or one organisation or publisher family), or, where an organisation is not given, from
    records that agree on something besides the text; unless the texts are near-identical
    (``near_identical``). Two organisations known to be unrelated doing similar work, or two grantees of
    one funder, are at most a "possible overlap" (related work, worth coordinating)."""
    if vetoed(sub):
        return "vetoed"
    if short_text:
        return "short_text"
    if sub.text < cfg.near_identical:
        if sub.organisation is None:
            if not corroborated(sub):
                return "alone"
        elif sub.organisation < cfg.linked_partner:
            return "siblings" if sub.organisation > 0 else "unlinked"
    if sub.text < cfg.likely_text:
        return "text"
    return None


def _logit(p: float) -> float:
    p = min(max(p, 1e-12), 1 - 1e-12)
    return math.log(p / (1 - p))


def soft_cap(score: float, knee: float, cap: float, temperature: float = 3.0) -> float:
    """``score`` below ``knee``; above it, compressed smoothly into ``[knee, cap)`` on the log-odds scale
    (``temperature`` log-odds above the knee fill 63 % of the room), strictly increasing and never above
    ``score``: pairs held under a line keep their order instead of piling up on it."""
    if cap <= knee:
        return min(score, cap)
    if score <= knee:
        return score
    excess = _logit(score) - _logit(knee)
    return min(score, knee + (cap - knee) * -math.expm1(-excess / temperature))


def spread_above(score: float, line: float, temperature: float) -> float:
    """``score`` below ``line``; above it, the logistic's tail (0.99, 0.995, 0.998 ...) spread out on the
    log-odds scale (:func:`soft_cap` up to 1), so that the order of "likely" pairs shows in their scores
    (rounded to 4 decimals) instead of saturating near 1."""
    if line <= 0 or line >= 1:
        return score
    return soft_cap(score, line, 1.0, temperature)


def fuse(sub: SubScores, cfg: ScoringConfig, short_text: bool = False) -> float:
    """One score in [0, 1]: the text score and the structure combined (see :class:`Weights`), then

    * a vetoed pair (different countries, or periods that do not meet) is multiplied by ``weights.veto``;
    * a pair that only the text supports (no country, period, theme or organisation in common) by
      ``weights.uncorroborated``, unless the texts are near-identical (text ≥ ``near_identical``);
    * a pair that :func:`likely_gate` keeps from "likely" is compressed smoothly under the "likely" line
      (:func:`soft_cap` from ``possible``): structure can make a pair worth a look, not a duplicate, and
      such pairs keep their order (no plateau just under the line);
    * a "likely" pair's score is spread above the line (:func:`spread_above`), so that order among likely
      pairs means something;
    * a text score under ``possible_text`` keeps the pair below the line (soft-capped under ``possible``).

    So a vetoed pair never ranks above a "likely duplicate", more agreement never lowers a score (every
    step is non-decreasing in the text and structure), and the tier is simply where the score falls
    (:func:`tier_of`). The text is necessary: with no text in common the score stays low whatever the
    structure (two initiatives in the same place and period about different work are not duplicates).
    """
    w = cfg.weights
    score = w.combine(sub.text, w.structure(sub))
    if vetoed(sub):
        score *= w.veto
    elif not corroborated(sub) and sub.text < cfg.near_identical:
        score *= w.uncorroborated
    if likely_gate(sub, cfg, short_text) is not None:
        score = soft_cap(score, min(cfg.possible, cfg.cap), cfg.cap, cfg.likely_spread)
    else:
        score = spread_above(score, cfg.likely, cfg.likely_spread)
    if sub.text < cfg.possible_text:
        score = soft_cap(score, max(0.0, cfg.floor - 0.1), cfg.floor, cfg.likely_spread)
    return max(0.0, min(1.0, score))


def tier_of(score: float, cfg: ScoringConfig) -> Tier:
    if score >= cfg.likely:
        return Tier.LIKELY
    if score >= cfg.possible:
        return Tier.POSSIBLE
    return Tier.BELOW


def score_pair(a: Prepared, b: Prepared, lexical: float, semantic: float | None,
               cfg: ScoringConfig) -> tuple[float, Tier, SubScores, Relation, list[Reason]]:
    """Everything about one pair except the text reason (added for the matches that are shown)."""
    text, text_reasons = text_score(lexical, semantic, a, b, cfg)
    place, place_reasons = place_score(a, b, cfg)
    time, time_reasons = time_score(a, b, cfg)
    theme, theme_reasons = theme_score(a, b)
    org, relation, org_reasons = organisation_score(a, b, cfg)
    sub = SubScores(text=round(text, 4), place=None if place is None else round(place, 4),
                    time=None if time is None else round(time, 4), theme=None if theme is None else round(theme, 4),
                    organisation=org)
    score = round(fuse(sub, cfg, short_text=bool(text_reasons)), 4)
    tier = tier_of(score, cfg)
    reasons = org_reasons + place_reasons + time_reasons + theme_reasons + text_reasons
    return score, tier, sub, relation, reasons


def quick_scores(a: Prepared, cols: Columns, lexical: Sequence[float], semantic: Sequence[float] | None,
                 cfg: ScoringConfig) -> list[tuple[float, Tier] | None]:
    """The score and tier of :func:`score_pair` for many records at once, without reasons (for ranking the
    shortlist; None where a record is not present). The sub-scores are computed with numpy, in the same
    order of operations as the functions above; their fusion and tier by :func:`fuse` and :func:`tier_of`
    themselves. ``tests/dedup/test_properties.py`` checks that both always agree."""
    c = np.asarray(lexical, dtype=np.float64)
    text = np.atleast_1d(cfg.fusion.text(c, None if semantic is None else np.asarray(semantic, dtype=np.float64)))
    short = (a.content_words < cfg.min_content_words) | (cols.words < cfg.min_content_words)
    short = np.broadcast_to(short, c.shape)

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
    org = np.where(cols.same_lead, 1.0, np.where(common["orgs"] > 0,
                                                 np.where(cols.linked, cfg.linked_partner, cfg.shared_partner), 0.0))

    out: list[tuple[float, Tier] | None] = []
    for present, t, s, p, pk, tm, tk, th, thk, o, ok in zip(
            cols.present.tolist(), text.tolist(), short.tolist(), place.tolist(), place_known.tolist(),
            time.tolist(), time_known.tolist(), theme.tolist(), theme_known.tolist(), org.tolist(), org_known.tolist()):
        if not present:
            out.append(None)
            continue
        sub = SubScores(text=round(t, 4), place=round(p, 4) if pk else None, time=round(tm, 4) if tk else None,
                        theme=round(th, 4) if thk else None, organisation=o if ok else None)
        score = round(fuse(sub, cfg, short_text=s), 4)
        out.append((score, tier_of(score, cfg)))
    return out


def _coefficients(common: np.ndarray, size: int, sizes: np.ndarray) -> np.ndarray:
    """:func:`_overlap_coefficient` for one set of ``size`` codes against many (0 where either is empty)."""
    return common / np.maximum(1, np.minimum(size, sizes))


def explain(a: Prepared, b: Prepared, lexical: float, semantic: float | None, cfg: ScoringConfig,
            phrases_of) -> Match:
    """The full :class:`Match` of ``b`` seen from ``a``, with readable reasons.

    ``phrases_of(b_text)`` returns the key phrases ``a`` shares with ``b``. When the text counts and no
    phrase is shared (a paraphrase, another language), the reason is SIMILAR_MEANING with the sentence
    model's cosine as a percent (SIMILAR_TEXT with the lexical one without the model).
    """
    score, tier, sub, relation, reasons = score_pair(a, b, lexical, semantic, cfg)
    text_reasons: list[Reason] = []
    if sub.text >= cfg.text_reason_min:
        phrases = phrases_of(b.text)
        if phrases:
            text_reasons.append(Reason(R.SHARED_PHRASES, (phrases,)))
        if semantic is not None and (not phrases or semantic > lexical + 0.2):
            text_reasons.append(Reason(R.SIMILAR_MEANING, (int(round(100 * semantic)),)))
        elif not phrases:
            text_reasons.append(Reason(R.SIMILAR_TEXT, (int(round(100 * lexical)),)))
    ordered = text_reasons + [r for r in reasons if r.code in R.EVIDENCE] + \
        [r for r in reasons if r.code in R.AGAINST] + [r for r in reasons if r.code in R.CAVEATS]
    return Match(id=str(b.id), kind=b.kind, score=score, tier=tier, subscores=sub, relation=relation,
                 reasons=tuple(ordered))
