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
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate
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


# A structure of at most SMALL_POINTS points over at most SMALL_OWNERS owners keeps Python lists and
# answers with `bisect`: numpy's cost per call (about a microsecond, some thirty calls a request) outweighs
# its searches on small histories, such as the scenarios' and the live traffic's days, while its
# vectorised searches win over many agents (measured: 2 agents and 90 calls 70 µs against 243; 50 agents
# and 200 calls 319 against 495; 50 agents and 3,000 calls 614 against 512). Both paths are O(log n) per
# owner and give the same integers.
SMALL_POINTS = 1024
SMALL_OWNERS = 64


def _is_small(points: int, owners: int) -> bool:
    return points <= SMALL_POINTS and owners <= SMALL_OWNERS


class _Points:
    """Instants grouped by an owner (agent or outcome), each with a weight: counts and weight sums in a range.

    Answers are lists of Python ints, one per owner.
    """

    def __init__(
        self,
        owner: np.ndarray,
        times: np.ndarray,
        owners: int,
        base: int,
        span: int,
        weights: np.ndarray | None = None,
        small: bool | None = None,
    ) -> None:
        keys = owner.astype(np.int64) * span + (times - base)
        order = np.argsort(keys, kind="stable")
        sorted_keys = keys[order]
        owner_keys = np.arange(owners, dtype=np.int64) * span
        first = sorted_keys.searchsorted(owner_keys)  # where each owner's points begin
        self._base, self._span = base, span
        self.small = _is_small(len(sorted_keys), owners) if small is None else small
        if self.small:
            self._key_list: list[int] = sorted_keys.tolist()
            self._owner_list: list[int] = owner_keys.tolist()
            self._first_list: list[int] = first.tolist()
            # where each owner's points end (no owners: no ends)
            self._last_list = [*self._first_list[1:], len(self._key_list)] if owners else []
            # (owner key, first, end) per owner, zipped once: every request walks them
            self._spans = list(zip(self._owner_list, self._first_list, self._last_list, strict=True))
            # Summed in Python integers, exact whatever the weights (the intervals' are whole offsets).
            self._prefix_list = None if weights is None else list(accumulate(weights[order].tolist(), initial=0))
        else:
            self._keys, self._owner_keys, self._first = sorted_keys, owner_keys, first
            self._prefix = None if weights is None else np.concatenate(([0], np.cumsum(weights[order], dtype=np.int64)))

    def _offset(self, instant: Instant) -> int:
        offset = instant - self._base
        return 0 if offset < 0 else (offset if offset < self._span else self._span)

    def _small_positions(self, offset: int) -> list[int]:
        """For each owner, the position of its first point at or after base + offset."""
        keys = self._key_list
        return [bisect_left(keys, owner_key + offset, low, high) for owner_key, low, high in self._spans]

    def _small_bounds(self, start: Instant, end: Instant) -> list[tuple[int, int]]:
        """The positions of `start` and `end` per owner (the list path): `start`'s search stops at `end`'s."""
        keys, start_offset, end_offset = self._key_list, self._offset(start), self._offset(end)
        bounds = []
        for owner_key, low, high in self._spans:
            end_position = bisect_left(keys, owner_key + end_offset, low, high)
            bounds.append((bisect_left(keys, owner_key + start_offset, low, end_position), end_position))
        return bounds

    def _bounds(self, start: Instant, end: Instant) -> tuple[np.ndarray, np.ndarray]:
        """The positions of `start` and `end` per owner, in one search (the numpy path)."""
        owners = len(self._owner_keys)
        both = self._keys.searchsorted(
            np.concatenate((self._owner_keys + self._offset(start), self._owner_keys + self._offset(end)))
        )
        return both[:owners], both[owners:]

    def counts(self, start: Instant, end: Instant) -> list[int]:
        if self.small:
            return [high - low for low, high in self._small_bounds(start, end)]
        low_array, high_array = self._bounds(start, end)
        return (high_array - low_array).tolist()

    def counts_and_sums(self, start: Instant, end: Instant) -> tuple[list[int], list[int]]:
        if self.small:
            assert self._prefix_list is not None
            prefix = self._prefix_list
            bounds = self._small_bounds(start, end)
            return [high - low for low, high in bounds], [prefix[high] - prefix[low] for low, high in bounds]
        assert self._prefix is not None
        low_array, high_array = self._bounds(start, end)
        return (high_array - low_array).tolist(), (self._prefix[high_array] - self._prefix[low_array]).tolist()

    def count_before(self, instant: Instant) -> list[int]:
        """For each owner, how many of its points lie before `instant`."""
        offset = self._offset(instant)
        if self.small:
            return [here - first for here, first in zip(self._small_positions(offset), self._first_list, strict=True)]
        return (self._keys.searchsorted(self._owner_keys + offset) - self._first).tolist()

    def before(self, instant: Instant) -> tuple[np.ndarray, np.ndarray]:
        """For each owner, the count and the weight sum of its points before `instant` (the numpy path)."""
        assert self._prefix is not None
        positions = self._keys.searchsorted(self._owner_keys + self._offset(instant))
        return positions - self._first, self._prefix[positions] - self._prefix[self._first]


