"""Scores whose order means something: a vetoed pair never ranks above a real match, pairs held under the
"likely" line keep their order instead of piling up on it, "likely" pairs are ordered by their text when
their structure is the same, and "likely" needs linked organisations or corroboration unless the texts are
near-identical."""
from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from app.dedup import DuplicateDetector, Initiative, SubScores, Tier
from app.dedup.detector import calibrated_scoring
from app.dedup.scoring import fuse, likely_gate, soft_cap, spread_above, tier_of

CFG = calibrated_scoring()

unit = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
maybe = st.one_of(st.none(), unit)
organisation = st.sampled_from([None, 0.0, CFG.shared_partner, CFG.linked_partner, 1.0])


def subs(text, place=None, time=None, theme=None, organisation=None):
    return SubScores(text=round(text, 4), place=place, time=time, theme=theme, organisation=organisation)


@settings(max_examples=400, deadline=None)
@given(unit, unit, maybe, maybe, organisation, maybe, st.booleans())
def test_a_vetoed_pair_never_ranks_above_a_likely_match(text, other_text, time, theme, org, place, by_period):
    vetoed = subs(text, place=None if by_period else 0.0, time=0.0 if by_period else time, theme=theme,
                  organisation=org)
    real = subs(other_text, place=place, time=time, theme=theme, organisation=org)
    vetoed_score = fuse(vetoed, CFG)
    assert tier_of(vetoed_score, CFG) is not Tier.LIKELY
    if tier_of(fuse(real, CFG), CFG) is Tier.LIKELY:
        assert vetoed_score < fuse(real, CFG)


@settings(max_examples=400, deadline=None)
@given(unit, unit, maybe, maybe, maybe, organisation, st.booleans())
def test_more_text_never_lowers_a_score(a, b, place, time, theme, org, short):
    low, high = sorted((a, b))
    assert fuse(subs(low, place, time, theme, org), CFG, short) <= fuse(subs(high, place, time, theme, org), CFG, short)


@settings(max_examples=300, deadline=None)
@given(st.floats(min_value=0.6, max_value=0.999), st.floats(min_value=0.6, max_value=0.999),
       st.sampled_from([(1.0, 1.0, None, CFG.linked_partner), (1.0, 0.8, 1.0, 1.0), (None, 1.0, None, CFG.linked_partner),
                        (0.5, 1.0, None, None)]))
def test_likely_pairs_are_ordered_by_text_when_their_structure_is_equal(a, b, structure):
    low, high = sorted((a, b))
    place, time, theme, org = structure
    s_low, s_high = fuse(subs(low, place, time, theme, org), CFG), fuse(subs(high, place, time, theme, org), CFG)
    assert s_low <= s_high
    if tier_of(s_low, CFG) is Tier.LIKELY and round(high, 4) - round(low, 4) >= 0.01:
        assert round(s_low, 4) < round(s_high, 4)  # strictly: no plateau among likely pairs


def test_pairs_held_under_the_line_keep_their_order():
    # text under the "likely" text level: held under the line, but not all at one score
    held = [fuse(subs(t, 1.0, 1.0, None, CFG.linked_partner), CFG) for t in (0.25, 0.35, 0.45, 0.55, 0.65)]
    assert all(tier_of(s, CFG) is Tier.POSSIBLE for s in held)
    assert held == sorted(held) and len({round(s, 4) for s in held}) == len(held)
    assert max(held) < CFG.likely


def test_likely_scores_are_spread_not_saturated():
    scores = [fuse(subs(t, 1.0, 1.0, 1.0, CFG.linked_partner), CFG) for t in (0.75, 0.8, 0.85, 0.9, 0.95)]
    assert all(tier_of(s, CFG) is Tier.LIKELY for s in scores)
    assert len({round(s, 4) for s in scores}) == len(scores) and scores == sorted(scores)
    assert max(scores) - min(scores) > 0.01


def test_soft_cap_and_spread_are_increasing_and_bounded():
    xs = [i / 1000 for i in range(1001)]
    capped = [soft_cap(x, 0.6, 0.9) for x in xs]
    assert capped == sorted(capped) and max(capped) < 0.9
    assert all(c == x for c, x in zip(capped, xs) if x <= 0.6)
    spread = [spread_above(x, 0.9, 3.0) for x in xs]
    assert spread == sorted(spread) and all(s <= x for s, x in zip(spread, xs))
    assert all(s == x for s, x in zip(spread, xs) if x <= 0.9)


def test_likely_needs_linked_organisations_or_corroboration():
    text = (CFG.likely_text + CFG.near_identical) / 2  # similar, not near-identical
    assert likely_gate(subs(text, 1.0, 1.0, None, CFG.linked_partner), CFG) is None      # funder and implementer
    assert likely_gate(subs(text, 1.0, 1.0, None, 1.0), CFG) is None                     # one organisation (family)
    assert likely_gate(subs(text, 1.0, 1.0, None, None), CFG) is None                    # organisations unknown
    assert likely_gate(subs(text, None, None, None, None), CFG) == "alone"              # nothing but the text
    assert likely_gate(subs(text, 1.0, 1.0, None, 0.0), CFG) == "unlinked"              # unrelated organisations
    assert likely_gate(subs(text, 1.0, 1.0, None, CFG.shared_partner), CFG) == "siblings"  # grantees of one funder
    copy = max(CFG.near_identical, CFG.likely_text) + 0.01
    assert likely_gate(subs(copy, 1.0, 1.0, None, 0.0), CFG) is None                    # a copy is a copy
    assert likely_gate(subs(copy, 0.0, 1.0, None, 0.0), CFG) == "vetoed"
    assert likely_gate(subs(copy, 1.0, 1.0, None, 0.0), CFG, short_text=True) == "short_text"


def test_in_a_registry_an_exact_copy_elsewhere_ranks_below_the_real_match():
    text = ("Community-based child labour monitoring and remediation in cocoa-growing districts: train cooperative "
            "leaders, refer identified children to schools and social services, and support their families.")
    common = dict(description=text, start=date(2025, 1, 1), end=date(2027, 12, 31), themes=("child_labour",),
                  lead_org="org-b", partner_orgs=("org-a",))
    real = Initiative(id="real", title="Child labour monitoring in Ghana's cocoa districts", countries=("GHA",),
                      **common)
    elsewhere = Initiative(id="elsewhere", title="Child labour monitoring in Ghana's cocoa districts",
                           countries=("PER",), **common)
    later = Initiative(id="later", title="Child labour monitoring in Ghana's cocoa districts", countries=("GHA",),
                       **{**common, "start": date(2031, 1, 1), "end": date(2032, 12, 31)})
    filler = [Initiative(id=f"f{i}", title=f"Fishing vessel inspection programme number {i} in Thailand",
                         description="Port state control officers inspect long-haul vessels for forced labour.",
                         countries=("THA",)) for i in range(5)]
    detector = DuplicateDetector.build([real, elsewhere, later, *filler])
    draft = Initiative(title="Monitoring child labour in cocoa districts of Ghana", countries=("GHA",),
                       **{**common, "lead_org": "org-a", "partner_orgs": ()})
    matches = {m.id: m for m in detector.find_overlaps(draft, k=10, include_below=True)}
    assert matches["real"].tier is Tier.LIKELY
    assert matches["elsewhere"].tier is not Tier.LIKELY and matches["later"].tier is not Tier.LIKELY
    assert matches["real"].score > matches["elsewhere"].score and matches["real"].score > matches["later"].score
    ranked = [m.id for m in detector.find_overlaps(draft, k=3, include_below=True)]
    assert ranked[0] == "real"
