"""Throughput against the limit: the simulator's endpoints beside a bare aiohttp handler returning the same JSON.

Uses wrk (Debian's package `wrk`) on loopback, 32 connections, one wrk thread, each server on one core:
for the statistics GET (with its JSON body) and the reporting PUT, it prints requests per second and
p50/p99 latency for apio-sim (authentication on, every response schema-checked, journal on) and for a bare
aiohttp handler that answers the same bytes, and their ratio. The bare handler is the practical ceiling of an
aiohttp server on this machine.

    python bench/bench_throughput.py [--seconds 8] [--connections 32]
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CC = "/api/v1/tenants/footenant/groups/foogroup/services/call_centers/APIOTestCallCenterP@sip.netaxis.be"
CASES = {
    "statistics GET": (
        "GET",
        CC + "/statistics/",
        {"statisticsRange": {"start": "2021-03-01T00:00:00+01:00", "end": "2021-03-06T00:00:00+01:00"}},
    ),
    "reporting PUT": ("PUT", CC + "/instance_statistics_reporting/", {"collectionPeriodMinutes": 15}),
}
BARE = """
import sys
from aiohttp import web

BODIES = {"GET": open(sys.argv[2], "rb").read(), "PUT": open(sys.argv[3], "rb").read()}


async def answer(request):
    await request.read()
    return web.Response(body=BODIES[request.method], content_type="application/json")


app = web.Application()
app.router.add_route("*", "/{tail:.*}", answer)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=None, print=None)
"""


def wait_for(url: str) -> None:
    for _ in range(200):
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not come up")


def wrk(url: str, method: str, body: dict, cookie: str, seconds: int, connections: int, folder: Path) -> dict:
    script = folder / "request.lua"
    script.write_text(
        f"wrk.method = {json.dumps(method)}\nwrk.body = {json.dumps(json.dumps(body))}\n"
        f'wrk.headers["Content-Type"] = "application/json"\nwrk.headers["Cookie"] = {json.dumps(cookie)}\n'
    )
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    def latency(share: str) -> float:
        value, unit = re.search(rf"{share}%\s+([\d.]+)(us|ms|s)", out).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": latency("50"),
        "p99": latency("99"),
        "errors": int(errors.group(1)) if errors else 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
        sim = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import logging, sys; from simulator.cli import main; sys.exit(main())",
                "serve",
                "--port",
                "18731",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=ROOT,
            env=env,
        )
        base = "http://127.0.0.1:18731"
        try:
            wait_for(base + "/__sim/health")
            login = urllib.request.Request(
                base + "/api/v1/login/",
                data=json.dumps({"username": "apio-admin", "password": "apio-admin"}).encode(),
                method="POST",
            )
            with urllib.request.urlopen(login) as response:
                cookie = response.headers["Set-Cookie"].split(";", 1)[0]
            bodies = []
            for method, path, body in CASES.values():
                request = urllib.request.Request(
                    base + path, data=json.dumps(body).encode(), method=method, headers={"Cookie": cookie}
                )
                with urllib.request.urlopen(request) as response:
                    bodies.append(folder / f"{method}.json")
                    bodies[-1].write_bytes(response.read())
            bare = subprocess.Popen([sys.executable, "-c", BARE, "18732", *map(str, bodies)], stderr=subprocess.DEVNULL)
            try:
                wait_for("http://127.0.0.1:18732/")
                print(f"wrk, {args.connections} connections, {args.seconds} s each; latencies in ms")
                columns = ("apio-sim req/s", 14), ("p50", 6), ("p99", 6), ("bare req/s", 11), ("p50", 6), ("p99", 6)
                print(f"{'':<16} " + " ".join(f"{title:>{width}}" for title, width in columns) + f" {'ratio':>6}")
                for name, (method, path, body) in CASES.items():
                    ours = wrk(base + path, method, body, cookie, args.seconds, args.connections, folder)
                    ceiling = wrk(
                        "http://127.0.0.1:18732" + path, method, body, cookie, args.seconds, args.connections, folder
                    )
                    assert ours["errors"] == 0, ours
                    ratio = ours["rps"] / ceiling["rps"]
                    print(
                        f"{name:<16} {ours['rps']:>14,.0f} {ours['p50']:>6.2f} {ours['p99']:>6.2f} "
                        f"{ceiling['rps']:>11,.0f} {ceiling['p50']:>6.2f} {ceiling['p99']:>6.2f} {ratio:>6.2f}"
                    )
            finally:
                bare.terminate()
                bare.wait(timeout=10)
        finally:
            sim.terminate()
            sim.wait(timeout=10)


if __name__ == "__main__":
    main()
