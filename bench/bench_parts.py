"""The parts of a documented statistics request, each timed alone, in process.

For the two documented ranges (two months, 5 days) of the default scenario's statistics call center:
parsing both date-times, the request check, the statistics computation, rendering the answer, writing the
date-times, the response check and JSON encoding. CPU time (`time.process_time`), so that a busy machine
stretches the figures less than wall time would; the best of --repeat runs of --number calls, in µs.

Run it against another checkout to compare (its `simulator` imported first):

    python bench/bench_parts.py [--number 3000] [--repeat 7]
    PYTHONPATH=/path/to/older/checkout python bench/bench_parts.py
"""

import argparse
import json
import time
import timeit
from collections.abc import Callable
from typing import Any

from simulator.api.statistics import render_statistics
from simulator.instants import format_date_time, parse_date_time
from simulator.resources import default_scenario
from simulator.scenario import load_scenario
from simulator.schemas import SchemaStore
from simulator.statistics import compute_statistics

CALL_CENTER = "APIOTestCallCenterP@sip.netaxis.be"
RANGES = {
    "statistics, 2 months": ("2021-01-01T00:00:00+01:00", "2021-03-01T00:00:00+01:00"),
    "statistics, 5 days": ("2021-03-01T00:00:00+01:00", "2021-03-06T00:00:00+01:00"),
}
NOW = "2024-01-01T00:00:00Z"


def parts(start_text: str, end_text: str) -> dict[str, Callable[[], Any]]:
    scenario = load_scenario(default_scenario())
    call_center = next(cc for key, cc in scenario.call_centers().items() if key.call_center_id == CALL_CENTER)
    store = SchemaStore()
    now = parse_date_time(NOW).instant
    start, end = parse_date_time(start_text), parse_date_time(end_text)
    body = {"statisticsRange": {"start": start_text, "end": end_text}}
    statistics = compute_statistics(call_center, start.instant, end.instant, now)
    answer = render_statistics(start, end, statistics)
    for _ in range(2):  # first uses build what later ones reuse (compiled checks)
        assert store.problems("statistics-request", body) == []
        assert store.problems("statistics-response", answer) == []
    return {
        "parse both date-times": lambda: (parse_date_time(start_text), parse_date_time(end_text)),
        "request check": lambda: store.problems("statistics-request", body),
        "statistics computation": lambda: compute_statistics(call_center, start.instant, end.instant, now),
        "rendering the answer": lambda: render_statistics(start, end, statistics),
        "write both date-times": lambda: (format_date_time(start), format_date_time(end)),
        "response check": lambda: store.problems("statistics-response", answer),
        "JSON encoding": lambda: json.dumps(answer),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--number", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    number, repeat = max(1, min(args.number, 100_000)), max(1, min(args.repeat, 50))
    print(f"µs per call, best of {repeat} x {number}, CPU time")
    for label, (start_text, end_text) in RANGES.items():
        total = 0.0
        for name, call in parts(start_text, end_text).items():
            best = min(timeit.repeat(call, number=number, repeat=repeat, timer=time.process_time)) / number * 1e6
            total += best
            print(f"{label:22s} {name:24s} {best:7.1f}")
        print(f"{label:22s} {'all of the above':24s} {total:7.1f}")


if __name__ == "__main__":
    main()
