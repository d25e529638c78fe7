"""Properties that hold for any draft: at least one reason per match, reasons that agree with the
sub-scores, scores in [0, 1], and the gates on "likely duplicate"."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from app.dedup import Initiative, R, Tier
from bench.dedup_corpus import COUNTRIES, SECTORS, THEME_TERMS, THEMES, TARGET_GROUPS
from tests.strategies import fuzz

SETTINGS = fuzz(120)
WORDS = sorted({w for terms in THEME_TERMS.values() for t in terms for w in t.split() if "{" not in w}
               | {w for s in SECTORS for w in s.split()}
               | {"strengthen", "labour", "inspection", "monitoring", "community", "training", "survivors", "hotline",
                  "recruitment", "fair", "schools", "cash", "transfers", "in", "the", "and", "of", "for"})
text = st.lists(st.sampled_from(WORDS), max_size=40).map(" ".join)
messy = st.one_of(text, st.text(max_size=300))
day = st.dates(min_value=date(2018, 1, 1), max_value=date(2034, 12, 31))
codes = st.lists(st.sampled_from(COUNTRIES + ["global", "002", "150", "XXX", "", "gha"]), max_size=4)

drafts = st.builds(
    Initiative, id=st.one_of(st.none(), st.sampled_from(["pledge:1", "work:7", "gen:5", "new"])),
    kind=st.sampled_from(["pledge", "work_item"]), title=messy, description=messy, countries=codes,
    start=st.one_of(st.none(), day), end=st.one_of(st.none(), day),
    themes=st.lists(st.sampled_from(THEMES), max_size=3), target_groups=st.lists(st.sampled_from(TARGET_GROUPS), max_size=2),
    lead_org=st.one_of(st.none(), st.sampled_from(["org-a", "org-b", "org-1", "org-2"])),
    partner_orgs=st.lists(st.sampled_from(["org-c", "org-3", "org-4"]), max_size=2))

TEXT_REASONS = {R.SHARED_PHRASES, R.SIMILAR_TEXT, R.SIMILAR_MEANING}


def check(match, draft, cfg):
    sub, found = match.subscores, {r.code for r in match.reasons}
    assert match.reasons, "every match has at least one reason"
    assert 0.0 <= match.score <= 1.0 and match.id != draft.id
    assert all(str(r) for r in match.reasons)
    assert (sub.text >= cfg.text_reason_min) == bool(found & TEXT_REASONS)
    assert (sub.place is None) == (R.COUNTRY_NOT_GIVEN in found)
    assert (sub.place is not None and sub.place > 0) == bool(found & {R.COUNTRIES, R.GLOBAL_SCOPE})
    assert (sub.place == 0.0) == (R.NO_COMMON_COUNTRY in found)
    assert (sub.time is None) == (R.DATES_NOT_GIVEN in found)
    assert (sub.time is not None and sub.time > 0) == (R.PERIOD_OVERLAP_MONTHS in found)
    assert (sub.time == 0.0) == (R.DIFFERENT_PERIOD in found)
    assert (sub.theme is not None and sub.theme > 0) == bool(found & {R.SHARED_THEMES, R.SHARED_TARGET_GROUPS})
    assert (sub.organisation is not None and sub.organisation > 0) == bool(found & {R.SAME_ORGANISATION, R.SHARED_PARTNER})
    assert match.same_organisation == (R.SAME_ORGANISATION in found)
    if match.tier is Tier.LIKELY:
        assert sub.place != 0.0 and sub.time != 0.0 and R.SHORT_TEXT not in found
        assert match.score >= cfg.likely and sub.text >= cfg.likely_text
    if sub.place == 0.0 or sub.time == 0.0 or R.SHORT_TEXT in found:  # gates act on the score
        assert match.score < cfg.likely
    corroborated = any(v is not None and v > 0 for v in (sub.place, sub.time, sub.theme, sub.organisation))
    if not corroborated and sub.text < cfg.near_identical:  # text alone: "likely" only when near-identical
        assert match.score < cfg.likely
    if sub.organisation is not None and 0 < sub.organisation < cfg.linked_partner and sub.text < cfg.near_identical:
        assert match.score < cfg.likely  # two grantees of one funder: related, not the same initiative
    elif match.tier is Tier.POSSIBLE:
        assert match.score >= cfg.possible
    phrases = match.reason(R.SHARED_PHRASES)
    if phrases:
        assert 1 <= len(phrases.params[0]) <= 5
    countries = match.reason(R.COUNTRIES)
    if countries:
        assert 1 <= len(countries.params[0]) <= 10 and countries.params[1] >= len(countries.params[0])


@SETTINGS
@given(draft=drafts, include_below=st.booleans(), k=st.integers(min_value=1, max_value=12))
def test_matches_always_explain_themselves(detector, draft, include_below, k):
    cfg = detector.scoring
    result = detector.find_overlaps(draft, k=k, include_below=include_below)
    assert len(result) <= k
    assert [m.score for m in result] == sorted((m.score for m in result), reverse=True)
    for match in result:
        check(match, draft, cfg)
        if not include_below:
            assert match.tier is not Tier.BELOW


@SETTINGS
@given(draft=drafts, shift=st.integers(min_value=-4000, max_value=4000))
def test_compare_explains_any_pair_consistently(detector, draft, shift):
    other = Initiative(id="other", title=draft.description, description=draft.title, countries=draft.countries[:1],
                       start=draft.start and draft.start + timedelta(days=shift), end=None,
                       themes=draft.themes, lead_org=draft.lead_org)
    check(detector.compare(draft, other), Initiative(id="x"), detector.scoring)


any_day = st.one_of(st.none(), day, st.dates())  # the whole calendar: open ends are held at its edges


@SETTINGS
@given(a=drafts, others=st.lists(drafts, min_size=1, max_size=4), cosines=st.data(),
       a_dates=st.tuples(any_day, any_day), b_dates=st.tuples(any_day, any_day))
def test_quick_scores_agree_with_the_explained_score(a, others, cosines, a_dates, b_dates):
    """Ranking scores the shortlist with numpy, straight from the stored arrays (and from the records
    of the delta); whatever the records, it gives the score and tier of the explained match."""
    from app.dedup import calibrated_scoring
    from app.dedup.records import Columns, RecordStore, prepare
    from app.dedup.scoring import quick_scores, score_pair

    cfg = calibrated_scoring()
    pa = prepare(replace(a, start=a_dates[0], end=a_dates[1]))[0]
    others = [replace(b, id=f"other-{n}", start=b_dates[0], end=b_dates[1]) if n == 0 else replace(b, id=f"other-{n}")
              for n, b in enumerate(others)]
    prepared = [prepare(b)[0] for b in others]
    cosine = st.floats(min_value=0.0, max_value=1.0)
    values = cosines.draw(st.lists(cosine, min_size=len(others), max_size=len(others)))
    meanings = cosines.draw(st.one_of(st.none(), st.lists(cosine, min_size=len(others), max_size=len(others))))
    expected = [score_pair(pa, pb, lexical, None if meanings is None else meanings[n], cfg)[:2]
                for n, (pb, lexical) in enumerate(zip(prepared, values))]
    assert quick_scores(pa, Columns.of(pa, prepared), values, meanings, cfg) == expected
    gone = prepare(replace(others[0], id="gone"))[0]
    store = RecordStore()
    store.build(prepared + [gone])
    store.upsert(prepared[0])  # the first one from the delta (its base row is dead), the others from the arrays
    store.remove("gone")
    ids = [p.id for p in prepared]
    assert quick_scores(pa, store.columns(pa, ids + ["gone", "unknown"]), values + [0.5, 0.5],
                        None if meanings is None else meanings + [0.5, 0.5], cfg) == expected + [None, None]
