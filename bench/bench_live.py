"""Live traffic over simulated weeks: memory stays bounded while the window rolls.

Runs a namespace clock forward from 2026-01-05 00:00 UTC in 10-minute steps over the given weeks, on two
live call centers: the default scenario's APIOLiveCC (about 720 calls a day) and a busy one (400 calls an
hour around the clock, about 9,600 a day, 30-day window). Each step asks what a dashboard asks: the last
hour, and today so far; each simulated hour the last day; each simulated day the whole window. Every
simulated week it prints the process's resident memory, the chunks cached and built, and the median time of
each kind of request (in process, no HTTP).

    python bench/bench_live.py [--weeks 10]
"""

import argparse
import statistics
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from simulator.instants import MICROS_PER_SECOND  # noqa: E402
from simulator.resources import scenarios_dir  # noqa: E402
from simulator.scenario import load_scenario, parse_scenario  # noqa: E402
from simulator.statistics import compute_statistics  # noqa: E402

MINUTE = 60 * MICROS_PER_SECOND
HOUR, DAY = 60 * MINUTE, 24 * 60 * MINUTE
AGENTS = [f"agent{i}@bench.example" for i in range(30)]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def busy_call_center():
    users = [{"userId": a, "firstName": "Agent", "lastName": str(i)} for i, a in enumerate(AGENTS)]
    block = {
        "last": "P30D",
        "timeZone": "America/New_York",
        "workingDays": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
        "workingHours": {"open": "00:00", "close": "23:59"},
        "callsPerHour": 400,
        "queueLength": 40,
        "shifts": [
            {"from": "00:00", "to": "12:00", "agents": AGENTS[:15]},
            {"from": "12:00", "to": "23:59", "agents": AGENTS[15:]},
        ],
    }
    cc = {"id": "busy@bench.example", "agents": AGENTS, "generate": block}
    document = {"seed": 1, "tenants": [{"id": "t", "groups": [{"id": "g", "users": users, "callCenters": [cc]}]}]}
    return parse_scenario(document, "bench").tenants["t"].groups["g"].call_centers["busy@bench.example"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--weeks", type=int, default=10)
    args = parser.parse_args()
    default = load_scenario(scenarios_dir() / "default.yaml")
    centers = {
        "APIOLiveCC": default.tenants["live"].groups["livegroup"].call_centers["APIOLiveCC@sip.netaxis.be"],
        "busy": busy_call_center(),
    }
    start = int(datetime(2026, 1, 5, tzinfo=UTC).timestamp()) * MICROS_PER_SECOND
    print(f"start: RSS {rss_mb():.0f} MB")
    print(
        "| week | call center | RSS MB | chunks cached | built so far | cached history MB | calls in window |"
        " last hour ms | today ms | last day ms | window ms |"
    )
    print("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    now = start
    for week in range(1, args.weeks + 1):
        timings: dict[tuple[str, str], list[float]] = defaultdict(list)
        for step in range(7 * 24 * 6):
            now += 10 * MINUTE
            midnight = now - now % DAY
            asks = [("last hour", now - HOUR), ("today", midnight)]
            if step % 6 == 0:
                asks.append(("last day", now - DAY))
            if step % 144 == 0:
                asks.append(("window", now - 31 * DAY))
            for name, cc in centers.items():
                for kind, begin in asks:
                    began = time.perf_counter()
                    compute_statistics(cc, begin, now, now)
                    timings[(name, kind)].append((time.perf_counter() - began) * 1000)
        for name, cc in centers.items():
            live = cc.live
            window = compute_statistics(cc, now - 31 * DAY, now, now).queue
            calls = (
                sum((window.calls_answered, window.calls_abandoned, window.calls_transferred, window.calls_timed_out))
                + window.busy_overflows
            )
            medians = [
                statistics.median(timings[(name, kind)]) for kind in ("last hour", "today", "last day", "window")
            ]
            print(
                f"| {week} | {name} | {rss_mb():.0f} | {len(live.cached_days)} | {live.built} | "
                f"{live.nbytes / 2**20:.1f} | {calls:,} | " + " | ".join(f"{m:.2f}" for m in medians) + " |"
            )


if __name__ == "__main__":
    main()
