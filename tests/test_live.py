"""Live traffic: a rolling window of generated days, summed into the statistics as the clock moves."""

import itertools
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest
import yaml

from simulator.cli import main
from simulator.instants import MICROS_PER_SECOND, parse_instant
from simulator.model import Outcome
from simulator.scenario import ScenarioError, parse_scenario
from simulator.statistics import compute_statistics
from tests.conftest import cc_path, namespace_of
from tests.reference_statistics import reference_statistics

ZONE = ZoneInfo("Europe/Brussels")
HOUR = 3600 * MICROS_PER_SECOND
DAY = 24 * HOUR
AGENTS = [f"agent{i}@live.test" for i in range(4)]
OFFICE = {
    "last": "P14D",
    "timeZone": "Europe/Brussels",
    "workingHours": {"open": "08:00", "close": "18:00"},
    "callsPerHour": 40,
    "queueLength": 5,
    "shifts": [
        {"from": "08:00", "to": "13:00", "agents": AGENTS[:2]},
        {"from": "13:00", "to": "18:00", "agents": AGENTS[:2]},
        {"from": "10:00", "to": "18:00", "agents": AGENTS[2:]},
    ],
}
# Open around the clock and overloaded, so that calls run up to midnight and time-outs spill past it.
AROUND_THE_CLOCK = {
    "last": "P10D",
    "timeZone": "Europe/Brussels",
    "workingDays": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
    "workingHours": {"open": "00:00", "close": "23:59"},
    "callsPerHour": 45,
    "dailyShape": "flat",
    "talkSeconds": {"mean": 600, "min": 10, "max": 3600},
    "shifts": [
        {"from": "00:00", "to": "12:00", "agents": AGENTS[:2]},
        {"from": "12:00", "to": "23:59", "agents": AGENTS[2:]},
    ],
}
LIVE_CC = ("live", "livegroup", "APIOLiveCC@sip.netaxis.be")


def local(text: str) -> int:
    """A Brussels local time, `2021-06-01 09:30`, as an instant."""
    return int(datetime.fromisoformat(text).replace(tzinfo=ZONE).timestamp()) * MICROS_PER_SECOND


def document(block: dict, seed: int = 5, **extra) -> dict:
    users = [{"userId": a, "firstName": "A", "lastName": str(i)} for i, a in enumerate(AGENTS)]
    call_center = {"id": "cc@live.test", "agents": AGENTS, "generate": block, **extra}
    group = {"id": "g", "users": users, "callCenters": [call_center]}
    return {"seed": seed, "tenants": [{"id": "t", "groups": [group]}]}


def build(block: dict, seed: int = 5, **extra):
    return (
        parse_scenario(document(block, seed, **extra), "live.yaml")
        .tenants["t"]
        .groups["g"]
        .call_centers["cc@live.test"]
    )


def records(cc, first: date, last: date) -> tuple[list, list]:
    """Every call and session of the days first..last, as records: what the reference engine reads."""
    calls, sessions = list(cc.calls), list(cc.sessions)
    for d in range((last - first).days + 1):
        history = cc.live.chunk(first + timedelta(days=d)).history
        calls += history.calls(cc.agents)
        sessions += history.sessions(cc.agents)
    return calls, sessions


def test_counts_grow_through_a_working_day_exactly_as_the_records_say():
    cc = build(OFFICE)
    midnight = local("2021-06-01 00:00")  # a Tuesday
    calls, sessions = records(cc, date(2021, 5, 18), date(2021, 6, 1))
    answered = []
    for step in range(0, 14 * 4 + 1):  # every quarter of an hour, 06:00 to 20:00
        now = local("2021-06-01 06:00") + step * HOUR // 4
        today = compute_statistics(cc, midnight, now, now)
        assert today == reference_statistics(cc.agents, calls, sessions, midnight, now, now)
        answered.append(today.queue.calls_answered)
        assert compute_statistics(cc, now - HOUR, now, now) == reference_statistics(
            cc.agents, calls, sessions, now - HOUR, now, now
        )
    assert answered[0] == 0 and answered[-1] > 250
    assert answered == sorted(answered)
    hourly = answered[::4]
    assert all(later > earlier for earlier, later in itertools.pairwise(hourly[3:12]))  # 09:00 to 18:00


def test_available_follows_the_shifts():
    cc = build(OFFICE)

    def available(at: str) -> list[bool]:
        now = local(at)
        return [agent.available for agent in compute_statistics(cc, now - HOUR, now, now).agents]

    assert available("2021-06-01 07:59") == [False] * 4
    assert available("2021-06-01 08:00") == [True, True, False, False]
    assert available("2021-06-01 12:59") == [True, True, True, True]
    assert available("2021-06-01 17:59") == [True] * 4
    assert available("2021-06-01 18:00") == [False] * 4
    assert available("2021-06-05 11:00") == [False] * 4  # a Saturday


