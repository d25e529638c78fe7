"""Country indicator values (e.g. SDG indicator 8.7.1) and their CSV import.

The CSV has a header row with these columns (any order; extra columns are ignored):

    country_code    ISO 3166-1 alpha-3 (KEN)
    indicator_code  one of INDICATORS (SL_TLF_CHLDEA, ...)
    year            1950 .. this year
    value           a number (a dot for decimals); a proportion is between 0 and 100
    sex             total, female or male (empty = total)
    age_group       e.g. 5-17, 15-17, 18+ (empty = all ages)
    source          who published the value, e.g. "National child labour survey 2019"
    illustrative    optional: yes for made-up values (the demo's sample file); shown as such

The import is all or nothing: every row is checked first, and one bad row (unknown code, a value that is
not a number, a row repeated in the file...) means nothing is saved; the summary lists each bad row with
its line number. Importing the same file again changes nothing (one value per country, indicator, year,
sex and age group: a new value replaces the old one and is counted as updated).
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.i18n import is_country
from app.knowledge.models import IndicatorValue
from app.utils import one_line, utcnow, whole_number

# The indicators the Hub charts. The first two are the SDG database's series for indicator 8.7.1.
INDICATORS = {
    "SL_TLF_CHLDEA": {"label": _l("SDG 8.7.1: children aged 5–17 engaged in economic activity (%)"), "unit": "%"},
    "SL_TLF_CHLDEC": {"label": _l("SDG 8.7.1: children aged 5–17 engaged in economic activity and household "
                                  "chores (%)"), "unit": "%"},
    "CHILD_LABOUR_NUMBER": {"label": _l("Number of children aged 5–17 in child labour"), "unit": ""},
}
SEXES = {"total": _l("Total"), "female": _l("Female"), "male": _l("Male")}
COLUMNS = ("country_code", "indicator_code", "year", "value", "sex", "age_group", "source")
REQUIRED = ("country_code", "indicator_code", "year", "value", "source")
AGE_GROUP = re.compile(r"^(\d{1,2}-\d{1,2}|\d{1,2}\+)$")
FIRST_YEAR = 1950
ROWS_MAX = 100_000
VALUE_MAX = Decimal(10) ** 15


def series_label(sex: str, age_group: str) -> str:
    parts = [str(SEXES.get(sex, sex))]
    if age_group:
        parts.append(_("aged %(ages)s", ages=age_group))
    return ", ".join(parts)


@dataclass
class ImportResult:
    read: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line number, message)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class Row:
    line: int
    country_code: str
    indicator_code: str
    year: int
    sex: str
    age_group: str
    value: Decimal
    source: str
    is_illustrative: bool

    @property
    def key(self) -> tuple:
        return (self.country_code, self.indicator_code, self.year, self.sex, self.age_group)


def _row(line: int, raw: dict, this_year: int) -> tuple[Row | None, list[str]]:
    get = lambda name: one_line(raw.get(name) or "")  # noqa: E731
    problems = []
    country = get("country_code").upper()
    if not is_country(country):
        problems.append(_("unknown country code “%(code)s” (use ISO 3166-1 alpha-3, e.g. KEN)", code=country))
    indicator = get("indicator_code").upper()
    if indicator not in INDICATORS:
        problems.append(_("unknown indicator code “%(code)s” (known: %(known)s)", code=indicator,
                          known=", ".join(INDICATORS)))
    year_text = get("year")
    year = whole_number(year_text, FIRST_YEAR, this_year)
    if year is None:
        problems.append(_("the year “%(year)s” is not a year between %(first)d and %(last)d", year=year_text,
                          first=FIRST_YEAR, last=this_year))
    value_text = get("value")
    try:
        value = Decimal(value_text)
        if not value.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        value = None
        problems.append(_("the value “%(value)s” is not a number (write 12.5, with a dot)", value=value_text))
    if value is not None:
        if value < 0 or value >= VALUE_MAX:
            problems.append(_("the value %(value)s is out of range", value=value_text))
        elif indicator in INDICATORS and INDICATORS[indicator]["unit"] == "%" and value > 100:
            problems.append(_("the value %(value)s is a proportion above 100", value=value_text))
    sex = (get("sex") or "total").lower()
    if sex not in SEXES:
        problems.append(_("unknown sex “%(sex)s” (use total, female or male)", sex=sex))
    age_group = get("age_group").replace(" ", "").replace("–", "-")
    if age_group and not AGE_GROUP.match(age_group):
        problems.append(_("unknown age group “%(ages)s” (write it like 5-17 or 18+)", ages=age_group))
    source = get("source")
    if not source:
        problems.append(_("the source is missing"))
    elif len(source) > 300:
        problems.append(_("the source is longer than 300 characters"))
    illustrative = get("illustrative").lower()
    if illustrative not in ("", "yes", "no", "true", "false", "1", "0"):
        problems.append(_("“illustrative” must be yes or no"))
    if problems:
        return None, problems
    return Row(line, country, indicator, year, sex, age_group, value, source,
               illustrative in ("yes", "true", "1")), []


def read_rows(text: str, this_year: int) -> tuple[list[Row], list[tuple[int, str]], int]:
    """Check every row of a CSV text. Returns the good rows, the errors (line, message) and the rows read."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [name.strip().lower() for name in reader.fieldnames or []]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        return [], [(1, _("the header lacks the column(s) %(names)s; it needs %(all)s",
                          names=", ".join(missing), all=", ".join(COLUMNS)))], 0
    reader.fieldnames = header
    rows, errors, seen, read = [], [], {}, 0
    for raw in reader:
        read += 1
        line = reader.line_num
        if read > ROWS_MAX:
            errors.append((line, _("the file has more than %(num)d rows: split it", num=ROWS_MAX)))
            break
        if None in raw:
            errors.append((line, _("this row has more cells than the header")))
            continue
        row, problems = _row(line, raw, this_year)
        errors.extend((line, problem) for problem in problems)
        if row is None:
            continue
        if row.key in seen:
            errors.append((line, _("the same country, indicator, year, sex and age group as line %(line)d",
                                   line=seen[row.key])))
            continue
        seen[row.key] = line
        rows.append(row)
    return rows, errors, read


