"""Time zones for the Forum and for polls: local wall-clock times to UTC and back, named zones, nights.

Stored times are UTC; people enter times in a zone they name (the venue's, or their own), and see them in
their own zone and in the venue's, always with the zone written next to the time.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_time
from flask_babel import get_locale

from app.forums.consultation_models import DAY_ENDS, DAY_STARTS
from app.i18n import all_timezones


def is_zone(name: str | None) -> bool:
    return bool(name) and name in all_timezones()


def local_to_utc(day: date, at: time, zone: str) -> datetime:
    """The UTC instant of a wall-clock time in ``zone``.

    :raises ValueError: the zone is unknown, or the time does not exist there (the hour skipped when the
        clocks go forward).
    """
    if not is_zone(zone):
        raise ValueError(f"unknown time zone {zone!r}")
    tz = ZoneInfo(zone)
    naive = datetime.combine(day, at.replace(tzinfo=None, second=0, microsecond=0))
    aware = naive.replace(tzinfo=tz)
    utc = aware.astimezone(timezone.utc)
    if utc.astimezone(tz).replace(tzinfo=None) != naive:
        raise ValueError(f"{naive.isoformat()} does not exist in {zone}")
    return utc


def in_zone(value: datetime, zone: str) -> datetime:
    return value.astimezone(ZoneInfo(zone if is_zone(zone) else "UTC"))


def is_night(start: datetime, end: datetime, zone: str) -> bool:
    """True when any part of [start, end) falls outside 07:00–21:00 local time in ``zone``."""
    local_start, local_end = in_zone(start, zone), in_zone(end - timedelta(seconds=1), zone)
    if local_start.date() != local_end.date():
        return True
    return local_start.hour < DAY_STARTS or local_end.hour >= DAY_ENDS


def _locale() -> str:
    return str(get_locale() or "en")


def zone_label(zone: str) -> str:
    return zone.replace("_", " ")


def show(value: datetime | None, zone: str, fmt: str = "medium", *, named: bool = True) -> str:
    """``value`` in ``zone`` and the reader's language, followed by the zone's name."""
    if value is None:
        return ""
    return _show(value, zone, fmt, named, _locale())


# A timetable shows the same few times again and again: Babel's formatting is worth remembering.
@lru_cache(maxsize=8192)
def _show(value: datetime, zone: str, fmt: str, named: bool, locale: str) -> str:
    text = format_datetime(in_zone(value, zone), fmt, tzinfo=ZoneInfo(zone if is_zone(zone) else "UTC"),
                           locale=locale)
    return f"{text} ({zone_label(zone)})" if named else text


def show_time(value: datetime, zone: str, *, named: bool = False) -> str:
    return _show_time(value, zone, named, _locale())


@lru_cache(maxsize=8192)
def _show_time(value: datetime, zone: str, named: bool, locale: str) -> str:
    text = format_time(in_zone(value, zone), "short", tzinfo=ZoneInfo(zone if is_zone(zone) else "UTC"),
                       locale=locale)
    return f"{text} ({zone_label(zone)})" if named else text


def show_day(day: date | datetime, zone: str | None = None, fmt: str = "full") -> str:
    if isinstance(day, datetime):
        day = in_zone(day, zone or "UTC").date()
    return format_date(day, fmt, locale=_locale())


def day_in_zone(value: datetime, zone: str) -> date:
    return in_zone(value, zone).date()
