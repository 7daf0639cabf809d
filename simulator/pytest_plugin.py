"""The pytest plugin: install apio-sim from its repository and every test can take the `apio_sim` fixture.

One simulator per test session (per xdist worker), in process, on 127.0.0.1 with port 0: a
`SimulatorServer` in a thread with its own event loop, so plain synchronous tests (requests, httpx, urllib)
and async tests (pytest-aiohttp, pytest-asyncio) reach it alike. With `--apio-sim-url` (or APIO_SIM_URL)
the same fixture drives an external simulator, such as a docker service in CI.

Every test starts from exactly the scenario it asked for (its marker's, else the session's) with fresh
settings, faults, journal, clock and logins. In process, the default namespace is started again on that
scenario and every other namespace dropped, directly on the server object (no HTTP). Externally, each
test gets a namespace of its own, loaded with the marker's scenario when there is one; the namespaces it
touched are deleted after it. Scenarios are built once and shared through the simulator's scenario cache.
"""

import contextlib
import itertools
import json
import os
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from simulator.client import SimulatorClient, SimulatorError, opener_for

if TYPE_CHECKING:
    from simulator.server import SimulatorServer
    from simulator.state import Simulator

MARKER = "apio_sim_scenario"
URL_HELP = "--apio-sim-url / APIO_SIM_URL"
TOKEN_HELP = "--apio-sim-admin-token / APIO_SIM_ADMIN_TOKEN"


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
    parser.addini(
        "apio_sim_scenario",
        "scenario of the tests without a marker: a shipped name or a path from the rootdir (default: default)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(scenario): run on this scenario: a shipped name (worked-example), a path from the test "
        "file's directory, YAML or JSON text, or a dict",
    )


def pytest_sessionstart(session: pytest.Session) -> None:
    """An external simulator that cannot be used is one clear error, before any test runs."""
    config = session.config
    url = config.getoption("--apio-sim-url")
    if url and not hasattr(config, "workerinput"):  # xdist workers leave it to the controller
        problem = check_external(url, config.getoption("--apio-sim-admin-token"))
        if problem is not None:
            raise pytest.UsageError(problem)


def check_external(url: str, token: str | None) -> str | None:
    """What is wrong with driving the simulator at `url`, or None when its health check answers."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return f"apio-sim: {URL_HELP} must be a URL such as http://127.0.0.1:8080, not {url!r}."
    try:
        SimulatorClient(url, admin_token=token, timeout=10).health()
    except SimulatorError as error:
        if error.status == 401:
            given = "a wrong admin token" if token else "no admin token"
            return (
                f"apio-sim: the simulator at {url} refused {given} (401): give the one it was started with "
                f"(serve --admin-token / APIO_SIM_ADMIN_TOKEN) as {TOKEN_HELP}."
            )
        return f"apio-sim: the simulator at {url} answered its health check with {error.status}: {error.body}"
    except (OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        return f"apio-sim: cannot reach the simulator at {url} ({URL_HELP}): {reason}."
    return None


class ScenarioProblem(Exception):
    """A marker or ini scenario that cannot be used; the message says which and why."""


def scenario_text(value: Any, relative_to: Path) -> str:
    """A marker's or ini's scenario as text: a dict, YAML or JSON text, a shipped name or a file path."""
    from simulator.resources import ScenarioNotFound, scenario_file

    if isinstance(value, dict):
        return json.dumps(value)
    if isinstance(value, str) and ("\n" in value or value.lstrip().startswith("{")):
        return value
    if not isinstance(value, str | Path):
        raise ScenarioProblem(f"a scenario is a name, a path, YAML or JSON text, or a dict; not {value!r}")
    try:
        return scenario_file(value, relative_to).read_text(encoding="utf-8")
    except ScenarioNotFound as error:
        raise ScenarioProblem(str(error)) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ScenarioProblem(f"cannot read {value}: {error}") from None


@dataclass
class ApioSimServer:
    """The session's simulator: where it is, and how to drive it."""

    url: str
    admin_token: str | None
    external: bool
    server: "SimulatorServer | None" = None  # the in-process one
    default_scenario: str | None = None  # the ini's scenario text, when it names one
    _numbers: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _session: str = field(default_factory=lambda: uuid.uuid4().hex[:8])

    def __post_init__(self) -> None:
        self.control = SimulatorClient(self.url, admin_token=self.admin_token)

    def new_namespace(self) -> str:
        return f"pytest-{self._session}-{next(self._numbers)}"

    def start_over(self, text: str | None) -> None:
        """In process: the default namespace on `text`'s scenario (else the session's), all others dropped."""
        assert self.server is not None
        from simulator.scenario import ScenarioError

        def run(simulator: "Simulator") -> None:
            scenario = None if text is None else simulator.scenarios.build(text, simulator.schemas)
            simulator.start_over(scenario)

        try:
            self.server.call(run)
        except ScenarioError as error:
            raise ScenarioProblem("\n".join(error.messages)) from None

    def internal_errors(self, namespaces: set[str]) -> list[str]:
        """Reports of the simulator-internal errors (500s no fault asked for) seen in these namespaces."""
        if self.server is not None:
            return self.server.call(
                lambda simulator: [record.report() for ns in simulator.namespaces() for record in ns.internal_errors]
            )
        reports = []
        for name in sorted(namespaces):
            try:
                entries = self.control.namespace(name).requests(status=500)["requests"]
            except SimulatorError:
                continue
            reports += [
                f"{entry['method']} {entry['path']}: {json.dumps(entry['responseBody'])}"
                for entry in entries
                if entry["fault"] is None
            ]
        return reports


