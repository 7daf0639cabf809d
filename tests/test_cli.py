"""`apio-sim serve` as a real process, the way a developer starts it."""

import json
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from simulator.cli import main
from tests.conftest import WORKED_EXAMPLE

ROOT = Path(__file__).resolve().parent.parent


def start(*args: str, log: bool = True) -> tuple[subprocess.Popen, str]:
    """`apio-sim serve` on a free port. Its log is kept for failure messages unless `log` is False (a long
    run would fill the pipe and stall the server)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "simulator", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE if log else subprocess.DEVNULL,
        text=True,
        cwd=ROOT,
    )
    line = process.stdout.readline()
    if not line:
        _, errors = process.communicate(timeout=10)
        raise AssertionError(f"serve printed nothing: {errors}")
    return process, line.rsplit(" on ", 1)[1].strip()


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    process.communicate(timeout=10)  # also closes the pipes


def get(url: str, body: dict | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method="GET", headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


BASIC_REPORTING = (
    "/api/v1/tenants/foo/groups/foogroup/services/call_centers/APIOTestCCBasic@sip.netaxis.be"
    "/instance_statistics_reporting/"
)


def test_serve_answers_on_the_default_scenario_with_authentication_on():
    process, url = start()
    try:
        assert url.startswith("http://127.0.0.1:")
        status, body = get(url + BASIC_REPORTING)
        assert (status, body) == (401, {"details": "Authentication credentials were not provided."})
        login = urllib.request.Request(
            url + "/api/v1/login/",
            data=json.dumps({"username": "apio-admin", "password": "apio-admin"}).encode(),
            method="POST",
        )
        with urllib.request.urlopen(login, timeout=10) as response:
            cookie = response.headers["Set-Cookie"].split(";")[0]
        request = urllib.request.Request(url + BASIC_REPORTING, headers={"Cookie": cookie})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert json.load(response) == {"generateDailyReport": False, "collectionPeriodMinutes": 30}
        status, body = get(url + "/nowhere")
        assert (status, body) == (404, {"details": "No such endpoint: /nowhere"})
    finally:
        stop(process)


def test_serve_without_authentication():
    process, url = start("--no-auth")
    try:
        status, body = get(url + BASIC_REPORTING)
        assert (status, body) == (200, {"generateDailyReport": False, "collectionPeriodMinutes": 30})
    finally:
        stop(process)


def test_serve_uses_the_given_scenario_and_its_clock():
    process, url = start("--scenario", str(WORKED_EXAMPLE))
    try:
        status, body = get(
            url + "/api/v1/tenants/example/groups/example-group/services/call_centers/cc1@example.test/statistics/",
            {"statisticsRange": {"start": "2021-02-01T10:00:00Z"}},
        )
        assert status == 200
        assert body["statisticsRange"]["end"] == "2021-02-01T12:00:00Z"
        assert body["queueStatistics"]["callsAnswered"] == 3
    finally:
        stop(process)


def test_serve_refuses_a_bad_scenario(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("tenants: 5\n")
    assert main(["serve", "--scenario", str(bad), "--port", "0"]) == 2
    assert capsys.readouterr().err.splitlines() == [f"{bad}: tenants must be an array."]


def test_serve_says_when_the_port_is_taken():
    process, url = start()
    try:
        port = url.rsplit(":", 1)[1]
        second = subprocess.run(
            [sys.executable, "-m", "simulator", "serve", "--port", port],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=30,
        )
        assert second.returncode == 2
        assert second.stderr.startswith(f"apio-sim: cannot listen on 127.0.0.1:{port}: ")
    finally:
        stop(process)


@pytest.mark.parametrize("argv", [[], ["frobnicate"], ["validate"]])
def test_usage_errors_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 2
    assert "usage: apio-sim" in capsys.readouterr().err
