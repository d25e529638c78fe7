"""Time zones for the Forum and for polls: local wall-clock times to UTC and back, named zones, nights.

Stored times are UTC; people enter times in a zone they name (the venue's, or their own), and see them in
their own zone and in the venue's, always with the zone written next to the time.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from app.forums.consultation_models import DAY_ENDS, DAY_STARTS
from app.i18n import all_timezones, format_day, format_moment, format_time_of_day


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


def zone_label(zone: str) -> str:
    return zone.replace("_", " ")


# The formats themselves are app/i18n.py's, the one place that decides how a language writes dates and times.
def show(value: datetime | None, zone: str, fmt: str | None = None, *, named: bool = True, h24: bool = False) -> str:
    """``value`` in ``zone`` and the reader's language, followed by the zone's name.

    :param fmt: "full" puts the weekday first; any other value is ignored (one format per language).
    :param h24: the event keeps a 24-hour clock (its times are written 14:45 in every language).
    """
    return format_moment(value, zone if is_zone(zone) else "UTC", h24=h24, weekday=fmt == "full", named=named)


def show_time(value: datetime, zone: str, *, named: bool = False, h24: bool = False) -> str:
    zone = zone if is_zone(zone) else "UTC"
    text = format_time_of_day(value, zone, h24=h24)
    return f"{text} ({zone_label(zone)})" if named else text


def show_day(day: date | datetime, zone: str | None = None, fmt: str | None = None, *, weekday: bool = False) -> str:
    """A day the language's one way; with the weekday first when ``weekday`` (or the old "full")."""
    if isinstance(day, datetime):
        day = in_zone(day, zone or "UTC").date()
    return format_day(day, weekday=weekday or fmt == "full")


def day_in_zone(value: datetime, zone: str) -> date:
    return in_zone(value, zone).date()
