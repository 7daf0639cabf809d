"""Connection hygiene over real sockets: idle and half-sent requests are closed, the number of open
connections is capped with a clean refusal, the Host allow-list of a loopback server, and accept errors
logged once per interval. Small configured timeouts; each test checks what happened, never how long."""

import json
import logging
import select
import socket

import pytest

from simulator.journal import Filter
from simulator.server import AcceptErrorLog, SimulatorServer
from tests.conftest import CC1, WORKED_EXAMPLE, cc_path

WAIT = 20  # a socket timeout far above the configured ones: reached only if the server never acts


def connect(server: SimulatorServer) -> socket.socket:
    host, port = server.addresses[0]
    sock = socket.create_connection((host, port), timeout=WAIT)
    return sock


def read_all(sock: socket.socket) -> bytes:
    """Everything until the server closes the connection."""
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def read_answer(sock: socket.socket) -> bytes:
    """One whole answer (head and Content-Length bytes), without waiting for the connection to close."""
    raw = b""
    while b"\r\n\r\n" not in raw or len(raw.partition(b"\r\n\r\n")[2]) < _length(raw):
        chunk = sock.recv(65536)
        if not chunk:
            break
        raw += chunk
    return raw


def _length(raw: bytes) -> int:
    for line in raw.partition(b"\r\n\r\n")[0].split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return 0


def answer(raw: bytes) -> tuple[int, dict]:
    head, _, body = raw.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), json.loads(body)


def request(path: str, host: str = "127.0.0.1", body: bytes = b"", length: int | None = None, method: str = "GET"):
    length = len(body) if length is None else length
    head = f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {length}\r\n"
    return head.encode() + b"\r\n" + body


def chunked_head(path: str, method: str = "PUT") -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    return (head + "Transfer-Encoding: chunked\r\n\r\n").encode()


def chunk(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


LAST_CHUNK = b"0\r\n\r\n"
REPORTING = cc_path(*CC1, "instance_statistics_reporting")
UNCHANGED = {"generateDailyReport": False, "collectionPeriodMinutes": 30}


def get(server: SimulatorServer, path: str) -> tuple[int, dict]:
    """A GET on a connection of its own, closed after the answer."""
    with connect(server) as sock:
        sock.sendall(request(path).replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n"))
        return answer(read_all(sock))


def nothing_to_read(sock: socket.socket) -> bool:
    """Whether the server has neither answered nor closed `sock` yet."""
    return not select.select([sock], [], [], 0)[0]


@pytest.fixture
def server():
    with SimulatorServer(WORKED_EXAMPLE, keepalive_timeout=0.2, body_timeout=0.2, max_connections=3) as running:
        yield running


def test_an_idle_connection_is_closed(server):
    with connect(server) as sock:
        sock.sendall(request("/__sim/health"))
        raw = read_all(sock)  # answered, then closed once idle (it would stay for ever otherwise)
    assert raw.startswith(b"HTTP/1.1 200 ")


@pytest.mark.parametrize(
    "path", ["/__sim/clock", cc_path(*CC1, "instance_statistics_reporting")], ids=["control", "emulated"]
)
def test_a_body_shorter_than_promised_is_answered_408_and_closed(server, path):
    with connect(server) as sock:
        sock.sendall(request(path, body=b'{"adv', length=100, method="PUT"))
        status, body = answer(read_all(sock))
    assert (status, body) == (408, {"details": "The request body did not arrive within 0.2 s."})
    assert server.call(lambda simulator: len(simulator.namespaces())) == 1


def test_a_slow_chunked_body_is_answered_408_and_closed(server):
    with connect(server) as sock:
        sock.sendall(chunked_head(REPORTING) + chunk(b'{"collectionPeriodMinutes"'))  # and never the rest
        raw = read_answer(sock)
        status, body = answer(raw)
    assert b"\r\nconnection: close\r\n" in raw.partition(b"\r\n\r\n")[0].lower() + b"\r\n"
    assert (status, body) == (408, {"details": "The request body did not arrive within 0.2 s."})
    assert get(server, REPORTING) == (200, UNCHANGED)


def test_the_server_answers_while_a_body_is_slow_to_come():
    """Proved by order, not by time: the probe is answered while the body is provably still coming (its
    request unanswered), and the body, finished afterwards, is then acted on."""
    with SimulatorServer(WORKED_EXAMPLE, body_timeout=600) as running, connect(running) as slow:
        slow.sendall(chunked_head(REPORTING) + chunk(b'{"collectionPeriodMinutes":'))
        assert get(running, "/__sim/health")[0] == 200
        assert nothing_to_read(slow)
        slow.sendall(chunk(b" 15}") + LAST_CHUNK)
        status, body = answer(read_answer(slow))
        assert (status, body["collectionPeriodMinutes"]) == (200, 15)


@pytest.fixture
def small_bodies():
    with SimulatorServer(WORKED_EXAMPLE, max_body_bytes=1000, body_timeout=600) as running:
        yield running


def test_a_chunked_body_over_the_limit_is_refused_as_it_passes_it(small_bodies):
    """Refused once 1,000 bytes have come, although the body goes on (no last chunk: a server reading it
    whole would wait for the 600 s body timeout), with `Connection: close`; nothing changed."""
    with connect(small_bodies) as sock:
        sock.sendall(chunked_head(REPORTING) + chunk(b'{"collectionPeriodMinutes": 15, "x": "'))
        assert get(small_bodies, "/__sim/health")[0] == 200  # answered while the upload is under way
        assert nothing_to_read(sock)
        sock.sendall(chunk(b"y" * 600) + chunk(b"y" * 600))
        raw = read_answer(sock)  # the rest is never kept: aiohttp drops it for a while, then closes
    assert b"\r\nconnection: close\r\n" in raw.partition(b"\r\n\r\n")[0].lower() + b"\r\n"
    assert answer(raw) == (413, {"details": "The request body is larger than 1000 bytes."})
    assert get(small_bodies, REPORTING) == (200, UNCHANGED)

    def last(simulator):  # the journal has the request, without its body, as for a 413 on Content-Length
        entry = simulator.namespace().journal.find(Filter(method="PUT"))[-1]
        return entry.status, entry.body

    assert small_bodies.call(last) == (413, None)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PUT", REPORTING, b'{"collectionPeriodMinutes": 15}'),
        ("GET", cc_path(*CC1, "statistics"), b'{"statisticsRange": {"start": "2021-02-01T10:00:00Z"}}'),
    ],
    ids=["put", "get-statistics"],
)
def test_a_chunked_body_under_the_limit_is_read(small_bodies, method, path, body):
    with connect(small_bodies) as sock:
        sock.sendall(chunked_head(path, method) + chunk(body[:10]) + chunk(body[10:]) + LAST_CHUNK)
        status, answered = answer(read_answer(sock))
    assert status == 200, answered
    if method == "PUT":
        assert answered == {**UNCHANGED, "collectionPeriodMinutes": 15}
    else:
        assert answered["statisticsRange"]["start"] == "2021-02-01T10:00:00Z"


