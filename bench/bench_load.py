"""Load and soak against a real `apio-sim serve` on loopback (bounded in count, never a timed test).

Load: 50 concurrent clients send 20,000 mixed requests (all endpoints, PUTs included, some with injected
faults). Every status must be one the request could get, and each call center's final settings must equal
its last acknowledged PUT (one writer per call center, so "last" is well defined).

Soak: 200,000 more requests, with logins, namespaces created and dropped, and faults; the server's
resident memory at the end must stay within 10 MB of its memory after warm-up (the journal, namespaces and
logins are bounded or dropped; nothing else may grow).

    python bench/bench_load.py [--requests 20000] [--clients 50] [--soak 200000]
"""

import argparse
import asyncio
import random
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
CALL_CENTERS = [
    ("foo", "foogroup", "APIOTestCCBasic@sip.netaxis.be"),
    ("foo", "foogroup", "APIOTestCCPremium@sip.netaxis.be"),
    ("footenant", "foogroup", "APIOTestCallCenterP@sip.netaxis.be"),
]
FAULTS = {"date-in-future": 400, "http-503": 503, "http-429": 429, "delay:2": 200}


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def cc_url(base: str, cc: tuple[str, str, str], endpoint: str) -> str:
    return f"{base}/api/v1/tenants/{cc[0]}/groups/{cc[1]}/services/call_centers/{cc[2]}/{endpoint}/"


async def session(base: str, namespace: str | None = None) -> aiohttp.ClientSession:
    headers = {"X-Apio-Sim-Namespace": namespace} if namespace else {}
    client = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True), headers=headers)
    async with client.post(base + "/api/v1/login/", json={"username": "apio-admin", "password": "apio-admin"}) as r:
        assert r.status == 200, r.status
    return client


async def one_request(client: aiohttp.ClientSession, base: str, rng: random.Random, unexpected: Counter) -> None:
    """A random read: reporting GET or statistics, sometimes with a fault header."""
    cc = rng.choice(CALL_CENTERS)
    headers, expected = {}, {200}
    if rng.random() < 0.1:
        action = rng.choice(list(FAULTS))
        headers["X-Apio-Sim-Fault"] = action
        expected = {FAULTS[action]}
    if rng.random() < 0.5:
        day = rng.randint(1, 28)
        body = {"statisticsRange": {"start": f"2021-03-{day:02d}T00:00:00+01:00"}}
        request = client.get(cc_url(base, cc, "statistics"), json=body, headers=headers)
    else:
        request = client.get(cc_url(base, cc, "instance_statistics_reporting"), headers=headers)
    async with request as response:
        await response.read()
        if response.status not in expected:
            unexpected[(response.status, headers.get("X-Apio-Sim-Fault"))] += 1


async def load(base: str, requests: int, clients: int) -> None:
    rng = random.Random(1)
    unexpected: Counter = Counter()
    acknowledged: dict[tuple, dict] = {}
    remaining = iter(range(requests))

    async def reader(client: aiohttp.ClientSession, seed: int) -> None:
        local = random.Random(seed)
        for _ in remaining:
            await one_request(client, base, local, unexpected)

    async def writer(client: aiohttp.ClientSession, cc: tuple) -> None:
        local = random.Random(hash(cc) % 1000)
        for n in range(requests // 20):
            body = {
                "collectionPeriodMinutes": local.choice([15, 30, 60]),
                "reportingEmailAddress1": f"put{n}@load.test",
            }
            async with client.put(cc_url(base, cc, "instance_statistics_reporting"), json=body) as response:
                answer = await response.json()
                if response.status == 200:
                    acknowledged[cc] = answer
                else:
                    unexpected[(response.status, "PUT")] += 1

    sessions = [await session(base) for _ in range(clients)]
    began = time.perf_counter()
    writers = [writer(sessions[i], cc) for i, cc in enumerate(CALL_CENTERS)]
    readers = [reader(sessions[i], rng.randrange(10**6)) for i in range(len(CALL_CENTERS), clients)]
    await asyncio.gather(*writers, *readers)
    elapsed = time.perf_counter() - began
    final_mismatches = 0
    for cc, answer in acknowledged.items():
        async with sessions[0].get(cc_url(base, cc, "instance_statistics_reporting")) as response:
            final_mismatches += (await response.json()) != answer
    for client in sessions:
        await client.close()
    total = requests + len(CALL_CENTERS) * (requests // 20)
    print(
        f"load: {total:,} requests from {clients} clients in {elapsed:.1f} s ({total / elapsed:,.0f}/s); "
        f"unexpected statuses: {sum(unexpected.values())} {dict(unexpected)}; "
        f"call centers whose final settings differ from their last acknowledged PUT: {final_mismatches}"
    )


async def soak(base: str, pid: int, requests: int) -> None:
    rng = random.Random(2)
    unexpected: Counter = Counter()
    control = aiohttp.ClientSession()
    clients = [await session(base) for _ in range(8)]
    done = 0
    warm_rss = None
    began = time.perf_counter()
    while done < requests:
        # A round: reads, a fresh login, a namespace used and dropped, a fault rule added and spent.
        name = f"soak-{done}"
        guest = await session(base, name)
        await one_request(guest, base, rng, unexpected)
        await guest.close()
        async with control.delete(f"{base}/__sim/namespaces/{name}") as response:
            assert response.status == 200
        async with control.post(f"{base}/__sim/faults", json={"action": "http-503", "times": 1}) as response:
            assert response.status == 201
        await asyncio.gather(*(one_request(c, base, rng, unexpected) for c in clients for _ in range(125)))
        done += 1000 + 4
        if warm_rss is None and done >= 20_000:
            warm_rss = rss_mb(pid)
    end_rss = rss_mb(pid)
    elapsed = time.perf_counter() - began
    for client in clients:
        await client.close()
    await control.close()
    print(
        f"soak: {done:,} requests in {elapsed:.0f} s; resident memory after warm-up {warm_rss:.1f} MB, "
        f"at the end {end_rss:.1f} MB (growth {end_rss - warm_rss:+.1f} MB); "
        f"unexpected statuses (503s from the spent rules aside): "
        f"{sum(v for k, v in unexpected.items() if k != (503, None))}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--soak", type=int, default=200_000)
    args = parser.parse_args()
    server = subprocess.Popen(
        [sys.executable, "-m", "simulator", "serve", "--port", "0", "--journal-size", "1000"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=ROOT,
    )
    try:
        base = server.stdout.readline().rsplit(" on ", 1)[1].strip()
        asyncio.run(load(base, args.requests, args.clients))
        asyncio.run(soak(base, server.pid, args.soak))
    finally:
        server.terminate()
        server.communicate(timeout=10)


if __name__ == "__main__":
    main()
