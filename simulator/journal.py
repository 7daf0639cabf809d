"""The request journal: what clients sent to the emulated API and what they got, in a bounded ring."""

from collections import deque
from dataclasses import dataclass
from typing import Any

from simulator.constants import JOURNAL_SIZE
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


class Journal:
    """The last `size` requests, oldest first; older ones fall off, so a long run cannot exhaust memory."""

    def __init__(self, size: int = JOURNAL_SIZE) -> None:
        self._entries: deque[Entry] = deque(maxlen=size)
        self._count = 0

    @property
    def size(self) -> int:
        return self._entries.maxlen or 0

    def record(self, **fields: Any) -> Entry:
        self._count += 1
        entry = Entry(number=self._count, **fields)
        self._entries.append(entry)
        return entry

    def find(self, wanted: Filter) -> list[Entry]:
        return [entry for entry in self._entries if wanted(entry)]

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        self._entries.clear()
