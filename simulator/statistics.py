"""Queue and agent statistics of a call center over a half-open range [start, end), in O(log n).

The rules (docs/statistics.md):

- answered, abandoned, transferred and timed-out calls count when their outcome (arrival + wait) falls in
  the range; busy overflows count at arrival;
- talk runs from the answer for `talk_seconds` and is clipped to the range; hold follows the talk;
- each unanswered offer counts one unanswered call for its agent, at the call's outcome;
- staffed time is the agent's sessions clipped to the range;
- whole-second averages are floored, agent averages are truncated to one decimal, and a zero
  denominator gives 0.

Each call center gets a `StatisticsIndex` once, when it is built: event times sorted per agent with
prefix sums, so that a request costs a few binary searches whatever the size of the history. All agents
are answered together: their events lie side by side in one array, agent by agent (key = agent * span +
time), and one vectorised search serves them all.
"""

import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from simulator.history import ABANDONED, ANSWERED, OPEN, OUTCOMES, History
from simulator.instants import MICROS_PER_SECOND, Instant
from simulator.model import AgentSession, Call, CallCenter, CallCenterType, ReportingSettings, User

if TYPE_CHECKING:
    from simulator.live import LiveTraffic

_MAX_KEY = 2**62


@dataclass(frozen=True, slots=True)
class QueueStatistics:
    busy_overflows: int
    calls_answered: int
    calls_abandoned: int
    calls_transferred: int
    calls_timed_out: int
    average_agents_talking: float
    average_agents_staffed: float
    average_wait_seconds: int
    average_abandonment_seconds: int


@dataclass(frozen=True, slots=True)
class AgentStatistics:
    agent: User
    available: bool
    calls_handled: int
    calls_unanswered: int
    average_call_seconds: int
    total_talk_seconds: int
    total_staffed_seconds: int


@dataclass(frozen=True, slots=True)
class CallCenterStatistics:
    queue: QueueStatistics
    agents: tuple[AgentStatistics, ...]


class _Points:
    """Instants grouped by an owner (agent or outcome), each with a weight: counts and weight sums in a range."""

    def __init__(
        self, owner: np.ndarray, times: np.ndarray, owners: int, base: int, span: int, weights: np.ndarray | None = None
    ) -> None:
        keys = owner.astype(np.int64) * span + (times - base)
        order = np.argsort(keys, kind="stable")
        self._keys = keys[order]
        self._owner_keys = np.arange(owners, dtype=np.int64) * span
        self._base, self._span = base, span
        self.first = self._keys.searchsorted(self._owner_keys)  # where each owner's points begin
        self.prefix = None if weights is None else np.concatenate(([0], np.cumsum(weights[order], dtype=np.int64)))

    def _offset(self, instant: Instant) -> int:
        return min(max(instant - self._base, 0), self._span)

    def positions(self, instant: Instant) -> np.ndarray:
        """For each owner, the position in the key array of its first point at or after `instant`."""
        return self._keys.searchsorted(self._owner_keys + self._offset(instant))

    def bounds(self, start: Instant, end: Instant) -> tuple[np.ndarray, np.ndarray]:
        """positions(start) and positions(end), in one search."""
        both = self._keys.searchsorted(
            np.concatenate((self._owner_keys + self._offset(start), self._owner_keys + self._offset(end)))
        )
        return both[: len(self._owner_keys)], both[len(self._owner_keys) :]

    def counts(self, start: Instant, end: Instant) -> np.ndarray:
        low, high = self.bounds(start, end)
        return high - low

    def counts_and_sums(self, start: Instant, end: Instant) -> tuple[np.ndarray, np.ndarray]:
        assert self.prefix is not None
        low, high = self.bounds(start, end)
        return high - low, self.prefix[high] - self.prefix[low]


