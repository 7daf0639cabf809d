"""Instants as whole microseconds since the Unix epoch, and their ISO 8601 text form.

The core computes with integers so that clipping talk and staffed time to a range is exact: no float
drift, whatever the range's fractions of a second.
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

Instant = int
"""Microseconds since 1970-01-01T00:00:00Z."""

MICROS_PER_SECOND = 1_000_000
_EPOCH = datetime(1970, 1, 1)
_DATE_TIME = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:(Z)|([+-])(\d{2}):(\d{2}))")


class InvalidDateTime(ValueError):
    """The text is not an ISO 8601 date-time with an explicit offset, or names no real instant."""


# Instants a clock can hold: those its answers can write in UTC (years 1 to 9999), so that no clock value,
# whatever was asked of it, makes a later answer fail.
MIN_INSTANT = (datetime(1, 1, 1) - _EPOCH) // timedelta(microseconds=1)
MAX_INSTANT = (datetime(9999, 12, 31, 23, 59, 59, 999999) - _EPOCH) // timedelta(microseconds=1)
INSTANT_RANGE = "0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999Z"


def in_range(instant: Instant) -> bool:
    return MIN_INSTANT <= instant <= MAX_INSTANT


@dataclass(frozen=True, slots=True)
class OffsetInstant:
    """An instant together with the offset it was written in, so it can be echoed the same way."""

    instant: Instant
    offset_minutes: int
    zulu: bool = False

    def at(self, instant: Instant) -> "OffsetInstant":
        """Another instant, written in this one's offset."""
        return OffsetInstant(instant, self.offset_minutes, self.zulu)


def parse_date_time(text: str) -> OffsetInstant:
    """Parse `2021-01-01T00:00:00+01:00`, `...Z` or `...T00:00:00.250+01:00`; fractions below 1 µs are cut.

    In integers, with no `datetime`: it runs twice for every statistics request. It refuses what
    `datetime` refuses (year 0, 30 February, hour 24, second 60); tests/test_instants.py compares both.
    """
    match = _DATE_TIME.fullmatch(text)
    if match is None:
        raise InvalidDateTime(text)
    year, month, day, hour, minute, second, fraction, zulu, sign, off_h, off_m = match.groups()
    y, m, d = int(year), int(month), int(day)
    h, mi, sec = int(hour), int(minute), int(second)
    if not (y >= 1 and 1 <= m <= 12 and 1 <= d <= _month_days(y, m) and h <= 23 and mi <= 59 and sec <= 59):
        raise InvalidDateTime(text)
    offset_minutes = 0
    if not zulu:
        oh, om = int(off_h), int(off_m)
        if oh > 23 or om > 59:
            raise InvalidDateTime(text)
        offset_minutes = -(oh * 60 + om) if sign == "-" else oh * 60 + om
    micros = int(fraction[:6].ljust(6, "0")) if fraction else 0
    local_seconds = _days_from_civil(y, m, d) * 86_400 + h * 3_600 + mi * 60 + sec
    instant = (local_seconds - offset_minutes * 60) * MICROS_PER_SECOND + micros
    return OffsetInstant(instant, offset_minutes, zulu is not None)


def format_date_time(value: OffsetInstant) -> str:
    """The ISO 8601 text of an instant in its offset; fractions only when there are any (as
    `datetime.isoformat` writes it; OverflowError outside the years 1 to 9999, as `datetime` raises)."""
    local_seconds, micros = divmod(value.instant + value.offset_minutes * 60 * MICROS_PER_SECOND, MICROS_PER_SECOND)
    days, day_seconds = divmod(local_seconds, 86_400)
    year, month, day = _civil_from_days(days)
    if not 1 <= year <= 9999:
        raise OverflowError("date value out of range")
    hour, rest = divmod(day_seconds, 3_600)
    minute, second = divmod(rest, 60)
    text = f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}"
    if micros:
        text += f".{micros:06d}"
    if value.zulu:
        return text + "Z"
    hours, minutes = divmod(abs(value.offset_minutes), 60)
    return f"{text}{'-' if value.offset_minutes < 0 else '+'}{hours:02d}:{minutes:02d}"


_MONTH_DAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _month_days(year: int, month: int) -> int:
    if month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        return 29
    return _MONTH_DAYS[month]


def _days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date (the March-based era arithmetic)."""
    year -= month <= 2
    era = year // 400
    year_of_era = year - era * 400
    day_of_year = (153 * (month - 3 if month > 2 else month + 9) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146_097 + day_of_era - 719_468


def _civil_from_days(days: int) -> tuple[int, int, int]:
    """The proleptic Gregorian (year, month, day) of a count of days since 1970-01-01."""
    days += 719_468
    era = days // 146_097
    day_of_era = days - era * 146_097
    year_of_era = (day_of_era - day_of_era // 1_460 + day_of_era // 36_524 - day_of_era // 146_096) // 365
    day_of_year = day_of_era - (365 * year_of_era + year_of_era // 4 - year_of_era // 100)
    shifted_month = (5 * day_of_year + 2) // 153
    day = day_of_year - (153 * shifted_month + 2) // 5 + 1
    month = shifted_month + 3 if shifted_month < 10 else shifted_month - 9
    return year_of_era + era * 400 + (month <= 2), month, day


def parse_instant(text: str) -> Instant:
    return parse_date_time(text).instant


def seconds(count: int) -> Instant:
    """A duration of whole seconds, in the core's unit."""
    return count * MICROS_PER_SECOND