class _Intervals:
    """Intervals [a, b) grouped by agent, clipped to a range, exactly, even where they overlap.

    With F(t) = sum over intervals of |[a, b) before t| = sum_{a<t} (t - a) - sum_{b<t} (t - b), the time
    inside [S, E) is F(E) - F(S). Both sums come from prefix sums; times are kept as whole seconds plus
    microseconds so that no product overflows 64 bits on the numpy path.
    """

    def __init__(self, owner: np.ndarray, starts: np.ndarray, ends: np.ndarray, owners: int, base: int, span: int):
        self._base, self._span = base, span
        self.small = _is_small(len(starts), owners)
        if self.small:  # one structure per end, weighted by its whole offset: Python sums cannot overflow
            a = self._a_offsets = _Points(owner, starts, owners, base, span, starts - base, small=True)
            b = self._b_offsets = _Points(owner, ends, owners, base, span, ends - base, small=True)
            self._small_spans = [
                (owner_key, a_low, a_high, b_low, b_high)
                for (owner_key, a_low, a_high), (_, b_low, b_high) in zip(a._spans, b._spans, strict=True)
            ]
        else:
            self._a = self._split(owner, starts, owners, base, span, False)
            self._b = self._split(owner, ends, owners, base, span, False)

    @staticmethod
    def _split(
        owner: np.ndarray, times: np.ndarray, owners: int, base: int, span: int, small: bool
    ) -> tuple["_Points", "_Points"]:
        """Points weighted by their whole seconds, and by their microseconds, past `base`."""
        whole, micros = np.divmod(times - base, MICROS_PER_SECOND)
        return (
            _Points(owner, times, owners, base, span, whole, small),
            _Points(owner, times, owners, base, span, micros, small),
        )

    def _clipped_small(self, start: Instant, end: Instant) -> list[int]:
        """F(end) - F(start) per owner, with both searches of each end in one pass over the owners."""
        a, b = self._a_offsets, self._b_offsets
        a_keys, a_prefix, b_keys, b_prefix = a._key_list, a._prefix_list, b._key_list, b._prefix_list
        assert a_prefix is not None and b_prefix is not None
        s, e = a._offset(start), a._offset(end)
        clipped = []
        for owner_key, a_low, a_high, b_low, b_high in self._small_spans:
            a_end = bisect_left(a_keys, owner_key + e, a_low, a_high)
            a_start = bisect_left(a_keys, owner_key + s, a_low, a_end)
            b_end = bisect_left(b_keys, owner_key + e, b_low, b_high)
            b_start = bisect_left(b_keys, owner_key + s, b_low, b_end)
            # F(t) = count_a(t) * t - sum_a(t) - (count_b(t) * t - sum_b(t)), sums from the owner's first point
            f_end = (
                (a_end - a_low - b_end + b_low) * e
                - a_prefix[a_end]
                + a_prefix[a_low]
                + b_prefix[b_end]
                - b_prefix[b_low]
            )
            f_start = (
                (a_start - a_low - b_start + b_low) * s
                - a_prefix[a_start]
                + a_prefix[a_low]
                + b_prefix[b_start]
                - b_prefix[b_low]
            )
            clipped.append(f_end - f_start)
        return clipped

    def _before(self, instant: Instant) -> tuple[np.ndarray, np.ndarray]:
        """F(instant) per owner, as (whole seconds, microseconds): the parts stay small enough to subtract."""
        whole, micros = divmod(self._a[0]._offset(instant), MICROS_PER_SECOND)
        parts = []
        for seconds_points, micros_points in (self._a, self._b):
            count, seconds_sum = seconds_points.before(instant)
            _, micros_sum = micros_points.before(instant)
            parts.append((count * whole - seconds_sum, count * micros - micros_sum))
        (a_seconds, a_micros), (b_seconds, b_micros) = parts
        return a_seconds - b_seconds, a_micros - b_micros

    def clipped(self, start: Instant, end: Instant) -> list[int]:
        """Microseconds inside [start, end), per owner."""
        if self.small:
            return self._clipped_small(start, end)
        end_seconds, end_micros = self._before(end)
        start_seconds, start_micros = self._before(start)
        return ((end_seconds - start_seconds) * MICROS_PER_SECOND + (end_micros - start_micros)).tolist()


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

    def staffed_open(self, start: Instant, end: Instant) -> list[int]:
        totals = [0] * self.agents
        for agent, signed_in in self._open:
            totals[agent] += max(0, end - max(signed_in, start))
        return totals

    def available(self, now: Instant) -> list[bool]:
        """Whether each agent has a session covering `now`: signed in at or before it, not out by then."""
        signed_in, signed_out = self.signed_in.count_before(now + 1), self.signed_out.count_before(now + 1)
        return [i - o > 0 for i, o in zip(signed_in, signed_out, strict=True)]


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

    counts: list[int]
    waits: list[int]
    handled: list[int]
    handled_seconds: list[int]
    unanswered: list[int]
    talk_micros: list[int]
    staffed_micros: list[int]

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
            staffed_micros=[
                closed + still_open
                for closed, still_open in zip(
                    index.staffed.clipped(start, end), index.staffed_open(start, end), strict=True
                )
            ],
        )

    def add(self, other: "RangeSums") -> None:
        for name in self.__slots__:
            setattr(self, name, [a + b for a, b in zip(getattr(self, name), getattr(other, name), strict=True)])


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
            available_now = [a or b for a, b in zip(available_now, chunk.index.available(now), strict=True)]
    counts, waits = sums.counts, sums.waits
    handled, handled_seconds = sums.handled, sums.handled_seconds
    unanswered = sums.unanswered
    talk = [micros // MICROS_PER_SECOND for micros in sums.talk_micros]
    staffed = [micros // MICROS_PER_SECOND for micros in sums.staffed_micros]
    available = available_now
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
