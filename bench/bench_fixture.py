"""What the pytest fixture costs a test suite, and how soon `apio-sim serve` answers.

- First use in a session: importing the simulator, starting it in process and reading its health, as the
  session fixture does, in a fresh process where pytest is already imported (and, in the warm case,
  aiohttp too, as pytest-aiohttp does at start-up).
- Each later test: the per-test set-up (the default namespace started again, every other dropped), on the
  session's scenario and on a marker's (built once, then from the scenario cache).
- `apio-sim serve`: from launch to the first answer of its health check.

    python bench/bench_fixture.py [--tests 500] [--launches 5]
"""

import argparse
import json
import statistics
import subprocess
import sys
import time
import urllib.request

FIRST_USE = """
import json, time
import pytest  # the fixture always runs inside pytest
if WARM:
    import aiohttp.web  # a suite with pytest-aiohttp has it already
began = time.perf_counter()
from simulator.pytest_plugin import ApioSimServer
from simulator.resources import scenario_file
from simulator.server import SimulatorServer
server = SimulatorServer().start()
session = ApioSimServer(server.url, None, external=False, server=server)
session.control.health()
first = time.perf_counter() - began
marker = scenario_file("busy-call-center").read_text()
resets, markers = [], []
for _ in range(TESTS):
    t = time.perf_counter()
    session.start_over(None)
    resets.append(time.perf_counter() - t)
    t = time.perf_counter()
    session.start_over(marker)
    markers.append(time.perf_counter() - t)
server.stop()
print(json.dumps({"first": first, "resets": resets, "markers": markers[1:]}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", type=int, default=500)
    parser.add_argument("--launches", type=int, default=5)
    args = parser.parse_args()

    firsts: dict[bool, list[float]] = {False: [], True: []}
    resets, markers = [], []
    for warm in (False, True):
        for _ in range(args.launches):
            code = FIRST_USE.replace("TESTS", str(args.tests)).replace("WARM", str(warm))
            out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
            result = json.loads(out.stdout)
            firsts[warm].append(result["first"])
            resets.extend(result["resets"])
            markers.extend(result["markers"])
    resets.sort()
    markers.sort()
    cold, warm_ms = (statistics.median(firsts[warm]) * 1000 for warm in (False, True))
    print(
        f"fixture first use (fresh process, {args.launches} runs): median {cold:.0f} ms after pytest alone, "
        f"{warm_ms:.0f} ms with aiohttp already imported"
    )
    for name, times in (("per-test set-up", resets), ("per-test set-up with a marker, cached", markers)):
        print(
            f"fixture {name} ({len(times)} tests): median {statistics.median(times) * 1000:.2f} ms, "
            f"p99 {times[int(0.99 * len(times))] * 1000:.2f} ms"
        )

    launches = []
    for i in range(args.launches):
        port = 18600 + i
        began = time.perf_counter()
        server = subprocess.Popen(
            [sys.executable, "-m", "simulator", "serve", "--port", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            while True:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/__sim/health", timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.005)
            launches.append(time.perf_counter() - began)
        finally:
            server.terminate()
            server.wait(timeout=10)
    print(
        f"apio-sim serve, launch to health ({args.launches} runs): median {statistics.median(launches) * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