class _Intervals:
    """Intervals [a, b) grouped by agent, clipped to a range, exactly, even where they overlap.

    With F(t) = sum over intervals of |[a, b) before t| = sum_{a<t} (t - a) - sum_{b<t} (t - b), the time
    inside [S, E) is F(E) - F(S). Both sums come from prefix sums; times are kept as whole seconds plus
    microseconds so that no product overflows 64 bits.
    """

    def __init__(self, owner: np.ndarray, starts: np.ndarray, ends: np.ndarray, owners: int, base: int, span: int):
        self._base, self._span = base, span
        self._a = self._split(owner, starts, owners, base, span)
        self._b = self._split(owner, ends, owners, base, span)

    @staticmethod
    def _split(owner: np.ndarray, times: np.ndarray, owners: int, base: int, span: int) -> tuple["_Points", "_Points"]:
        """Points weighted by their whole seconds, and by their microseconds, past `base`."""
        whole, micros = np.divmod(times - base, MICROS_PER_SECOND)
        return _Points(owner, times, owners, base, span, whole), _Points(owner, times, owners, base, span, micros)

    def _before(self, instant: Instant) -> tuple[np.ndarray, np.ndarray]:
        """F(instant) per owner, as (whole seconds, microseconds): the parts stay small enough to subtract."""
        whole, micros = divmod(self._a[0]._offset(instant), MICROS_PER_SECOND)
        parts = []
        for seconds_points, micros_points in (self._a, self._b):
            here = seconds_points.positions(instant)
            first = seconds_points.first
            count = here - first
            parts.append(
                (
                    count * whole - (seconds_points.prefix[here] - seconds_points.prefix[first]),
                    count * micros - (micros_points.prefix[here] - micros_points.prefix[first]),
                )
            )
        (a_seconds, a_micros), (b_seconds, b_micros) = parts
        return a_seconds - b_seconds, a_micros - b_micros

    def clipped(self, start: Instant, end: Instant) -> np.ndarray:
        """Microseconds inside [start, end), per owner."""
        end_seconds, end_micros = self._before(end)
        start_seconds, start_micros = self._before(start)
        return (end_seconds - start_seconds) * MICROS_PER_SECOND + (end_micros - start_micros)


class StatisticsIndex:
    """Everything a statistics request needs, sorted and summed once per call center."""

    def __init__(self, history: History, agents: int) -> None:
        outcome_at = history.outcome_at
        answered = history.outcome == ANSWERED
        talk_end = outcome_at + history.talk.astype(np.int64) * MICROS_PER_SECOND
        closed = history.session_to != OPEN
        finite = [outcome_at, talk_end[answered], history.session_from, history.session_to[closed]]
        nonempty = [column for column in finite if len(column)]
        base = min((int(column.min()) for column in nonempty), default=0)
        span = max((int(column.max()) for column in nonempty), default=base) - base + 1
        if (max(agents, len(OUTCOMES)) + 1) * span >= _MAX_KEY:
            raise ValueError(f"a history spanning {span} microseconds is too long for {agents} agents")
        self.agents = agents
        wait = history.wait.astype(np.int64)
        self.queue = _Points(history.outcome, outcome_at, len(OUTCOMES), base, span, wait)
        agent = history.agent[answered]
        handled_seconds = (history.talk[answered] + history.hold[answered]).astype(np.int64)
        self.handled = _Points(agent, outcome_at[answered], agents, base, span, handled_seconds)
        self.unanswered = _Points(history.unanswered_agent, outcome_at[history.unanswered_call], agents, base, span)
        self.talk = _Intervals(agent, outcome_at[answered], talk_end[answered], agents, base, span)
        session_agent = history.session_agent
        self.staffed = _Intervals(
            session_agent[closed], history.session_from[closed], history.session_to[closed], agents, base, span
        )
        self.signed_in = _Points(session_agent, history.session_from, agents, base, span)
        self.signed_out = _Points(session_agent[closed], history.session_to[closed], agents, base, span)
        # Open sessions run on past every other event: kept apart, at most a few per agent.
        self._open = [
            (int(a), int(start)) for a, start in zip(session_agent[~closed], history.session_from[~closed], strict=True)
        ]

    def staffed_open(self, start: Instant, end: Instant) -> np.ndarray:
        totals = np.zeros(self.agents, dtype=np.int64)
        for agent, signed_in in self._open:
            totals[agent] += max(0, end - max(signed_in, start))
        return totals

    def available(self, now: Instant) -> np.ndarray:
        """Whether each agent has a session covering `now`: signed in at or before it, not out by then."""
        signed_in = self.signed_in.positions(now + 1) - self.signed_in.positions(-(2**62))
        signed_out = self.signed_out.positions(now + 1) - self.signed_out.positions(-(2**62))
        return signed_in - signed_out > 0


_INDEXES: "weakref.WeakKeyDictionary[History, StatisticsIndex]" = weakref.WeakKeyDictionary()
"""Each history's index, built once and kept while the history lives: namespaces and scenarios that share
a history (the scenario cache) share its index too."""


def index_of(call_center: CallCenter) -> StatisticsIndex:
    """The statistics index of a call center's history (built by `build_call_center`, so at load)."""
    history, agents = call_center.history, len(call_center.agents)
    index = _INDEXES.get(history)
    if index is None or index.agents != agents:
        index = _INDEXES[history] = StatisticsIndex(history, agents)
    return index


