"""Live traffic: a call center whose generated history rolls with the clock, one local day at a time.

A `generate:` block with `last: P30D` describes traffic on every working day; the days that exist at a
given `now` are those from the local date of `now - last` through today. Each day is a chunk: its calls
and shifts (`generator.generate_day`, a pure function of the block, the seed and the date) with its own
statistics index. A request builds the chunks its range touches, sums their statistics, and leaves them
in a bounded cache (least recently used first out), so a server that runs for weeks holds at most a
window's worth of days, however long it runs.
"""

from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from simulator.generator import Traffic, generate_day, shape_weights
from simulator.history import History
from simulator.instants import MICROS_PER_SECOND, Instant
from simulator.statistics import RangeSums, StatisticsIndex

DAY = 86_400 * MICROS_PER_SECOND


@dataclass(frozen=True, slots=True)
class Chunk:
    """One local day of traffic, and the span of instants its events may touch."""

    day: date
    history: History
    index: StatisticsIndex
    starts: Instant  # local midnight that opens the day
    reach: Instant  # nothing of this day happens at or after this instant
    totals: RangeSums  # the whole day's statistics parts, for ranges that cover it


class LiveTraffic:
    """The rolling history of one call center; chunks are built on demand and kept in a bounded cache."""

    def __init__(self, traffic: Traffic, seed: int, agents: int, capacity: int | None = None) -> None:
        assert traffic.window is not None
        shape_weights(traffic.shape, traffic.slots())  # refuse a bad shape at load, not at the first request
        self.traffic = traffic
        self.seed = seed
        self.agents = agents
        # A request may touch every day of the window, plus the one an outcome spills over from.
        self.capacity = capacity or traffic.window // DAY + 3
        self._chunks: OrderedDict[date, Chunk] = OrderedDict()
        self.built = 0  # chunks built so far, cached or since evicted (for benchmarks and tests)

    def local_date(self, instant: Instant) -> date:
        return datetime.fromtimestamp(instant // MICROS_PER_SECOND, self.traffic.zone).date()

    def first_day(self, now: Instant) -> date:
        """The oldest day that still exists at `now`: the local date `last` before it."""
        assert self.traffic.window is not None
        return self.local_date(now - self.traffic.window)

    def days(self, start: Instant, end: Instant, now: Instant) -> list[date]:
        """The window's days whose events may fall in [start, end): a day's outcomes may spill past
        midnight by up to the queue's time-out, so the day before `start` is looked at too."""
        if end <= start:
            return []
        spill = self.traffic.timeout * MICROS_PER_SECOND
        first = max(self.local_date(start - spill), self.first_day(now))
        last = min(self.local_date(end - 1), self.local_date(now))
        return [first + timedelta(days=d) for d in range((last - first).days + 1)]

    def chunks(self, start: Instant, end: Instant, now: Instant) -> list[Chunk]:
        """The chunks with events in [start, end), as the window stands at `now`."""
        found = []
        for day in self.days(start, end, now):
            chunk = self.chunk(day)
            empty = not len(chunk.history) and not len(chunk.history.session_agent)
            if not empty and chunk.starts < end and start < chunk.reach:
                found.append(chunk)
        return found

    def chunk(self, day: date) -> Chunk:
        chunk = self._chunks.get(day)
        if chunk is not None:
            self._chunks.move_to_end(day)
            return chunk
        history = generate_day(self.traffic, day, self.seed, self.agents)
        starts = self.traffic.instant(day, time())
        reach = self.traffic.instant(day + timedelta(days=1), time()) + self.traffic.timeout * MICROS_PER_SECOND
        index = StatisticsIndex(history, self.agents)
        chunk = Chunk(day, history, index, starts, reach, RangeSums.of(index, starts, reach))
        self._chunks[day] = chunk
        self.built += 1
        while len(self._chunks) > self.capacity:
            self._chunks.popitem(last=False)
        return chunk

    def shifts_of(self, day: date) -> list[tuple[int, int, int]]:
        """A day's shifts as (agent, signed in, signed out), without playing its calls."""
        if day.weekday() not in self.traffic.working_days:
            return []
        return [
            (agent, self.traffic.instant(day, begin), self.traffic.instant(day, finish))
            for begin, finish, members in self.traffic.shifts
            for agent in members
        ]

    @property
    def cached_days(self) -> list[date]:
        return list(self._chunks)

    @property
    def nbytes(self) -> int:
        """What the cached chunks' histories hold (their indexes hold a few times as much)."""
        return sum(chunk.history.nbytes for chunk in self._chunks.values())
