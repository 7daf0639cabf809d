"""What start-up spends on imports: `python -X importtime` for `apio-sim serve` and for the pytest fixture.

For each entry point, in fresh processes: the imports' total, the self time summed per top-level package
(what making that package lazy could save at most), and the simulator modules and third-party packages
with the largest cumulative time (what each pulls in). Medians over --runs processes.

    python bench/bench_imports.py [--runs 5] [--top 15]
"""

import argparse
import collections
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

ENTRIES = {
    "apio-sim serve (simulator.cli)": ("", "import simulator.cli"),
    "pytest fixture's first use (after pytest)": (
        "import pytest",
        "import simulator.pytest_plugin\n"
        "from simulator.server import SimulatorServer\n"
        "SimulatorServer(None).start().stop()",
    ),
}
PHASES = """
import asyncio, json, time
t0 = time.perf_counter()
from aiohttp import web
from simulator.app import create_app
from simulator.resources import default_scenario
from simulator.scenario import load_scenario
from simulator.server import AppRunner
import simulator.cli
t1 = time.perf_counter()
scenario = load_scenario(default_scenario())
t2 = time.perf_counter()
app = create_app(scenario)
t3 = time.perf_counter()


async def listen():
    runner = AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    await runner.cleanup()


asyncio.run(listen())
t4 = time.perf_counter()
print(json.dumps({"imports": t1 - t0, "load_scenario": t2 - t1, "create_app": t3 - t2, "listen": t4 - t3}))
"""
"""`apio-sim serve`'s own steps, in process, after the interpreter's start."""
LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


def bytecode_env() -> dict[str, str]:
    """The environment with bytecode caching on, its caches outside the repository: start-up as installed."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = os.path.join(tempfile.gettempdir(), "apio-sim-bench-pycache")
    return env


def measure(before: str, code: str) -> tuple[dict[str, int], dict[str, int]]:
    """Self and cumulative microseconds per module imported by `code` (not by `before`)."""
    marker = "import _bench_imports_marker_"  # a failing import marks where `before` ends
    program = f"{before}\ntry:\n    {marker}\nexcept ImportError:\n    pass\n{code}\n"
    err = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", program],
        capture_output=True,
        text=True,
        check=True,
        env=bytecode_env(),
    ).stderr
    own: dict[str, int] = {}
    cumulative: dict[str, int] = {}
    started = not before
    for line in err.splitlines():
        if marker.split()[1] in line:
            started = True
            continue
        match = LINE.match(line)
        if started and match:
            own[match.group(4)] = int(match.group(1))
            cumulative[match.group(4)] = int(match.group(2))
    return own, cumulative


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    runs = max(1, min(args.runs, 50))
    env = bytecode_env()
    for before, code in ENTRIES.values():  # fills the bytecode cache; not counted
        measure(before, code)
    phases: collections.defaultdict[str, list[float]] = collections.defaultdict(list)
    interpreter = []
    for _ in range(runs):
        began = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True, env=env)
        interpreter.append(time.perf_counter() - began)
        done = subprocess.run([sys.executable, "-c", PHASES], capture_output=True, text=True, check=True, env=env)
        out = done.stdout
        for name, seconds in json.loads(out).items():
            phases[name].append(seconds)
    print(f"apio-sim serve, its steps in ms (median of {runs} fresh processes):")
    print(f"    {statistics.median(interpreter) * 1000:7.1f}  python -c pass (the interpreter's own start)")
    for name, values in phases.items():
        print(f"    {statistics.median(values) * 1000:7.1f}  {name}")
    for title, (before, code) in ENTRIES.items():
        totals = []
        packages: collections.defaultdict[str, list[int]] = collections.defaultdict(list)
        modules: collections.defaultdict[str, list[int]] = collections.defaultdict(list)
        for _ in range(runs):
            own, cumulative = measure(before, code)
            totals.append(sum(own.values()))
            per_package: collections.Counter[str] = collections.Counter()
            for name, micros in own.items():
                per_package[name.split(".")[0]] += micros
            for name, micros in per_package.items():
                packages[name].append(micros)
            for name, micros in cumulative.items():
                modules[name].append(micros)
        total = statistics.median(totals) / 1000
        print(f"\n{title}: imports {total:.0f} ms (median of {len(totals)})")
        print("  self time per top-level package, ms:")
        ranked = sorted(packages.items(), key=lambda item: -statistics.median(item[1]))
        for name, micros in ranked[: args.top]:
            print(f"    {statistics.median(micros) / 1000:7.1f}  {name}")
        print("  cumulative time of the simulator's modules and the packages they import first, ms:")
        heads = {
            name: values
            for name, values in modules.items()
            if name.startswith("simulator") or ("." not in name and name in packages)
        }
        for name, micros in sorted(heads.items(), key=lambda item: -statistics.median(item[1]))[: args.top]:
            print(f"    {statistics.median(micros) / 1000:7.1f}  {name}")


if __name__ == "__main__":
    main()
