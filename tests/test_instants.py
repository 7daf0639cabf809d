"""ISO 8601 date-times to exact instants and back."""

from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.instants import (
    MAX_INSTANT,
    MIN_INSTANT,
    InvalidDateTime,
    OffsetInstant,
    format_date_time,
    parse_date_time,
    parse_instant,
)


def test_offsets_name_the_same_instant():
    assert parse_instant("2021-01-01T00:00:00+01:00") == parse_instant("2020-12-31T23:00:00Z")
    assert parse_instant("1970-01-01T00:00:00Z") == 0
    assert parse_instant("1970-01-01T00:00:01.5Z") == 1_500_000


@pytest.mark.parametrize(
    ("text", "minutes", "zulu"),
    [
        ("2021-01-01T00:00:00Z", 0, True),
        ("2021-01-01T00:00:00+00:00", 0, False),
        ("2021-01-01T00:00:00+14:00", 14 * 60, False),
        ("2021-01-01T00:00:00-12:00", -12 * 60, False),
        ("2021-01-01T00:00:00+05:45", 5 * 60 + 45, False),
        ("2021-01-01T00:00:00-00:30", -30, False),
    ],
)
def test_the_offset_is_kept_for_the_echo(text, minutes, zulu):
    parsed = parse_date_time(text)
    assert (parsed.offset_minutes, parsed.zulu) == (minutes, zulu)
    assert format_date_time(parsed) == text


@pytest.mark.parametrize(
    ("text", "echo"),
    [
        ("2021-01-01T00:00:00.000+01:00", "2021-01-01T00:00:00+01:00"),
        ("2021-01-01T00:00:00.5Z", "2021-01-01T00:00:00.500000Z"),
        ("2021-01-01T00:00:00.123456789Z", "2021-01-01T00:00:00.123456Z"),
        ("2020-02-29T23:59:59+01:00", "2020-02-29T23:59:59+01:00"),
        ("9999-12-31T23:59:59-12:00", "9999-12-31T23:59:59-12:00"),
        ("0001-01-01T00:00:00+14:00", "0001-01-01T00:00:00+14:00"),
    ],
)
def test_echoes_are_normalised(text, echo):
    assert format_date_time(parse_date_time(text)) == echo


def test_another_instant_is_written_in_the_same_offset():
    start = parse_date_time("2021-03-28T01:00:00+01:00")
    assert format_date_time(start.at(start.instant + 3_600_000_000)) == "2021-03-28T02:00:00+01:00"


@pytest.mark.parametrize(
    "text",
    [
        "2021-01-01",
        "2021-01-01T00:00:00",
        "2021-01-01T00:00Z",
        "2021-01-01t00:00:00z",
        "2021-01-01T00:00:00+01",
        "2021-01-01T00:00:00+24:00",
        "2021-01-01T00:00:00+01:60",
        "2021-02-29T00:00:00Z",
        "2021-01-01T00:00:00.Z",
        " 2021-01-01T00:00:00Z",
        "2021-01-01T00:00:00Z ",
        "0000-01-01T00:00:00Z",
    ],
)
def test_anything_else_is_refused(text):
    with pytest.raises(InvalidDateTime):
        parse_date_time(text)


@given(
    st.integers(min_value=-62_135_596_800_000_000 + 86_400_000_000, max_value=253_402_300_799_000_000 - 86_400_000_000),
    st.integers(min_value=-23 * 60 - 59, max_value=23 * 60 + 59),
    st.booleans(),
)
def test_format_then_parse_gives_the_same_instant(instant, offset_minutes, zulu):
    value = OffsetInstant(instant, 0 if zulu else offset_minutes, zulu)
    assert parse_date_time(format_date_time(value)) == value


# The integer arithmetic of parse_date_time and format_date_time against datetime's, on any instant a
# clock can hold, in any offset, and on any text of the right shape, valid or not.
_EPOCH = datetime(1970, 1, 1)
_MICRO = timedelta(microseconds=1)


@settings(max_examples=400, deadline=None)
@given(
    instant=st.integers(MIN_INSTANT, MAX_INSTANT),
    offset=st.integers(-(23 * 60 + 59), 23 * 60 + 59),
    zulu=st.booleans(),
)
def test_formatting_writes_what_datetime_writes(instant, offset, zulu):
    value = OffsetInstant(instant, 0 if zulu else offset, zulu)
    try:
        local = _EPOCH + timedelta(microseconds=instant + value.offset_minutes * 60_000_000)
    except OverflowError:
        with pytest.raises(OverflowError):
            format_date_time(value)
        return
    text = local.isoformat(timespec="microseconds" if local.microsecond else "seconds")
    sign = "-" if value.offset_minutes < 0 else "+"
    hours, minutes = divmod(abs(value.offset_minutes), 60)
    expected = text + ("Z" if zulu else f"{sign}{hours:02d}:{minutes:02d}")
    assert format_date_time(value) == expected
    assert parse_date_time(expected) == value


@settings(max_examples=400, deadline=None)
@given(
    fields=st.tuples(
        st.integers(0, 9999), st.integers(0, 13), st.integers(0, 32), st.integers(0, 25), st.integers(0, 61),
        st.integers(0, 61),
    ),
    offset=st.tuples(st.sampled_from("+-"), st.integers(0, 25), st.integers(0, 61)),
)  # fmt: skip
def test_parsing_refuses_what_datetime_refuses_and_agrees_on_the_rest(fields, offset):
    year, month, day, hour, minute, second = fields
    sign, off_h, off_m = offset
    text = f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}{sign}{off_h:02d}:{off_m:02d}"
    try:
        local = datetime(year, month, day, hour, minute, second)
        valid = off_h <= 23 and off_m <= 59
    except ValueError:
        valid = False
    if not valid:
        with pytest.raises(InvalidDateTime):
            parse_date_time(text)
        return
    minutes = (off_h * 60 + off_m) * (-1 if sign == "-" else 1)
    expected = (local - _EPOCH) // _MICRO - minutes * 60_000_000
    assert parse_date_time(text) == OffsetInstant(expected, minutes, False)