def test_beyond_the_cap_a_connection_is_refused_with_503(server):
    held = [connect(server) for _ in range(3)]
    try:
        for sock in held:  # each answered: the server counts it as open
            sock.sendall(request("/__sim/health").replace(b"HTTP/1.1\r\n", b"HTTP/1.1\r\nConnection: keep-alive\r\n"))
            assert sock.recv(65536).startswith(b"HTTP/1.1 200 ")
        with connect(server) as extra:
            raw = read_all(extra)
        assert raw.startswith(b"HTTP/1.1 503 ")
        assert answer(raw) == (503, {"details": "Too many connections are open; try again when one closes."})
    finally:
        for sock in held:
            sock.close()
    for _ in range(200):  # once the server has seen them close, connections are accepted again
        with connect(server) as sock:
            try:
                sock.sendall(request("/__sim/health"))
                if read_all(sock).startswith(b"HTTP/1.1 200 "):
                    break
            except ConnectionResetError:  # still refused: the 503 came before the request was read
                continue
    else:
        raise AssertionError("no connection was accepted again")


def test_at_the_cap_the_server_still_answers_the_connections_it_holds():
    """Idle connections (never a byte sent) fill the cap; the next is refused, yet every held one is still
    answered, and once one closes a new client is served. No timeout closes them here (600 s)."""
    with SimulatorServer(WORKED_EXAMPLE, keepalive_timeout=600, max_connections=3) as running:
        held = [connect(running) for _ in range(3)]
        try:
            with connect(running) as extra:
                assert answer(read_all(extra))[0] == 503
            for sock in held:
                sock.sendall(request("/__sim/health"))
                assert answer(read_answer(sock))[0] == 200
        finally:
            held.pop().close()
        try:
            for _ in range(200):  # served once the server has seen the close
                with connect(running) as sock:
                    try:
                        sock.sendall(request("/__sim/health"))
                        if read_answer(sock).startswith(b"HTTP/1.1 200 "):
                            break
                    except ConnectionResetError:
                        continue
            else:
                raise AssertionError("no new client was served")
        finally:
            for sock in held:
                sock.close()


def test_a_loopback_server_answers_its_own_names_and_the_allowed_ones():
    with SimulatorServer(WORKED_EXAMPLE, allowed_hosts=["sim.test"]) as running:
        for host, status in (("localhost:1", 200), ("sim.test", 200), ("rebound.evil.test", 403)):
            with connect(running) as sock:
                sock.sendall(request("/__sim/health", host=host).replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n"))
                assert answer(read_all(sock))[0] == status, host


def test_an_any_address_server_answers_any_host():
    with SimulatorServer(WORKED_EXAMPLE, host="0.0.0.0") as running:
        port = running.addresses[0][1]
        with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as sock:
            sock.sendall(
                request("/__sim/health", host="apio-sim:8080").replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n")
            )
            assert answer(read_all(sock))[0] == 200


def test_accept_errors_are_logged_once_per_interval(caplog):
    passed_on = []
    handler = AcceptErrorLog(lambda loop, context: passed_on.append(context), interval=3600)
    context = {"message": "socket.accept() out of system resource", "exception": OSError(24, "Too many open files")}
    with caplog.at_level(logging.ERROR, logger="simulator.server"):
        for _ in range(500):
            handler(None, context)  # type: ignore[arg-type]
        handler(None, {"message": "something else"})  # type: ignore[arg-type]
    lines = [record.getMessage() for record in caplog.records if record.name == "simulator.server"]
    assert len(lines) == 1 and "1 failure(s)" in lines[0]
    assert passed_on == [{"message": "something else"}]
    handler.interval = 0
    with caplog.at_level(logging.ERROR, logger="simulator.server"):
        handler(None, context)  # type: ignore[arg-type]
    assert "500 failure(s)" in caplog.records[-1].getMessage()  # the 499 unlogged ones are counted
