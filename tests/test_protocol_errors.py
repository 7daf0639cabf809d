"""Requests that are not valid HTTP still get an APIO-style JSON error (a real `apio-sim serve`)."""

import logging
import socket
from collections import deque

import pytest

from simulator.schemas import SchemaStore
from tests.test_cli import start, stop

CC = b"/api/v1/tenants/foo/groups/foogroup/services/call_centers/APIOTestCCBasic@sip.netaxis.be/"


@pytest.fixture(scope="module")
def server():
    process, url = start()
    yield int(url.rsplit(":", 1)[1])
    stop(process)


def send(port: int, data: bytes) -> tuple[bytes, bytes, bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(data)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *headers = head.split(b"\r\n")
    return status_line, b"\r\n".join(headers).lower(), body


@pytest.mark.parametrize(
    "data",
    [
        b"GET " + CC + b"instance_statistics_reporting/ HTTP/1.1\r\nHost: x\r\nX-Odd: \x01\x02\r\n\r\n",
        b"GET " + CC + b"instance_statistics_reporting/ HTTP/1.1\r\nHost: x\r\nX-Long: " + b"b" * 10_000 + b"\r\n\r\n",
        b"GET /" + b"a" * 10_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
        b"PUT " + CC + b"instance_statistics_reporting/ HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}",
        b"GET /api/v1/tenants/fo\x00o/groups HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GARBAGE\r\n\r\n",
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",  # a TLS hello sent to the plain-HTTP port
    ],
)
def test_unparseable_requests_get_json(server, data):
    status_line, headers, body = send(server, data)
    assert status_line.endswith(b" 400 Bad Request")
    assert b"content-type: application/json" in headers
    assert body == b'{"details": "The request is not valid HTTP."}'
    assert SchemaStore().reference_problems("error", {"details": "The request is not valid HTTP."}) == []


def test_the_server_still_answers_afterwards(server):
    status_line, _, body = send(server, b"GET /__sim/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    assert status_line.endswith(b" 200 OK")
    assert b'"status": "ready"' in body


@pytest.mark.parametrize(
    "path", [b"/api/v1/tenants/foo/groups/foogroup/services/call_centers/x/statistics/", b"/__sim/faults"]
)
def test_a_client_that_leaves_before_its_body_is_no_simulator_error(path, caplog):
    # A client that times out and closes while its body is on the way: nothing to answer, nothing to log
    # as the simulator's fault, and no internal error kept for a test to fail on.
    from simulator.server import SimulatorServer

    with SimulatorServer() as sim:
        port = int(sim.url.rsplit(":", 1)[1])
        with caplog.at_level(logging.DEBUG), socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(
                b"PUT " + path + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                b'Content-Length: 100\r\n\r\n{"a":'
            )
            sock.shutdown(socket.SHUT_RDWR)
        status_line, _, _ = send(port, b"GET /__sim/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        assert status_line.endswith(b" 200 OK")
        assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
        assert sim.simulator.namespace("default").internal_errors == deque()