def test_a_range_over_many_days_sums_the_days_including_what_spills_past_midnight():
    cc = build(AROUND_THE_CLOCK)
    now = local("2021-06-08 15:00")
    calls, sessions = records(cc, date(2021, 5, 29), date(2021, 6, 8))
    midnight = local("2021-06-04 00:00")
    assert any(c.outcome is Outcome.TIMED_OUT and c.arrived_at < midnight <= c.outcome_at for c in calls)
    ranges = [
        (local("2021-05-29 00:00"), now),
        (local("2021-06-03 23:55"), local("2021-06-04 00:10")),
        (local("2021-06-04 00:00"), local("2021-06-04 00:05")),
        (local("2021-06-01 10:17"), local("2021-06-06 16:02") + 500_000),
    ]
    for start, end in ranges:
        assert compute_statistics(cc, start, end, now) == reference_statistics(
            cc.agents, calls, sessions, start, end, now
        )


def test_no_day_ties_to_the_next_calls_end_by_midnight_and_agents_take_one_call_at_a_time():
    cc = build(AROUND_THE_CLOCK)
    calls, _ = records(cc, date(2021, 6, 1), date(2021, 6, 7))
    late = 0
    for day in range(7):
        midnight = local("2021-06-02 00:00") + day * DAY
        history = cc.live.chunk(date(2021, 6, 1) + timedelta(days=day)).history
        ends = history.outcome_at + (history.talk + history.hold).astype(np.int64) * MICROS_PER_SECOND
        answered = history.outcome == 0
        assert (ends[answered] <= midnight).all()
        late += int((ends[answered] > midnight - HOUR).sum())
    assert late > 0
    for agent in AGENTS:
        busy = sorted(
            (c.outcome_at, c.outcome_at + (c.talk_seconds + c.hold_seconds) * MICROS_PER_SECOND)
            for c in calls
            if c.agent == agent
        )
        assert all(end <= following for (_, end), (following, _) in itertools.pairwise(busy))


