"""ISO 8601 durations of fixed length: weeks, days, hours, minutes and seconds (`P30D`, `PT1H`, `P1DT12H`).

Years and months are refused: their length depends on where they start, and a window of traffic or a
statistics range must mean the same span whenever it is asked for.
"""

import re

from simulator.instants import MICROS_PER_SECOND

_DURATION = re.compile(r"P(?:(\d{1,7})W)?(?:(\d{1,7})D)?(?:T(?:(\d{1,9})H)?(?:(\d{1,9})M)?(?:(\d{1,9})S)?)?")
_CALENDAR = re.compile(r"P(?:\d+Y)?(?:\d+M)?(?:\d+W)?(?:\d+D)?(?:T.*)?")
_YEARS_OR_MONTHS = re.compile(r"P[^T]*\d[YM]")
_UNITS = (7 * 86_400, 86_400, 3_600, 60, 1)


class InvalidDuration(ValueError):
    """The text is not a fixed-length ISO 8601 duration; the message says what to write."""


def parse_duration(text: str) -> int:
    """A positive duration such as `PT1H` or `P30D`, in microseconds."""
    match = _DURATION.fullmatch(text) if text.isascii() else None
    if match is None or not any(match.groups()) or text.endswith("T"):
        if text.isascii() and _CALENDAR.fullmatch(text) and _YEARS_OR_MONTHS.match(text):
            raise InvalidDuration(
                f"{text!r} uses years or months, whose length varies: give weeks, days, hours, minutes or "
                "seconds (P30D, PT1H)."
            )
        raise InvalidDuration(f"{text!r} is not an ISO 8601 duration such as PT1H, P1D or P30D.")
    total = sum(int(value or 0) * unit for value, unit in zip(match.groups(), _UNITS, strict=True))
    if total == 0:
        raise InvalidDuration(f"{text!r} is empty: give a duration above zero, such as PT1H.")
    return total * MICROS_PER_SECOND