def import_indicators(text: str, *, now: datetime | None = None) -> ImportResult:
    """Check and save a CSV of indicator values (flush, no commit); nothing is written if a row is bad."""
    now = now or utcnow()
    rows, errors, read = read_rows(text, now.year)
    result = ImportResult(read=read, errors=errors)
    if errors or not rows:
        if not rows and not errors:
            result.errors.append((1, _("the file has no rows")))
        return result
    table = IndicatorValue.__table__
    existing = {}
    countries = sorted({row.country_code for row in rows})
    for start in range(0, len(countries), 200):
        for value in db.session.scalars(sa.select(IndicatorValue).where(
                IndicatorValue.country_code.in_(countries[start:start + 200]))):
            existing[(value.country_code, value.indicator_code, value.year, value.sex, value.age_group)] = value
    new = []
    for row in rows:
        current = existing.get(row.key)
        if current is None:
            new.append(dict(country_code=row.country_code, indicator_code=row.indicator_code, year=row.year,
                            sex=row.sex, age_group=row.age_group, value=row.value, source=row.source,
                            is_illustrative=row.is_illustrative, imported_at=now))
        elif (current.value, current.source, current.is_illustrative) != (row.value, row.source,
                                                                           row.is_illustrative):
            current.value, current.source, current.is_illustrative = row.value, row.source, row.is_illustrative
            current.imported_at = now
            result.updated += 1
        else:
            result.unchanged += 1
    if new:
        db.session.execute(table.insert(), new)
    result.added = len(new)
    db.session.flush()
    return result
