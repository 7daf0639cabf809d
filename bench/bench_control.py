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

from aiohttp.test_utils import TestClient, TestServer

from simulator.app import create_app
from simulator.instants import parse_instant, seconds
from simulator.model import (
    AgentSession,
    Call,
    CallCenter,
    CallCenterType,
    Group,
    Outcome,
    ReportingSettings,
    Scenario,
    Tenant,
    User,
)
from simulator.resources import default_scenario
from simulator.scenario import load_scenario
from simulator.state import Options, Simulator

OUTCOMES = [Outcome.ANSWERED] * 7 + [Outcome.ABANDONED, Outcome.TRANSFERRED, Outcome.TIMED_OUT]


def big_scenario(calls: int, agents: int = 50) -> Scenario:
    """One call center with `calls` calls and `agents` agents, built directly (no file to parse)."""
    users = tuple(User(f"agent{i}@bench.test", f"Agent{i}", "Bench") for i in range(agents))
    start = parse_instant("2021-01-01T00:00:00Z")
    history = tuple(
        Call(
            start + seconds(30 * i),
            outcome := OUTCOMES[i % len(OUTCOMES)],
            wait_seconds=i % 120,
            agent=users[i % agents].user_id if outcome is Outcome.ANSWERED else None,
            talk_seconds=60 + i % 300 if outcome is Outcome.ANSWERED else 0,
        )
        for i in range(calls)
    )
    sessions = tuple(AgentSession(user.user_id, start) for user in users)
    cc = CallCenter("big@bench.test", CallCenterType.PREMIUM, ReportingSettings(), users, history, sessions)
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
