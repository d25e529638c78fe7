"""Language, time zone, country and date helpers (Flask-Babel, Babel's CLDR data, pycountry)."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timezone
from functools import lru_cache
from weakref import WeakKeyDictionary
from zoneinfo import ZoneInfo, available_timezones

import pycountry
from babel import Locale
from flask import current_app, g, has_request_context, request
from flask_babel import _get_current_context, format_currency, get_locale, get_timezone, get_translations, gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.utils import fold, utcnow

LANGUAGE_NAMES = {"en": "English", "fr": "Français", "es": "Español"}
LANG_COOKIE = "hub_lang"

# The language a document is written in (ISO 639-1), from a short list: the UN languages and Portuguese.
DOCUMENT_LANGUAGES = {
    "en": _l("English"),
    "fr": _l("French"),
    "es": _l("Spanish"),
    "ar": _l("Arabic"),
    "ru": _l("Russian"),
    "zh": _l("Chinese"),
    "pt": _l("Portuguese"),
    "other": _l("Another language"),
}


class Translator:
    """The current language's catalog, looked up once, for code that translates many strings in a row.

    Flask-Babel looks the catalog up again on every ``gettext`` and every ``str()`` of a lazy string (about
    10 µs each, most of an overlap panel's hundred labels). Make one per page or e-mail, where the strings
    are translated, never one per module: it keeps the language that was current when it was made.
    """

    _labels: WeakKeyDictionary = WeakKeyDictionary()  # catalog -> {id(lazy label): (label, text)}

    def __init__(self):
        self.catalog = get_translations()
        self._texts = self._labels.setdefault(self.catalog, {})

    def gettext(self, string: str, **variables) -> str:
        text = self.catalog.ugettext(string)
        return text % variables if variables else text

    def ngettext(self, singular: str, plural: str, num: int, **variables) -> str:
        variables.setdefault("num", num)
        return self.catalog.ungettext(singular, plural, num) % variables

    def label(self, text) -> str:
        """A lazy label from a vocabulary (a module-level dict of ``lazy_gettext``), translated once per
        language for the life of the process; plain strings and None pass through."""
        if text is None or isinstance(text, str):
            return text or ""
        found = self._texts.get(id(text))
        if found is None:  # the label is kept with its text, so its id is never reused
            found = self._texts[id(text)] = (text, str(text))
        return found[1]


def select_locale() -> str:
    """Profile language for signed-in users; else the switcher's cookie; else the language the page's reader is
    known to read (``g.reader_locale``: a consultation guest's, on their personal link); else Accept-Language."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI and jobs: e-mails pick their recipient's language themselves
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    cookie = chosen_language()
    if cookie:
        return cookie
    if g.get("reader_locale") in languages:
        return g.reader_locale
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def read_in(locale: str | None) -> None:
    """Show the rest of this request in ``locale`` unless the visitor chose theirs (profile, switcher): the page
    of someone without an account whose language is known, e.g. a guest's personal link."""
    from flask_babel import refresh

    g.reader_locale = locale
    refresh()


def chosen_language() -> str | None:
    """The language the visitor picked with the footer switcher, if any."""
    lang = request.cookies.get(LANG_COOKIE)
    return lang if lang in current_app.config["LANGUAGES"] else None


def remember_language(response, lang: str):
    """Keep the switcher's cookie in step with the language chosen (switcher or profile)."""
    response.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="Lax", httponly=True,
                        secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


def select_timezone() -> str:
    if has_request_context() and current_user and current_user.is_authenticated and current_user.timezone in all_timezones():
        return current_user.timezone
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


@lru_cache(maxsize=1)
def all_timezones() -> frozenset[str]:
    # The IANA names, without the legacy aliases that only confuse people in a drop-down.
    return frozenset(tz for tz in available_timezones()
                     if "/" in tz and not tz.startswith(("Etc/", "SystemV/", "US/", "posix/", "right/"))
                     ) | {"UTC"}


@lru_cache(maxsize=1)
def timezone_choices() -> list[tuple[str, str]]:
    return [(tz, tz.replace("_", " ")) for tz in sorted(all_timezones())]


@lru_cache(maxsize=1)
def _alpha3_to_alpha2() -> dict[str, str]:
    return {c.alpha_3: c.alpha_2 for c in pycountry.countries}


def is_country(code: str | None) -> bool:
    return bool(code) and code in _alpha3_to_alpha2()


@lru_cache(maxsize=8)
def _country_names(locale: str) -> dict[str, str]:
    territories = Locale.parse(locale).territories
    names = {}
    for country in pycountry.countries:
        names[country.alpha_3] = territories.get(country.alpha_2) or country.name
    return names


def country_name(code: str | None, locale: str | None = None) -> str:
    """The country's name in the current (or given) language; the code itself if unknown."""
    if not code:
        return ""
    return _country_names(locale or str(get_locale() or "en")).get(code, code)


@lru_cache(maxsize=8)
def _country_choices(locale: str) -> tuple[tuple[str, str], ...]:
    names = _country_names(locale)
    # Sorted the way a reader of that language expects: accents and case don't change the order.
    return tuple(sorted(names.items(), key=lambda item: fold(item[1])))


def country_choices() -> list[tuple[str, str]]:
    """(alpha-3 code, localised name) pairs sorted in the current language."""
    return list(_country_choices(str(get_locale() or "en")))


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)


def zone_name() -> str:
    """The IANA name of the reader's time zone (the viewer's, or an e-mail's recipient's)."""
    tz = get_timezone()
    return getattr(tz, "key", None) or getattr(tz, "zone", None) or str(tz)


# -- dates and times: one format per language ------------------------------------------------------------------
# Every date and time the Hub shows (pages, e-mails, .ics descriptions) goes through these three functions, so a
# language writes a date one way everywhere: "Dec 4, 2026" / "4 déc. 2026" / "4 dic 2026", a time of day the
# language's way ("2:45 PM", "14:45"), and a moment as the language joins the two ("Dec 4, 2026, 2:45 PM").
# A weekday may lead a date ("Fri, Dec 4, 2026") where the day matters (timetable headings, meeting times).
# An event may keep a 24-hour clock (a Geneva Forum): ``h24`` then writes its times 14:45 in every language.
# Machine formats (CSV columns, iCalendar fields, JSON) are ISO 8601 instead, see ``iso_moment``.
WEEKDAY_SKELETON = "yMMMEd"
CLOCK_24H = "HH:mm"


def _reader_locale() -> str:
    return str(get_locale() or "en")


def _reader_zone(zone: str | None) -> str:
    return zone if zone and zone in all_timezones() else zone_name()


def format_day(value: date | datetime | None, fmt: str | None = None, *, weekday: bool = False,
               zone: str | None = None) -> str:
    """A date the one way the reader's language writes dates; a datetime's day in ``zone`` (the reader's).

    :param fmt: accepted for old callers and ignored, except "full", which asks for the weekday.
    """
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(ZoneInfo(_reader_zone(zone))).date()
    return _format_day(value, weekday or fmt == "full", _reader_locale())


@lru_cache(maxsize=4096)
def _format_day(value: date, weekday: bool, locale: str) -> str:
    from babel.dates import format_date as babel_date, format_skeleton

    return format_skeleton(WEEKDAY_SKELETON, value, locale=locale) if weekday else babel_date(value, "medium",
                                                                                            locale=locale)


def format_time_of_day(value: datetime | time, zone: str | None = None, *, h24: bool = False) -> str:
    """The time of day of a UTC datetime in ``zone`` (the reader's), or of a wall-clock ``time``."""
    if isinstance(value, datetime):
        value = value.astimezone(ZoneInfo(_reader_zone(zone))).time()
    return _format_time(value.replace(tzinfo=None, second=0, microsecond=0), h24, _reader_locale())


@lru_cache(maxsize=4096)
def _format_time(value: time, h24: bool, locale: str) -> str:
    from babel.dates import format_time as babel_time

    return babel_time(value, CLOCK_24H if h24 else "short", locale=locale)


def format_moment(value: datetime | None, zone: str | None = None, *, h24: bool = False, weekday: bool = False,
                  named: bool = True) -> str:
    """A UTC datetime in ``zone`` (the reader's when None): the day and the time joined the language's way,
    followed by the zone's name unless ``named`` is False."""
    if value is None:
        return ""
    zone = _reader_zone(zone)
    local = value.astimezone(ZoneInfo(zone))
    locale = _reader_locale()
    glue = Locale.parse(locale).datetime_formats["medium"]
    text = str(glue).replace("{1}", _format_day(local.date(), weekday, locale)).replace(
        "{0}", _format_time(local.time().replace(tzinfo=None, second=0, microsecond=0), h24, locale))
    return f"{text} ({zone.replace('_', ' ')})" if named else text


def iso_moment(value: datetime | None) -> str:
    """A datetime for spreadsheets (CSV columns, headed "(UTC)"): ISO 8601 in UTC to the minute, with the
    space RFC 3339 allows instead of the "T", which is what Excel and LibreOffice read as a date and time."""
    if value is None:
        return ""
    return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M")


def format_dt(value: datetime | None, fmt: str | None = None, *, h24: bool = False, named: bool = True,
              weekday: bool = False) -> str:
    """The ``datetime`` filter: a UTC datetime in the reader's zone and language, with the zone named.

    :param fmt: accepted for old callers and ignored, except "full", which asks for the weekday.
    """
    return format_moment(value, None, h24=h24, weekday=weekday or fmt == "full", named=named)


def format_clock(value: datetime | None, *, named: bool = True, h24: bool = False) -> str:
    """The time of day of a UTC datetime in the reader's zone and language (15:00, 3:00 PM), the zone named."""
    if value is None:
        return ""
    text = format_time_of_day(value, None, h24=h24)
    return f"{text} ({zone_name().replace('_', ' ')})" if named else text


@contextmanager
def force_timezone(zone: str | None) -> Iterator[None]:
    """Show times in ``zone`` (an IANA name; the default zone if unknown) inside the block, whoever is signed
    in: Flask-Babel's ``force_locale`` for time zones, used to write an e-mail in its recipient's zone."""
    zone = zone if zone in all_timezones() else current_app.config["BABEL_DEFAULT_TIMEZONE"]
    ctx = _get_current_context()
    before = getattr(ctx, "babel_tzinfo", None)
    ctx.babel_tzinfo = ZoneInfo(zone)
    try:
        yield
    finally:
        ctx.babel_tzinfo = before


def format_money(amount, currency: str) -> str:
    """An amount in a currency, written the way the current language writes it (1 234,50 €)."""
    return format_currency(amount, currency)


def currency_name(code: str) -> str:
    return Locale.parse(str(get_locale() or "en")).currencies.get(code, code)


def to_zone(value: datetime, zone: str) -> datetime:
    return value.astimezone(ZoneInfo(zone))


def viewer_today(now: datetime | None = None) -> date:
    """Today's date where the viewer is (their profile's time zone, else the site's).

    :param now: an aware datetime standing for "now"; tests pass one.
    """
    return (now or utcnow()).astimezone(get_timezone()).date()


# -- the time-zone picker ----------------------------------------------------------------------------------------
# Cities people look for that are not the name of their zone ("Geneva" finds Europe/Zurich). The zone's own
# city, its countries' names (in the reader's language and English) and its IANA name are searched as well.
ZONE_CITIES = {
    "Europe/Zurich": ["Geneva", "Bern", "Basel", "Lausanne"], "Europe/Amsterdam": ["The Hague", "Rotterdam"],
    "Europe/Brussels": ["Antwerp"], "Europe/Berlin": ["Bonn", "Frankfurt", "Hamburg", "Munich"],
    "Europe/Paris": ["Lyon", "Marseille", "Strasbourg"], "Europe/Rome": ["Milan", "Turin", "Vatican"],
    "Europe/Madrid": ["Barcelona", "Seville"], "Europe/London": ["Edinburgh", "Manchester"],
    "Europe/Istanbul": ["Ankara"], "Europe/Moscow": ["Saint Petersburg"], "Europe/Kyiv": ["Kiev"],
    "America/New_York": ["Washington", "Boston", "Miami", "Atlanta"], "America/Chicago": ["Houston", "Dallas"],
    "America/Los_Angeles": ["San Francisco", "Seattle"], "America/Toronto": ["Ottawa", "Montreal"],
    "America/Sao_Paulo": ["Brasilia", "Rio de Janeiro"], "America/Argentina/Buenos_Aires": ["Argentina"],
    "Asia/Kolkata": ["Calcutta", "Delhi", "New Delhi", "Mumbai", "Bangalore", "Chennai"],
    "Asia/Shanghai": ["Beijing", "Shenzhen", "Guangzhou"], "Asia/Ho_Chi_Minh": ["Saigon", "Hanoi"],
    "Asia/Yangon": ["Rangoon"], "Asia/Kathmandu": ["Katmandu"], "Asia/Dhaka": ["Dacca"],
    "Asia/Karachi": ["Islamabad", "Lahore"], "Asia/Dubai": ["Abu Dhabi"], "Asia/Riyadh": ["Jeddah"],
    "Asia/Jakarta": ["Java"], "Asia/Manila": ["Cebu"], "Australia/Sydney": ["Canberra"],
    "Africa/Lagos": ["Abuja"], "Africa/Johannesburg": ["Pretoria", "Cape Town"], "Africa/Abidjan": ["Yamoussoukro"],
    "Africa/Cairo": ["Alexandria"], "Africa/Casablanca": ["Rabat"], "Africa/Dar_es_Salaam": ["Dodoma"],
}
ZONE_REGIONS = ("Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe", "Indian",
                "Pacific")


@lru_cache(maxsize=1)
def _zone_countries() -> dict[str, tuple[str, ...]]:
    """The current IANA zones (zone.tab: one line per zone, no obsolete aliases) and the alpha-2 codes of
    the countries each is used in: its own first, then those zone1970.tab adds (Europe/Zurich also stands
    for Liechtenstein)."""
    from importlib import resources

    found: dict[str, list[str]] = {}
    for name in ("zone.tab", "zone1970.tab"):
        try:
            text = resources.files("tzdata.zoneinfo").joinpath(name).read_text(encoding="utf-8")
        except (ModuleNotFoundError, FileNotFoundError):  # pragma: no cover (tzdata is a dependency)
            continue
        for line in text.splitlines():
            if line.startswith("#") or not line.strip():
                continue
            codes, _coordinates, zone = line.split("\t")[:3]
            if zone in all_timezones() and (name == "zone.tab" or zone in found):
                # zone.tab's own country first (the label), then those zone1970.tab adds (searched too)
                found.setdefault(zone, []).extend(c for c in codes.split(",") if c not in found.get(zone, []))
    return {zone: tuple(codes) for zone, codes in found.items()}


def _offset_text(zone: str, now: datetime) -> str:
    offset = now.astimezone(ZoneInfo(zone)).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "+" if minutes >= 0 else "−"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


@lru_cache(maxsize=8)
def _zone_names(locale: str) -> tuple[tuple[str, str, str, str], ...]:
    """Per zone: (zone, region, city in ``locale``, words to search: other cities, countries, IANA name)."""
    from babel.dates import get_timezone_location

    territories = Locale.parse(locale).territories
    english = Locale.parse("en").territories
    rows = []
    for zone, codes in _zone_countries().items():
        region = zone.split("/", 1)[0]
        if region not in ZONE_REGIONS:
            continue
        try:
            city = get_timezone_location(zone, locale=locale, return_city=True)
        except (LookupError, ValueError):  # pragma: no cover (Babel knows every zone.tab zone)
            city = zone.rsplit("/", 1)[-1].replace("_", " ")
        countries = {territories.get(c, c) for c in codes} | {english.get(c, c) for c in codes}
        extra = ZONE_CITIES.get(zone, [])
        words = " ".join([*extra, *sorted(countries), zone.replace("_", " "), zone.rsplit("/", 1)[-1].replace("_", " ")])
        label_city = ", ".join([city, *extra[:2]])
        country = territories.get(codes[0], codes[0]) if codes else ""
        rows.append((zone, region, f"{label_city} — {country}" if country else label_city, words))
    return tuple(sorted(rows, key=lambda row: (row[1], fold(row[2]))))


def zone_groups(current: str | None = None, now: datetime | None = None) -> dict[str, list[tuple[str, str, str]]]:
    """The time zones for a picker, grouped by region (UTC first): (zone, "City — Country (UTC+01:00)",
    words to search) with each zone's offset now. Obsolete aliases are left out, except ``current`` (a
    person's saved zone), which is always offered so that saving a form never changes it silently."""
    now = now or utcnow()
    region_names = {"Africa": gettext("Africa"), "America": gettext("Americas"), "Antarctica": gettext("Antarctica"),
                    "Arctic": gettext("Arctic"), "Asia": gettext("Asia"), "Atlantic": gettext("Atlantic Ocean"),
                    "Australia": gettext("Australia"), "Europe": gettext("Europe"),
                    "Indian": gettext("Indian Ocean"), "Pacific": gettext("Pacific")}
    groups: dict[str, list[tuple[str, str, str]]] = {gettext("Universal time"): [("UTC", "UTC (UTC+00:00)", "UTC GMT")]}
    listed = {"UTC"}
    for zone, region, label, words in _zone_names(str(get_locale() or "en")):
        groups.setdefault(region_names[region], []).append((zone, f"{label} ({_offset_text(zone, now)})", words))
        listed.add(zone)
    if current and current not in listed and current in all_timezones():
        groups.setdefault(gettext("Other"), []).append(
            (current, f"{current.replace('_', ' ')} ({_offset_text(current, now)})", current))
    return groups
