"""The statistics rules as pure functions: examples and property tests of their identities."""

from unittest.mock import patch

from hypothesis import given, settings
from hypothesis import strategies as st

from simulator import statistics
from simulator.instants import MICROS_PER_SECOND, parse_instant, seconds
from simulator.model import AgentSession, Call, CallCenter, Outcome, User
from simulator.statistics import average_agents, build_call_center, compute_statistics
from tests.reference_statistics import reference_statistics

ALICE = User("alice@x.test", "Alice", "A")
BOB = User("bob@x.test", "Bob", "B")
T0 = parse_instant("2021-02-01T00:00:00Z")


def call_center(calls=(), sessions=(), agents=(ALICE, BOB)) -> CallCenter:
    return build_call_center("cc@x.test", agents, calls, sessions)


def at(second: int) -> int:
    return T0 + seconds(second)


def test_average_agents_truncates_to_one_decimal():
    assert average_agents(1310, seconds(3600)) == 0.3  # 0.3639
    assert average_agents(5580, seconds(3600)) == 1.5  # 1.55
    assert average_agents(3599, seconds(3600)) == 0.9  # 0.9997
    assert average_agents(7200, seconds(3600)) == 2.0
    assert average_agents(5, 0) == 0.0


def test_talk_is_clipped_and_hold_is_not_talk():
    cc = call_center(
        calls=[Call(at(0), Outcome.ANSWERED, wait_seconds=10, agent=ALICE.user_id, talk_seconds=100, hold_seconds=50)],
        sessions=[AgentSession(ALICE.user_id, at(0))],
    )
    alice = compute_statistics(cc, at(60), at(1000), now=at(1000)).agents[0]
    assert alice.total_talk_seconds == 50  # talk runs 10..110, the range starts at 60
    assert alice.calls_handled == 0  # answered at 10, before the range
    inside = compute_statistics(cc, at(0), at(1000), now=at(1000)).agents[0]
    assert (inside.calls_handled, inside.average_call_seconds, inside.total_talk_seconds) == (1, 150, 100)


def test_unanswered_offers_count_once_per_entry_at_the_outcome():
    cc = call_center(
        calls=[
            Call(at(0), Outcome.ABANDONED, wait_seconds=30, unanswered_by=(ALICE.user_id, BOB.user_id, ALICE.user_id)),
        ]
    )
    before = compute_statistics(cc, at(0), at(30), now=at(100))
    after = compute_statistics(cc, at(30), at(31), now=at(100))
    assert [a.calls_unanswered for a in before.agents] == [0, 0]
    assert [a.calls_unanswered for a in after.agents] == [2, 1]


def test_available_is_a_snapshot_at_now():
    cc = call_center(sessions=[AgentSession(ALICE.user_id, at(0), at(100)), AgentSession(BOB.user_id, at(50))])
    assert [a.available for a in compute_statistics(cc, at(0), at(10), now=at(99)).agents] == [True, True]
    assert [a.available for a in compute_statistics(cc, at(0), at(10), now=at(100)).agents] == [False, True]
    assert [a.available for a in compute_statistics(cc, at(0), at(10), now=at(49)).agents] == [True, False]


# Random histories that obey the model's rules: talk only while staffed, one call at a time per agent.
AGENTS = (ALICE, BOB)
DAY = 3600 * 6


