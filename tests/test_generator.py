"""Generated histories: they obey the model's rules, one seed decides them, and bad blocks are refused."""

import copy
import itertools
from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from simulator.instants import MICROS_PER_SECOND, parse_instant
from simulator.model import Outcome
from simulator.scenario import ScenarioError, parse_scenario
from simulator.statistics import compute_statistics
from tests.reference_statistics import reference_statistics

AGENTS = [f"agent{i}@gen.test" for i in range(6)]
BLOCK = {
    "from": "2021-03-22",
    "to": "2021-04-02",  # across the change to summer time in Brussels (28 March)
    "timeZone": "Europe/Brussels",
    "workingHours": {"open": "08:00", "close": "17:00"},
    "callsPerHour": 70,
    "queueLength": 4,
    "queueTimeoutSeconds": 240,
    "outcomes": {"answered": 0.8, "abandoned": 0.1, "transferred": 0.05, "timedOut": 0.05},
    "shifts": [
        {"from": "08:00", "to": "12:30", "agents": AGENTS[:3]},
        {"from": "12:30", "to": "17:00", "agents": AGENTS[:3]},
        {"from": "09:00", "to": "17:00", "agents": AGENTS[3:]},
    ],
}


def scenario(block: dict | None = None, seed: int | None = 11, **extra) -> dict:
    call_center = {"id": "cc@gen.test", "agents": AGENTS, "generate": block or BLOCK, **extra}
    document = {
        "tenants": [
            {
                "id": "t",
                "groups": [
                    {
                        "id": "g",
                        "users": [{"userId": a, "firstName": "A", "lastName": str(i)} for i, a in enumerate(AGENTS)],
                        "callCenters": [call_center],
                    }
                ],
            }
        ]
    }
    if seed is not None:
        document["seed"] = seed
    return document


def build(document: dict, seed: int | None = None):
    return parse_scenario(document, "gen.yaml", seed=seed).tenants["t"].groups["g"].call_centers["cc@gen.test"]


@pytest.fixture(scope="module")
def generated():
    return build(scenario())


def test_it_generates_traffic_of_every_kind(generated):
    outcomes = Counter(call.outcome for call in generated.calls)
    assert set(outcomes) == set(Outcome)
    assert 0.6 < outcomes[Outcome.ANSWERED] / len(generated.calls) < 0.9
    assert len(generated.calls) > 5000


def test_calls_arrive_only_on_working_days_and_hours(generated):
    zone = ZoneInfo("Europe/Brussels")
    for call in generated.calls:
        local = datetime.fromtimestamp(call.arrived_at / MICROS_PER_SECOND, zone)
        assert local.weekday() < 5
        assert 8 <= local.hour < 17
        assert call.arrived_at % MICROS_PER_SECOND == 0


def test_shifts_follow_local_time_across_a_dst_change(generated):
    zone = ZoneInfo("Europe/Brussels")
    starts = {
        (s.agent, datetime.fromtimestamp(s.signed_in_at / MICROS_PER_SECOND, zone).strftime("%H:%M"))
        for s in generated.sessions
    }
    assert starts == {(a, "08:00") for a in AGENTS[:3]} | {(a, "12:30") for a in AGENTS[:3]} | {
        (a, "09:00") for a in AGENTS[3:]
    }
    assert len(generated.sessions) == 10 * 9  # ten working days, nine shifts a day


def test_the_model_s_rules_hold(generated):
    calls, sessions = generated.calls, generated.sessions
    timeout = 240
    for call in calls:
        if call.outcome is Outcome.BUSY_OVERFLOW:
            continue
        assert 0 <= call.wait_seconds <= timeout
        if call.outcome is Outcome.TIMED_OUT:
            assert call.wait_seconds == timeout
        if call.outcome is Outcome.ABANDONED:
            assert call.wait_seconds < timeout
    # An answering agent is signed in at the answer; a bounced offer went to another, signed-in agent.
    for call in calls:
        if call.outcome is Outcome.ANSWERED:
            assert any(s.agent == call.agent and s.covers(call.outcome_at) for s in sessions)
            for other in call.unanswered_by:
                assert other != call.agent
                assert any(s.agent == other and s.covers(call.arrived_at) for s in sessions)
    # One agent never takes two calls at once (talk and hold included).
    for agent in AGENTS:
        busy = sorted(
            (c.outcome_at, c.outcome_at + (c.talk_seconds + c.hold_seconds) * MICROS_PER_SECOND)
            for c in calls
            if c.agent == agent
        )
        assert all(end <= next_start for (_, end), (next_start, _) in itertools.pairwise(busy))
    # A busy overflow finds the queue full: queueLength calls waiting when it arrives.
    queued = [(c.arrived_at, c.outcome_at) for c in calls if c.outcome is not Outcome.BUSY_OVERFLOW]
    overflows = [c.arrived_at for c in calls if c.outcome is Outcome.BUSY_OVERFLOW]
    assert overflows
    for t in overflows:
        assert sum(1 for arrived, leaves in queued if arrived <= t < leaves) >= 4
    # And never overlapping sessions for one agent.
    for agent in AGENTS:
        own = sorted((s.signed_in_at, s.signed_out_at) for s in sessions if s.agent == agent)
        assert all(end <= nxt for (_, end), (nxt, _) in itertools.pairwise(own))


