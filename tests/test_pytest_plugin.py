"""The pytest plugin as consumers use it: their own test files, run by pytest with the plugin installed."""

import json
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from simulator.client import SimulatorClient, SimulatorError, opener_for
from simulator.pytest_plugin import ApioSim, ApioSimServer, ScenarioProblem, check_external, scenario_text
from simulator.server import SimulatorServer
from tests.conftest import WORKED_EXAMPLE

# The imports and the call() helper that the generated test modules share.
CALL_HELPERS = """
import json
import urllib.error
import urllib.request

import pytest

CC = ("footenant", "foogroup", "APIOTestCallCenterP@sip.netaxis.be")
RANGE = {"statisticsRange": {"start": "2021-03-01T00:00:00+01:00", "end": "2021-03-06T00:00:00+01:00"}}


def call(url, headers, body=None, method="GET"):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.load(error)


"""

SYNC_TESTS = (
    CALL_HELPERS
    + """def test_login_statistics_faults_and_journal(apio_sim):
    url = apio_sim.call_center_url(*CC)
    assert call(url, apio_sim.headers, RANGE)[0] == 401
    headers = apio_sim.login("footenant-admin")
    status, body = call(url, headers, RANGE)
    assert status == 200 and body["queueStatistics"]["callsAnswered"] > 0
    apio_sim.fault("http-503", times=1, endpoint="statistics")
    assert call(url, headers, RANGE)[0] == 503
    assert call(url, headers, RANGE)[0] == 200
    assert [e["status"] for e in apio_sim.requests(endpoint="statistics")] == [401, 200, 503, 200]


def test_core_login_gives_bearer_headers(apio_sim):
    headers = apio_sim.login("apio-admin", style="core")
    url = apio_sim.call_center_url("foo", "foogroup", "APIOTestCCBasic@sip.netaxis.be", "instance_statistics_reporting")
    url = url.replace("/api/v1/", "/api/v01/p1/")
    assert call(url, headers) == (200, {"generateDailyReport": False, "collectionPeriodMinutes": 30})


def test_a_change_in_one_test_is_gone_in_the_next_part_one(apio_sim):
    url = apio_sim.call_center_url(*CC, endpoint="instance_statistics_reporting")
    headers = apio_sim.login("apio-admin")
    assert call(url, headers, {"collectionPeriodMinutes": 60}, method="PUT")[0] == 200
    apio_sim.freeze("2030-01-01T00:00:00Z")


def test_a_change_in_one_test_is_gone_in_the_next_part_two(apio_sim):
    url = apio_sim.call_center_url(*CC, endpoint="instance_statistics_reporting")
    assert call(url, apio_sim.login("apio-admin"))[1]["collectionPeriodMinutes"] == 30
    assert apio_sim.client.clock()["now"] != "2030-01-01T00:00:00Z"
    assert apio_sim.requests() [0]["endpoint"] == "login"


@pytest.mark.apio_sim_scenario(WORKED)
def test_a_marker_names_the_scenario(apio_sim):
    url = apio_sim.call_center_url("example", "example-group", "cc1@example.test")
    body = {"statisticsRange": {"start": "2021-02-01T10:00:00Z"}}
    assert call(url, apio_sim.headers, body)[1]["queueStatistics"]["callsAnswered"] == 3
    apio_sim.advance("PT1H")
    assert call(url, apio_sim.headers, body)[1]["statisticsRange"]["end"] == "2021-02-01T13:00:00Z"


@pytest.mark.apio_sim_scenario({"auth": False, "tenants": [{"id": "inline"}]})
def test_a_marker_takes_an_inline_scenario(apio_sim):
    assert apio_sim.client.health()["scenario"]["callCenters"] == 0


def test_without_a_marker_the_default_scenario_is_back(apio_sim):
    assert apio_sim.client.health()["scenario"]["name"] == "default"
"""
)

