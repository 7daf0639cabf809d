"""How long `apio-sim serve` takes to stop on SIGTERM: idle, with a short request in flight, with a long one.

From the signal to the process's exit, as a plain process; with `--image ID` also `podman stop` of that
image run as a container (the whole command: podman's own work included).

    python bench/bench_stop.py [--runs 5] [--image localhost/apio-sim:dev]
"""

import argparse
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from simulator.client import SimulatorClient
from tests.test_serve_shutdown import InFlight, start

CONTAINERS_CONF = Path(__file__).resolve().parent.parent / "tests" / "container" / "containers.conf"


def plain(delay_ms: int | None) -> float:
    process, url = start()
    try:
        SimulatorClient(url).health()  # serving, its signal handlers in place
        if delay_ms is not None:
            InFlight(url, delay_ms)
        began = time.perf_counter()
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        return time.perf_counter() - began
    finally:
        process.kill()
        process.communicate()


def container(image: str) -> float:
    env = {"CONTAINERS_CONF": str(CONTAINERS_CONF), **os.environ}
    name = f"apio-sim-bench-stop-{os.getpid()}"
    podman = ["podman"]
    subprocess.run([*podman, "run", "--detach", f"--name={name}", image], env=env, check=True, capture_output=True)
    try:
        while subprocess.run([*podman, "healthcheck", "run", name], env=env, capture_output=True).returncode:
            time.sleep(0.2)
        began = time.perf_counter()
        subprocess.run([*podman, "stop", "--time=10", name], env=env, check=True, capture_output=True)
        return time.perf_counter() - began
    finally:
        subprocess.run([*podman, "rm", "--force", "--time=0", name], env=env, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--image", help="also time `podman stop` of this image")
    args = parser.parse_args()
    cases = {
        "idle": lambda: plain(None),
        "a 200 ms request in flight (answered)": lambda: plain(200),
        "a 60 s request in flight (cut)": lambda: plain(60_000),
    }
    if args.image:
        cases["podman stop, container idle"] = lambda: container(args.image)
    for label, case in cases.items():
        times = [case() for _ in range(args.runs)]
        print(f"{label}: median {statistics.median(times):.3f} s, max {max(times):.3f} s")


if __name__ == "__main__":
    main()