@pytest.mark.parametrize(
    ("day", "hours"),
    [(date(2021, 3, 28), 23), (date(2021, 10, 31), 25), (date(2021, 6, 1), 24)],
)
def test_dst_days_follow_local_time(day, hours):
    cc = build({**AROUND_THE_CLOCK, "last": "P400D"})
    chunk = cc.live.chunk(day)
    assert (chunk.reach - chunk.starts) // HOUR == hours + 0  # time-out spill is under an hour
    history = chunk.history
    for arrived in history.arrived_at.tolist():
        assert datetime.fromtimestamp(arrived / MICROS_PER_SECOND, ZONE).date() == day
    shifts = {
        (datetime.fromtimestamp(start / MICROS_PER_SECOND, ZONE).strftime("%H:%M"), (end - start) // 60_000_000)
        for start, end in zip(history.session_from.tolist(), history.session_to.tolist(), strict=True)
    }
    night = 12 * 60 + (hours - 24) * 60  # the clock change falls in the night shift
    assert shifts == {("00:00", night), ("12:00", 11 * 60 + 59)}
    calls, sessions = records(cc, day - timedelta(days=1), day + timedelta(days=1))
    start, end = chunk.starts, chunk.starts + hours * HOUR
    now = end  # the next day's night shift has just begun
    result = compute_statistics(cc, start, end, now)
    assert result == reference_statistics(cc.agents, calls, sessions, start, end, now)
    assert sum(agent.total_staffed_seconds for agent in result.agents) == 2 * (night + 11 * 60 + 59) * 60


def test_a_day_is_the_same_whenever_and_in_whatever_order_it_is_built():
    first, second = build(OFFICE), build(OFFICE)
    days = [date(2021, 6, 1) + timedelta(days=d) for d in range(5)]
    for day in days:
        first.live.chunk(day)
    for day in reversed(days):
        second.live.chunk(day)
    for day in days:
        a, b = first.live.chunk(day).history, second.live.chunk(day).history
        for column in vars(a):
            assert np.array_equal(getattr(a, column), getattr(b, column)), (day, column)
    # The same day seen from two anchors a week apart: the same calls.
    at_one, at_other = local("2021-06-02 12:00"), local("2021-06-09 12:00")
    start, end = local("2021-06-01 00:00"), local("2021-06-02 00:00")
    assert compute_statistics(first, start, end, at_one).queue == compute_statistics(first, start, end, at_other).queue
    assert compute_statistics(first, start, end, at_one).queue.calls_answered > 100
    other_seed = build(OFFICE, seed=6)
    assert not np.array_equal(
        other_seed.live.chunk(days[0]).history.arrived_at, first.live.chunk(days[0]).history.arrived_at
    )


def test_a_fixed_seed_gives_a_fixed_day():
    """If this changes, so did what a seed produces for live traffic."""
    cc = build(OFFICE)
    start, end = local("2021-06-01 00:00"), local("2021-06-02 00:00")
    queue = compute_statistics(cc, start, end, end).queue
    assert (queue.calls_answered, queue.calls_abandoned, queue.calls_timed_out, queue.average_wait_seconds) == (
        LIVE_GOLDEN
    )


LIVE_GOLDEN = (300, 26, 37, 88)


def test_the_window_rolls_with_the_clock_and_the_cache_stays_bounded():
    cc = build({**OFFICE, "last": "P3D"})
    live = cc.live
    assert live.capacity == 6
    seen = set()
    now = local("2021-06-01 12:00")
    for _ in range(60):  # two months, a day at a time
        now += DAY
        start = now - 3 * DAY
        asked = compute_statistics(cc, start - 10 * DAY, now, now)  # more than the window holds
        held = compute_statistics(cc, local_midnight_before(start), now, now)
        assert asked.agents == held.agents
        assert counts(asked.queue) == counts(held.queue)
        seen.update(live.cached_days)
        assert len(live.cached_days) <= live.capacity
    assert len(seen) > 60
    # The oldest day leaves the window as the clock passes its anniversary.
    day_start = local("2021-06-01 00:00")
    inside = compute_statistics(cc, day_start, day_start + DAY, day_start + 3 * DAY + HOUR)
    outside = compute_statistics(cc, day_start, day_start + DAY, day_start + 4 * DAY + HOUR)
    assert inside.queue.calls_answered > 100
    assert outside.queue.calls_answered == 0


def counts(queue) -> tuple[int, ...]:
    """What does not depend on the range's length (the average agents do)."""
    return (
        queue.busy_overflows,
        queue.calls_answered,
        queue.calls_abandoned,
        queue.calls_transferred,
        queue.calls_timed_out,
        queue.average_wait_seconds,
        queue.average_abandonment_seconds,
    )


def local_midnight_before(instant: int) -> int:
    day = datetime.fromtimestamp(instant / MICROS_PER_SECOND, ZONE).date()
    return int(datetime.combine(day, datetime.min.time(), ZONE).timestamp()) * MICROS_PER_SECOND


def test_explicit_records_join_live_traffic():
    call = {"arrivedAt": "2021-06-01T07:00:00+02:00", "outcome": "abandoned", "waitSeconds": 5}
    session = {"agent": AGENTS[3], "from": "2021-06-01T07:00:00+02:00", "to": "2021-06-01T09:00:00+02:00"}
    cc = build(OFFICE, calls=[call], agentSessions=[session])
    start, now = local("2021-06-01 00:00"), local("2021-06-01 08:30")
    result = compute_statistics(cc, start, now, now)
    without = compute_statistics(build(OFFICE), start, now, now)
    assert result.queue.calls_abandoned == without.queue.calls_abandoned + 1
    calls, sessions = records(cc, date(2021, 5, 31), date(2021, 6, 1))
    assert result == reference_statistics(cc.agents, calls, sessions, start, now, now)
    assert [agent.available for agent in result.agents] == [True, True, False, True]


def test_explicit_sessions_must_not_overlap_live_shifts():
    clash = {"agent": AGENTS[2], "from": "2021-06-01T17:00:00+02:00", "to": "2021-06-01T19:00:00+02:00"}
    open_session = {"agent": AGENTS[0], "from": "2021-06-05T10:00:00+02:00"}  # a Saturday, then every weekday
    with pytest.raises(ScenarioError) as caught:
        build(OFFICE, agentSessions=[clash, open_session])
    assert caught.value.messages == [
        f"live.yaml: tenants[0].groups[0].callCenters[0].generate.shifts overlap agentSessions of '{AGENTS[0]}'.",
        f"live.yaml: tenants[0].groups[0].callCenters[0].generate.shifts overlap agentSessions of '{AGENTS[2]}'.",
    ]
    build(
        OFFICE,
        agentSessions=[{"agent": AGENTS[2], "from": "2021-06-01T07:00:00+02:00", "to": "2021-06-01T10:00:00+02:00"}],
    )


# Over HTTP, on the default scenario's live call center.

LIVE_STATISTICS = cc_path(*LIVE_CC, "statistics")


def invalid(*messages: str) -> dict:
    return {"errors": [{"code": 2, "message": message} for message in messages]}


async def test_the_default_scenario_s_live_call_center_shows_calls_coming_in(client):
    namespace = namespace_of(client)
    namespace.clock.freeze(parse_instant("2021-06-01T10:00:00+02:00"))
    first = await (await client.get(LIVE_STATISTICS, params={"last": "PT1H"})).json()
    assert first["statisticsRange"] == {"start": "2021-06-01T07:00:00Z", "end": "2021-06-01T08:00:00Z"}
    assert first["queueStatistics"]["callsAnswered"] > 10
    today = {"start": "2021-06-01T00:00:00+02:00"}
    before = await (await client.get(LIVE_STATISTICS, params=today)).json()
    moved = await client.put("/__sim/clock", json={"advance": "PT10M"})
    assert moved.status == 200
    after = await (await client.get(LIVE_STATISTICS, params=today)).json()
    assert after["statisticsRange"]["end"] == "2021-06-01T10:10:00+02:00"
    assert after["queueStatistics"]["callsAnswered"] > before["queueStatistics"]["callsAnswered"]
    staffed = [agent["statistics"]["totalStaffedSeconds"] for agent in after["agentStatistics"]]
    assert sum(staffed) == 2 * 8 * 3600 + 4 * (2 * 3600 + 600)  # the night shift, and the day shift so far
    assert [agent["available"] for agent in after["agentStatistics"]] == [False, False] + [True] * 4 + [False] * 2


async def test_last_ranges_are_the_same_as_start_and_end(client):
    namespace_of(client).clock.freeze(parse_instant("2021-06-01T15:30:00+02:00"))
    by_last = await (await client.get(LIVE_STATISTICS, params={"last": "P1DT2H"})).json()
    by_range = await (
        await client.get(LIVE_STATISTICS, params={"start": "2021-05-31T11:30:00Z", "end": "2021-06-01T13:30:00Z"})
    ).json()
    assert by_last == by_range


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"last": "1H"}, "The query parameter last: '1H' is not an ISO 8601 duration such as PT1H, P1D or P30D."),
        ({"last": ""}, "The query parameter last: '' is not an ISO 8601 duration such as PT1H, P1D or P30D."),
        ({"last": "PT-1H"}, "The query parameter last: 'PT-1H' is not an ISO 8601 duration such as PT1H, P1D or P30D."),
        ({"last": "PT0S"}, "The query parameter last: 'PT0S' is empty: give a duration above zero, such as PT1H."),
        (
            {"last": "P1M"},
            "The query parameter last: 'P1M' uses years or months, whose length varies: give weeks, days, hours, "
            "minutes or seconds (P30D, PT1H).",
        ),
        ({"last": "P3661D"}, "The query parameter last may be at most P3660D."),
        (
            {"last": "PT1H", "start": "2021-06-01T10:00:00Z"},
            "Give either last or start (and end) in the query string, not both.",
        ),
        (
            {"last": "PT1H", "end": "2021-06-01T10:00:00Z"},
            "Give either last or start (and end) in the query string, not both.",
        ),
    ],
)
async def test_bad_last_values_are_refused(client, params, message):
    response = await client.get(LIVE_STATISTICS, params=params)
    assert response.status == 400
    assert await response.json() == invalid(message)


