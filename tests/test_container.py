"""The image, built from this repository's Dockerfile with podman and run as a CI service.

The build passes `--build-arg BASE=<base>`: $APIO_SIM_TEST_BASE, else the stand-in that
`.ci/container-base.sh` builds from Debian's packages (no registry needed), so every step of the Dockerfile
but its base image is exercised. Without podman these tests are skipped, unless $CI is set: there a
skipped container test is a failure. Ports are published on 127.0.0.1 only. Timeouts only keep a broken
container from hanging the suite; the stop test reads the exit code, not a clock.
"""

import fcntl
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from simulator import __version__
from simulator.client import SimulatorClient, SimulatorError

ROOT = Path(__file__).resolve().parent.parent
CONTAINERS_CONF = ROOT / "tests" / "container" / "containers.conf"
IN_CI = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
PODMAN = shutil.which("podman")
REVISION = "0123456789abcdef0123456789abcdef01234567"
SOURCE = "https://example.test/apio-sim.git"
CC = ("footenant", "foogroup", "APIOTestCallCenterP@sip.netaxis.be")
_names = itertools.count(1)


def _unavailable(config: pytest.Config, reason: str) -> None:
    if IN_CI:
        pytest.fail(f"CI must run the container tests, but {reason}", pytrace=False)
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    capture = config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None:  # said once (the fixture's skip is cached), even without -rs
        with capture.global_and_fixture_disabled():
            reporter.write_line(f"tests/test_container.py skipped: {reason}", yellow=True)
    pytest.skip(reason)


def podman_env() -> dict[str, str]:
    return {"CONTAINERS_CONF": str(CONTAINERS_CONF), **os.environ}


def podman(*args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [PODMAN or "podman", *args], env=podman_env(), capture_output=True, text=True, timeout=timeout
    )
    if check and result.returncode != 0:
        raise AssertionError(f"podman {' '.join(args)}: exit {result.returncode}\n{result.stdout}{result.stderr}")
    return result


@dataclass(frozen=True)
class Image:
    id: str
    base: str