ASYNC_TESTS = """
import aiohttp


async def test_async_tests_reach_it_too(apio_sim):
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar) as session:
        login = {"username": "foo-admin", "password": "foo-admin"}
        async with session.post(apio_sim.url + "/api/v1/login/", json=login, headers=apio_sim.headers) as response:
            assert response.status == 200
        cc = ("foo", "foogroup", "APIOTestCCBasic@sip.netaxis.be")
        url = apio_sim.call_center_url(*cc, "instance_statistics_reporting")
        async with session.get(url, headers=apio_sim.headers) as response:
            assert (await response.json())["collectionPeriodMinutes"] == 30
"""

MODULE_MARKER = """
import pytest

pytestmark = pytest.mark.apio_sim_scenario(WORKED)


def test_every_test_of_the_module_gets_it(apio_sim):
    assert apio_sim.client.health()["scenario"]["name"] == "worked-example"


def test_and_this_one_too(apio_sim):
    assert apio_sim.client.export_scenario()["name"] == "worked-example"
"""

LEAK_TESTS = (
    CALL_HELPERS
    + """def test_1_a_test_loads_a_scenario(apio_sim):
    assert apio_sim.load_scenario(WORKED)["name"] == "worked-example"


def test_2_the_next_test_logs_in(apio_sim):
    assert apio_sim.client.health()["scenario"]["name"] == "default"
    assert "Cookie" in apio_sim.login("apio-admin")


def test_3_a_test_changes_everything(apio_sim):
    headers = apio_sim.login("apio-admin")
    url = apio_sim.call_center_url(*CC, endpoint="instance_statistics_reporting")
    assert call(url, headers, {"collectionPeriodMinutes": 15}, "PUT")[0] == 200
    apio_sim.freeze("2030-01-01T00:00:00Z")
    apio_sim.fault("http-500", times=1, endpoint="statistics")
    assert call(apio_sim.call_center_url(*CC), headers, RANGE)[0] == 500  # injected: not a simulator bug
    apio_sim.fault("http-503", endpoint="statistics")
    apio_sim.client.namespace("other").add_fault({"action": "http-500"})


@pytest.mark.apio_sim_scenario("busy-call-center")
def test_4_a_marker_names_a_shipped_scenario(apio_sim):
    assert apio_sim.client.health()["scenario"]["name"] == "busy-call-center"
    assert apio_sim.client.faults() == []


def test_5_the_next_test_starts_clean(apio_sim):
    assert apio_sim.client.health()["scenario"]["name"] == "default"
    assert apio_sim.client.faults() == []
    assert apio_sim.client.namespace("other").faults() == []
    assert apio_sim.requests() == []
    assert not apio_sim.client.clock()["now"].startswith("2030")
    url = apio_sim.call_center_url(*CC, endpoint="instance_statistics_reporting")
    assert call(url, apio_sim.login("apio-admin"))[1]["collectionPeriodMinutes"] == 30
    apio_sim.assert_requested(endpoint="reporting.get", status=200, count=1)


def test_6_a_simulator_bug_fails_the_test_at_teardown(apio_sim, monkeypatch):
    def broken(settings):
        raise ZeroDivisionError("deliberately broken")

    monkeypatch.setattr("simulator.api.reporting.render_reporting", broken)
    url = apio_sim.call_center_url(*CC, endpoint="instance_statistics_reporting")
    assert call(url, apio_sim.login("apio-admin"))[0] == 500
"""
)

RELATIVE_TESTS = """
import pytest


@pytest.mark.apio_sim_scenario("tiny.yaml")
def test_a_marker_path_is_relative_to_the_test_file(apio_sim):
    assert apio_sim.client.health()["scenario"]["name"] == "tiny"


@pytest.mark.apio_sim_scenario("missing.yaml")
def test_a_missing_file_is_named(apio_sim):
    pass
"""


def write_tests(pytester: pytest.Pytester) -> None:
    worked = repr(str(WORKED_EXAMPLE))
    pytester.makepyfile(
        test_sync=SYNC_TESTS.replace("WORKED", worked),
        test_async=ASYNC_TESTS,
        test_module_marker=MODULE_MARKER.replace("WORKED", worked),
        test_a_leaks=LEAK_TESTS.replace("WORKED", worked),
    )
    sub = pytester.mkdir("sub")
    (sub / "test_relative.py").write_text(RELATIVE_TESTS)
    (sub / "tiny.yaml").write_text("name: tiny\nauth: false\ntenants: []\n")
    pytester.makeini("[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n")


