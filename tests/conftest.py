"""Black-box fixtures: a simulator app per test, reached through HTTP as a consumer would."""

import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from hypothesis import settings

from simulator.api.respond import SIMULATOR
from simulator.app import create_app
from simulator.instants import parse_instant
from simulator.resources import scenarios_dir
from simulator.scenario import load_scenario, parse_scenario
from simulator.state import Namespace

pytest_plugins = ["pytester"]

# Property tests draw the same examples on every run (derived from each test's name, so CI is never red by
# chance) and keep no example database (so one failure is not replayed forever). `--hypothesis-profile
# explore --hypothesis-seed N` draws others, for a search before a change lands.
settings.register_profile("apio-sim", derandomize=True, database=None, print_blob=True)
settings.register_profile("explore", derandomize=False, database=None, print_blob=True)
settings.load_profile("apio-sim")  # before the Hypothesis plugin reads --hypothesis-profile, which wins


def pytest_report_header() -> str:
    return f"hypothesis profile {settings.get_current_profile_name()!r} -> {settings.default.show_changed()}"


ROOT = Path(__file__).resolve().parent.parent

DEFAULT_SCENARIO = scenarios_dir() / "default.yaml"
WORKED_EXAMPLE = scenarios_dir() / "worked-example.yaml"

# The default scenario runs on real time; tests freeze it at a fixed instant long after its history.
DEFAULT_NOW = "2021-06-01T12:00:00+02:00"

MakeClient = Callable[..., Awaitable[TestClient]]


def cc_path(tenant: str, group: str, call_center: str, endpoint: str) -> str:
    return f"/api/v1/tenants/{tenant}/groups/{group}/services/call_centers/{call_center}/{endpoint}/"


BASIC = ("foo", "foogroup", "APIOTestCCBasic@sip.netaxis.be")
PREMIUM = ("foo", "foogroup", "APIOTestCCPremium@sip.netaxis.be")
CALL_CENTER_P = ("footenant", "foogroup", "APIOTestCallCenterP@sip.netaxis.be")
CC1 = ("example", "example-group", "cc1@example.test")


@pytest.fixture(scope="session")
def built_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """apio-sim's wheel, built once per test session from this checkout."""
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(out), str(ROOT)],
        check=True,
        timeout=600,
    )
    [built] = out.glob("apio_sim-*.whl")
    return built


@pytest.fixture
def make_client(aiohttp_client: Callable[..., Awaitable[TestClient]]) -> MakeClient:
    """A client of a fresh simulator: a scenario path or dict (default: the default scenario).

    Where authentication is on, the client logs in through the gateway as `login` (password = username,
    as in the default scenario) and keeps the sessionid cookie; `login=None` stays logged out.
    """

    async def make(
        scenario: Path | dict[str, Any] | None = None,
        *,
        now: str | None = None,
        login: str | None = "apio-admin",
        **options: Any,
    ) -> TestClient:
        if isinstance(scenario, dict):
            loaded = parse_scenario(scenario, "test scenario")
        else:
            loaded = load_scenario(scenario or DEFAULT_SCENARIO)
            if scenario is None and now is None:
                now = DEFAULT_NOW
        frozen = parse_instant(now) if now else None
        client = await aiohttp_client(create_app(loaded, now=frozen, **options))
        if login is not None and namespace_of(client).auth_enabled:
            response = await client.post("/api/v1/login/", json={"username": login, "password": login})
            assert response.status == 200, await response.text()
        return client

    return make


def namespace_of(client: TestClient, name: str = "default") -> Namespace:
    """The simulator state behind a test client (to move its clock, say)."""
    return client.app[SIMULATOR].namespace(name)


@pytest.fixture
async def client(make_client: MakeClient) -> TestClient:
    """The default scenario, its clock frozen at DEFAULT_NOW."""
    return await make_client()


@pytest.fixture
async def example(make_client: MakeClient) -> TestClient:
    """The worked example of docs/statistics.md, its clock at 2021-02-01T12:00:00Z."""
    return await make_client(WORKED_EXAMPLE)
