"""`apio-sim serve` as a real process, the way a developer starts it."""

import json
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from simulator import __version__
from simulator.cli import ENVIRONMENT, build_parser, main
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


SHIPPED = "busy-call-center, default, worked-example"


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        ([], "apio-sim: the following arguments are required: command (see apio-sim --help)"),
        (
            ["frobnicate"],
            "apio-sim: argument command: invalid choice: 'frobnicate' (choose from 'serve', 'health', 'openapi',"
            " 'generate', 'validate') (see apio-sim --help)",
        ),
        (["validate"], "apio-sim validate: the following arguments are required: FILE (see apio-sim validate --help)"),
        (
            ["validate", "nosuch.yaml"],
            f"apio-sim validate: argument FILE: file not found: nosuch.yaml (nor a shipped scenario: {SHIPPED})"
            " (see apio-sim validate --help)",
        ),
        (
            ["validate", "scenarios"],
            "apio-sim validate: argument FILE: not a file: scenarios (see apio-sim validate --help)",
        ),
        (
            ["serve", "--port", "99999"],
            "apio-sim serve: argument --port: must be from 0 to 65535, not 99999 (see apio-sim serve --help)",
        ),
        (
            ["serve", "--port", "-1"],
            "apio-sim serve: argument --port: must be from 0 to 65535, not -1 (see apio-sim serve --help)",
        ),
        (
            ["serve", "--port", "http"],
            "apio-sim serve: argument --port: must be a whole number, not 'http' (see apio-sim serve --help)",
        ),
        (
            ["serve", "--journal-size", "-5"],
            "apio-sim serve: argument --journal-size: must be 0 or more, not -5 (see apio-sim serve --help)",
        ),
        (
            ["serve", "--seed", "-1"],
            "apio-sim serve: argument --seed: must be from 0 to 18446744073709551615, not -1"
            " (see apio-sim serve --help)",
        ),
        (
            ["serve", "--scenario", "nosuch.yaml"],
            f"apio-sim serve: argument --scenario: file not found: nosuch.yaml (nor a shipped scenario: {SHIPPED})"
            " (see apio-sim serve --help)",
        ),
        (
            ["serve", "--log-level", "loud"],
            "apio-sim serve: argument --log-level: invalid choice: 'loud' (choose from 'debug', 'info', 'warning',"
            " 'error') (see apio-sim serve --help)",
        ),
        (
            ["generate", "--time-zone", "Mars/Base"],
            "apio-sim generate: argument --time-zone: unknown IANA time zone 'Mars/Base'; try Europe/Brussels or UTC"
            " (see apio-sim generate --help)",
        ),
        (
            ["generate", "--calls-per-hour", "nan"],
            "apio-sim generate: argument --calls-per-hour: must be from 0 to 100000, not 'nan'"
            " (see apio-sim generate --help)",
        ),
        (
            ["generate", "--calls-per-hour", "-3"],
            "apio-sim generate: argument --calls-per-hour: must be from 0 to 100000, not '-3'"
            " (see apio-sim generate --help)",
        ),
        (
            ["generate", "--calls-per-hour", "many"],
            "apio-sim generate: argument --calls-per-hour: must be a number, not 'many' (see apio-sim generate --help)",
        ),
        (
            ["generate", "--days", "0"],
            "apio-sim generate: argument --days: must be 1 or more, not 0 (see apio-sim generate --help)",
        ),
        (
            ["generate", "--start", "2021-13-01"],
            "apio-sim generate: argument --start: must be a date written YYYY-MM-DD, such as 2021-03-01,"
            " not '2021-13-01' (see apio-sim generate --help)",
        ),
        (
            ["generate", "--seed", "-1"],
            "apio-sim generate: argument --seed: must be from 0 to 18446744073709551615, not -1"
            " (see apio-sim generate --help)",
        ),
    ],
)
def test_command_line_mistakes_get_one_line_and_exit_2(argv, line, capsys):
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 2
    assert capsys.readouterr().err.splitlines() == [line]


