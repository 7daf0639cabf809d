"""Memory under the limits that hold in total: the journals of many namespaces, many logins, chunked
bodies over the limit and idle connections beyond the cap.

Fills the journals of 20 namespaces with 16 KiB bodies (1,000 entries each, the default ring) and tries
200,000 gateway logins, in process, and reports the bytes each budget holds and the process's RSS. Also
times the refusals of an alias bomb and of a 30-day generate block over HTTP (loopback). Then, against a
server on loopback (in a thread of this process): `--uploads` chunked bodies of up to 64 MiB at once to
the emulated API (1 MiB limit), with the peak RSS growth while they run; and `--idle` idle connections
against a cap of `--cap`, with the RSS before and after, the 503s and a client served afterwards.

    python bench/bench_limits.py [--namespaces 20] [--body-kib 16] [--logins 200000]
                                 [--uploads 20] [--idle 300] [--cap 100]
"""

import argparse
import asyncio
import json
import resource
import socket
import threading
import time

from aiohttp.test_utils import TestClient, TestServer

from simulator.app import create_app
from simulator.errors import HttpError
from simulator.faults import RequestInfo
from simulator.resources import default_scenario
from simulator.scenario import load_scenario
from simulator.server import SimulatorServer
from simulator.state import Simulator

REPORTING = (
    "/api/v1/tenants/example/groups/example-group/services/call_centers/cc1@example.test/instance_statistics_reporting/"
)


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
            response = await client.put(
                "/__sim/scenario", data=text.encode(), headers={"Content-Type": "application/yaml"}
            )
            elapsed = (time.perf_counter() - started) * 1000
            print(f"{name} ({len(text.encode())} bytes): {response.status} in {elapsed:.1f} ms")


class PeakRss:
    """The highest RSS seen, sampled every 5 ms in a thread while the block runs."""

    def __enter__(self) -> "PeakRss":
        self.before = self.peak = rss_mib()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._done.wait(0.005):
            self.peak = max(self.peak, rss_mib())

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()


async def upload(url: str, total: int) -> tuple[int, int]:
    """A chunked PUT of up to `total` bytes, sent until the server answers; (status, bytes sent)."""
    host, port = url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    head = f"PUT {REPORTING} HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"
    writer.write(head.encode())
    answer = asyncio.ensure_future(reader.readline())
    piece = b"10000\r\n" + b"x" * 0x10000 + b"\r\n"
    sent = 0
    try:
        while sent < total and not answer.done():
            writer.write(piece)
            await writer.drain()
            sent += 0x10000
        status = int((await answer).split()[1])
    except (ConnectionError, IndexError):
        status = 0
    writer.close()
    return status, sent


def chunked_uploads(count: int) -> None:
    total = 64 * 2**20
    with SimulatorServer("worked-example") as server, PeakRss() as rss:
        results = asyncio.run(_all_uploads(server.url, count, total))
    statuses = sorted({status for status, _ in results})
    sent = max(sent for _, sent in results)
    print(
        f"chunked uploads: {count} at once of up to {total // 2**20} MiB: statuses {statuses}, at most "
        f"{sent / 2**20:.1f} MiB sent by one before its answer; peak RSS +{rss.peak - rss.before:.0f} MiB "
        f"({rss.peak:.0f} MiB)"
    )


async def _all_uploads(url: str, count: int, total: int) -> list[tuple[int, int]]:
    return list(await asyncio.gather(*(upload(url, total) for _ in range(count))))


def idle_connections(count: int, cap: int) -> None:
    with SimulatorServer("worked-example", keepalive_timeout=600, max_connections=cap) as server:
        host, port = server.addresses[0]
        before = rss_mib()
        held = [socket.create_connection((host, port), timeout=30) for _ in range(count)]
        refused = 0
        for sock in held[cap:]:  # the server answers these 503 and closes them
            if sock.recv(65536).startswith(b"HTTP/1.1 503 "):
                refused += 1
        after = rss_mib()
        for sock in held:
            sock.close()
        served = False
        for _ in range(200):  # once the server has seen them close
            with socket.create_connection((host, port), timeout=30) as sock:
                try:
                    sock.sendall(b"GET /__sim/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    if sock.recv(65536).startswith(b"HTTP/1.1 200 "):
                        served = True
                        break
                except ConnectionResetError:
                    continue
    print(
        f"idle connections: {count} opened against a cap of {cap}: {refused} refused with 503; "
        f"RSS +{after - before:.1f} MiB ({after:.0f} MiB); a new client served afterwards: {served}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--namespaces", type=int, default=20)
    parser.add_argument("--body-kib", type=int, default=16)
    parser.add_argument("--logins", type=int, default=200_000)
    parser.add_argument("--uploads", type=int, default=20)
    parser.add_argument("--idle", type=int, default=300)
    parser.add_argument("--cap", type=int, default=100)
    args = parser.parse_args()
    print(f"RSS at start: {rss_mib():.0f} MiB")
    chunked_uploads(args.uploads)  # first: its peak is read against an RSS the other cases have not grown
    idle_connections(args.idle, args.cap)
    simulator = Simulator(load_scenario(default_scenario()))
    journals(simulator, args.namespaces, args.body_kib)
    logins(simulator, args.logins)
    asyncio.run(refusals())


if __name__ == "__main__":
    main()
