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
    """Parse `2021-01-01T00:00:00+01:00`, `...Z` or `...T00:00:00.250+01:00`; fractions below 1 µs are cut."""
    match = _DATE_TIME.fullmatch(text)
    if match is None:
        raise InvalidDateTime(text)
    year, month, day, hour, minute, second, fraction, zulu, sign, off_h, off_m = match.groups()
    try:
        local = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second))
    except ValueError as exc:
        raise InvalidDateTime(text) from exc
    offset_minutes = 0
    if not zulu:
        if int(off_h) > 23 or int(off_m) > 59:
            raise InvalidDateTime(text)
        offset_minutes = (int(off_h) * 60 + int(off_m)) * (-1 if sign == "-" else 1)
    micros = int((fraction or "").ljust(6, "0")[:6])
    local_micros = (local - _EPOCH) // timedelta(microseconds=1) + micros
    return OffsetInstant(local_micros - offset_minutes * 60 * MICROS_PER_SECOND, offset_minutes, zulu is not None)


def format_date_time(value: OffsetInstant) -> str:
    """The ISO 8601 text of an instant in its offset; fractions only when there are any."""
    offset_micros = value.offset_minutes * 60 * MICROS_PER_SECOND
    local = _EPOCH + timedelta(microseconds=value.instant + offset_micros)
    text = local.isoformat(timespec="microseconds" if local.microsecond else "seconds")
    if value.zulu:
        return text + "Z"
    sign = "-" if value.offset_minutes < 0 else "+"
    hours, minutes = divmod(abs(value.offset_minutes), 60)
    return f"{text}{sign}{hours:02d}:{minutes:02d}"


def parse_instant(text: str) -> Instant:
    return parse_date_time(text).instant


def seconds(count: int) -> Instant:
    """A duration of whole seconds, in the core's unit."""
    return count * MICROS_PER_SECOND