@pytest.fixture(scope="session")
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Image:
    """The image, built once per test session (pytest-xdist workers share it through a lock)."""
    if PODMAN is None:
        _unavailable(request.config, "podman is not installed (apt-get install podman runc; see docs/docker.md)")
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # this session's directory, above the workers' own
    with (shared / "apio-sim-image.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        record = shared / "apio-sim-image.json"
        if not record.exists():
            base = base_image(request.config)
            iidfile = shared / "apio-sim-image.id"
            build(base, iidfile)
            record.write_text(json.dumps({"id": iidfile.read_text().strip(), "base": base}))
        return Image(**json.loads(record.read_text()))


@pytest.fixture(scope="session")
def image(built: Image) -> str:
    return built.id


def base_image(config: pytest.Config) -> str:
    if os.environ.get("APIO_SIM_TEST_BASE"):
        return os.environ["APIO_SIM_TEST_BASE"]
    if shutil.which("mmdebstrap") is None:
        _unavailable(config, "no base image: set APIO_SIM_TEST_BASE, or install mmdebstrap for .ci/container-base.sh")
    result = subprocess.run(
        [str(ROOT / ".ci" / "container-base.sh")], capture_output=True, text=True, timeout=900, env=podman_env()
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def build(base: str, iidfile: Path) -> None:
    podman(
        "build",
        "--format=docker",  # the OCI format would drop the HEALTHCHECK
        "--network=host",
        f"--build-arg=BASE={base}",
        f"--label=org.opencontainers.image.source={SOURCE}",
        f"--label=org.opencontainers.image.revision={REVISION}",
        f"--iidfile={iidfile}",
        str(ROOT),
        timeout=900,
    )


@dataclass
class Container:
    name: str
    url: str

    def inspect(self) -> dict:
        return json.loads(podman("container", "inspect", self.name).stdout)[0]

    def logs(self) -> str:
        result = podman("logs", self.name)
        return result.stdout + result.stderr

    def wait_healthy(self) -> None:
        """Run the image's HEALTHCHECK until it passes (podman runs it on a timer only under systemd)."""
        deadline = time.monotonic() + 90
        while True:
            result = podman("healthcheck", "run", self.name, check=False)
            if result.returncode == 0:
                return
            assert time.monotonic() < deadline, f"never healthy: {result.stdout}{result.stderr}\n{self.logs()}"
            time.sleep(0.2)


def run(image: str, *options: str, env: dict[str, str] | None = None, serving: bool = True) -> Container:
    """The image as a detached service, its port 8080 published on a loopback port podman picks; with
    `serving=False`, a container expected to exit at once, which has no port to ask for (it may be gone
    before podman could say which one it had)."""
    name = f"apio-sim-test-{os.getpid()}-{next(_names)}"
    variables = [f"--env={key}={value}" for key, value in (env or {}).items()]
    publish = ["--publish=127.0.0.1::8080"] if serving else []
    podman("run", "--detach", f"--name={name}", *publish, *variables, *options, image)
    if not serving:
        return Container(name, "")
    port = podman("port", name, "8080/tcp").stdout.strip().rsplit(":", 1)[1]
    return Container(name, f"http://127.0.0.1:{port}")


def remove(container: Container) -> None:
    podman("rm", "--force", "--time=0", container.name, check=False)


@pytest.fixture(scope="module")
def service(image: str) -> Iterator[Container]:
    """The GitHub Actions snippet of the README: the image with its admin token, healthy."""
    container = run(image, env=github_actions_snippet()["service"]["env"])
    try:
        container.wait_healthy()
        yield container
    finally:
        remove(container)


def readme_snippet(title: str) -> dict:
    readme = (ROOT / "README.md").read_text()
    [block] = re.findall(rf"^{title}:\n\n```yaml\n(.*?)```", readme, re.M | re.S)
    return yaml.safe_load(block)


def github_actions_snippet() -> dict:
    job = readme_snippet("GitHub Actions")["jobs"]["test"]
    return {"service": job["services"]["apio-sim"], "env": job["env"], "run": job["steps"][-1]["run"]}


def call(url: str, method: str = "GET", body: dict | None = None, headers: dict | None = None) -> tuple[int, dict]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def cc_url(base: str, endpoint: str, tenant: str = CC[0], group: str = CC[1], call_center: str = CC[2]) -> str:
    return f"{base}/api/v1/tenants/{tenant}/groups/{group}/services/call_centers/{call_center}/{endpoint}/"


def test_the_image_keeps_its_health_check_user_variables_and_labels(built):
    [inspected] = json.loads(podman("image", "inspect", built.id).stdout)
    assert inspected["Healthcheck"]["Test"] == ["CMD", "apio-sim", "health"]
    config = inspected["Config"]
    assert config["User"] == "apio"
    assert config["Cmd"] == ["apio-sim", "serve"]
    assert set(config["ExposedPorts"]) == {"8080/tcp"}
    assert set(config["Volumes"]) == {"/scenarios"}
    assert {"APIO_SIM_HOST=0.0.0.0", "APIO_SIM_PORT=8080"} <= set(config["Env"])
    labels = config["Labels"]
    assert labels["org.opencontainers.image.version"] == __version__
    assert labels["org.opencontainers.image.licenses"] == "MIT"
    assert labels["org.opencontainers.image.source"] == SOURCE
    assert labels["org.opencontainers.image.revision"] == REVISION
    assert labels["org.opencontainers.image.base.name"] == built.base


def test_the_image_holds_the_simulator_and_no_build_or_test_tools(image):
    probe = (
        "import importlib.util, json, os, shutil, simulator; print(json.dumps({"
        "'simulator': simulator.__file__,"
        "'modules': [m for m in ('pytest', 'hatchling', 'build', 'schemathesis', 'hypothesis', 'ruff')"
        " if importlib.util.find_spec(m)],"
        "'tools': [t for t in ('gcc', 'cc', 'make', 'git') if shutil.which(t)],"
        "'venv_pip': os.path.exists('/opt/apio-sim/bin/pip'), 'sources': os.path.exists('/src')}))"
    )
    result = podman("run", "--rm", "--network=none", image, "python", "-c", probe)
    found = json.loads(result.stdout)
    assert found["simulator"].startswith("/opt/apio-sim/lib/")
    assert found == {**found, "modules": [], "tools": [], "venv_pip": False, "sources": False}


def test_the_service_is_healthy_by_its_health_check(service):
    assert service.inspect()["State"]["Health"]["Status"] == "healthy"
    token = github_actions_snippet()["service"]["env"]["APIO_SIM_ADMIN_TOKEN"]
    assert SimulatorClient(service.url, admin_token=token).health()["scenario"]["name"] == "default"


def test_the_service_runs_as_the_non_root_user(service):
    assert podman("exec", service.name, "id", "-un").stdout == "apio\n"
    assert service.inspect()["Config"]["User"] == "apio"
    processes = podman("top", service.name, "user", "pid", "args").stdout.splitlines()[1:]
    assert [line.split()[:2] for line in processes if "apio-sim serve" in line] == [["apio", "1"]]


def test_the_service_answers_the_documented_requests(service):
    status, _ = call(cc_url(service.url, "statistics"), body={"statisticsRange": {"start": "2021-03-01T00:00:00Z"}})
    assert status == 401
    request = urllib.request.Request(
        service.url + "/api/v1/login/",
        data=json.dumps({"username": "footenant-admin", "password": "footenant-admin"}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        cookie = response.headers["Set-Cookie"].split(";", 1)[0]
    headers = {"Cookie": cookie}
    statistics_range = {"start": "2021-01-01T00:00:00+01:00", "end": "2021-03-01T00:00:00+01:00"}
    status, answer = call(
        cc_url(service.url, "statistics"), body={"statisticsRange": statistics_range}, headers=headers
    )
    assert status == 200
    assert answer["queueStatistics"]["callsAnswered"] == 0
    assert [agent["agentUserId"] for agent in answer["agentStatistics"]] == [
        "ApioUserTest1@sip.netaxis.be",
        "ApioUserTest2@sip.netaxis.be",
    ]
    status, settings = call(cc_url(service.url, "instance_statistics_reporting"), headers=headers)
    assert status == 200 and "collectionPeriodMinutes" in settings
    status, refused = call(
        cc_url(service.url, "statistics"), body={"statisticsRange": {"start": "2021-01-01"}}, headers=headers
    )
    assert (status, refused) == (
        400,
        {"errors": [{"code": 2, "message": "The format of start date or end date is invalid."}]},
    )


def test_the_control_api_needs_the_admin_token(service):
    with pytest.raises(SimulatorError) as caught:
        SimulatorClient(service.url).health()
    assert caught.value.status == 401


def test_the_consumer_example_passes_against_the_service(service, tmp_path):
    """The README's GitHub Actions job: the example project's tests, with the job's variables and command."""
    snippet = github_actions_snippet()
    project = tmp_path / "reporting-client"
    shutil.copytree(ROOT / "examples" / "reporting-client", project)
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "APIO_SIM_URL")}
    env.update(snippet["env"])
    env["APIO_SIM_URL"] = snippet["env"]["APIO_SIM_URL"].replace("http://127.0.0.1:8080", service.url)
    [pytest_command] = [part.strip() for part in snippet["run"].split("&&") if part.strip().startswith("pytest")]
    result = subprocess.run(
        [sys.executable, "-m", *pytest_command.split(), "-q", "-p", "no:cacheprovider", "-p", "no:randomly"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"\b7 passed\b", result.stdout), result.stdout
    # Every test ran in a namespace of its own on the service, dropped afterwards.
    token = snippet["env"]["APIO_SIM_ADMIN_TOKEN"]
    assert SimulatorClient(service.url, admin_token=token).health()["namespaces"] == 1


SCENARIO = """\
name: mounted
apiUsers:
  - {username: watcher, password: secret-1, level: system}
tenants:
  - id: acme
    groups:
      - id: support
        users:
          - {userId: ann@acme.example, firstName: Ann, lastName: Lee}
        callCenters:
          - id: support@acme.example
            type: Premium
            agents: [ann@acme.example]
"""


@pytest.fixture(scope="module")
def configured(image: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Container]:
    """A scenario mounted at /scenarios, and every other APIO_SIM_* variable set."""
    scenarios = tmp_path_factory.mktemp("scenarios")
    (scenarios / "mounted.yaml").write_text(SCENARIO)
    scenarios.chmod(0o755)
    env = {
        "APIO_SIM_SCENARIO": "/scenarios/mounted.yaml",
        "APIO_SIM_SEED": "42",
        "APIO_SIM_NO_AUTH": "true",
        "APIO_SIM_CORS": "http://localhost:3000",
        "APIO_SIM_JOURNAL_SIZE": "3",
        "APIO_SIM_ADMIN_TOKEN": "s3cret",
    }
    container = run(image, f"--volume={scenarios}:/scenarios:ro", env=env)
    try:
        container.wait_healthy()
        yield container
    finally:
        remove(container)


def test_the_mounted_scenario_is_served_with_the_variables_settings(configured):
    admin = SimulatorClient(configured.url, admin_token="s3cret")
    health = admin.health()
    assert (health["scenario"]["name"], health["scenario"]["seed"], health["scenario"]["callCenters"]) == (
        "mounted",
        42,
        1,
    )
    url = cc_url(configured.url, "instance_statistics_reporting", "acme", "support", "support@acme.example")
    for _ in range(5):  # the scenario wants a login; APIO_SIM_NO_AUTH turns it off
        assert call(url)[0] == 200
    assert admin.requests()["count"] == 3  # APIO_SIM_JOURNAL_SIZE
    preflight = urllib.request.Request(
        url,
        method="OPTIONS",
        headers={"Origin": "http://localhost:3000", "Access-Control-Request-Method": "PUT"},
    )
    with urllib.request.urlopen(preflight, timeout=30) as response:
        assert response.status == 204
        assert response.headers["Access-Control-Allow-Origin"] == "http://localhost:3000"


def test_the_admin_token_guards_the_control_api_and_the_health_check_sends_it(configured):
    with pytest.raises(SimulatorError) as caught:
        SimulatorClient(configured.url, admin_token="wrong").health()
    assert caught.value.status in (401, 403)
    assert podman("healthcheck", "run", configured.name, check=False).returncode == 0
    without = podman("exec", "--env=APIO_SIM_ADMIN_TOKEN=", configured.name, "apio-sim", "health", check=False)
    assert without.returncode == 1
    assert without.stderr.startswith("apio-sim health: http://127.0.0.1:8080: ")


def test_a_missing_scenario_is_a_clear_error_and_exit_2(image):
    container = run(image, env={"APIO_SIM_SCENARIO": "/scenarios/absent.yaml"}, serving=False)
    try:
        finished = podman("wait", container.name, timeout=60).stdout.strip()
        assert finished == "2"
        assert "/scenarios/absent.yaml" in container.logs()
    finally:
        remove(container)


def test_stop_is_graceful_and_within_two_seconds(image):
    """`podman stop --time 2` kills whatever still runs after 2 s (exit 137); a clean stop exits 0."""
    container = run(image)
    try:
        container.wait_healthy()
        podman("stop", "--time=2", container.name, timeout=60)
        state = container.inspect()["State"]
        assert (state["Status"], state["ExitCode"]) == ("exited", 0)
        assert "simulator.serving: SIGTERM: stopping" in container.logs()
    finally:
        remove(container)


def test_the_compose_service_runs_as_written(image, tmp_path):
    """docker-compose.yml's environment and volume, on this image: healthy, its scenario and seed served."""
    service = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["apio-sim"]
    host_dir, target, mode = service["volumes"][0].split(":")
    env = {key: str(value) for key, value in service["environment"].items()}
    container = run(image, f"--volume={(ROOT / host_dir).resolve()}:{target}:{mode}", env=env)
    try:
        container.wait_healthy()
        health = SimulatorClient(container.url, admin_token=env["APIO_SIM_ADMIN_TOKEN"]).health()
        assert health["scenario"]["name"] == Path(env["APIO_SIM_SCENARIO"]).stem
        assert health["scenario"]["seed"] == int(env["APIO_SIM_SEED"])
    finally:
        remove(container)