def test_generate_says_when_it_cannot_write(tmp_path, capsys):
    target = tmp_path / "missing" / "x.yaml"
    assert main(["generate", "--days", "1", "-o", str(target)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"apio-sim generate: cannot write {target}: No such file or directory"
    ]


@pytest.mark.parametrize(
    ("variable", "value", "line"),
    [
        (
            "APIO_SIM_NO_AUTH",
            "maybe",
            "apio-sim serve: APIO_SIM_NO_AUTH must be one of 1, true, yes, on, 0, false, no, off, not 'maybe'"
            " (see apio-sim serve --help)",
        ),
        (
            "APIO_SIM_PORT",
            "99999",
            "apio-sim serve: APIO_SIM_PORT must be from 0 to 65535, not 99999 (see apio-sim serve --help)",
        ),
        (
            "APIO_SIM_LOG_LEVEL",
            "loud",
            "apio-sim serve: APIO_SIM_LOG_LEVEL must be one of debug, info, warning, error, not 'loud'"
            " (see apio-sim serve --help)",
        ),
        (
            "APIO_SIM_SCENARIO",
            "nosuch",
            f"apio-sim serve: APIO_SIM_SCENARIO: file not found: nosuch (nor a shipped scenario: {SHIPPED})"
            " (see apio-sim serve --help)",
        ),
    ],
)
def test_bad_environment_variables_are_refused_by_serve(monkeypatch, capsys, variable, value, line):
    monkeypatch.setenv(variable, value)
    assert main(["serve", "--port", "0"]) == 2
    assert capsys.readouterr().err.splitlines() == [line]
    # Other commands do not read serve's variables: a container's health check still runs.
    assert main(["validate", str(WORKED_EXAMPLE)]) == 0


@pytest.mark.parametrize(("value", "expected"), [("off", None), ("No", None), ("1", False), ("TRUE", False)])
def test_boolean_variables_take_the_usual_words(monkeypatch, value, expected):
    monkeypatch.setenv("APIO_SIM_NO_AUTH", value)
    args = build_parser().parse_args(["serve"])
    assert (None if not args.no_auth else False) == expected


def test_serve_help_lists_the_environment_variables(capsys):
    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    out = capsys.readouterr().out
    for variable in ENVIRONMENT.values():
        assert f"  {variable} " in out


def test_validate_help_explains_the_command(capsys):
    with pytest.raises(SystemExit):
        main(["validate", "--help"])
    out = capsys.readouterr().out
    assert "FILE: ok" in out and "scenario files (YAML or JSON)" in out


def test_a_shipped_scenario_can_be_named(capsys):
    assert main(["validate", "worked-example"]) == 0
    assert capsys.readouterr().out.startswith(f"{WORKED_EXAMPLE}: ok (")


def start_line(*args: str) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "simulator", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    return process, process.stdout.readline().strip()


@pytest.mark.parametrize(
    ("args", "modes"),
    [
        ((), "scenario 'default' (authentication on, admin token off)"),
        (
            ("--no-auth", "--admin-token", "t"),
            "scenario 'default' (authentication off, admin token required on /__sim/)",
        ),
        (("--scenario", "worked-example"), "scenario 'worked-example' (authentication off, admin token off)"),
    ],
)
def test_the_start_up_line_says_what_is_served_and_how(args, modes):
    process, line = start_line(*args)
    try:
        assert line.startswith(f"apio-sim {__version__}: {modes} on http://127.0.0.1:")
    finally:
        stop(process)


def test_serve_logs_each_request_with_the_access_log_switch():
    process, line = start_line("--access-log")
    try:
        assert get(line.rsplit(" on ", 1)[1] + "/nowhere")[0] == 404
        assert '"GET /nowhere HTTP/1.1" 404' in process.stderr.readline()
    finally:
        stop(process)


def test_the_access_log_can_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("APIO_SIM_ACCESS_LOG", "yes")
    process, line = start_line()
    try:
        assert get(line.rsplit(" on ", 1)[1] + "/nowhere")[0] == 404
        assert '"GET /nowhere HTTP/1.1" 404' in process.stderr.readline()
    finally:
        stop(process)


@pytest.mark.parametrize(
    "args",
    [(), ("--quiet", "--access-log"), ("--log-level", "warning", "--access-log"), ("--log-level", "error")],
)
def test_quiet_serve_logs_no_requests(args):
    process, line = start_line(*args)
    try:
        assert get(line.rsplit(" on ", 1)[1] + "/nowhere")[0] == 404
    finally:
        process.terminate()
        _, errors = process.communicate(timeout=10)
    assert "/nowhere" not in errors
    assert errors == "" or args == ()  # at level info, the default, the shutdown has its line