async def test_last_given_twice_or_beside_a_body_is_refused(client):
    response = await client.get(LIVE_STATISTICS + "?last=PT1H&last=P1D")
    assert (response.status, await response.json()) == (
        400,
        invalid("The query parameter last is given more than once."),
    )
    body = {"statisticsRange": {"start": "2021-06-01T10:00:00Z"}}
    response = await client.get(LIVE_STATISTICS, params={"last": "PT1H"}, json=body)
    assert (response.status, await response.json()) == (
        400,
        invalid("Give the statistics range in the body or in the query string, not both."),
    )


# The generate block and the command.


def test_generate_live_writes_rolling_windows_on_a_real_time_clock(tmp_path, capsys):
    out = tmp_path / "live.yaml"
    assert main(["generate", "--live", "--days", "7", "--call-centers", "1", "--agents", "2", "-o", str(out)]) == 0
    written = yaml.safe_load(out.read_text())
    assert "clock" not in written
    block = written["tenants"][0]["groups"][0]["callCenters"][0]["generate"]
    assert block == {"last": "P7D", "timeZone": "Europe/Brussels", "callsPerHour": 20}
    assert main(["validate", str(out)]) == 0
    assert capsys.readouterr().out == f"{out}: ok (1 call center, 0 calls, 1 with live traffic)\n"


@pytest.mark.parametrize("option", [["--explicit"], ["--start", "2021-01-01"]])
def test_generate_live_refuses_fixed_day_options(option, capsys):
    assert main(["generate", "--live", *option]) == 2
    assert capsys.readouterr().err == (
        f"apio-sim generate: --live writes windows that move with the clock; drop {option[0]}.\n"
    )