def check_outcomes(result: pytest.RunResult, root) -> None:
    """Every test passes but two, which error: a missing marker file, and a simulator bug at teardown."""
    result.assert_outcomes(passed=17, errors=2)
    output = result.stdout.str()
    assert f"apio-sim: @pytest.mark.apio_sim_scenario: file not found: {root / 'sub' / 'missing.yaml'}" in output
    assert "GET /api/v1/tenants/footenant/groups/foogroup/services/call_centers/" in output
    assert "ZeroDivisionError: deliberately broken" in output
    report = output.split("short test summary info")[0]  # the summary repeats messages as wide as the terminal
    assert report.count("the simulator failed on requests of this test") == 1  # one report, at teardown


def test_the_fixture_serves_sync_and_async_tests_in_process(pytester):
    write_tests(pytester)
    check_outcomes(pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q", "-p", "no:randomly"), pytester.path)


def test_the_fixture_works_under_xdist(pytester):
    write_tests(pytester)
    # loadfile keeps each file's tests in order on one worker: what the leak tests need to mean anything
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-q", "-p", "no:randomly", "-n", "2", "--dist", "loadfile"
    )
    check_outcomes(result, pytester.path)


EXTERNAL_TESTS = """
import json
import urllib.request

import pytest

CC = "foo", "foogroup", "APIOTestCCBasic@sip.netaxis.be"


def put_and_read(apio_sim, minutes):
    url = apio_sim.call_center_url(*CC, endpoint="instance_statistics_reporting")
    headers = {**apio_sim.login("foo-admin"), "Content-Type": "application/json"}
    body = json.dumps({"collectionPeriodMinutes": minutes}).encode()
    urllib.request.urlopen(urllib.request.Request(url, data=body, method="PUT", headers=headers)).close()
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as response:
        return json.load(response)["collectionPeriodMinutes"]


def test_one(apio_sim):
    assert apio_sim.namespace.startswith("pytest-")
    assert put_and_read(apio_sim, 15) == 15
    apio_sim.client.namespace(apio_sim.namespace + "-other").add_fault({"action": "http-500"})


@pytest.mark.apio_sim_scenario("worked-example")
def test_two_on_a_marker(apio_sim):
    assert apio_sim.client.health()["scenario"]["name"] == "worked-example"


def test_three_loads_a_scenario(apio_sim):
    assert apio_sim.load_scenario("worked-example")["name"] == "worked-example"


def test_four_sees_none_of_it(apio_sim):
    assert apio_sim.client.health()["scenario"]["name"] == "default"
    url = apio_sim.call_center_url(*CC, endpoint="instance_statistics_reporting")
    with urllib.request.urlopen(urllib.request.Request(url, headers=apio_sim.login("foo-admin"))) as response:
        assert json.load(response)["collectionPeriodMinutes"] == 30
"""


