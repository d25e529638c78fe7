"""`flask import-indicators`: idempotent, all or nothing, with a summary and per-row errors."""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

from app.extensions import db
from app.knowledge.indicators import import_indicators
from app.knowledge.models import IndicatorValue

NOW = datetime(2026, 3, 1, tzinfo=timezone.utc)
HEADER = "country_code,indicator_code,year,value,sex,age_group,source\n"
GOOD = HEADER + ("KEN,SL_TLF_CHLDEA,2019,8.5,total,5-17,National survey 2019\n"
                 "KEN,SL_TLF_CHLDEA,2019,7.9,female,5-17,National survey 2019\n"
                 "ken,sl_tlf_chldea,2022,7.1,,5-17,National survey 2022\n")
SAMPLE = Path(__file__).resolve().parents[2] / "app" / "knowledge" / "data" / "indicators-sample.csv"


def count() -> int:
    return db.session.scalar(sa.select(sa.func.count(IndicatorValue.id)))


def test_a_good_file_is_imported_and_importing_it_again_changes_nothing(app):
    first = import_indicators(GOOD, now=NOW)
    assert first.ok and (first.read, first.added, first.updated, first.unchanged) == (3, 3, 0, 0)
    db.session.commit()
    again = import_indicators(GOOD, now=NOW)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 3) and count() == 3
    changed = import_indicators(GOOD.replace("7.1,,5-17", "6.9,,5-17"), now=NOW)
    db.session.commit()
    assert (changed.added, changed.updated, changed.unchanged) == (0, 1, 2)
    value = db.session.scalar(sa.select(IndicatorValue).where(IndicatorValue.year == 2022))
    assert value.value == Decimal("6.9") and value.sex == "total" and value.country_code == "KEN"


def test_bad_rows_are_each_reported_and_nothing_is_saved(app):
    text = HEADER + ("KEN,SL_TLF_CHLDEA,2019,8.5,total,5-17,Survey\n"
                     "XXX,SL_TLF_CHLDEA,2019,8.5,total,5-17,Survey\n"       # line 3: unknown country
                     "KEN,NOPE,2019,8.5,total,5-17,Survey\n"                # line 4: unknown indicator
                     "KEN,SL_TLF_CHLDEA,2018,about 8,total,5-17,Survey\n"   # line 5: not a number
                     "KEN,SL_TLF_CHLDEA,2019,9.0,total,5-17,Survey\n"       # line 6: repeats line 2
                     "KEN,SL_TLF_CHLDEA,2017,140,total,5-17,Survey\n"       # line 7: a proportion above 100
                     "KEN,SL_TLF_CHLDEA,2030,1,other,5 to 17,\n")           # line 8: year, sex, ages, source
    result = import_indicators(text, now=NOW)
    assert not result.ok and result.added == 0 and count() == 0
    lines = [line for line, _message in result.errors]
    assert lines == [3, 4, 5, 6, 7, 8, 8, 8, 8]
    messages = dict(result.errors)
    assert "unknown country code “XXX”" in messages[3] and "unknown indicator code “NOPE”" in messages[4]
    assert "“about 8” is not a number" in messages[5] and "as line 2" in messages[6]


def test_a_missing_column_is_reported_once(app):
    result = import_indicators("country_code,year,value\nKEN,2019,3\n", now=NOW)
    assert result.errors == [(1, "the header lacks the column(s) indicator_code, source; it needs country_code, "
                                 "indicator_code, year, value, sex, age_group, source")]


def test_the_command_prints_a_summary_or_the_errors(app, tmp_path):
    good = tmp_path / "good.csv"
    good.write_text(GOOD, encoding="utf-8")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["import-indicators", str(good)])
    assert result.exit_code == 0 and "3 rows read: 3 added, 0 updated, 0 unchanged." in result.output
    assert "0 added, 0 updated, 3 unchanged" in runner.invoke(args=["import-indicators", str(good)]).output
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "KEN,SL_TLF_CHLDEA,2019,x,total,,S\n", encoding="utf-8")
    result = runner.invoke(args=["import-indicators", str(bad)])
    assert result.exit_code == 1 and "line 2: the value “x” is not a number" in result.output
    assert "nothing was imported" in result.output and count() == 3
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x00bad")
    assert runner.invoke(args=["import-indicators", str(binary)]).exit_code == 1


def test_the_sample_file_is_valid_and_marked_illustrative(app):
    result = import_indicators(SAMPLE.read_text(encoding="utf-8"), now=NOW)
    assert result.ok and result.added == result.read > 100
    assert db.session.scalar(sa.select(sa.func.count()).where(IndicatorValue.is_illustrative.is_(False))) == 0
    assert all("ILLUSTRATIVE" in s for s in db.session.scalars(sa.select(IndicatorValue.source).distinct()))