def test_the_same_seed_gives_the_same_history_and_another_seed_another():
    first, again = build(scenario()), build(scenario())
    for column in vars(first.history):
        assert np.array_equal(getattr(first.history, column), getattr(again.history, column)), column
    other = build(scenario(seed=12))
    assert not np.array_equal(first.history.arrived_at, other.history.arrived_at)


def test_a_seed_given_from_outside_wins_over_the_scenario_s():
    assert np.array_equal(
        build(scenario(seed=11), seed=12).history.arrived_at, build(scenario(seed=12)).history.arrived_at
    )
    assert parse_scenario(scenario(seed=11), "x", seed=12).seed == 12
    assert parse_scenario(scenario(seed=None), "x").seed == 0


def test_each_call_center_gets_its_own_stream():
    document = scenario()
    group = document["tenants"][0]["groups"][0]
    twin = copy.deepcopy(group["callCenters"][0])
    twin["id"] = "twin@gen.test"
    group["callCenters"].append(twin)
    built = parse_scenario(document, "x").tenants["t"].groups["g"].call_centers
    assert not np.array_equal(built["cc@gen.test"].history.arrived_at, built["twin@gen.test"].history.arrived_at)


def test_a_fixed_seed_gives_fixed_statistics(generated):
    """The same scenario and seed give these numbers on every machine; if this changes, so did the data."""
    start, end = parse_instant("2021-03-22T00:00:00+01:00"), parse_instant("2021-04-03T00:00:00+02:00")
    queue = compute_statistics(generated, start, end, end).queue
    assert (
        queue.calls_answered,
        queue.calls_abandoned,
        queue.calls_transferred,
        queue.calls_timed_out,
        queue.busy_overflows,
        queue.average_wait_seconds,
    ) == GOLDEN


GOLDEN = (4398, 581, 281, 404, 611, 55)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2021-03-22T00:00:00+01:00", "2021-04-03T00:00:00+02:00"),
        ("2021-03-24T10:17:33+01:00", "2021-03-24T10:47:01.5+01:00"),
        ("2021-03-26T16:59:00+01:00", "2021-03-29T08:00:30+02:00"),
    ],
)
def test_statistics_of_generated_data_match_the_reference(generated, start, end):
    s, e = parse_instant(start), parse_instant(end)
    now = parse_instant("2021-03-30T10:00:00+02:00")
    assert compute_statistics(generated, s, e, now) == reference_statistics(
        generated.agents, generated.calls, generated.sessions, s, e, now
    )


def test_generated_traffic_joins_explicit_records():
    explicit_call = {"arrivedAt": "2021-03-20T10:00:00Z", "outcome": "abandoned", "waitSeconds": 5}
    explicit_session = {"agent": AGENTS[0], "from": "2021-03-20T09:00:00Z", "to": "2021-03-20T11:00:00Z"}
    cc = build(scenario(calls=[explicit_call], agentSessions=[explicit_session]))
    assert cc.calls[0].arrived_at == parse_instant("2021-03-20T10:00:00Z")
    assert len(cc.calls) == len(build(scenario()).calls) + 1
    assert len(cc.sessions) == 91


def messages(document: dict) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(document, "gen.yaml")
    return caught.value.messages