class ApioSim:
    """What a test gets: the simulator's URL, its control client, and helpers for the usual steps."""

    def __init__(self, server: ApioSimServer, namespace: str | None, relative_to: Path | None = None) -> None:
        self.server = server
        self.url = server.url
        self.namespace = namespace
        self.client = SimulatorClient(server.url, namespace, server.admin_token)
        self._relative_to = relative_to or Path.cwd()

    @property
    def headers(self) -> dict[str, str]:
        """Headers that keep a request to the emulated API in this test's namespace (empty in process)."""
        return self.client.headers

    @property
    def touched(self) -> set[str]:
        """The namespaces this test's control clients acted on."""
        return self.client.touched

    def call_center_url(self, tenant: str, group: str, call_center: str, endpoint: str = "statistics") -> str:
        """The URL of a call center endpoint: statistics or instance_statistics_reporting."""
        return f"{self.url}/api/v1/tenants/{tenant}/groups/{group}/services/call_centers/{call_center}/{endpoint}/"

    def reset(self) -> None:
        self.client.reset()

    def load_scenario(self, scenario: str | Path | dict[str, Any]) -> dict[str, Any]:
        """Load a scenario into this test's namespace: a shipped name, a file path (relative to the test
        file), YAML or JSON text, or a dict. The next test starts from its own scenario again."""
        try:
            text = scenario_text(scenario, self._relative_to)
        except ScenarioProblem as problem:
            raise ValueError(str(problem)) from None
        return self.client.load_scenario(text)

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

    def assert_requested(self, count: int | None = None, **filters: Any) -> list[dict[str, Any]]:
        """Assert the journal has `count` matching requests (None: at least one); answers them.

        `apio_sim.assert_requested(endpoint="statistics", status=503, count=1)`. The failure message
        lists every request the journal holds, so that what was sent instead is in plain sight.
        """
        found = self.requests(**filters)
        if (count is None and found) or len(found) == count:
            return found
        wanted = ", ".join(f"{name}={value!r}" for name, value in filters.items()) or "any request"
        expected = "at least one" if count is None else str(count)
        everything = self.requests()
        lines = [f"expected {expected} request(s) with {wanted}, found {len(found)}; the journal holds:"]
        lines += [describe(entry) for entry in everything] or ["  (nothing)"]
        raise AssertionError("\n".join(lines))

    def freeze(self, instant: str) -> dict[str, Any]:
        return self.client.freeze(instant)

    def advance(self, duration: float | str) -> dict[str, Any]:
        return self.client.advance(duration)

    def login(self, username: str, password: str | None = None, style: str = "gateway") -> dict[str, str]:
        """Log in as a scenario user; answers ready-to-use headers (the namespace's included).

        `style="gateway"` gives the sessionid cookie as a Cookie header (for /api/v1/...); `style="core"` an
        `Authorization: Bearer` access token (for /api/v01/p1/...). A refused login raises SimulatorError
        with the status and the body of the answer.
        """
        body = json.dumps({"username": username, "password": password if password is not None else username})
        path = "/api/v1/login/" if style == "gateway" else "/api/v01/auth/login"
        headers = {**self.headers, "Content-Type": "application/json"}
        request = urllib.request.Request(self.url + path, data=body.encode(), method="POST", headers=headers)
        try:
            with opener_for(self.url).open(request, timeout=10) as response:
                if style == "gateway":
                    cookie = response.headers["Set-Cookie"].split(";", 1)[0]
                    return {**self.headers, "Cookie": cookie}
                return {**self.headers, "Authorization": f"Bearer {json.load(response)['access_token']}"}
        except urllib.error.HTTPError as error:
            raise SimulatorError.from_http_error(error, f"login as {username!r} refused") from None


