"""find_overlaps and compare: the rules of the issue, one behaviour per test."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from app.dedup import (
    DESCRIPTION_LIMIT,
    DetectorConfig,
    DuplicateDetector,
    Initiative,
    Overlaps,
    R,
    Relation,
    Tier,
)
from tests.dedup.conftest import COCOA, FISHING, HOTLINE

# The cocoa initiative as another organisation would enter it: reworded a little, British → American.
COCOA_AGAIN = Initiative(
    title="Community-based child labor monitoring in cocoa growing districts",
    description="Setting up community-based child labor monitoring and remediation systems in 40 cocoa farming "
                "communities of the Western and Ashanti regions; cooperative leaders are trained and identified "
                "children referred to schools and social services.",
    countries=("GHA",), start=date(2025, 6, 1), end=date(2027, 6, 30), themes=("child_labour",),
    target_groups=("children",), lead_org="org-z")


def codes(match):
    return [r.code for r in match.reasons]


def test_a_near_copy_by_another_organisation_is_a_likely_duplicate(detector):
    result = detector.find_overlaps(COCOA_AGAIN)
    assert isinstance(result, Overlaps) and result.notes == ()
    top = result[0]
    assert top.id == COCOA.id and top.kind == "pledge"
    assert top.tier is Tier.LIKELY and 0 < top.score <= 1
    assert top.relation is Relation.OTHER_ORGANISATION and not top.same_organisation
    assert codes(top)[:1] == [R.SHARED_PHRASES]
    phrases = top.reason(R.SHARED_PHRASES).params[0]
    assert 1 <= len(phrases) <= 5 and any("monitoring" in p or "cocoa" in p for p in phrases)
    assert top.reason(R.COUNTRIES).params == (("GHA",), 1)
    assert top.reason(R.PERIOD_OVERLAP_MONTHS).params[0] == 25
    assert top.reason(R.SHARED_THEMES).params == (("child_labour",),)
    assert "Ghana" in str(top) and "likely duplicate" in str(top)


def test_results_are_ranked_and_limited_to_k(detector):
    result = detector.find_overlaps(COCOA_AGAIN, k=3, include_below=True)
    assert len(result) == 3
    assert [m.score for m in result] == sorted((m.score for m in result), reverse=True)


def test_never_matches_itself(detector):
    result = detector.find_overlaps(COCOA, include_below=True)
    assert COCOA.id not in [m.id for m in result]
    edited = replace(COCOA, description=COCOA.description + " Extended to Eastern region.")
    assert COCOA.id not in [m.id for m in detector.find_overlaps(edited, include_below=True)]


def test_same_organisation_is_labelled_as_a_related_initiative(detector):
    mine = replace(COCOA_AGAIN, lead_org="org-a")
    top = detector.find_overlaps(mine)[0]
    assert top.id == COCOA.id
    assert top.relation is Relation.SAME_ORGANISATION and top.same_organisation
    assert top.reason(R.SAME_ORGANISATION) is not None and top.subscores.organisation == 1.0
    assert "your organisation's related initiative" in str(top)


def test_a_shared_partner_is_said(detector):
    draft = replace(FISHING, id=None, lead_org="org-x", partner_orgs=("org-c",))
    top = detector.find_overlaps(draft)[0]
    assert top.id == FISHING.id and top.relation is Relation.SHARED_PARTNER
    assert top.reason(R.SHARED_PARTNER).params == (("org-c",),)


def test_disjoint_countries_are_never_a_likely_duplicate(detector):
    elsewhere = replace(COCOA_AGAIN, countries=("CIV",))
    match = next(m for m in detector.find_overlaps(elsewhere, include_below=True) if m.id == COCOA.id)
    assert match.tier is not Tier.LIKELY
    assert match.subscores.place == 0.0 and match.reason(R.NO_COMMON_COUNTRY) is not None
    assert match.reason(R.COUNTRIES) is None
    # the veto acts on the score: an exact copy elsewhere ranks below the real match
    copy_elsewhere = replace(COCOA, id=None, lead_org="org-z", countries=("CIV",))
    assert detector.compare(copy_elsewhere, COCOA.id).score < detector.compare(COCOA_AGAIN, COCOA.id).score


def test_periods_that_do_not_overlap_are_never_a_likely_duplicate(detector):
    later = replace(COCOA_AGAIN, start=date(2029, 1, 1), end=date(2030, 12, 31))
    match = next(m for m in detector.find_overlaps(later, include_below=True) if m.id == COCOA.id)
    assert match.tier is not Tier.LIKELY
    assert match.subscores.time == 0.0 and match.reason(R.DIFFERENT_PERIOD).params == (12,)


def test_missing_countries_and_dates_are_neutral_and_said(detector):
    vague = replace(COCOA_AGAIN, countries=(), start=None, end=None)
    top = detector.find_overlaps(vague)[0]
    assert top.id == COCOA.id and top.tier is not Tier.BELOW
    assert top.subscores.place is None and top.subscores.time is None
    assert top.reason(R.COUNTRY_NOT_GIVEN).params == ("draft",)
    assert top.reason(R.DATES_NOT_GIVEN).params == ("draft",)
    assert top.reason(R.COUNTRY_NOT_GIVEN).is_caveat


def test_no_end_date_is_said_and_still_overlaps(detector):
    open_ended = replace(COCOA_AGAIN, end=None)
    top = detector.find_overlaps(open_ended)[0]
    assert top.id == COCOA.id and top.subscores.time > 0
    assert top.reason(R.NO_END_DATE).params == ("draft",)


@pytest.mark.parametrize("start, end, overlaps", [(date(9997, 1, 1), None, False),
                                                   (None, date(1, 6, 1), False),
                                                   (date(1, 1, 1), date(9999, 12, 31), True)])
def test_dates_at_the_ends_of_the_calendar_are_scored(detector, start, end, overlaps):
    # an open end is assumed some years from the known date: near year 1 or 9999 that must not overflow
    draft = replace(COCOA_AGAIN, start=start, end=end)
    assert COCOA.id in [m.id for m in detector.find_overlaps(draft, include_below=True)]
    assert (detector.compare(draft, COCOA).subscores.time > 0) is overlaps


def test_a_global_initiative_overlaps_any_country(detector):
    worldwide = replace(COCOA_AGAIN, countries=("global",))
    top = detector.find_overlaps(worldwide)[0]
    assert top.id == COCOA.id and top.subscores.place > 0
    assert top.reason(R.GLOBAL_SCOPE).params == ("draft",)


def test_a_region_is_expanded_to_its_countries(detector):
    africa = replace(COCOA_AGAIN, countries=("002",))
    top = detector.find_overlaps(africa)[0]
    assert top.id == COCOA.id and top.reason(R.COUNTRIES).params == (("GHA",), 1)
    custom = DuplicateDetector.build([COCOA], DetectorConfig(regions={"WAF": ("GHA", "CIV")}))
    assert custom.find_overlaps(replace(COCOA_AGAIN, countries=("WAF",)))[0].reason(R.COUNTRIES) is not None


def test_short_texts_do_not_trigger_on_text_alone(detector):
    short = Initiative(title="Child labour in cocoa", description="", countries=(), themes=())
    for match in detector.find_overlaps(short, include_below=True):
        assert match.tier is not Tier.LIKELY
        if match.subscores.text > 0:
            assert match.reason(R.SHORT_TEXT).params[0] in ("draft", "both")


def test_boilerplate_shared_by_many_initiatives_weighs_little():
    boilerplate = ("This initiative contributes to SDG target 8.7 and to the work of Alliance 8.7, and its "
                   "results are shared with all partners of the Alliance through the knowledge platform.")
    topics = ["vocational training for adolescents in garment factories", "microcredit for women's cooperatives in "
              "tea estates", "birth registration campaigns in remote villages", "radio dramas about fair recruitment",
              "legal aid clinics for domestic workers", "school feeding in cotton-growing areas",
              "shelters for survivors of sexual exploitation", "audits of seafood processing plants",
              "data collection on bonded labour in brick kilns", "reintegration of children released by armed groups"]
    items = [Initiative(id=f"b:{i}", title=topic.capitalize(), description=f"We provide {topic}. {boilerplate}",
                        countries=("KEN",), themes=("child_labour",), start=date(2025, 1, 1), end=date(2026, 1, 1))
             for i, topic in enumerate(topics * 6)]
    detector = DuplicateDetector.build(items + [COCOA, FISHING, HOTLINE])
    draft = Initiative(title="Mobile clinics for miners", description="We run mobile health clinics for artisanal "
                       f"miners and their children. {boilerplate}", countries=("KEN",), themes=("child_labour",),
                       start=date(2025, 1, 1), end=date(2026, 1, 1))
    assert detector.find_overlaps(draft) == []
    for match in detector.find_overlaps(draft, include_below=True):
        phrases = match.reason(R.SHARED_PHRASES)
        assert phrases is None or not any("alliance" in p or "sdg target" in p for p in phrases.params[0])


def test_an_empty_draft_gives_no_matches_and_says_so(detector):
    for draft in (Initiative(), Initiative(title="   ", description="\n"), Initiative(title="!!! ???")):
        result = detector.find_overlaps(draft)
        assert result == [] and R.EMPTY_DRAFT in [n.code for n in result.notes]


def test_a_huge_description_is_cut_and_said(detector):
    huge = replace(COCOA_AGAIN, description=COCOA_AGAIN.description + " More details follow." * 5000)
    result = detector.find_overlaps(huge)  # no error, and the note says where the text was cut
    assert len(result) <= 10
    assert [n for n in result.notes if n.code == R.TEXT_CUT][0].params == (DESCRIPTION_LIMIT,)


def test_unknown_country_codes_are_ignored_and_said(detector):
    result = detector.find_overlaps(replace(COCOA_AGAIN, countries=("GHA", "XXX", "atlantis")))
    assert result[0].id == COCOA.id and result[0].reason(R.COUNTRIES).params == (("GHA",), 1)
    assert [n for n in result.notes if n.code == R.UNKNOWN_COUNTRIES][0].params == (("XXX", "atlantis"),)


def test_an_end_before_the_start_is_ignored_and_said(detector):
    result = detector.find_overlaps(replace(COCOA_AGAIN, start=date(2026, 1, 1), end=date(2025, 1, 1)))
    assert R.END_BEFORE_START in [n.code for n in result.notes]
    top = result[0]
    assert top.id == COCOA.id and top.reason(R.NO_END_DATE).params == ("draft",)


@pytest.mark.parametrize("title, description", [
    ("مكافحة عمل الأطفال في مزارع الكاكاو", "رصد عمل الأطفال في المجتمعات الزراعية وإحالة الأطفال إلى المدارس والخدمات "
                                           "الاجتماعية في مناطق زراعة الكاكاو"),
    ("可可种植区社区童工监测", "在四十个可可种植社区建立以社区为基础的童工监测和补救系统，培训合作社领导，并将发现的儿童转介到学校和社会服务机构。"),
    ("Мониторинг детского труда в районах выращивания какао", "Создание систем мониторинга детского труда на уровне "
                                                            "общин в сорока общинах, выращивающих какао, и направление "
                                                            "выявленных детей в школы и социальные службы."),
])
def test_non_latin_scripts_match_their_own_near_copies(background, title, description):
    original = Initiative(id="x:1", title=title, description=description, countries=("GHA",),
                          start=date(2025, 1, 1), end=date(2026, 12, 31), themes=("child_labour",))
    detector = DuplicateDetector.build(background[:300] + [original])
    copy = replace(original, id=None, description=description + " 2025", lead_org="org-q")
    result = detector.find_overlaps(copy)
    assert result and result[0].id == "x:1" and result[0].tier is Tier.LIKELY
    assert result[0].reasons and all(str(r) for r in result[0].reasons)


def test_unrelated_work_in_the_same_place_and_theme_is_not_flagged(detector):
    other_work = Initiative(
        title="Cash transfers to keep children in school",
        description="Monthly cash transfers to 5,000 poor households, conditional on school attendance, paid "
                    "by mobile money through the national social protection programme.",
        countries=("GHA",), start=date(2025, 1, 1), end=date(2027, 12, 31), themes=("child_labour",),
        target_groups=("children",))
    assert COCOA.id not in [m.id for m in detector.find_overlaps(other_work)]


def test_changes_are_visible_to_the_next_query(fresh_detector):
    d = fresh_detector
    assert d.find_overlaps(COCOA_AGAIN)[0].id == COCOA.id
    generation = d.generation
    d.remove(COCOA.id)
    assert COCOA.id not in [m.id for m in d.find_overlaps(COCOA_AGAIN, include_below=True)]
    assert COCOA.id not in d and d.generation == generation + 1
    d.upsert(replace(COCOA, id="pledge:99"))
    assert d.find_overlaps(COCOA_AGAIN)[0].id == "pledge:99"
    # an edit replaces the previous version: the old text no longer matches
    d.upsert(replace(COCOA, id="pledge:99", title="Teacher training in Accra", description="Training 200 "
                     "primary school teachers in Accra in inclusive pedagogy and classroom management methods."))
    assert "pledge:99" not in [m.id for m in d.find_overlaps(COCOA_AGAIN)]
    d.apply_changes(upserts=[COCOA], removals=["pledge:99", "never-existed"], through=41)
    assert d.applied_through == 41 and "pledge:99" not in d and COCOA.id in d
    assert d.find_overlaps(COCOA_AGAIN)[0].id == COCOA.id


def test_editing_a_base_item_replaces_it(fresh_detector):
    d = fresh_detector
    size = len(d)
    d.upsert(replace(HOTLINE, title="Hotline for trafficking survivors in Nepal and India"))
    assert len(d) == size
    assert d.compare(HOTLINE.id, FISHING.id).id == FISHING.id


def test_compare_explains_any_pair(detector):
    match = detector.compare(COCOA_AGAIN, COCOA.id)
    assert match.id == COCOA.id and match.tier is Tier.LIKELY
    assert match.subscores == detector.find_overlaps(COCOA_AGAIN)[0].subscores
    far = detector.compare(COCOA.id, HOTLINE.id)
    assert far.tier is Tier.BELOW and far.reasons
    with pytest.raises(KeyError):
        detector.compare(COCOA.id, "nope")


def test_an_initiative_needs_an_id_to_be_indexed(fresh_detector):
    with pytest.raises(ValueError):
        fresh_detector.upsert(Initiative(title="no id"))
    with pytest.raises(ValueError):
        DuplicateDetector.build([Initiative(title="no id")])


def test_an_empty_registry_answers_with_nothing():
    detector = DuplicateDetector.build([])
    assert detector.find_overlaps(COCOA_AGAIN) == [] and len(detector) == 0
    detector.upsert(COCOA)
    assert detector.find_overlaps(COCOA_AGAIN)[0].id == COCOA.id


def test_background_rebuild_keeps_changes_made_meanwhile(fresh_detector):
    d = fresh_detector
    d.upsert(replace(COCOA, id="pledge:2"))
    thread = d.rebuild_in_background()
    d.remove(HOTLINE.id)
    thread.join(timeout=60)
    stats = d.stats()
    assert stats["delta"] <= 1 and HOTLINE.id not in d and "pledge:2" in d
    assert {m.id for m in d.find_overlaps(COCOA_AGAIN)} >= {COCOA.id, "pledge:2"}


def test_country_names_are_not_shown_as_shared_phrases(detector):
    draft = replace(COCOA_AGAIN, description=COCOA_AGAIN.description + " Work in Ghana only.")
    top = detector.find_overlaps(draft)[0]
    assert not any("ghana" in p for p in top.reason(R.SHARED_PHRASES).params[0])


def test_pairs_lists_each_overlapping_pair_once():
    again = replace(COCOA_AGAIN, id="pledge:2")
    detector = DuplicateDetector.build([COCOA, again, FISHING, HOTLINE])
    pairs = list(detector.pairs())
    assert [(a, m.id) for a, m in pairs] in ([(COCOA.id, "pledge:2")], [("pledge:2", COCOA.id)])
    assert pairs[0][1].tier is Tier.LIKELY
    assert list(detector.pairs(ids=[HOTLINE.id])) == []


def test_a_material_change_is_told_from_a_cosmetic_one(detector):
    assert not detector.changed_materially(COCOA, replace(COCOA, title=COCOA.title + "."))
    assert not detector.changed_materially(COCOA, replace(COCOA, description=COCOA.description.replace("40", "forty")))
    assert detector.changed_materially(COCOA, replace(COCOA, countries=("GHA", "CIV")))
    assert detector.changed_materially(COCOA, replace(COCOA, end=date(2028, 12, 31)))
    assert detector.changed_materially(COCOA, replace(COCOA, description=HOTLINE.description))


def test_a_lexical_only_detector_uses_its_own_thresholds(tmp_path):
    detector = DuplicateDetector.build([COCOA, FISHING, HOTLINE], DetectorConfig(semantic=False))
    assert not detector.stats()["semantic"] and detector.scoring == DetectorConfig().lexical_scoring
    detector.save(tmp_path)
    loaded = DuplicateDetector.load(tmp_path, DetectorConfig(semantic=False))
    assert not loaded.stats()["semantic"] and not loaded.needs_embedding
    assert loaded.find_overlaps(COCOA_AGAIN)[0].id == COCOA.id


def test_a_funder_and_its_implementer_weigh_more_than_two_grantees_of_one_funder(detector):
    implementer = replace(FISHING, id=None, lead_org="org-x", partner_orgs=("org-b",))  # names FISHING's lead
    sibling = replace(FISHING, id=None, lead_org="org-x", partner_orgs=("org-c",))  # shares a third organisation
    linked, shared = detector.compare(implementer, FISHING.id), detector.compare(sibling, FISHING.id)
    assert linked.relation is shared.relation is Relation.SHARED_PARTNER
    assert linked.subscores.organisation > shared.subscores.organisation > 0 and linked.score > shared.score
    # the same from the ranking path (numpy, straight from the stored arrays)
    top = detector.find_overlaps(implementer, include_below=True)[0]
    assert top.id == FISHING.id and top.score == linked.score


def test_structure_alone_is_no_overlap(detector):
    """The same organisation in the same place and period doing unrelated work is below the line: without
    text in common (text score under ``possible_text``), structure may not make a pair worth a look."""
    unrelated = Initiative(
        title="Evening literacy classes for adults in the northern districts",
        description="Volunteer teachers run evening reading and writing classes for adults in community halls, "
                    "with printed workbooks and a small library in each hall.",
        countries=("GHA",), start=date(2025, 1, 1), end=date(2027, 12, 31), lead_org="org-a")
    match = detector.compare(unrelated, COCOA.id)
    assert match.subscores.place == 1.0 and match.subscores.organisation == 1.0
    assert match.subscores.text < detector.config.scoring.possible_text
    assert match.tier is Tier.BELOW
    assert COCOA.id not in {m.id for m in detector.find_overlaps(unrelated) if m.tier is not Tier.BELOW}
