"""What the pytest fixture costs a test suite, and how soon `apio-sim serve` answers.

- First use in a session: importing the simulator, starting it in process and reading its health, as the
  session fixture does, in a fresh process where pytest is already imported (and, in the warm case,
  aiohttp too, as pytest-aiohttp does at start-up).
- Each later test: the per-test set-up, a reset through the control API.
- `apio-sim serve`: from launch to the first answer of its health check.

    python bench/bench_fixture.py [--tests 500] [--launches 5]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

FIRST_USE = """
import json, time
import pytest  # the fixture always runs inside pytest
if WARM:
    import aiohttp.web  # a suite with pytest-aiohttp has it already
began = time.perf_counter()
from simulator.pytest_plugin import ApioSimServer
from simulator.server import SimulatorServer
server = SimulatorServer(None).start()  # what the session fixture does
session = ApioSimServer(server.url, None, external=False, server=server)
first = time.perf_counter() - began
resets = []
for _ in range(TESTS):
    t = time.perf_counter()
    session.start_over(None)  # what the per-test fixture does in process
    resets.append(time.perf_counter() - t)
server.stop()
print(json.dumps({"first": first, "resets": resets}))
"""


def bytecode_env() -> dict[str, str]:
    """The environment with bytecode caching on, its caches outside the repository: start-up as installed."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = os.path.join(tempfile.gettempdir(), "apio-sim-bench-pycache")
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", type=int, default=500)
    parser.add_argument("--launches", type=int, default=5)
    args = parser.parse_args()

    env = bytecode_env()
    warm_up = FIRST_USE.replace("TESTS", "1").replace("WARM", "False")
    subprocess.run([sys.executable, "-c", warm_up], capture_output=True, check=True, env=env)  # fills the cache
    firsts: dict[bool, list[float]] = {False: [], True: []}
    resets = []
    for warm in (False, True):
        for _ in range(args.launches):
            code = FIRST_USE.replace("TESTS", str(args.tests)).replace("WARM", str(warm))
            out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
            result = json.loads(out.stdout)
            firsts[warm].append(result["first"])
            resets.extend(result["resets"])
    resets.sort()
    cold, warm_ms = (statistics.median(firsts[warm]) * 1000 for warm in (False, True))
    print(
        f"fixture first use (fresh process, {args.launches} runs): median {cold:.0f} ms after pytest alone, "
        f"{warm_ms:.0f} ms with aiohttp already imported"
    )
    print(
        f"fixture per-test reset ({len(resets)} tests): median {statistics.median(resets) * 1000:.2f} ms, "
        f"p99 {resets[int(0.99 * len(resets))] * 1000:.2f} ms"
    )

    launches = []
    for i in range(args.launches):
        port = 18600 + i
        began = time.perf_counter()
        server = subprocess.Popen(
            [sys.executable, "-m", "simulator", "serve", "--port", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
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