@dataclass(slots=True)
class RangeSums:
    """The additive parts of a call center's statistics over a range: counts, seconds and microseconds.

    Averages are made from these only at the end, so that sums over several indexes (the days of live
    traffic, beside explicit records) give exactly what one index over all the records would.
    """

    counts: np.ndarray
    waits: np.ndarray
    handled: np.ndarray
    handled_seconds: np.ndarray
    unanswered: np.ndarray
    talk_micros: np.ndarray
    staffed_micros: np.ndarray

    @classmethod
    def of(cls, index: StatisticsIndex, start: Instant, end: Instant) -> "RangeSums":
        counts, waits = index.queue.counts_and_sums(start, end)
        handled, handled_seconds = index.handled.counts_and_sums(start, end)
        return cls(
            counts=counts,
            waits=waits,
            handled=handled,
            handled_seconds=handled_seconds,
            unanswered=index.unanswered.counts(start, end),
            talk_micros=index.talk.clipped(start, end),
            staffed_micros=index.staffed.clipped(start, end) + index.staffed_open(start, end),
        )

    def add(self, other: "RangeSums") -> None:
        for name in self.__slots__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


def compute_statistics(call_center: CallCenter, start: Instant, end: Instant, now: Instant) -> CallCenterStatistics:
    """Statistics of `call_center` over [start, end); `now` decides each agent's `available`.

    A live call center adds the days of its rolling window that the range touches, as the window stands
    at `now`.
    """
    index = index_of(call_center)
    sums = RangeSums.of(index, start, end)
    available_now = index.available(now)
    live = call_center.live
    if live is not None:
        for chunk in live.chunks(start, end, now):
            whole = start <= chunk.starts and chunk.reach <= end  # the day's totals serve: no search
            sums.add(chunk.totals if whole else RangeSums.of(chunk.index, start, end))
        for chunk in live.chunks(now, now + 1, now):
            available_now = available_now | chunk.index.available(now)
    counts, waits = sums.counts.tolist(), sums.waits.tolist()
    handled, handled_seconds = sums.handled.tolist(), sums.handled_seconds.tolist()
    unanswered = sums.unanswered.tolist()
    talk = (sums.talk_micros // MICROS_PER_SECOND).tolist()
    staffed = (sums.staffed_micros // MICROS_PER_SECOND).tolist()
    available = available_now.tolist()
    agents = tuple(
        AgentStatistics(
            agent=user,
            available=available[a],
            calls_handled=handled[a],
            calls_unanswered=unanswered[a],
            average_call_seconds=_floor_mean(handled_seconds[a], handled[a]),
            total_talk_seconds=talk[a],
            total_staffed_seconds=staffed[a],
        )
        for a, user in enumerate(call_center.agents)
    )
    range_micros = end - start
    queue = QueueStatistics(
        busy_overflows=counts[4],
        calls_answered=counts[ANSWERED],
        calls_abandoned=counts[ABANDONED],
        calls_transferred=counts[2],
        calls_timed_out=counts[3],
        average_agents_talking=average_agents(sum(talk), range_micros),
        average_agents_staffed=average_agents(sum(staffed), range_micros),
        average_wait_seconds=_floor_mean(waits[ANSWERED], counts[ANSWERED]),
        average_abandonment_seconds=_floor_mean(waits[ABANDONED], counts[ABANDONED]),
    )
    return CallCenterStatistics(queue=queue, agents=agents)


def average_agents(agent_seconds: int, range_micros: int) -> float:
    """agent_seconds / range seconds, truncated (not rounded) to one decimal, in exact integer arithmetic."""
    if range_micros <= 0:
        return 0.0
    return (10 * agent_seconds * MICROS_PER_SECOND // range_micros) / 10


def _floor_mean(total: int, count: int) -> int:
    return total // count if count else 0


def build_call_center(
    service_user_id: str,
    agents: Sequence[User],
    calls: Sequence[Call] = (),
    sessions: Sequence[AgentSession] = (),
    *,
    history: History | None = None,
    type: CallCenterType = CallCenterType.BASIC,
    reporting: ReportingSettings | None = None,
    live: "LiveTraffic | None" = None,
) -> CallCenter:
    """A call center, its statistics index built, from records or from a ready history."""
    agents = tuple(agents)
    history = history if history is not None else History.from_records(calls, sessions, agents)
    call_center = CallCenter(
        service_user_id=service_user_id,
        type=type,
        reporting=reporting or ReportingSettings(),
        agents=agents,
        history=history,
        live=live,
    )
    index_of(call_center)  # built now, so that a scenario's cost (and a history too long to index) shows at load
    return call_center
