"""SimulatorServer: the one way the CLI, the pytest plugin, the tests and the benchmarks start a simulator."""

import json
import socket
import urllib.error
import urllib.request

import pytest

from simulator.resources import ScenarioNotFound, scenario_file, scenarios_dir
from simulator.scenario import load_scenario
from simulator.server import SimulatorServer
from tests.conftest import WORKED_EXAMPLE


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.load(error)


def test_a_server_in_a_thread_starts_answers_and_stops():
    server = SimulatorServer("worked-example")
    with pytest.raises(RuntimeError, match="The server is not started"):
        _ = server.url
    with server:
        assert server.url.startswith("http://127.0.0.1:")
        status, health = get(server.url + "/__sim/health")
        assert (status, health["scenario"]["name"]) == (200, "worked-example")
        url = server.url
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(url + "/__sim/health", timeout=5)


def test_reset_drops_every_namespace_and_starts_the_default_one_again():
    busy = load_scenario(scenarios_dir() / "busy-call-center.yaml")
    with SimulatorServer(WORKED_EXAMPLE) as server:
        get(server.url + "/__sim/clock", {"X-Apio-Sim-Namespace": "a"})
        assert len(server.simulator.namespaces()) == 2
        server.reset(busy)
        assert [namespace.name for namespace in server.simulator.namespaces()] == ["default"]
        assert get(server.url + "/__sim/health")[1]["scenario"]["name"] == "busy-call-center"
        server.reset()
        assert get(server.url + "/__sim/health")[1]["scenario"]["name"] == "worked-example"


async def test_a_server_in_the_callers_loop():
    async with SimulatorServer(load_scenario(WORKED_EXAMPLE), auth=False) as server:
        assert server.call(lambda simulator: simulator.base.name) == "worked-example"
        assert len(server.addresses) == 1


def test_a_port_in_use_is_an_os_error_and_nothing_is_left_running():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        server = SimulatorServer(port=taken.getsockname()[1])
        with pytest.raises(OSError):
            server.start()
    assert server.addresses == []


def test_shipped_scenarios_can_be_named_and_paths_are_checked(tmp_path):
    assert scenario_file("busy-call-center") == scenarios_dir() / "busy-call-center.yaml"
    assert scenario_file("default") == scenarios_dir() / "default.yaml"
    (tmp_path / "mine.yaml").write_text("tenants: []\n")
    assert scenario_file("mine.yaml", tmp_path) == tmp_path / "mine.yaml"
    with pytest.raises(ScenarioNotFound, match=f"^file not found: {tmp_path / 'worked-example.yml'}$"):
        scenario_file("worked-example.yml", tmp_path)
    with pytest.raises(ScenarioNotFound):
        SimulatorServer("no-such-scenario")
