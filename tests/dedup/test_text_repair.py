"""Mis-encoded accents (UTF-8 read as Windows-1252, as in some IATI files) are repaired before comparing."""
from __future__ import annotations

import pytest

from app.dedup import DuplicateDetector, Initiative
from app.dedup.records import prepare
from app.dedup.text import normalise, repair


@pytest.mark.parametrize("garbled, clean", [
    ("Programa de protecciÃ³n social de la niÃ±ez", "Programa de protección social de la niñez"),
    ("Lutte contre le travail des enfants en CÃ´te dâ€™Ivoire", "Lutte contre le travail des enfants en Côte d’Ivoire"),
    ("BRC is sending Â£ 125,000 to IFRC's Global Covid appeal", "BRC is sending £ 125,000 to IFRC's Global Covid appeal"),
    ("RÃ©ponse COVID-19 au SÃ©nÃ©gal", "Réponse COVID-19 au Sénégal"),
])
def test_mis_encoded_accents_are_repaired(garbled, clean):
    assert repair(garbled) == clean
    assert normalise(repair(garbled)) == normalise(clean)


@pytest.mark.parametrize("text", [
    "", "Plain ASCII text, left alone", "Réponse au COVID-19 au Sénégal", "Niños y niñas en situación de calle",
    "‘Quoted’ titles – with dashes", "Ｆｕｌｌ width and the ﬁ ligature stay", "儿童劳动 监测 项目", "مكافحة عمل الأطفال",
    "Two lines\r\nof text", "Société &amp; Co",
])
def test_correct_text_is_left_as_written(text):
    assert repair(text) == text


def test_none_is_empty():
    assert repair(None) == ""


def test_the_detector_compares_the_repaired_text():
    clean = Initiative(id="clean", title="Protección social de la niñez trabajadora en Perú",
                       description="Programa de protección social y erradicación del trabajo infantil en la "
                                   "agricultura familiar de Cusco y Puno, con las municipalidades.",
                       countries=("PER",))
    garbled = Initiative(id="garbled", title="ProtecciÃ³n social de la niÃ±ez trabajadora en PerÃº",
                         description="Programa de protecciÃ³n social y erradicaciÃ³n del trabajo infantil en la "
                                     "agricultura familiar de Cusco y Puno, con las municipalidades.",
                         countries=("PER",))
    prepared, _notes = prepare(garbled)
    assert prepared.title == clean.title and prepared.description == clean.description
    other = Initiative(id="other", title="Ending forced labour on Thai fishing vessels",
                       description="Inspect long-haul fishing vessels and train port state control officers.",
                       countries=("THA",))
    as_written = DuplicateDetector.build([garbled, other]).compare(clean, "garbled")
    identical = DuplicateDetector.build([clean, other]).compare(clean, "clean")
    assert as_written.subscores == identical.subscores and as_written.score == identical.score
    assert "Ã" not in repr(as_written.reasons)
