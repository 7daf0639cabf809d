"""The pytest plugin: `pip install apio-sim` and every test can take the `apio_sim` fixture.

One simulator per test session (per xdist worker), in process, on 127.0.0.1 with port 0: it runs in a
thread with its own event loop, so plain synchronous tests (requests, httpx, urllib) and async tests
(pytest-aiohttp, pytest-asyncio) reach it alike. Each test starts clean: the fixture resets it first, which
costs a fraction of a millisecond, not a server start. With `--apio-sim-url` (or APIO_SIM_URL) the same
fixture drives an external simulator, such as a docker service in CI, and gives each test a namespace of
its own so parallel workers never collide.
"""

import asyncio
import itertools
import json
import os
import threading
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from simulator.client import SimulatorClient

MARKER = "apio_sim_scenario"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("apio-sim")
    group.addoption(
        "--apio-sim-url",
        default=os.environ.get("APIO_SIM_URL"),
        help="drive this running simulator instead of starting one (env APIO_SIM_URL)",
    )
    group.addoption(
        "--apio-sim-admin-token",
        default=os.environ.get("APIO_SIM_ADMIN_TOKEN"),
        help="the external simulator's admin token (env APIO_SIM_ADMIN_TOKEN)",
    )
    parser.addini("apio_sim_scenario", "scenario file of the in-process simulator (default: the shipped default)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{MARKER}(scenario): run on this scenario: a file path, YAML or JSON text, or a dict"
    )


