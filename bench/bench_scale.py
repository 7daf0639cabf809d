"""Call histories at scale: building from a generate block, memory, and statistics requests.

For 10k, 100k and 1M calls on one call center with 50 agents, each in a fresh process: the time to build
it from its generate block (generation and index), the resident memory of that process, and the median and
p99 of a statistics computation over random ranges, in process. Then a real `apio-sim serve` holding the
million-call call center and a 10-call one with as many agents: its resident memory, and the median time of
the same statistics request to each, over HTTP (loopback, sequential).

    python bench/bench_scale.py [--requests 400]
"""

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AGENTS = 50
# Calls per hour that give about 10k, 100k and 1M calls over 2020's working hours (10 h, mon to fri).
SIZES = {"10k": 3.82, "100k": 38.2, "1M": 382.0}
BIG = "big@bench.example"
TINY = "tiny@bench.example"


def agents(prefix: str) -> list[str]:
    return [f"{prefix}{i}@bench.example" for i in range(AGENTS)]


def document(calls_per_hour: float, with_tiny: bool = False) -> dict:
    big_agents, tiny_agents = agents("a"), agents("b")
    users = [{"userId": a, "firstName": "Agent", "lastName": a.split("@")[0]} for a in big_agents + tiny_agents]
    call_centers = [
        {
            "id": BIG,
            "agents": big_agents,
            "generate": {
                "from": "2020-01-01",
                "to": "2020-12-31",
                "timeZone": "Europe/Brussels",
                "callsPerHour": calls_per_hour,
                "queueLength": 20,
            },
        }
    ]
    if with_tiny:
        calls = [
            {
                "arrivedAt": f"2020-06-01T{9 + i // 6:02d}:{(i % 6) * 10:02d}:00Z",
                "outcome": "answered",
                "waitSeconds": 5,
                "agent": tiny_agents[i],
                "talkSeconds": 120,
            }
            for i in range(10)
        ]
        sessions = [{"agent": a, "from": "2020-01-01T08:00:00Z", "to": "2020-12-31T18:00:00Z"} for a in tiny_agents]
        call_centers.append({"id": TINY, "agents": tiny_agents, "calls": calls, "agentSessions": sessions})
    return {
        "seed": 1,
        "clock": {"now": "2021-01-01T00:00:00Z"},
        "auth": False,
        "tenants": [{"id": "t", "groups": [{"id": "g", "users": users, "callCenters": call_centers}]}],
    }


def rss_mb(pid: str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def child(size: str, queries: int) -> None:
    """In a fresh process: build one size, then time statistics computations over random ranges."""
    from simulator.instants import parse_instant
    from simulator.scenario import parse_scenario
    from simulator.statistics import compute_statistics

    began = time.perf_counter()
    scenario = parse_scenario(document(SIZES[size]), size)
    build = time.perf_counter() - began
    cc = scenario.tenants["t"].groups["g"].call_centers[BIG]
    low, high = parse_instant("2020-01-01T00:00:00Z"), parse_instant("2021-01-01T00:00:00Z")
    rng = random.Random(7)
    samples = []
    for _ in range(queries):
        start, end = sorted((rng.randint(low, high), rng.randint(low, high)))
        t = time.perf_counter()
        compute_statistics(cc, start, end, high)
        samples.append(time.perf_counter() - t)
    samples.sort()
    print(
        json.dumps(
            {
                "calls": len(cc.history),
                "build": build,
                "rss": rss_mb(),
                "median": statistics.median(samples),
                "p99": samples[int(0.99 * len(samples))],
            }
        )
    )


def over_http(requests: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "scale.json"
        path.write_text(json.dumps(document(SIZES["1M"], with_tiny=True)))
        began = time.perf_counter()
        server = subprocess.Popen(
            [sys.executable, "-m", "simulator", "serve", "--port", "0", "--scenario", str(path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            cwd=ROOT,
        )
        try:
            url = server.stdout.readline().rsplit(" on ", 1)[1].strip()
            ready = time.perf_counter() - began
            body = json.dumps({"statisticsRange": {"start": "2020-03-01T00:00:00Z", "end": "2020-09-01T00:00:00Z"}})
            medians = {}
            for name in (TINY, BIG):
                path_ = f"/api/v1/tenants/t/groups/g/services/call_centers/{name}/statistics/"
                samples = []
                for _ in range(requests):
                    request = urllib.request.Request(url + path_, data=body.encode(), method="GET")
                    t = time.perf_counter()
                    with urllib.request.urlopen(request) as response:
                        response.read()
                    samples.append(time.perf_counter() - t)
                medians[name] = statistics.median(samples[requests // 10 :])  # after a warm-up tenth
            print(
                f"server with 1M + 10 calls: ready in {ready:.1f} s, resident memory {rss_mb(str(server.pid)):.0f} MB"
            )
            print(
                f"statistics over HTTP, median of {requests}: 10 calls {medians[TINY] * 1000:.2f} ms, "
                f"1M calls {medians[BIG] * 1000:.2f} ms, ratio {medians[BIG] / medians[TINY]:.2f}"
            )
        finally:
            server.terminate()
            server.communicate(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--child", choices=SIZES)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.queries)
        return
    print(f"{'size':<6} {'calls':>9} {'build s':>8} {'RSS MB':>7} {'median us':>10} {'p99 us':>8}")
    for size in SIZES:
        result = subprocess.run(
            [sys.executable, __file__, "--child", size, "--queries", str(args.queries)],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        r = json.loads(result.stdout)
        print(
            f"{size:<6} {r['calls']:>9,} {r['build']:>8.2f} {r['rss']:>7.0f} "
            f"{r['median'] * 1e6:>10.0f} {r['p99'] * 1e6:>8.0f}"
        )
    over_http(args.requests)


if __name__ == "__main__":
    main()