@st.composite
def histories(draw):
    calls = []
    sessions = []
    for agent in AGENTS:
        cursor = 0
        for _ in range(draw(st.integers(0, 3))):
            start = cursor + draw(st.integers(0, 1800))
            length = draw(st.integers(1, 7200))
            sessions.append(AgentSession(agent.user_id, at(start), at(start + length)))
            free = start
            for _ in range(draw(st.integers(0, 4))):
                answer = free + draw(st.integers(0, 600))
                talk = draw(st.integers(0, 900))
                hold = draw(st.integers(0, 120))
                if answer + talk + hold > start + length:
                    break
                wait = draw(st.integers(0, min(answer, 300)))
                bounced = draw(st.lists(st.sampled_from([a.user_id for a in AGENTS]), max_size=2))
                calls.append(Call(at(answer - wait), Outcome.ANSWERED, wait, agent.user_id, talk, hold, tuple(bounced)))
                free = answer + talk + hold
            cursor = start + length
    for _ in range(draw(st.integers(0, 8))):
        outcome = draw(
            st.sampled_from([Outcome.ABANDONED, Outcome.TRANSFERRED, Outcome.TIMED_OUT, Outcome.BUSY_OVERFLOW])
        )
        wait = 0 if outcome is Outcome.BUSY_OVERFLOW else draw(st.integers(0, 300))
        calls.append(Call(at(draw(st.integers(0, DAY))), outcome, wait))
    return call_center(sorted(calls, key=lambda c: c.arrived_at), sorted(sessions, key=lambda s: s.signed_in_at))


instants = st.integers(min_value=at(-600), max_value=at(DAY + 7200))
COUNTS = ("busy_overflows", "calls_answered", "calls_abandoned", "calls_transferred", "calls_timed_out")
AGENT_TOTALS = ("calls_handled", "calls_unanswered", "total_talk_seconds", "total_staffed_seconds")


@settings(max_examples=150, deadline=None)
@given(histories(), instants, instants, instants)
def test_counts_and_second_totals_add_up_across_adjacent_ranges(cc, a, b, c):
    a, b, c = sorted((a, b, c))
    a, b, c = (x - x % MICROS_PER_SECOND for x in (a, b, c))  # whole seconds: totals are floored per range
    now = at(DAY * 2)
    left, right, whole = (compute_statistics(cc, s, e, now) for s, e in ((a, b), (b, c), (a, c)))
    for name in COUNTS:
        assert getattr(left.queue, name) + getattr(right.queue, name) == getattr(whole.queue, name)
    for l_agent, r_agent, w_agent in zip(left.agents, right.agents, whole.agents, strict=True):
        for name in AGENT_TOTALS:
            assert getattr(l_agent, name) + getattr(r_agent, name) == getattr(w_agent, name)


@settings(max_examples=150, deadline=None)
@given(histories(), instants, instants)
def test_the_identities_between_queue_and_agent_statistics_hold(cc, a, b):
    start, end = min(a, b), max(a, b)
    result = compute_statistics(cc, start, end, now=at(DAY * 2))
    queue = result.queue
    talk = sum(agent.total_talk_seconds for agent in result.agents)
    staffed = sum(agent.total_staffed_seconds for agent in result.agents)
    assert sum(agent.calls_handled for agent in result.agents) == queue.calls_answered
    for agent in result.agents:
        assert agent.total_talk_seconds <= agent.total_staffed_seconds
    assert queue.average_agents_talking <= queue.average_agents_staffed
    range_seconds = (end - start) / MICROS_PER_SECOND
    if range_seconds:
        # Truncated to one decimal: the exact average lies in [shown, shown + 0.1).
        exact_talking = talk / range_seconds
        assert queue.average_agents_talking <= exact_talking + 1e-9 < queue.average_agents_talking + 0.1
        exact_staffed = staffed / range_seconds
        assert queue.average_agents_staffed <= exact_staffed + 1e-9 < queue.average_agents_staffed + 0.1
    else:
        assert (queue.average_agents_talking, queue.average_agents_staffed) == (0.0, 0.0)


# The indexed engine against the reference, on histories that need not be realistic: overlapping talk,
# fractions of a second, open sessions, repeated offers, ranges anywhere (before, inside, after, across).

MICRO_INSTANTS = st.integers(min_value=at(-3600), max_value=at(DAY + 3600))


