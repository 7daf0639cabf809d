"""Requests per second and latency of the three endpoints on the default scenario.

Starts `apio-sim serve` in its own process on a free loopback port, logs in through the gateway (as a
real client must: authentication is on), then sends a bounded number of requests from this process with a
fixed number of concurrent connections, per endpoint. Also times the statistics computation alone, in
process. Loopback only; every loop is bounded.

    python bench/bench_endpoints.py [--requests 4000] [--concurrency 16]
"""

import argparse
import asyncio
import statistics
import subprocess
import sys
import time
from pathlib import Path

import aiohttp

from simulator.instants import parse_instant
from simulator.resources import default_scenario
from simulator.scenario import load_scenario
from simulator.statistics import compute_statistics

ROOT = Path(__file__).resolve().parent.parent
CC = "/api/v1/tenants/footenant/groups/foogroup/services/call_centers/APIOTestCallCenterP@sip.netaxis.be"
RANGE = {"statisticsRange": {"start": "2021-03-01T00:00:00+01:00", "end": "2021-03-06T00:00:00+01:00"}}
CASES = {
    "reporting GET": ("GET", CC + "/instance_statistics_reporting/", None),
    "reporting PUT": ("PUT", CC + "/instance_statistics_reporting/", {"collectionPeriodMinutes": 15}),
    "statistics GET": ("GET", CC + "/statistics/", RANGE),
}


async def load(url: str, method: str, body: dict | None, requests: int, concurrency: int) -> tuple[float, list[float]]:
    latencies: list[float] = []
    remaining = iter(range(requests))

    async def worker(session: aiohttp.ClientSession) -> None:
        for _ in remaining:
            began = time.perf_counter()
            async with session.request(method, url, json=body) as response:
                await response.read()
                assert response.status == 200, response.status
            latencies.append(time.perf_counter() - began)

    connector = aiohttp.TCPConnector(limit=concurrency)
    jar = aiohttp.CookieJar(unsafe=True)  # the session cookie of an IP-address host
    async with aiohttp.ClientSession(connector=connector, cookie_jar=jar) as session:
        login = {"username": "apio-admin", "password": "apio-admin"}
        async with session.post(url.split("/api/")[0] + "/api/v1/login/", json=login) as response:
            assert response.status == 200, response.status
        began = time.perf_counter()
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
        elapsed = time.perf_counter() - began
    return requests / elapsed, latencies


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def time_computation(repeat: int = 2000) -> list[float]:
    scenario = load_scenario(default_scenario())
    cc = scenario.tenants["footenant"].groups["foogroup"].call_centers["APIOTestCallCenterP@sip.netaxis.be"]
    start, end = parse_instant(RANGE["statisticsRange"]["start"]), parse_instant(RANGE["statisticsRange"]["end"])
    now = parse_instant("2021-06-01T00:00:00Z")
    samples = []
    for _ in range(repeat):
        began = time.perf_counter()
        compute_statistics(cc, start, end, now)
        samples.append(time.perf_counter() - began)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()

    samples = time_computation()
    print(
        f"statistics computation in process (default scenario, 5-day range, {len(samples)} runs): "
        f"median {statistics.median(samples) * 1e6:.0f} us, p99 {percentile(samples, 0.99) * 1e6:.0f} us"
    )

    server = subprocess.Popen(
        [sys.executable, "-m", "simulator", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=ROOT,
    )
    try:
        base = server.stdout.readline().rsplit(" on ", 1)[1].strip()
        print(f"HTTP, {args.requests} requests per endpoint, {args.concurrency} connections, server {base}")
        print(f"{'endpoint':<16} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
        for name, (method, path, body) in CASES.items():
            asyncio.run(load(base + path, method, body, min(500, args.requests), args.concurrency))  # warm-up
            rate, latencies = asyncio.run(load(base + path, method, body, args.requests, args.concurrency))
            p50, p99 = (percentile(latencies, share) * 1e3 for share in (0.5, 0.99))
            print(f"{name:<16} {rate:>8.0f} {p50:>8.2f} {p99:>8.2f}")
    finally:
        server.terminate()
        server.communicate(timeout=10)


if __name__ == "__main__":
    main()
