"""Memory under the limits that hold in total: the journals of many namespaces, and many logins.

Fills the journals of 20 namespaces with 16 KiB bodies (1,000 entries each, the default ring) and tries
200,000 gateway logins, in process, and reports the bytes each budget holds and the process's RSS. Also
times the refusals of an alias bomb and of a 30-day generate block over HTTP (loopback).

    python bench/bench_limits.py [--namespaces 20] [--body-kib 16] [--logins 200000]
"""

import argparse
import asyncio
import json
import resource
import time

from aiohttp.test_utils import TestClient, TestServer

from simulator.app import create_app
from simulator.errors import HttpError
from simulator.faults import RequestInfo
from simulator.resources import default_scenario
from simulator.scenario import load_scenario
from simulator.state import Simulator


def rss_mib() -> float:
    """The process's resident set now (Linux /proc), in MiB."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def journals(simulator: Simulator, namespaces: int, body_kib: int) -> None:
    size = body_kib * 1024
    info = RequestInfo(method="PUT", path="/api/x", endpoint="reporting", tenant="t", group="g", call_center="c")
    before = rss_mib()
    for n in range(namespaces):
        journal = simulator.namespace(f"ns{n}").journal
        for _ in range(journal.size):
            journal.record(
                at=0,
                request=info,
                query={},
                body=bytes(size),
                status=200,
                response_body=b"{}",
                fault=None,
                duration_ms=0.0,
            )
    kept = sum(len(namespace.journal) for namespace in simulator.namespaces())
    budget = simulator.journal_budget
    print(
        f"journal: {namespaces} namespaces x {body_kib} KiB bodies: {kept} entries kept, {budget.held / 2**20:.1f} MiB "
        f"held of a {budget.limit / 2**20:.0f} MiB budget; RSS +{rss_mib() - before:.0f} MiB ({rss_mib():.0f} MiB)"
    )


def logins(simulator: Simulator, attempts: int) -> None:
    namespace = simulator.namespace()
    user = next(iter(namespace.credentials.users.values()))
    before, refused = rss_mib(), 0
    for _ in range(attempts):
        try:
            namespace.credentials.open_session(user)
        except HttpError:
            refused += 1
    budget = simulator.login_budget
    print(
        f"logins: {attempts} tried, {attempts - refused} held (cap {budget.limit}), {refused} refused with 429; "
        f"RSS +{rss_mib() - before:.0f} MiB ({rss_mib():.0f} MiB)"
    )


async def refusals() -> None:
    lines = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"{b}: &{b} [{', '.join(['*' + a] * 9)}]" for a, b in zip("abcdefgh", "bcdefghi", strict=True)]
    bomb = "\n".join([*lines, "name: *i", "tenants: []"]) + "\n"
    block = {
        "from": "2021-01-01",
        "to": "2021-01-30",
        "callsPerHour": 100000,
        "workingDays": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
        "workingHours": {"open": "00:00", "close": "23:59"},
    }
    center = {"id": "cc@x", "agents": ["a@x"], "generate": block}
    group = {"id": "g", "users": [{"userId": "a@x", "firstName": "A", "lastName": "B"}], "callCenters": [center]}
    month = json.dumps({"name": "month", "tenants": [{"id": "t", "groups": [group]}]})
    async with TestClient(TestServer(create_app(load_scenario(default_scenario())))) as client:
        for name, text in (("alias bomb", bomb), ("30 days at 100000 calls/h", month)):
            started = time.perf_counter()
            response = await client.put("/__sim/scenario", data=text.encode())
            elapsed = (time.perf_counter() - started) * 1000
            print(f"{name} ({len(text.encode())} bytes): {response.status} in {elapsed:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--namespaces", type=int, default=20)
    parser.add_argument("--body-kib", type=int, default=16)
    parser.add_argument("--logins", type=int, default=200_000)
    args = parser.parse_args()
    print(f"RSS at start: {rss_mib():.0f} MiB")
    simulator = Simulator(load_scenario(default_scenario()))
    journals(simulator, args.namespaces, args.body_kib)
    logins(simulator, args.logins)
    asyncio.run(refusals())


if __name__ == "__main__":
    main()
