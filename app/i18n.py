"""Language, time zone, country and date helpers (Flask-Babel, Babel's CLDR data, pycountry)."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from functools import lru_cache
from weakref import WeakKeyDictionary
from zoneinfo import ZoneInfo, available_timezones

import pycountry
from babel import Locale
from flask import current_app, has_request_context, request
from flask_babel import format_currency, format_datetime, format_time, get_locale, get_timezone, get_translations
from flask_login import current_user

from app.utils import fold, utcnow

LANGUAGE_NAMES = {"en": "English", "fr": "Français", "es": "Español"}
LANG_COOKIE = "hub_lang"


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
    """Profile language for signed-in users; else the switcher's cookie; else Accept-Language."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI and jobs: e-mails pick their recipient's language themselves
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    cookie = chosen_language()
    if cookie:
        return cookie
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


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


def format_dt(value: datetime | None, fmt: str = "medium") -> str:
    """A UTC datetime shown in the reader's time zone and language, with the zone named."""
    if value is None:
        return ""
    return f"{format_datetime(value, fmt)} ({zone_name().replace('_', ' ')})"


def format_clock(value: datetime | None, *, named: bool = True) -> str:
    """The time of day of a UTC datetime in the reader's zone and language (15:00, 3:00 PM), the zone named."""
    if value is None:
        return ""
    text = format_time(value, "short")
    return f"{text} ({zone_name().replace('_', ' ')})" if named else text


@contextmanager
def force_timezone(zone: str | None) -> Iterator[None]:
    """Show times in ``zone`` (an IANA name; the default zone if unknown) inside the block, whoever is signed
    in: Flask-Babel's ``force_locale`` for time zones, used to write an e-mail in its recipient's zone."""
    from flask_babel import _get_current_context  # where Flask-Babel keeps the zone it selected (babel_tzinfo)

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
