"""The detector's reason codes rendered in English, French and Spanish (countries, areas, months...)."""
from __future__ import annotations

import pytest
from flask_babel import force_locale

from app.dedup import R, Reason
from app.extensions import db
from app.overlaps.reasons import flip, from_stored, render, render_all, tier_label, to_stored
from tests.overlaps.conftest import COCOA_DRAFT

SAMPLES = [
    Reason(R.SHARED_PHRASES, (("child labour", "cocoa farms"),)),
    Reason(R.SIMILAR_TEXT, (72,)),
    Reason(R.SIMILAR_MEANING, (84,)),
    Reason(R.COUNTRIES, (("CIV", "GHA"), 2)),
    Reason(R.COUNTRIES, (("CIV",), 4)),
    Reason(R.GLOBAL_SCOPE, ("other",)),
    Reason(R.PERIOD_OVERLAP_MONTHS, (1,)),
    Reason(R.PERIOD_OVERLAP_MONTHS, (14,)),
    Reason(R.SHARED_THEMES, (("child_labour", "forced_labour"),)),
    Reason(R.SHARED_TARGET_GROUPS, (("children", "migrants"),)),
    Reason(R.SAME_ORGANISATION, ()),
    Reason(R.SHARED_PARTNER, (("org:1", "ext:XM-1"),)),
    Reason(R.NO_COMMON_COUNTRY, ()),
    Reason(R.DIFFERENT_PERIOD, (7,)),
    Reason(R.COUNTRY_NOT_GIVEN, ("draft",)),
    Reason(R.DATES_NOT_GIVEN, ("both",)),
    Reason(R.NO_END_DATE, ("other",)),
    Reason(R.NO_START_DATE, ("draft",)),
    Reason(R.SHORT_TEXT, ("other",)),
    Reason(R.TEXT_CUT, (4000,)),
    Reason(R.UNKNOWN_COUNTRIES, (("XXX",),)),
    Reason(R.END_BEFORE_START, ()),
    Reason(R.EMPTY_DRAFT, ()),
]


def test_every_code_has_a_sentence(app):
    codes = {v for k, v in vars(R).items() if k.isupper() and isinstance(v, str)}
    assert codes == {r.code for r in SAMPLES}
    with app.test_request_context():
        for reason in SAMPLES:
            assert render(reason).text != str(reason) or reason.code in (R.NO_COMMON_COUNTRY,), reason


@pytest.mark.parametrize("lang, expected", [
    ("en", ["Countries in common: Côte d’Ivoire, Ghana", "The periods overlap for 1 month",
            "The periods overlap for 14 months", "Same 8.7 areas: Child labour, Forced labour",
            "Same target groups: Children aged 5–17, Migrants", "Countries in common: Côte d’Ivoire and 3 more",
            "No end date (the other initiative)", "Shared partner: Acme Org, XM-1"]),
    ("fr", ["Pays en commun : Côte d’Ivoire, Ghana", "Les périodes se recouvrent sur 1 mois",
            "Mêmes domaines 8.7 : Travail des enfants, Travail forcé", "Pas de date de fin (l’autre initiative)",
            "Partenaire commun : Acme Org, XM-1"]),
    ("es", ["Países en común: Côte d’Ivoire, Ghana", "Los periodos se superponen durante 1 mes",
            "Los periodos se superponen durante 14 meses", "Mismos ámbitos 8.7: Trabajo infantil, Trabajo forzoso",
            "Sin fecha de fin (la otra iniciativa)"]),
])
def test_reasons_read_naturally_in_each_language(app, lang, expected):
    with app.test_request_context(), force_locale(lang):
        texts = [r.text for r in render_all(SAMPLES, org_names={"org:1": "Acme Org"})]
    for sentence in expected:
        assert sentence in texts, (sentence, texts)


def test_evidence_comes_first_then_against_then_caveats(app):
    with app.test_request_context():
        kinds = [r.kind for r in render_all(reversed(SAMPLES))]
    assert kinds == sorted(kinds, key=["evidence", "against", "caveat"].index)


def test_stored_reasons_round_trip_and_turn_round(app):
    stored = to_stored(SAMPLES)
    assert from_stored(stored) == SAMPLES
    assert from_stored([["x"], None, 3]) == []
    flipped = flip(SAMPLES)
    assert Reason(R.NO_END_DATE, ("draft",)) in flipped and Reason(R.DATES_NOT_GIVEN, ("both",)) in flipped
    assert flip(flipped) == SAMPLES


def test_tiers_have_labels_in_each_language(app):
    with app.test_request_context(), force_locale("fr"):
        assert tier_label("likely_duplicate") == "Doublon probable"
    with app.test_request_context(), force_locale("es"):
        assert tier_label("possible_overlap") == "Posible superposición"


def test_the_panel_speaks_the_readers_language(signed_in, world):
    world.people.outsider.locale = "fr"
    db.session.commit()
    response = signed_in("outsider").post("/overlaps/check?kind=pledge", data=COCOA_DRAFT)
    data = response.get_json()
    texts = [r["text"] for m in data["matches"] for r in m["reasons"]]
    assert any(t.startswith("Pays en commun : ") for t in texts)
    assert data["matches"][0]["tier_label"] in ("Doublon probable", "Chevauchement possible")
    assert data["matches"][0]["kind_label"] in ("Engagement", "Activité externe")
