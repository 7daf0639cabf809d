"""Generated histories: a `generate:` block describes traffic; this turns it into calls and agent sessions.

Everything random comes from one numpy generator seeded from the scenario's seed and the call center's
place, so the same scenario and seed give the same history on every run. Arrivals and the callers' draws
are made in bulk; one pass in arrival order then plays the queue and the agents, so that the records obey
the model's rules:

- an answering agent is signed in (on shift) at the answer, and talks on one call at a time;
- no call waits longer than the queue's time-out; a timed-out call waits exactly that long;
- a call that finds the queue full (`queueLength` calls waiting) is a busy overflow;
- an agent who lets a call bounce was signed in when it arrived.

A block gives its days as fixed dates (`from`, `to`), played in one pass, or as a rolling window (`last:
P30D`) relative to the clock. A rolling window is played one local day at a time (`generate_day`), each
day from its own stream, so that a day's traffic is the same whenever, and in whatever order, it is built.
"""

import hashlib
import heapq
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from time import monotonic  # a build's deadline (tests replace it)
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

from simulator.durations import InvalidDuration, parse_duration
from simulator.history import ABANDONED, ANSWERED, BUSY_OVERFLOW, NO_AGENT, TIMED_OUT, TRANSFERRED, History
from simulator.instants import MICROS_PER_SECOND

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_OUTCOMES = {"answered": 0.85, "abandoned": 0.08, "transferred": 0.03, "timedOut": 0.04}
_INTENTS = {"answered": ANSWERED, "abandoned": ABANDONED, "transferred": TRANSFERRED, "timedOut": TIMED_OUT}
_TALK_SIGMA = 0.6  # spread of the log-normal talk times
MAX_DAYS = 3660


class InvalidTraffic(ValueError):
    """A generate block that cannot be played; the message names the field."""