@pytest.fixture(scope="module")
def external_server():
    process = subprocess.Popen(
        [sys.executable, "-m", "simulator", "serve", "--port", "0", "--admin-token", "t0ken"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    url = process.stdout.readline().rsplit(" on ", 1)[1].strip()
    yield url
    process.terminate()
    process.communicate(timeout=10)


def test_an_external_simulator_gives_each_test_a_namespace(pytester, external_server):
    pytester.makepyfile(test_external=EXTERNAL_TESTS)
    for dist in ("loadfile", "load"):  # in order on one worker, then spread over both
        result = pytester.runpytest_subprocess(
            "-p", "no:cacheprovider", "-p", "no:randomly", "-q", "-n", "2", "--dist", dist,
            "--apio-sim-url", external_server, "--apio-sim-admin-token", "t0ken",
        )  # fmt: skip
        result.assert_outcomes(passed=4)
    control = SimulatorClient(external_server, admin_token="t0ken")
    assert [n["name"] for n in control.namespaces()] == ["default"]  # every namespace a test touched is gone
    assert control.health()["scenario"]["name"] == "default"  # no marker or load reached the shared server
    request = urllib.request.Request(
        external_server + "/api/v1/login/",
        data=json.dumps({"username": "foo-admin", "password": "foo-admin"}).encode(),
        method="POST",
    )
    with urllib.request.urlopen(request) as response:
        assert response.status == 200  # the default namespace was never touched


def test_the_url_can_come_from_the_environment(pytester, external_server, monkeypatch):
    monkeypatch.setenv("APIO_SIM_URL", external_server)
    monkeypatch.setenv("APIO_SIM_ADMIN_TOKEN", "t0ken")
    pytester.makepyfile(test_env="def test_it(apio_sim):\n    assert apio_sim.namespace is not None\n")
    pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q").assert_outcomes(passed=1)


def test_a_wrong_admin_token_is_one_clear_error(pytester, external_server):
    pytester.makepyfile(test_token="def test_a(apio_sim):\n    pass\n\n\ndef test_b(apio_sim):\n    pass\n")
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-q", "--apio-sim-url", external_server, "--apio-sim-admin-token", "wrong"
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = result.stderr.str()
    assert errors.count("ERROR: apio-sim:") == 1
    assert f"the simulator at {external_server} refused a wrong admin token (401)" in errors
    assert "--apio-sim-admin-token / APIO_SIM_ADMIN_TOKEN" in errors
    assert "Traceback" not in errors + result.stdout.str()


# The fixture's parts, in this process: no pytest run of their own.


@pytest.fixture(scope="module")
def server():
    with SimulatorServer() as running:
        yield running


@pytest.fixture
def session(server):
    server.reset()
    return ApioSimServer(server.url, None, external=False, server=server)


def test_loopback_is_never_proxied(session, monkeypatch):
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    sim = ApioSim(session, None)
    assert sim.client.health()["status"] == "ready"
    assert "Cookie" in sim.login("apio-admin")
    localhost = ApioSim(ApioSimServer(session.url.replace("127.0.0.1", "localhost"), None, False), None)
    assert localhost.client.health()["status"] == "ready"


def test_other_hosts_still_honour_the_proxy_variables(monkeypatch):
    monkeypatch.setenv("http_proxy", "http://proxy.example.test:3128")
    handlers = opener_for("http://sim.example.test:8080").handlers
    [proxy] = [handler for handler in handlers if isinstance(handler, urllib.request.ProxyHandler)]
    assert proxy.proxies["http"] == "http://proxy.example.test:3128"
    for loopback in ("http://[::1]:8080", "http://127.0.0.2:1", "http://localhost:8080"):
        assert not any(isinstance(h, urllib.request.ProxyHandler) for h in opener_for(loopback).handlers)


def test_a_refused_login_carries_the_status_and_the_body(session):
    with pytest.raises(SimulatorError) as refused:
        ApioSim(session, None).login("apio-admin", "wrong")
    assert refused.value.status == 401
    assert refused.value.body == {"details": "Invalid username or password."}
    assert str(refused.value) == 'login as \'apio-admin\' refused: 401: {"details": "Invalid username or password."}'


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("localhost:8080", "apio-sim: --apio-sim-url / APIO_SIM_URL must be a URL such as http://127.0.0.1:8080, "
         "not 'localhost:8080'."),
        ("ftp://sim:21", "apio-sim: --apio-sim-url / APIO_SIM_URL must be a URL such as http://127.0.0.1:8080, "
         "not 'ftp://sim:21'."),
    ],
)  # fmt: skip
def test_a_url_that_is_not_one_is_named(url, message):
    assert check_external(url, None) == message


def test_an_unreachable_simulator_is_named():
    with socket.socket() as sock:  # a port nothing listens on: bound, never listened
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        message = check_external(url, None)
    assert message is not None
    assert message.startswith(f"apio-sim: cannot reach the simulator at {url} (--apio-sim-url / APIO_SIM_URL): ")
    assert "refused" in message.lower()