@st.composite
def any_history(draw):
    agents = (ALICE, BOB, User("carol@x.test", "Carol", "C"))
    ids = [agent.user_id for agent in agents]
    calls = []
    for _ in range(draw(st.integers(0, 25))):
        outcome = draw(st.sampled_from(list(Outcome)))
        arrived = draw(st.integers(at(0), at(DAY)))
        if outcome is Outcome.BUSY_OVERFLOW:
            calls.append(Call(arrived, outcome))
            continue
        offers = tuple(draw(st.lists(st.sampled_from(ids), max_size=3)))
        wait = draw(st.integers(0, 600))
        if outcome is Outcome.ANSWERED:
            talk, hold = draw(st.integers(0, 3000)), draw(st.integers(0, 300))
            calls.append(Call(arrived, outcome, wait, draw(st.sampled_from(ids)), talk, hold, offers))
        else:
            calls.append(Call(arrived, outcome, wait, unanswered_by=offers))
    sessions = []
    for agent in ids:
        cursor = at(0) + draw(st.integers(-600, 600)) * MICROS_PER_SECOND + draw(st.integers(0, 999_999))
        for _ in range(draw(st.integers(0, 3))):
            length = draw(st.integers(1, 4 * 3600 * MICROS_PER_SECOND))
            sessions.append(AgentSession(agent, cursor, cursor + length))
            cursor += length + draw(st.integers(0, 3600 * MICROS_PER_SECOND))
        if draw(st.booleans()):
            sessions.append(AgentSession(agent, cursor))
    return agents, calls, sessions


@settings(max_examples=400, deadline=None)
@given(any_history(), MICRO_INSTANTS, MICRO_INSTANTS, MICRO_INSTANTS)
def test_the_indexed_engine_gives_exactly_the_reference_answers(history, a, b, now):
    agents, calls, sessions = history
    start, end = min(a, b), max(a, b)
    engine = compute_statistics(build_call_center("cc@x.test", agents, calls, sessions), start, end, now)
    assert engine == reference_statistics(agents, calls, sessions, start, end, now)


@settings(max_examples=50, deadline=None)
@given(any_history())
def test_ranges_far_before_and_after_the_history(history):
    agents, calls, sessions = history
    cc = build_call_center("cc@x.test", agents, calls, sessions)
    for start, end in ((at(-(10**9)), at(-(10**8))), (at(-(10**9)), at(10**9)), (at(10**8), at(10**9)), (at(0), at(0))):
        assert compute_statistics(cc, start, end, end) == reference_statistics(agents, calls, sessions, start, end, end)


@settings(max_examples=300, deadline=None)
@given(any_history(), MICRO_INSTANTS, MICRO_INSTANTS, MICRO_INSTANTS, st.sampled_from([0, 3, 10**9]))
def test_the_list_and_numpy_paths_give_exactly_the_reference_answers(history, a, b, now, small_points):
    # 0: every structure takes the numpy path; 10**9: every one the list path; 3: a mix, by size.
    agents, calls, sessions = history
    start, end = min(a, b), max(a, b)
    with patch.object(statistics, "SMALL_POINTS", small_points):
        cc = build_call_center("cc@x.test", agents, calls, sessions)
    engine = compute_statistics(cc, start, end, now)
    assert engine == reference_statistics(agents, calls, sessions, start, end, now)


def test_the_threshold_chooses_the_path():
    calls = [Call(at(i), Outcome.ANSWERED, 1, ALICE.user_id, 10, 0) for i in range(5)]
    with patch.object(statistics, "SMALL_POINTS", 4):
        assert not statistics.index_of(call_center(calls)).handled.small
    with patch.object(statistics, "SMALL_POINTS", 5):
        assert statistics.index_of(call_center(calls)).handled.small
        with patch.object(statistics, "SMALL_OWNERS", 1):  # two agents
            assert not statistics.index_of(call_center(calls)).handled.small


def test_records_come_back_from_the_columns():
    calls = [
        Call(at(5), Outcome.ANSWERED, 3, BOB.user_id, 60, 5, (ALICE.user_id, ALICE.user_id)),
        Call(at(1), Outcome.BUSY_OVERFLOW),
    ]
    sessions = [AgentSession(ALICE.user_id, at(0), at(10)), AgentSession(BOB.user_id, at(2))]
    cc = call_center(calls, sessions)
    assert cc.calls == sorted(calls, key=lambda call: call.arrived_at)
    assert cc.sessions == sessions