def describe(entry: dict[str, Any]) -> str:
    fault = f" (fault {entry['fault']})" if entry.get("fault") else ""
    return f"  #{entry['id']} {entry['method']} {entry['path']} [{entry['endpoint']}] -> {entry['status']}{fault}"


@pytest.fixture(scope="session")
def apio_sim_server(request: pytest.FixtureRequest) -> Iterator[ApioSimServer]:
    """The session's simulator: started in process, or the external one of --apio-sim-url."""
    config = request.config
    url = config.getoption("--apio-sim-url")
    token = config.getoption("--apio-sim-admin-token")
    ini = config.getini("apio_sim_scenario")
    try:
        text = scenario_text(ini, config.rootpath) if ini else None
    except ScenarioProblem as problem:
        pytest.fail(f"apio-sim: the ini option apio_sim_scenario: {problem}", pytrace=False)
    if url:
        unusable = check_external(url, token)
        if unusable is not None:
            pytest.fail(unusable, pytrace=False)
        yield ApioSimServer(url.rstrip("/"), token, external=True, default_scenario=text)
        return
    from simulator.scenario import ScenarioError
    from simulator.server import SimulatorServer

    try:
        server = SimulatorServer(None if text is None else _scenario_from_text(text)).start()
    except ScenarioError as error:
        pytest.fail("apio-sim: the ini option apio_sim_scenario:\n" + "\n".join(error.messages), pytrace=False)
    try:
        yield ApioSimServer(server.url, None, external=False, server=server)
    finally:
        server.stop()


def _scenario_from_text(text: str) -> Any:
    from simulator.scenario import parse_scenario, read_document

    return parse_scenario(read_document(text, "apio_sim_scenario"), "apio_sim_scenario")


@pytest.fixture
def apio_sim(apio_sim_server: ApioSimServer, request: pytest.FixtureRequest) -> Iterator[ApioSim]:
    """A clean simulator for this test, on the scenario its marker names (else the session's)."""
    external = apio_sim_server.external
    test_dir = request.path.parent
    marker = request.node.get_closest_marker(MARKER)
    text = apio_sim_server.default_scenario
    if marker is not None:
        if len(marker.args) != 1:
            pytest.fail(f"apio-sim: @pytest.mark.{MARKER} takes one scenario, not {marker.args!r}", pytrace=False)
        try:
            text = scenario_text(marker.args[0], test_dir)
        except ScenarioProblem as problem:
            pytest.fail(f"apio-sim: @pytest.mark.{MARKER}: {problem}", pytrace=False)
    sim = ApioSim(apio_sim_server, apio_sim_server.new_namespace() if external else None, test_dir)
    try:
        if external:
            if text is not None:
                sim.client.load_scenario(text)
        else:
            apio_sim_server.start_over(text)
    except (ScenarioProblem, SimulatorError) as problem:
        body = problem.body if isinstance(problem, SimulatorError) else str(problem)
        pytest.fail(f"apio-sim: the scenario of @pytest.mark.{MARKER} is refused: {body}", pytrace=False)
    try:
        yield sim
        errors = apio_sim_server.internal_errors(sim.touched | {sim.namespace or ""})
        if errors:
            pytest.fail(
                "apio-sim: the simulator failed on requests of this test (a simulator bug, not an injected "
                "fault):\n" + "\n\n".join(errors),
                pytrace=False,
            )
    finally:
        if external:
            for name in sim.touched | {sim.namespace or ""}:
                if name and name != "default":
                    with contextlib.suppress(SimulatorError):  # never created, or already gone
                        apio_sim_server.control.delete_namespace(name)