def test_a_missing_admin_token_names_the_option():
    with SimulatorServer(admin_token="s3cret") as guarded:
        assert check_external(guarded.url, "s3cret") is None
        assert check_external(guarded.url, None) == (
            f"apio-sim: the simulator at {guarded.url} refused no admin token (401): give the one it was started "
            "with (serve --admin-token / APIO_SIM_ADMIN_TOKEN) as --apio-sim-admin-token / APIO_SIM_ADMIN_TOKEN."
        )


def test_assert_requested_answers_the_matches_or_lists_the_journal(session):
    sim = ApioSim(session, None)
    sim.login("apio-admin")
    with pytest.raises(SimulatorError):
        sim.login("apio-admin", "wrong")
    assert [entry["status"] for entry in sim.assert_requested(endpoint="login")] == [200, 401]
    assert len(sim.assert_requested(endpoint="login", status=401, count=1)) == 1
    sim.assert_requested(endpoint="statistics", count=0)
    with pytest.raises(AssertionError) as failed:
        sim.assert_requested(endpoint="statistics", status=200)
    assert str(failed.value) == (
        "expected at least one request(s) with endpoint='statistics', status=200, found 0; the journal holds:\n"
        "  #1 POST /api/v1/login/ [login] -> 200\n"
        "  #2 POST /api/v1/login/ [login] -> 401"
    )
    with pytest.raises(AssertionError, match=r"^expected 3 request\(s\) with endpoint='login', found 2;"):
        sim.assert_requested(endpoint="login", count=3)


def test_internal_errors_are_found_in_both_modes(session, monkeypatch):
    def broken(settings):
        raise ZeroDivisionError("deliberately broken")

    monkeypatch.setattr("simulator.api.reporting.render_reporting", broken)
    path = "/api/v1/tenants/foo/groups/foogroup/services/call_centers/APIOTestCCBasic@sip.netaxis.be/"
    request = urllib.request.Request(session.url + path + "instance_statistics_reporting/")
    request.add_header("X-Apio-Sim-Namespace", "n1")
    request.add_header("Cookie", ApioSim(session, "n1").login("apio-admin")["Cookie"])
    with pytest.raises(urllib.error.HTTPError) as answer:
        urllib.request.urlopen(request)
    answer.value.close()
    assert answer.value.code == 500
    [in_process] = session.internal_errors(set())
    assert in_process.startswith(f"GET {path}instance_statistics_reporting/: ZeroDivisionError: deliberately broken\n")
    assert "Traceback (most recent call last):" in in_process
    external = ApioSimServer(session.url, None, external=True)
    assert external.internal_errors({"n1"}) == [
        f"GET {path}instance_statistics_reporting/: "
        '{"details": "Internal simulator error; the server log has the details."}'
    ]
    ApioSim(session, "n1").fault("http-500")  # an injected 500 is not a bug
    assert external.internal_errors({"default"}) == []


def test_a_scenario_is_a_name_a_path_text_or_a_dict(tmp_path):
    (tmp_path / "s.yaml").write_text("tenants: []\n")
    assert scenario_text("s.yaml", tmp_path) == "tenants: []\n"
    assert scenario_text(tmp_path / "s.yaml", Path("/elsewhere")) == "tenants: []\n"
    assert scenario_text("worked-example", tmp_path) == WORKED_EXAMPLE.read_text()
    assert scenario_text({"tenants": []}, tmp_path) == '{"tenants": []}'
    assert scenario_text('{"tenants": []}', tmp_path) == '{"tenants": []}'
    assert scenario_text("tenants: []\nauth: false\n", tmp_path) == "tenants: []\nauth: false\n"
    with pytest.raises(ScenarioProblem, match=f"^file not found: {tmp_path / 'nope.yaml'}$"):
        scenario_text("nope.yaml", tmp_path)
    with pytest.raises(ScenarioProblem, match=r"^a scenario is a name, a path, YAML or JSON text, or a dict; not 5$"):
        scenario_text(5, tmp_path)