class _InProcessServer:
    """A simulator in a thread of its own, with its own event loop, on a port the system picked."""

    def __init__(self, scenario_path: Path | None) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="apio-sim", daemon=True)
        self._thread.start()
        self.url = asyncio.run_coroutine_threadsafe(self._start(scenario_path), self._loop).result(timeout=60)

    async def _start(self, scenario_path: Path | None) -> str:
        from aiohttp import web

        from simulator.app import create_app
        from simulator.resources import default_scenario
        from simulator.scenario import load_scenario
        from simulator.server import AppRunner

        self._runner = AppRunner(create_app(load_scenario(scenario_path or default_scenario())), access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        host, port = self._runner.addresses[0][:2]  # the bound port, read back: no free-port race
        return f"http://{host}:{port}"

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(timeout=30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=30)
        self._loop.close()


class ApioSimServer:
    """The session's simulator: where it is, and which scenario it holds."""

    def __init__(self, url: str, admin_token: str | None, external: bool) -> None:
        self.url = url
        self.admin_token = admin_token
        self.external = external
        self.control = SimulatorClient(url, admin_token=admin_token)
        self.base_hash = self.control.health()["scenario"]["hash"]
        self.base_scenario: dict[str, Any] | None = None  # kept when a marker first replaces it
        self.loaded_hash = self.base_hash
        self._numbers = itertools.count(1)
        self._session = uuid.uuid4().hex[:8]

    def new_namespace(self) -> str:
        return f"pytest-{self._session}-{next(self._numbers)}"


class ApioSim:
    """What a test gets: the simulator's URL, its control client, and helpers for the usual steps."""

    def __init__(self, server: ApioSimServer, namespace: str | None) -> None:
        self.server = server
        self.url = server.url
        self.namespace = namespace
        self.client = SimulatorClient(server.url, namespace, server.admin_token)

    @property
    def headers(self) -> dict[str, str]:
        """Headers that keep a request to the emulated API in this test's namespace (empty in process)."""
        return self.client.headers

    def call_center_url(self, tenant: str, group: str, call_center: str, endpoint: str = "statistics") -> str:
        """The URL of a call center endpoint: statistics or instance_statistics_reporting."""
        return f"{self.url}/api/v1/tenants/{tenant}/groups/{group}/services/call_centers/{call_center}/{endpoint}/"

    def reset(self) -> None:
        self.client.reset()

    def load_scenario(self, scenario: str | Path | dict[str, Any]) -> dict[str, Any]:
        """Load a scenario (a file path, YAML or JSON text, or a dict) in place of the current one."""
        if isinstance(scenario, Path) or (
            isinstance(scenario, str) and "\n" not in scenario and Path(scenario).is_file()
        ):
            scenario = Path(scenario).read_text(encoding="utf-8")
        loaded = self.client.load_scenario(scenario)
        self.server.loaded_hash = loaded["hash"]
        return loaded

    def fault(
        self,
        action: str,
        *,
        times: int | None = None,
        after: int | None = None,
        probability: float | None = None,
        seed: int | None = None,
        **match: str,
    ) -> dict[str, Any]:
        """Inject a fault: `apio_sim.fault("http-503", times=1, endpoint="statistics")`.

        Match on endpoint, method, path, tenant, group or call_center.
        """
        rule: dict[str, Any] = {"action": action}
        if match:
            rule["match"] = {("callCenter" if key == "call_center" else key): value for key, value in match.items()}
        dose = {"times": times, "after": after, "probability": probability, "seed": seed}
        rule.update({key: value for key, value in dose.items() if value is not None})
        return self.client.add_fault(rule)

    def requests(self, **filters: Any) -> list[dict[str, Any]]:
        """The journal's entries that match: endpoint, method, status, tenant, group, call_center, since, until."""
        return self.client.requests(**filters)["requests"]

    def freeze(self, instant: str) -> dict[str, Any]:
        return self.client.freeze(instant)

    def advance(self, duration: float | str) -> dict[str, Any]:
        return self.client.advance(duration)

    def login(self, username: str, password: str | None = None, style: str = "gateway") -> dict[str, str]:
        """Log in as a scenario user; answers ready-to-use headers (the namespace's included).

        `style="gateway"` gives the sessionid cookie as a Cookie header (for /api/v1/...); `style="core"` an
        `Authorization: Bearer` access token (for /api/v01/p1/...).
        """
        body = json.dumps({"username": username, "password": password if password is not None else username})
        path = "/api/v1/login/" if style == "gateway" else "/api/v01/auth/login"
        request = urllib.request.Request(self.url + path, data=body.encode(), method="POST", headers=self.headers)
        with urllib.request.urlopen(request, timeout=10) as response:
            if style == "gateway":
                cookie = response.headers["Set-Cookie"].split(";", 1)[0]
                return {**self.headers, "Cookie": cookie}
            return {**self.headers, "Authorization": f"Bearer {json.load(response)['access_token']}"}


@pytest.fixture(scope="session")
def apio_sim_server(request: pytest.FixtureRequest) -> Iterator[ApioSimServer]:
    """The session's simulator: started in process, or the external one of --apio-sim-url."""
    config = request.config
    url = config.getoption("--apio-sim-url")
    token = config.getoption("--apio-sim-admin-token")
    if url:
        yield ApioSimServer(url.rstrip("/"), token, external=True)
        return
    ini = config.getini("apio_sim_scenario")
    scenario_path = Path(config.rootpath, ini) if ini else None
    server = _InProcessServer(scenario_path)
    try:
        yield ApioSimServer(server.url, None, external=False)
    finally:
        server.close()


@pytest.fixture
def apio_sim(apio_sim_server: ApioSimServer, request: pytest.FixtureRequest) -> Iterator[ApioSim]:
    """A clean simulator for this test: reset (or a fresh namespace), on the scenario its marker names."""
    external = apio_sim_server.external
    sim = ApioSim(apio_sim_server, apio_sim_server.new_namespace() if external else None)
    marker = request.node.get_closest_marker(MARKER)
    if marker is not None:
        if apio_sim_server.base_scenario is None and not external:
            apio_sim_server.base_scenario = sim.client.export_scenario()
        sim.load_scenario(marker.args[0])
    elif apio_sim_server.loaded_hash != apio_sim_server.base_hash and apio_sim_server.base_scenario is not None:
        sim.load_scenario(apio_sim_server.base_scenario)  # an earlier test's marker must not leak into this one
    sim.reset()
    yield sim
    if external:
        sim.client.delete_namespace(sim.namespace)
