"""The request journal: what clients sent to the emulated API and what they got, in a bounded ring."""

from collections import deque
from dataclasses import dataclass
from typing import Any

from simulator.constants import JOURNAL_BYTES, JOURNAL_SIZE
from simulator.faults import RequestInfo
from simulator.instants import Instant


@dataclass(frozen=True, slots=True)
class Entry:
    number: int
    at: Instant  # on the namespace's simulator clock
    request: RequestInfo
    query: dict[str, str]
    body: Any
    status: int | None  # None when the connection was reset or closed without an answer
    response_body: Any
    fault: str | None
    duration_ms: float


@dataclass(frozen=True, slots=True)
class Filter:
    endpoint: str | None = None
    method: str | None = None
    status: int | None = None
    tenant: str | None = None
    group: str | None = None
    call_center: str | None = None
    since: Instant | None = None  # inclusive
    until: Instant | None = None  # exclusive

    def __call__(self, entry: Entry) -> bool:
        request = entry.request
        return (
            (self.endpoint is None or request.endpoint == self.endpoint)
            and (self.method is None or request.method == self.method.upper())
            and (self.status is None or entry.status == self.status)
            and (self.tenant is None or request.tenant == self.tenant)
            and (self.group is None or request.group == self.group)
            and (self.call_center is None or request.call_center == self.call_center)
            and (self.since is None or entry.at >= self.since)
            and (self.until is None or entry.at < self.until)
        )


ENTRY_OVERHEAD = 600
"""Bytes an entry costs besides its bodies (the objects of the entry, its request and its query), roughly."""


def entry_bytes(entry: Entry) -> int:
    """What an entry costs the byte budget: its bodies and a fixed overhead (cheap: no serialising)."""
    size = ENTRY_OVERHEAD
    for body in (entry.body, entry.response_body):
        if isinstance(body, (bytes, str)):
            size += len(body)
    return size


class JournalBudget:
    """The bytes the journals of all namespaces keep together: over `limit`, the oldest entries anywhere go.

    Entries are queued in the order they were recorded, whatever their journal; an entry its journal dropped
    already (its ring was full, it was cleared, its namespace was reset) is skipped when it comes up.
    """

    def __init__(self, limit: int = JOURNAL_BYTES) -> None:
        self.limit = limit
        self.held = 0
        self._order: deque[tuple[Journal, Entry]] = deque()
        self._live = 0  # entries of _order still in their journal

    def add(self, journal: "Journal", entry: Entry, size: int) -> None:
        self._order.append((journal, entry))
        self._live += 1
        self.held += size
        while self.held > self.limit and self._order:
            oldest_journal, oldest = self._order.popleft()
            if oldest_journal.drop_oldest(oldest):
                self._live -= 1
        if len(self._order) > 2 * self._live + 1024:  # many stale references: forget them
            self._order = deque(item for item in self._order if item[0].holds(item[1]))

    def released(self, count: int, size: int) -> None:
        self._live -= count
        self.held -= size


class Journal:
    """The last `size` requests, oldest first; older ones fall off, so a long run cannot exhaust memory.

    Besides its own count, it holds bytes of the server's `JournalBudget`, which may drop its oldest entries.
    """

    def __init__(self, size: int = JOURNAL_SIZE, budget: JournalBudget | None = None) -> None:
        self._entries: deque[Entry] = deque()
        self._sizes: deque[int] = deque()
        self._size = size
        self._budget = budget or JournalBudget()
        self._count = 0

    @property
    def size(self) -> int:
        return self._size

    def record(self, **fields: Any) -> Entry:
        self._count += 1
        entry = Entry(number=self._count, **fields)
        if self._size == 0:
            return entry
        if len(self._entries) >= self._size:
            self._budget.released(1, self._sizes.popleft())
            self._entries.popleft()
        cost = entry_bytes(entry)
        self._entries.append(entry)
        self._sizes.append(cost)
        self._budget.add(self, entry, cost)
        return entry

    def drop_oldest(self, entry: Entry) -> bool:
        """Drop `entry` if it is still the oldest held (the budget's call); whether it was."""
        if not self._entries or self._entries[0] is not entry:
            return False
        self._entries.popleft()
        self._budget.released(0, self._sizes.popleft())  # the budget counted this one out itself
        return True

    def holds(self, entry: Entry) -> bool:
        return bool(self._entries) and self._entries[0].number <= entry.number <= self._entries[-1].number

    def find(self, wanted: Filter) -> list[Entry]:
        return [entry for entry in self._entries if wanted(entry)]

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        """Forget every entry, giving their bytes back to the budget."""
        self._budget.released(len(self._entries), sum(self._sizes))
        self._entries.clear()
        self._sizes.clear()
