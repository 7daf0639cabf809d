"""`apio-sim serve` stops gracefully on SIGTERM and SIGINT, as a plain process (the container test does PID 1).

A request is known to be in flight once its `delay:` fault rule counts a hit: the rule fires before the
delay starts. Timeouts here only keep a broken server from hanging the suite.
"""

import http.client
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from simulator import serving
from simulator.client import SimulatorClient

ROOT = Path(__file__).resolve().parent.parent
REPORTING = (
    "/api/v1/tenants/footenant/groups/foogroup/services/call_centers/APIOTestCallCenterP@sip.netaxis.be"
    "/instance_statistics_reporting/"
)


def start() -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "simulator", "serve", "--port", "0", "--no-auth"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    line = process.stdout.readline()
    if not line:
        _, errors = process.communicate(timeout=10)
        raise AssertionError(f"serve printed nothing: {errors}")
    return process, line.rsplit(" on ", 1)[1].strip()


@pytest.fixture
def server():
    process, url = start()
    yield process, url
    if process.poll() is None:
        process.kill()
    process.communicate(timeout=10)


class InFlight(threading.Thread):
    """A GET of the reporting settings on its own connection, delayed by a fault rule; keeps what came back."""

    def __init__(self, url: str, delay_ms: int) -> None:
        super().__init__(daemon=True)
        self.control = SimulatorClient(url)
        self.rule = self.control.add_fault({"match": {"endpoint": "reporting.get"}, "action": f"delay:{delay_ms}"})
        self.host, port = url.removeprefix("http://").rsplit(":", 1)
        self.port = int(port)
        self.status: int | None = None
        self.body = b""
        self.error: BaseException | None = None
        self.start()
        deadline = time.monotonic() + 20
        while self.hits() == 0:
            assert time.monotonic() < deadline, "the delayed request never reached the server"
            time.sleep(0.01)

    def hits(self) -> int:
        [rule] = [rule for rule in self.control.faults() if rule["id"] == self.rule["id"]]
        return rule["hits"]

    def run(self) -> None:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            connection.request("GET", REPORTING)
            response = connection.getresponse()
            self.status, self.body = response.status, response.read()
        except (OSError, http.client.HTTPException) as exc:
            self.error = exc
        finally:
            connection.close()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_signal_lets_the_request_in_flight_finish(server, signum):
    process, url = server
    request = InFlight(url, delay_ms=200)
    process.send_signal(signum)
    assert process.wait(timeout=10) == 0
    request.join(timeout=10)
    assert (request.error, request.status) == (None, 200)
    assert b'"collectionPeriodMinutes"' in request.body
    _, errors = process.communicate(timeout=10)
    assert f"simulator.serving: {signum.name}: stopping (requests in flight get {serving.GRACE_SECONDS} s)" in errors
    assert "Traceback" not in errors


def test_a_request_longer_than_the_grace_is_cut_and_the_server_still_exits(server):
    process, url = server
    request = InFlight(url, delay_ms=60_000)  # far longer than the wait below: only a cut ends it in time
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=10) == 0
    request.join(timeout=10)
    assert request.status is None
    assert isinstance(request.error, http.client.RemoteDisconnected | ConnectionResetError), request.error
    _, errors = process.communicate(timeout=10)
    assert "Traceback" not in errors


def test_further_signals_while_stopping_are_ignored(server):
    process, url = server
    request = InFlight(url, delay_ms=300)
    process.send_signal(signal.SIGTERM)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=10) == 0
    request.join(timeout=10)
    assert request.status == 200


def test_the_listener_is_closed_once_stopped(server):
    process, url = server
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=10) == 0
    host, port = url.removeprefix("http://").rsplit(":", 1)
    with pytest.raises(ConnectionRefusedError):
        http.client.HTTPConnection(host, int(port), timeout=10).connect()


def test_sigterm_during_start_up_stops_it_as_ctrl_c_would():
    previous = signal.getsignal(signal.SIGTERM)
    reached = []

    def start_up() -> int:
        os.kill(os.getpid(), signal.SIGTERM)  # the handler runs at the next bytecode: in this function
        for _ in range(1000):
            time.sleep(0.01)
        reached.append("the end")
        return 1

    assert serving.stoppable(start_up) == 0
    assert reached == []
    assert signal.getsignal(signal.SIGTERM) is previous


def test_stoppable_answers_what_serve_answers():
    previous = signal.getsignal(signal.SIGTERM)
    assert serving.stoppable(lambda code: code, 2) == 2
    assert signal.getsignal(signal.SIGTERM) is previous
