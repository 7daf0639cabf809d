"""The simulator's clock: the one place that reads the wall clock."""

import time
from collections.abc import Callable

from simulator.instants import INSTANT_RANGE, Instant, in_range

WallClock = Callable[[], int]
"""Returns nanoseconds since the epoch, like time.time_ns."""


class ClockOutOfRange(ValueError):
    """A move that would take the clock outside the instants the simulator can write."""


class Clock:
    """Real time by default, or frozen at an instant (a scenario's `clock.now`); either can be moved."""

    def __init__(self, frozen_at: Instant | None = None, wall_clock: WallClock = time.time_ns) -> None:
        self._frozen_at = frozen_at
        self._offset = 0
        self._wall_clock = wall_clock

    @property
    def frozen(self) -> bool:
        return self._frozen_at is not None

    def now(self) -> Instant:
        if self._frozen_at is not None:
            return self._frozen_at
        return self._wall_clock() // 1000 + self._offset

    def advance(self, micros: int) -> None:
        """Move "now" forward (or back, with a negative duration), frozen or not; refused, with nothing
        changed, when it would leave the range of instants."""
        if not in_range(self.now() + micros):
            raise ClockOutOfRange(f"the clock would leave {INSTANT_RANGE}.")
        if self._frozen_at is not None:
            self._frozen_at += micros
        else:
            self._offset += micros

    def freeze(self, instant: Instant) -> None:
        if not in_range(instant):
            raise ClockOutOfRange(f"the clock must stay within {INSTANT_RANGE}.")
        self._frozen_at = instant

    def real_time(self) -> None:
        """Back to the wall clock, with no offset."""
        self._frozen_at = None
        self._offset = 0
