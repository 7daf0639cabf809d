"""A call center's statistics cut into equal buckets, and the distribution of its waits: what charts need.

Each bucket is answered by `compute_statistics`, the engine of the statistics endpoint, over the bucket's
half-open range, so the counts of the buckets add up to the endpoint's counts over the whole range (every
call has one outcome instant, in exactly one bucket). No HTTP here.
"""

import re
from dataclasses import dataclass

import numpy as np

from simulator.history import ABANDONED, ANSWERED
from simulator.instants import MICROS_PER_SECOND, Instant
from simulator.model import CallCenter
from simulator.statistics import CallCenterStatistics, QueueStatistics, compute_statistics

MIN_BUCKET_SECONDS = 60
MAX_BUCKETS = 2000
WAIT_EDGES = (0, 10, 20, 30, 60, 120, 300, 600)
"""Lower edges, in seconds, of the wait histogram's classes; the last class is open-ended."""

_BUCKET = re.compile(r"P(?:(\d{1,4})D)?(?:T(?:(\d{1,5})H)?(?:(\d{1,6})M)?(?:(\d{1,7})S)?)?")


class SeriesError(ValueError):
    """A bucket or range the series cannot be cut into; the message names the query parameter."""


@dataclass(frozen=True, slots=True)
class Bucket:
    start: Instant
    end: Instant
    queue: QueueStatistics
    talk_seconds: int
    staffed_seconds: int


@dataclass(frozen=True, slots=True)
class WaitHistogram:
    edges: tuple[int, ...]
    answered: tuple[int, ...]
    abandoned: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Series:
    buckets: tuple[Bucket, ...]
    totals: CallCenterStatistics
    waits: WaitHistogram


def parse_bucket(text: str) -> int:
    """An ISO 8601 duration of whole seconds (PT15M, PT1H, P1D, P1DT12H), in microseconds."""
    match = _BUCKET.fullmatch(text)
    if match is None or text in ("P", "PT") or text.endswith("T"):
        raise SeriesError("bucket: an ISO 8601 duration such as PT15M, PT1H or P1D.")
    days, hours, minutes, secs = (int(match.group(i) or 0) for i in range(1, 5))
    total = ((days * 24 + hours) * 60 + minutes) * 60 + secs
    if total < MIN_BUCKET_SECONDS:
        raise SeriesError(f"bucket: at least {MIN_BUCKET_SECONDS} seconds.")
    return total * MICROS_PER_SECOND


def bucket_bounds(start: Instant, end: Instant, bucket: int) -> list[tuple[Instant, Instant]]:
    """[start, end) cut into buckets of `bucket` microseconds from `start`; the last one may be shorter."""
    if end < start:
        raise SeriesError("end: not before start.")
    count = -(-(end - start) // bucket)
    if count > MAX_BUCKETS:
        raise SeriesError(f"bucket: the range would make {count} buckets; at most {MAX_BUCKETS}.")
    return [(low, min(low + bucket, end)) for low in range(start, end, bucket)]


def compute_series(call_center: CallCenter, start: Instant, end: Instant, bucket: int, now: Instant) -> Series:
    """Statistics of `call_center` per bucket over [start, end), their totals, and the waits' distribution."""
    buckets = []
    for low, high in bucket_bounds(start, end, bucket):
        statistics = compute_statistics(call_center, low, high, now)
        buckets.append(
            Bucket(
                start=low,
                end=high,
                queue=statistics.queue,
                talk_seconds=sum(agent.total_talk_seconds for agent in statistics.agents),
                staffed_seconds=sum(agent.total_staffed_seconds for agent in statistics.agents),
            )
        )
    totals = compute_statistics(call_center, start, end, now)
    return Series(tuple(buckets), totals, wait_histogram(call_center, start, end))


def wait_histogram(call_center: CallCenter, start: Instant, end: Instant) -> WaitHistogram:
    """How long the answered and the abandoned calls whose outcome falls in [start, end) waited."""
    history = call_center.history
    outcome_at = history.outcome_at
    inside = (outcome_at >= start) & (outcome_at < end)
    edges = np.array((*WAIT_EDGES, np.iinfo(np.int32).max), dtype=np.int64)

    def counts(outcome: int) -> tuple[int, ...]:
        waits = history.wait[inside & (history.outcome == outcome)].astype(np.int64)
        # Classes are [edge, next edge): searchsorted on the right puts a wait of 10 s in [10, 20).
        classes = np.searchsorted(edges, waits, side="right") - 1
        return tuple(np.bincount(classes, minlength=len(WAIT_EDGES))[: len(WAIT_EDGES)].tolist())

    return WaitHistogram(WAIT_EDGES, counts(ANSWERED), counts(ABANDONED))
