"""The dataclasses: inputs normalised, every reason code readable in plain English."""
from __future__ import annotations

import dataclasses

import pytest

from app.dedup import Initiative, R, Reason, Tier

SAMPLE_PARAMS = {
    R.SHARED_PHRASES: (("labour inspection", "cocoa"),), R.SIMILAR_TEXT: (64,), R.SIMILAR_MEANING: (81,),
    R.COUNTRIES: (("KEN", "UGA"), 2),
    R.GLOBAL_SCOPE: ("other",), R.PERIOD_OVERLAP_MONTHS: (14,), R.SHARED_THEMES: (("child_labour",),),
    R.SHARED_TARGET_GROUPS: (("migrants",),), R.SAME_ORGANISATION: (), R.SHARED_PARTNER: (("org-3",),),
    R.NO_COMMON_COUNTRY: (), R.DIFFERENT_PERIOD: (7,), R.COUNTRY_NOT_GIVEN: ("draft",), R.DATES_NOT_GIVEN: ("both",),
    R.NO_END_DATE: ("other",), R.NO_START_DATE: ("draft",), R.SHORT_TEXT: ("draft",), R.TEXT_CUT: (4000,),
    R.UNKNOWN_COUNTRIES: (("XXX",),), R.END_BEFORE_START: (), R.EMPTY_DRAFT: (),
}


def test_every_reason_code_has_english_text():
    codes = R.EVIDENCE | R.AGAINST | R.CAVEATS | R.NOTES
    assert codes == set(SAMPLE_PARAMS)
    for code, params in SAMPLE_PARAMS.items():
        text = str(Reason(code, params))
        assert text and repr(params) not in text and not text.startswith(f"{code} ("), code
    assert "Kenya, Uganda" in str(Reason(R.COUNTRIES, (("KEN", "UGA"), 2)))
    assert "and 3 more" in str(Reason(R.COUNTRIES, (("KEN", "UGA"), 5)))
    assert Reason(R.NO_END_DATE, ("draft",)).is_caveat and Reason(R.NO_COMMON_COUNTRY).is_against


def test_an_initiative_is_normalised_and_frozen():
    item = Initiative(id=12, title=None, countries=["KEN"], themes="trafficking", partner_orgs=[3, "4"], lead_org=7)
    assert item.id == "12" and item.title == "" and item.countries == ("KEN",) and item.themes == ("trafficking",)
    assert item.partner_orgs == ("3", "4") and item.lead_org == "7"
    assert hash(item) == hash(Initiative(id="12", countries=("KEN",), themes=("trafficking",), partner_orgs=("3", "4"),
                                         lead_org="7"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        item.title = "changed"


def test_tiers_order_and_label():
    assert Tier.LIKELY.rank > Tier.POSSIBLE.rank > Tier.BELOW.rank
    assert Tier.LIKELY.label == "likely duplicate" and Tier("possible_overlap") is Tier.POSSIBLE
