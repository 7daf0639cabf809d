"""The Python client against a real `apio-sim serve` process."""

import json
import urllib.request

import pytest

from simulator.client import SimulatorClient, SimulatorError
from simulator.control.handlers import HIDDEN_PASSWORD
from tests.conftest import DEFAULT_SCENARIO, WORKED_EXAMPLE
from tests.test_cli import start, stop
from tests.test_control_faults import ACTION_FORMAT

STATISTICS = "/api/v1/tenants/example/groups/example-group/services/call_centers/cc1@example.test/statistics/"
RANGE = {"statisticsRange": {"start": "2021-02-01T10:00:00Z", "end": "2021-02-01T11:00:00Z"}}


@pytest.fixture(scope="module")
def server():
    process, url = start("--scenario", str(WORKED_EXAMPLE), "--admin-token", "s3cret", "--journal-size", "50")
    yield url
    stop(process)


@pytest.fixture
def sim(server):
    client = SimulatorClient(server, admin_token="s3cret")
    client.reset()
    yield client


def get_statistics(url: str, headers: dict | None = None) -> int:
    request = urllib.request.Request(url + STATISTICS, data=json.dumps(RANGE).encode(), method="GET")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        error.close()
        return error.code


def test_health(sim):
    health = sim.health()
    assert (health["status"], health["scenario"]["name"]) == ("ready", "worked-example")


def test_faults_and_the_journal(sim, server):
    rule = sim.add_fault({"match": {"endpoint": "statistics"}, "action": "http-503", "times": 1})
    assert rule["id"] == "f1"
    assert [r["id"] for r in sim.faults()] == ["f1"]
    assert [get_statistics(server), get_statistics(server)] == [503, 200]
    assert sim.faults() == []
    found = sim.requests(endpoint="statistics", status=503)
    assert (found["count"], found["requests"][0]["fault"]) == (1, "http-503")
    assert sim.requests(call_center="cc1@example.test")["count"] == 2
    assert sim.clear_requests() == {"deleted": 2}
    sim.add_fault({"action": "http-500"})
    assert sim.clear_faults() == {"deleted": 1}
    sim.add_fault({"action": "http-500"})
    assert sim.delete_fault("f3") == {"deleted": "f3"}


def test_clock(sim):
    assert sim.clock() == {"now": "2021-02-01T12:00:00Z", "frozen": True}
    assert sim.advance("PT1H")["now"] == "2021-02-01T13:00:00Z"
    assert sim.advance(30)["now"] == "2021-02-01T13:00:30Z"
    assert sim.freeze("2021-02-01T10:00:00+01:00")["now"] == "2021-02-01T09:00:00Z"
    assert sim.real_time()["frozen"] is False


def test_namespaces(sim, server):
    other = sim.namespace("worker-1")
    other.add_fault({"action": "http-502"})
    assert get_statistics(server, other.headers) == 502
    assert get_statistics(server) == 200
    assert {n["name"] for n in sim.namespaces()} >= {"default", "worker-1"}
    assert sim.delete_namespace("worker-1") == {"deleted": "worker-1"}


def test_scenario_export_and_load(sim):
    assert {user["password"] for user in sim.export_scenario().get("apiUsers", [])} <= {HIDDEN_PASSWORD}
    exported = sim.export_scenario(passwords=True)
    assert exported["name"] == "worked-example"
    assert sim.load_scenario(exported)["name"] == "worked-example"
    assert sim.load_scenario(WORKED_EXAMPLE.read_text())["calls"] == 5


def test_errors_carry_status_and_body(sim):
    with pytest.raises(SimulatorError) as caught:
        sim.add_fault({"action": "explode"})
    assert caught.value.status == 400
    assert caught.value.body == {"errors": [{"code": 2, "message": ACTION_FORMAT}]}
    with pytest.raises(SimulatorError) as caught:
        SimulatorClient(sim.url).health()
    assert caught.value.status == 401


def test_loading_another_scenario_through_the_client(sim):
    try:
        assert sim.load_scenario(DEFAULT_SCENARIO.read_text())["name"] == "default"
    finally:
        sim.load_scenario(WORKED_EXAMPLE.read_text())