class BuildRefused(Exception):
    """A scenario load stopped by a limit (calls, time); `status` is the HTTP status that says so."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class BuildBudget:
    """What one scenario load may spend: calls built and time. Checked inside the building loops, so an
    over-long build stops there, in whatever thread it runs."""

    CHECK_EVERY = 4096  # calls played between two looks at the clock

    def __init__(self, max_calls: int | None = None, seconds: float | None = None) -> None:
        self.max_calls = max_calls
        self.seconds = seconds
        self.deadline = None if seconds is None else monotonic() + seconds
        self.calls = 0

    def check_time(self) -> None:
        if self.deadline is not None and monotonic() > self.deadline:
            raise BuildRefused(
                422,
                f"building took longer than {self.seconds:g} s and was cancelled; build fewer days, calls or call "
                "centers, or raise the build time limit (--build-seconds).",
            )

    def add_calls(self, count: int) -> None:
        self.calls += count
        if self.max_calls is not None and self.calls > self.max_calls:
            raise BuildRefused(413, self.too_many(self.calls))

    def too_many(self, calls: int) -> str:
        return (
            f"it would build about {calls} calls, more than the limit of {self.max_calls} per load; generate fewer "
            "days or calls per hour, or raise the limit (--max-calls)."
        )

    @contextmanager
    def active(self) -> Iterator["BuildBudget"]:
        """Make this the budget of the generators called meanwhile, in this thread or task."""
        token = _BUDGET.set(self)
        try:
            yield self
        finally:
            _BUDGET.reset(token)


_BUDGET: ContextVar[BuildBudget | None] = ContextVar("build_budget", default=None)


def current_budget() -> BuildBudget | None:
    return _BUDGET.get()


def estimated_calls(block: dict[str, Any]) -> int:
    """Roughly how many calls a schema-valid generate block builds (a rolling window: all its days), without
    building any: callsPerHour times the working hours of its working days. 0 when the block is refused
    anyway (its own check says why)."""
    try:
        first, last, window = _period(block)
        hours = block.get("workingHours", {"open": "08:00", "close": "18:00"})
        opening, closing = time.fromisoformat(hours["open"]), time.fromisoformat(hours["close"])
    except (InvalidTraffic, ValueError, KeyError, TypeError):
        return 0
    length = (datetime.combine(date.min, closing) - datetime.combine(date.min, opening)).total_seconds()
    working = {WEEKDAYS.index(day) for day in block.get("workingDays", WEEKDAYS[:5]) if day in WEEKDAYS}
    if window is not None:
        count = -(-window // (86400 * MICROS_PER_SECOND)) + 1
        days = count * len(working) / 7
    else:
        assert first is not None and last is not None
        days = sum(1 for d in range((last - first).days + 1) if (first + timedelta(days=d)).weekday() in working)
    return int(float(block.get("callsPerHour", 20)) * max(length, 0) / 3600 * days)


@dataclass(frozen=True, slots=True)
class Traffic:
    """A validated generate block, with its defaults filled in."""

    first_day: date | None  # fixed days; None for a rolling window
    last_day: date | None
    window: int | None  # a rolling window's length, in microseconds back from now
    zone: ZoneInfo
    working_days: frozenset[int]
    open: time
    close: time
    calls_per_hour: float
    shape: tuple[float, ...] | str
    intents: tuple[tuple[int, float], ...]
    queue_length: int
    timeout: int
    wait: tuple[float, int, int]
    abandon: tuple[float, int, int]
    talk: tuple[float, int, int]
    hold_share: float
    hold_mean: float
    bounced_share: float
    shifts: tuple[tuple[time, time, tuple[int, ...]], ...]

    @classmethod
    def from_document(cls, block: dict[str, Any], agent_ids: list[str]) -> "Traffic":
        try:
            zone = ZoneInfo(block.get("timeZone", "UTC"))
        except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a directory of the database ("Europe")
            raise InvalidTraffic(f"timeZone: unknown time zone {block.get('timeZone')!r}.") from None
        first, last, window = _period(block)
        hours = block.get("workingHours", {"open": "08:00", "close": "18:00"})
        opening, closing = time.fromisoformat(hours["open"]), time.fromisoformat(hours["close"])
        if closing <= opening:
            raise InvalidTraffic("workingHours: close must be after open.")
        mix = block.get("outcomes", DEFAULT_OUTCOMES)
        if "busyOverflow" in mix:
            raise InvalidTraffic(
                "outcomes.busyOverflow: busy overflows are not drawn; they happen when a call finds the queue "
                "full. Lower queueLength or raise callsPerHour to see more."
            )
        total = sum(mix.values())
        if total <= 0:
            raise InvalidTraffic("outcomes: at least one share must be above 0.")
        timeout = block.get("queueTimeoutSeconds", 300)
        shifts = []
        for s, shift in enumerate(block.get("shifts", [{"from": hours["open"], "to": hours["close"]}])):
            start, end = time.fromisoformat(shift["from"]), time.fromisoformat(shift["to"])
            if end <= start:
                raise InvalidTraffic(f"shifts[{s}]: to must be after from.")
            unknown = [agent for agent in shift.get("agents", []) if agent not in agent_ids]
            if unknown:
                raise InvalidTraffic(f"shifts[{s}].agents: {unknown[0]!r} is not an agent of this call center.")
            members = (
                tuple(agent_ids.index(a) for a in shift["agents"])
                if "agents" in shift
                else tuple(range(len(agent_ids)))
            )
            shifts.append((start, end, members))
        for s, (start, end, members) in enumerate(shifts):
            for t, (other_start, other_end, other_members) in enumerate(shifts[:s]):
                if start < other_end and other_start < end and set(members) & set(other_members):
                    raise InvalidTraffic(f"shifts[{s}] overlaps shifts[{t}] for the same agent.")
        shape = block.get("dailyShape", "morning-peak")
        return cls(
            first_day=first,
            last_day=last,
            window=window,
            zone=zone,
            working_days=frozenset(WEEKDAYS.index(day) for day in block.get("workingDays", WEEKDAYS[:5])),
            open=opening,
            close=closing,
            calls_per_hour=float(block.get("callsPerHour", 20)),
            shape=tuple(shape) if isinstance(shape, list) else shape,
            intents=tuple((_INTENTS[name], share / total) for name, share in mix.items()),
            queue_length=block.get("queueLength", 10),
            timeout=timeout,
            wait=_distribution(block.get("waitSeconds"), 30, 0, timeout),
            abandon=_distribution(block.get("abandonSeconds"), 60, 0, max(timeout - 1, 0)),
            talk=_distribution(block.get("talkSeconds"), 240, 10, 3600),
            hold_share=block.get("holdSeconds", {}).get("share", 0.2),
            hold_mean=block.get("holdSeconds", {}).get("mean", 45),
            bounced_share=block.get("bouncedShare", 0.1),
            shifts=tuple(shifts),
        )

    def slots(self) -> int:
        """Working hours, counting a last part-hour as one."""
        length = (datetime.combine(date.min, self.close) - datetime.combine(date.min, self.open)).total_seconds()
        return int(-(-length // 3600))

    def days(self) -> list[date]:
        assert self.first_day is not None and self.last_day is not None
        count = (self.last_day - self.first_day).days + 1
        every = (self.first_day + timedelta(days=d) for d in range(count))
        return [day for day in every if day.weekday() in self.working_days]

    def instant(self, day: date, at: time) -> int:
        """A local time of a day, in microseconds since the epoch (the zone's offset of that day)."""
        local = datetime.combine(day, at, tzinfo=self.zone)
        return int(local.timestamp()) * MICROS_PER_SECOND


def _period(block: dict[str, Any]) -> tuple[date | None, date | None, int | None]:
    """Fixed days (`from`, `to`) or a rolling window (`last`): exactly one of the two."""
    fixed = "from" in block or "to" in block
    if fixed and "last" in block:
        raise InvalidTraffic("give either from and to (fixed days) or last (a rolling window), not both.")
    if "last" in block:
        try:
            window = parse_duration(block["last"])
        except InvalidDuration as exc:
            raise InvalidTraffic(f"last: {exc}") from None
        if window > MAX_DAYS * 86_400 * MICROS_PER_SECOND:
            raise InvalidTraffic(f"last: a window may be at most P{MAX_DAYS}D.")
        return None, None, window
    if not fixed:
        raise InvalidTraffic("give from and to (fixed days) or last (a rolling window up to now, such as P30D).")
    if "from" not in block or "to" not in block:
        raise InvalidTraffic("from and to go together: give both.")
    try:
        first, last = date.fromisoformat(block["from"]), date.fromisoformat(block["to"])
    except ValueError:
        raise InvalidTraffic("from and to must be real dates.") from None
    if last < first:
        raise InvalidTraffic("to must not be before from.")
    if (last - first).days >= MAX_DAYS:
        raise InvalidTraffic(f"from and to may be at most {MAX_DAYS} days apart.")
    return first, last, None


def _distribution(value: dict[str, Any] | None, mean: float, low: int, high: int) -> tuple[float, int, int]:
    value = value or {}
    return float(value.get("mean", mean)), int(value.get("min", low)), int(value.get("max", high))


def stream_seed(seed: int, *place: str) -> int:
    """A seed for one call center, from the scenario's seed and where the call center is: stable everywhere."""
    digest = hashlib.sha256("/".join((str(seed), *place)).encode()).digest()
    return int.from_bytes(digest[:8], "big")


def shape_weights(shape: tuple[float, ...] | str, slots: int) -> np.ndarray:
    """One weight per working hour, averaging 1, so that callsPerHour stays the day's average."""
    hour = np.arange(slots, dtype=float)
    if isinstance(shape, tuple):
        if len(shape) != slots:
            raise InvalidTraffic(f"dailyShape: give one weight per working hour ({slots}), not {len(shape)}.")
        weights = np.array(shape, dtype=float)
    elif shape == "flat":
        weights = np.ones(slots)
    else:
        peaks = {"morning-peak": [1.5], "afternoon-peak": [slots - 2.5], "two-peaks": [1.5, slots - 2.5]}[shape]
        weights = 0.6 + sum(np.exp(-((hour - peak) ** 2) / 2.0) for peak in peaks)
    if weights.sum() <= 0:
        raise InvalidTraffic("dailyShape: at least one weight must be above 0.")
    return weights * slots / weights.sum()


def generate_history(block: dict[str, Any], agent_ids: list[str], seed: int) -> History:
    """Calls and shifts for a call center's generate block of fixed days, as columns."""
    traffic = Traffic.from_document(block, agent_ids)
    return _generate(traffic, traffic.days(), np.random.Generator(np.random.PCG64(seed)), len(agent_ids))


def day_seed(seed: int, day: date) -> int:
    """The stream of one day of a rolling window, from the call center's stream seed."""
    return stream_seed(seed, day.isoformat())


def generate_day(traffic: Traffic, day: date, seed: int, agents: int) -> History:
    """One local day of a rolling window's traffic: a pure function of the block, the day and the seed.

    Days are played apart, so nothing may cross midnight that would tie two days together: a call answered
    late is cut short (talk, then hold) to end by the next local midnight, and agents start each day free.
    Shifts end on their own day, so sessions never cross it either.
    """
    if day.weekday() not in traffic.working_days:
        return _generate(traffic, [], np.random.Generator(np.random.PCG64(0)), agents)
    midnight = traffic.instant(day + timedelta(days=1), time())
    rng = np.random.Generator(np.random.PCG64(day_seed(seed, day)))
    return _generate(traffic, [day], rng, agents, day_ends=[midnight])


def _generate(
    traffic: Traffic, days: list[date], rng: np.random.Generator, agents: int, day_ends: list[int] | None = None
) -> History:
    if day_ends is None:
        arrivals, day_of_call = _arrivals(traffic, days, rng)
    else:
        arrivals, day_of_call = _local_arrivals(traffic, days[0], rng) if days else (_NONE, _NONE)
    sessions = _sessions(traffic, days)
    calls = len(arrivals)
    intent = rng.choice(
        np.array([code for code, _ in traffic.intents]), size=calls, p=[share for _, share in traffic.intents]
    )
    wait_mean, wait_low, wait_high = traffic.wait
    draws = {
        "wait": np.clip(np.rint(rng.exponential(wait_mean, calls)), wait_low, wait_high).astype(np.int64),
        "abandon": np.clip(np.rint(rng.exponential(traffic.abandon[0], calls)), *traffic.abandon[1:]).astype(np.int64),
        "talk": _talk(traffic, rng, calls),
        "hold": np.where(
            rng.random(calls) < traffic.hold_share, np.maximum(1, np.rint(rng.exponential(traffic.hold_mean, calls))), 0
        ).astype(np.int64),
        "bounce": rng.random(calls) < traffic.bounced_share,
        "pick": rng.random(calls),
    }
    return _play(traffic, arrivals, day_of_call, intent, draws, sessions, agents, day_ends)


def _talk(traffic: Traffic, rng: np.random.Generator, calls: int) -> np.ndarray:
    mean, low, high = traffic.talk
    mu = np.log(mean) - _TALK_SIGMA**2 / 2
    return np.clip(np.rint(rng.lognormal(mu, _TALK_SIGMA, calls)), max(low, 1), max(high, 1)).astype(np.int64)


def _arrivals(traffic: Traffic, days: list[date], rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Poisson arrivals in whole seconds, hour by hour of each working day, sorted."""
    opening = datetime.combine(date.min, traffic.open)
    length = (datetime.combine(date.min, traffic.close) - opening).total_seconds()
    slots = traffic.slots()
    slot_seconds = np.array([min(3600.0, length - 3600 * s) for s in range(slots)])
    weights = shape_weights(traffic.shape, slots)
    starts = np.array([traffic.instant(day, traffic.open) for day in days], dtype=np.int64)
    expected = np.tile(traffic.calls_per_hour * weights * slot_seconds / 3600, len(days))
    counts = rng.poisson(expected)
    budget = current_budget()
    if budget is not None:  # before the arrays of every call are made
        budget.add_calls(int(counts.sum()))
    slot_of_call = np.repeat(np.arange(len(expected)), counts)
    day_of_call = slot_of_call // slots
    offsets = (slot_of_call % slots) * 3600 + np.floor(
        rng.random(len(slot_of_call)) * slot_seconds[slot_of_call % slots]
    )
    arrivals = starts[day_of_call] + offsets.astype(np.int64) * MICROS_PER_SECOND
    order = np.argsort(arrivals, kind="stable")
    return arrivals[order], day_of_call[order]


_NONE = np.zeros(0, dtype=np.int64)


def _local_arrivals(traffic: Traffic, day: date, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """One day's Poisson arrivals, hour by elapsed hour from opening to closing as the local clock shows
    them: a working day that spans a clock change is an hour shorter or longer, and each hour takes the
    weight of the local hour it starts in (the repeated hour twice, the skipped one not at all)."""
    opening, closing = traffic.instant(day, traffic.open), traffic.instant(day, traffic.close)
    length = (closing - opening) // MICROS_PER_SECOND
    slots = int(-(-length // 3600))
    weights = shape_weights(traffic.shape, traffic.slots())
    first_hour = datetime.combine(day, traffic.open)
    slot_starts = [opening + s * 3600 * MICROS_PER_SECOND for s in range(slots)]
    local_hours = [
        (datetime.fromtimestamp(start // MICROS_PER_SECOND, traffic.zone).replace(tzinfo=None) - first_hour)
        // timedelta(hours=1)
        for start in slot_starts
    ]
    slot_weights = weights[np.clip(local_hours, 0, len(weights) - 1)]
    slot_seconds = np.array([min(3600, length - 3600 * s) for s in range(slots)], dtype=float)
    counts = rng.poisson(traffic.calls_per_hour * slot_weights * slot_seconds / 3600)
    slot_of_call = np.repeat(np.arange(slots), counts)
    offsets = np.floor(rng.random(len(slot_of_call)) * slot_seconds[slot_of_call]).astype(np.int64)
    arrivals = opening + (slot_of_call * 3600 + offsets) * MICROS_PER_SECOND
    order = np.argsort(arrivals, kind="stable")
    return arrivals[order], np.zeros(len(arrivals), dtype=np.int64)


def _sessions(traffic: Traffic, days: list[date]) -> list[list[tuple[int, int, int]]]:
    """Each working day's shifts: (agent, signed in, signed out), in microseconds."""
    return [
        [
            (agent, traffic.instant(day, start), traffic.instant(day, end))
            for start, end, members in traffic.shifts
            for agent in members
        ]
        for day in days
    ]


def _play(
    traffic: Traffic,
    arrivals: np.ndarray,
    day_of_call: np.ndarray,
    intent: np.ndarray,
    draws: dict[str, np.ndarray],
    sessions: list[list[tuple[int, int, int]]],
    agents: int,
    day_ends: list[int] | None = None,
) -> History:
    """One pass in arrival order: the queue, the agents' shifts and who is free when."""
    second = MICROS_PER_SECOND
    timeout = traffic.timeout * second
    calls = len(arrivals)
    outcome = np.empty(calls, dtype=np.int8)
    wait = np.zeros(calls, dtype=np.int32)
    agent_of = np.full(calls, NO_AGENT, dtype=np.int32)
    talk = np.zeros(calls, dtype=np.int32)
    hold = np.zeros(calls, dtype=np.int32)
    bounced_calls: list[int] = []
    bounced_agents: list[int] = []
    busy_until = [0] * agents
    waiting: list[int] = []  # when each call now in the queue leaves it
    on_shift: list[tuple[int, int, int]] = []  # (free from, agent, shift end), a heap
    current_day = -1
    columns = zip(
        arrivals.tolist(),
        day_of_call.tolist(),
        intent.tolist(),
        draws["wait"].tolist(),
        draws["abandon"].tolist(),
        draws["talk"].tolist(),
        draws["hold"].tolist(),
        draws["bounce"].tolist(),
        draws["pick"].tolist(),
        strict=True,
    )
    budget = current_budget()
    for i, (arrived, day, wanted, wait_s, abandon_s, talk_s, hold_s, bounce, pick) in enumerate(columns):
        if budget is not None and i % BuildBudget.CHECK_EVERY == 0:
            budget.check_time()
        if day != current_day:
            current_day = day
            on_shift = [(start, agent, end) for agent, start, end in sessions[day]]
            heapq.heapify(on_shift)
        while waiting and waiting[0] <= arrived:
            heapq.heappop(waiting)
        if len(waiting) >= traffic.queue_length:
            outcome[i] = BUSY_OVERFLOW
            continue
        leaves = arrived + timeout
        result = TIMED_OUT
        if wanted == ANSWERED:
            chosen = _assign(on_shift, busy_until, arrived + wait_s * second)
            if chosen is not None:
                agent, free, answered_at, shift_end = chosen
                if answered_at - arrived > timeout:  # nobody free in time: the caller times out
                    heapq.heappush(on_shift, (free, agent, shift_end))
                else:
                    if day_ends is not None:  # a day played alone: the call ends by midnight
                        room = (day_ends[day] - answered_at) // second
                        talk_s = min(talk_s, room)
                        hold_s = min(hold_s, room - talk_s)
                    busy_until[agent] = answered_at + (talk_s + hold_s) * second
                    heapq.heappush(on_shift, (busy_until[agent], agent, shift_end))
                    result, leaves = ANSWERED, answered_at
                    agent_of[i], talk[i], hold[i] = agent, talk_s, hold_s
                    if bounce:
                        others = [a for a, start, end in sessions[day] if a != agent and start <= arrived < end]
                        if others:
                            bounced_calls.append(i)
                            bounced_agents.append(others[int(pick * len(others))])
        elif wanted == ABANDONED:
            result, leaves = ABANDONED, arrived + abandon_s * second
        elif wanted == TRANSFERRED:
            result, leaves = TRANSFERRED, arrived + wait_s * second
        outcome[i] = result
        wait[i] = (leaves - arrived) // second
        heapq.heappush(waiting, leaves)
    all_sessions = [session for day in sessions for session in day]
    return History(
        arrived_at=arrivals,
        outcome=outcome,
        wait=wait,
        agent=agent_of,
        talk=talk,
        hold=hold,
        unanswered_call=np.array(bounced_calls, dtype=np.int64),
        unanswered_agent=np.array(bounced_agents, dtype=np.int32),
        session_agent=np.array([agent for agent, _, _ in all_sessions], dtype=np.int32),
        session_from=np.array([start for _, start, _ in all_sessions], dtype=np.int64),
        session_to=np.array([end for _, _, end in all_sessions], dtype=np.int64),
    )


def _assign(
    on_shift: list[tuple[int, int, int]], busy_until: list[int], wanted: int
) -> tuple[int, int, int, int] | None:
    """Take out of the heap the agent free soonest who can answer at or after `wanted` before the shift ends.

    Answers (agent, free from, answer, shift end); the caller puts the agent back. Agents whose shift is
    over leave the heap for the day.
    """
    passed_over = []
    chosen = None
    while on_shift:
        free, agent, end = heapq.heappop(on_shift)
        free = max(free, busy_until[agent])
        if free >= end:
            continue
        answer = max(wanted, free)
        if answer < end:
            chosen = (agent, free, answer, end)
            break
        passed_over.append((free, agent, end))
    for entry in passed_over:
        heapq.heappush(on_shift, entry)
    return chosen
