"""How long a reset and a new namespace take, for the default scenario and a million-call one.

Both should cost the same whatever the size of the call histories: a namespace copies the reporting settings
of each call center, never a call. Times POST /__sim/reset and a first request in a new namespace over HTTP
(in process, loopback), and the same two operations without HTTP.

    python bench/bench_control.py [--calls 1000000] [--repeat 200]
"""

import argparse
import asyncio
import statistics
import time

import numpy as np
from aiohttp.test_utils import TestClient, TestServer

from simulator.app import create_app
from simulator.history import ANSWERED, NO_AGENT, OPEN, History
from simulator.instants import parse_instant, seconds
from simulator.model import CallCenterType, Group, Scenario, Tenant, User
from simulator.resources import default_scenario
from simulator.scenario import load_scenario
from simulator.state import Options, Simulator
from simulator.statistics import build_call_center


def big_scenario(calls: int, agents: int = 50) -> Scenario:
    """One call center with `calls` calls and `agents` agents, written as columns (no file to parse)."""
    users = tuple(User(f"agent{i}@bench.test", f"Agent{i}", "Bench") for i in range(agents))
    start = parse_instant("2021-01-01T00:00:00Z")
    number = np.arange(calls, dtype=np.int64)
    outcome = np.where(number % 10 < 7, ANSWERED, 1 + number % 3).astype(np.int8)
    answered = outcome == ANSWERED
    history = History(
        arrived_at=start + number * seconds(30),
        outcome=outcome,
        wait=(number % 120).astype(np.int32),
        agent=np.where(answered, number % agents, NO_AGENT).astype(np.int32),
        talk=np.where(answered, 60 + number % 300, 0).astype(np.int32),
        hold=np.zeros(calls, dtype=np.int32),
        unanswered_call=np.zeros(0, dtype=np.int64),
        unanswered_agent=np.zeros(0, dtype=np.int32),
        session_agent=np.arange(agents, dtype=np.int32),
        session_from=np.full(agents, start, dtype=np.int64),
        session_to=np.full(agents, OPEN, dtype=np.int64),
    )
    cc = build_call_center("big@bench.test", users, history=history, type=CallCenterType.PREMIUM)
    group = Group("g", {user.user_id: user for user in users}, {cc.service_user_id: cc})
    return Scenario("big", {"t": Tenant("t", {"g": group})}, frozen_now=start + seconds(30 * calls))


def median_ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:.3f}"


async def over_http(scenario: Scenario, repeat: int) -> tuple[list[float], list[float]]:
    app = create_app(scenario, auth=False)
    async with TestClient(TestServer(app)) as client:
        resets, creations = [], []
        for i in range(repeat):
            began = time.perf_counter()
            response = await client.post("/__sim/reset")
            await response.read()
            resets.append(time.perf_counter() - began)
            began = time.perf_counter()
            response = await client.get("/__sim/clock", headers={"X-Apio-Sim-Namespace": f"n{i}"})
            await response.read()
            creations.append(time.perf_counter() - began)
            await client.delete(f"/__sim/namespaces/n{i}")
    return resets, creations


def in_process(scenario: Scenario, repeat: int) -> tuple[list[float], list[float]]:
    simulator = Simulator(scenario, options=Options(auth=False))
    resets, creations = [], []
    for i in range(repeat):
        began = time.perf_counter()
        simulator.reset("default")
        resets.append(time.perf_counter() - began)
        began = time.perf_counter()
        simulator.namespace(f"n{i}")
        creations.append(time.perf_counter() - began)
        simulator.drop(f"n{i}")
    return resets, creations


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()

    began = time.perf_counter()
    big = big_scenario(args.calls)
    print(f"built a {args.calls:,}-call scenario in {time.perf_counter() - began:.1f} s")
    print(f"medians over {args.repeat} runs, milliseconds")
    print(f"{'scenario':<24} {'reset':>8} {'new ns':>8} {'reset HTTP':>11} {'new ns HTTP':>12}")
    for name, scenario in (("default (90 calls)", load_scenario(default_scenario())), (f"{args.calls:,} calls", big)):
        resets, creations = in_process(scenario, args.repeat)
        http_resets, http_creations = asyncio.run(over_http(scenario, args.repeat))
        print(
            f"{name:<24} {median_ms(resets):>8} {median_ms(creations):>8} "
            f"{median_ms(http_resets):>11} {median_ms(http_creations):>12}"
        )


if __name__ == "__main__":
    main()