CC = "tenants[0].groups[0].callCenters[0]"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"timeZone": "Mars/Olympus"}, "generate is refused: timeZone: unknown time zone 'Mars/Olympus'."),
        ({"to": "2021-03-01"}, "generate is refused: to must not be before from."),
        ({"from": "2021-02-30"}, "generate is refused: from and to must be real dates."),
        (
            {"workingHours": {"open": "18:00", "close": "08:00"}},
            "generate is refused: workingHours: close must be after open.",
        ),
        ({"outcomes": {"answered": 0}}, "generate is refused: outcomes: at least one share must be above 0."),
        ({"dailyShape": [1, 2, 3]}, "generate is refused: dailyShape: give one weight per working hour (9), not 3."),
        (
            {"shifts": [{"from": "08:00", "to": "12:00", "agents": ["nobody@gen.test"]}]},
            "generate is refused: shifts[0].agents: 'nobody@gen.test' is not an agent of this call center.",
        ),
        (
            {"shifts": [{"from": "08:00", "to": "12:00"}, {"from": "11:00", "to": "17:00"}]},
            "generate is refused: shifts[1] overlaps shifts[0] for the same agent.",
        ),
        ({"shifts": [{"from": "12:00", "to": "08:00"}]}, "generate is refused: shifts[0]: to must be after from."),
        (
            {"outcomes": {"answered": 0.9, "busyOverflow": 0.1}},
            "generate is refused: outcomes.busyOverflow: busy overflows are not drawn; they happen when a call "
            "finds the queue full. Lower queueLength or raise callsPerHour to see more.",
        ),
    ],
)
def test_a_generate_block_that_cannot_be_played_is_refused(change, message):
    assert messages(scenario({**BLOCK, **change})) == [f"gen.yaml: {CC}.{message}"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"callsPerHour": -1}, f"{CC}.generate.callsPerHour must be 0 or more."),
        (
            {"dailyShape": "evening"},
            f'{CC}.generate.dailyShape must be one of "flat", "morning-peak", "afternoon-peak", "two-peaks".',
        ),
        (
            {"workingDays": ["monday"]},
            f'{CC}.generate.workingDays[0] must be one of "mon", "tue", "wed", "thu", "fri", "sat", "sun".',
        ),
        ({"queueLength": 0}, f"{CC}.generate.queueLength must be 1 or more."),
        ({"talkSeconds": {"min": 5}}, f"{CC}.generate.talkSeconds.mean is required."),
        (
            {"workingHours": {"open": "8:00", "close": "17:00"}},
            f"{CC}.generate.workingHours.open must be a local time of day written HH:MM, such as 08:30.",
        ),
    ],
)
def test_the_schema_checks_every_knob(change, message):
    assert messages(scenario({**BLOCK, **change})) == [f"gen.yaml: {message}"]


def test_generating_needs_agents():
    document = scenario()
    document["tenants"][0]["groups"][0]["callCenters"][0]["agents"] = []
    assert messages(document) == [f"gen.yaml: {CC}.generate needs the call center to have agents."]


def test_generated_shifts_must_not_overlap_explicit_sessions():
    session = {"agent": AGENTS[0], "from": "2021-03-22T09:00:00+01:00", "to": "2021-03-22T10:00:00+01:00"}
    assert messages(scenario(agentSessions=[session])) == [
        f"gen.yaml: {CC}.generate.shifts overlap agentSessions of '{AGENTS[0]}'."
    ]


FIXED_DAYS = {key: value for key, value in BLOCK.items() if key not in ("from", "to")}


@pytest.mark.parametrize(
    ("block", "message"),
    [
        (
            {**BLOCK, "last": "P30D"},
            "generate is refused: give either from and to (fixed days) or last (a rolling window), not both.",
        ),
        (
            FIXED_DAYS,
            "generate is refused: give from and to (fixed days) or last (a rolling window up to now, such as P30D).",
        ),
        ({**FIXED_DAYS, "from": "2021-03-22"}, "generate is refused: from and to go together: give both."),
        (
            {**FIXED_DAYS, "last": "30 days"},
            "generate is refused: last: '30 days' is not an ISO 8601 duration such as PT1H, P1D or P30D.",
        ),
        (
            {**FIXED_DAYS, "last": "P1Y"},
            "generate is refused: last: 'P1Y' uses years or months, whose length varies: give weeks, days, hours, "
            "minutes or seconds (P30D, PT1H).",
        ),
        ({**FIXED_DAYS, "last": "P3661D"}, "generate is refused: last: a window may be at most P3660D."),
        (
            {**FIXED_DAYS, "last": "P7D", "dailyShape": [1, 2]},
            "generate is refused: dailyShape: give one weight per working hour (9), not 2.",
        ),
    ],
)
def test_a_generate_block_gives_fixed_days_or_a_rolling_window(block, message):
    assert messages(scenario(block)) == [f"gen.yaml: {CC}.{message}"]


def test_a_rolling_window_is_built_when_asked_for_not_at_load():
    cc = build(scenario({**FIXED_DAYS, "last": "P30D"}))
    assert len(cc.history) == 0 and cc.live is not None
    assert cc.live.cached_days == []
