"""The Dockerfile and compose file read as text, and the image's exact command and health check run as plain
processes with the environment the image sets (on loopback). tests/test_container.py builds and runs the
image itself with podman."""

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from simulator import __version__
from simulator.cli import ENVIRONMENT
from simulator.client import SimulatorClient

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def instruction(name: str) -> list[str]:
    """The exec-form (JSON array) command of a Dockerfile instruction, e.g. CMD or HEALTHCHECK ... CMD."""
    [line] = [line for line in DOCKERFILE.splitlines() if line.startswith(name + " ")]
    return json.loads(line[line.index("[") :])


def command(argv: list[str]) -> list[str]:
    """The console script as installed beside this Python, or the same program through -m."""
    script = Path(sys.executable).with_name(argv[0])
    return [str(script), *argv[1:]] if script.exists() else [sys.executable, "-m", "simulator", *argv[1:]]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_image_is_slim_non_root_and_documented():
    assert DOCKERFILE.startswith("#")
    [base] = re.findall(r"^ARG BASE=(\S+)$", DOCKERFILE, re.M)
    assert re.fullmatch(r"python:3\.\d+\.\d+-slim-[a-z]+", base)  # pinned to a patch release and a Debian
    assert re.findall(r"^FROM .*$", DOCKERFILE, re.M) == ["FROM ${BASE} AS build", "FROM ${BASE}"]
    assert "COPY --from=build /opt/apio-sim /opt/apio-sim" in DOCKERFILE  # the final stage gets the venv only
    assert f'org.opencontainers.image.version="{__version__}"' in DOCKERFILE
    assert re.search(r"^USER apio$", DOCKERFILE, re.M)
    assert re.search(r"^EXPOSE 8080$", DOCKERFILE, re.M)
    assert 'VOLUME ["/scenarios"]' in DOCKERFILE
    assert "APIO_SIM_PORT=8080" in DOCKERFILE and "APIO_SIM_HOST=0.0.0.0" in DOCKERFILE
    assert instruction("CMD") == ["apio-sim", "serve"]
    assert instruction("HEALTHCHECK") == ["apio-sim", "health"]


@pytest.fixture
def container():
    """The image's CMD with its environment, a scenario mounted as the docs say, and an admin token."""
    port = free_port()
    env = {
        **os.environ,
        "APIO_SIM_HOST": "127.0.0.1",  # the image listens on 0.0.0.0; here only loopback is allowed
        "APIO_SIM_PORT": str(port),
        "APIO_SIM_SCENARIO": str(ROOT / "scenarios" / "busy-call-center.yaml"),
        "APIO_SIM_SEED": "5",
        "APIO_SIM_ADMIN_TOKEN": "s3cret",
        "APIO_SIM_JOURNAL_SIZE": "7",
        "APIO_SIM_NO_AUTH": "true",
    }
    process = subprocess.Popen(
        command(instruction("CMD")), env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    yield port, env
    process.terminate()
    process.communicate(timeout=10)


def test_the_health_check_passes_once_the_command_serves(container):
    port, env = container
    healthcheck = command(instruction("HEALTHCHECK"))
    deadline = time.monotonic() + 20
    while True:
        result = subprocess.run(healthcheck, env=env, capture_output=True, text=True, timeout=10)
        if result.returncode == 0 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"http://127.0.0.1:{port}: ready, scenario 'busy-call-center'\n"


def ready(port: int) -> dict:
    """The health answer, once the server gives one (with the admin token)."""
    sim = SimulatorClient(f"http://127.0.0.1:{port}", admin_token="s3cret")
    deadline = time.monotonic() + 20
    while True:
        try:
            return sim.health()
        except OSError:
            assert time.monotonic() < deadline, "the server did not come up"
            time.sleep(0.05)


def test_every_option_came_from_the_environment(container):
    port, _ = container
    assert ready(port)["scenario"]["seed"] == 5
    url = f"http://127.0.0.1:{port}/api/v1/tenants/acme/groups/support/services/call_centers/support@acme.example/"
    for _ in range(9):  # no login needed (APIO_SIM_NO_AUTH); the journal keeps 7
        urllib.request.urlopen(url + "instance_statistics_reporting/").close()
    assert SimulatorClient(f"http://127.0.0.1:{port}", admin_token="s3cret").requests()["count"] == 7


def test_the_health_check_fails_without_the_admin_token(container):
    port, env = container
    without = {key: value for key, value in env.items() if key != "APIO_SIM_ADMIN_TOKEN"}
    ready(port)
    result = subprocess.run(command(instruction("HEALTHCHECK")), env=without, capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stderr.startswith(f"apio-sim health: http://127.0.0.1:{port}: ")


def test_a_bad_environment_value_is_a_usage_error():
    env = {**os.environ, "APIO_SIM_PORT": "eighty"}
    result = subprocess.run(command(["apio-sim", "serve"]), env=env, capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert "APIO_SIM_PORT must be a whole number, not 'eighty'" in result.stderr


def test_every_variable_the_image_and_compose_set_is_one_the_cli_reads():
    variables = set(ENVIRONMENT.values())
    assert set(re.findall(r"\b(APIO_SIM_[A-Z_]+)=", DOCKERFILE)) == {"APIO_SIM_HOST", "APIO_SIM_PORT"}
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    service = compose["services"]["apio-sim"]
    assert set(service["environment"]) <= variables
    assert all(isinstance(value, str) for value in service["environment"].values())  # compose wants strings
    assert service["build"] == "."
    assert service["ports"] == ["8080:8080"]  # the image's EXPOSE and APIO_SIM_PORT
    [volume] = service["volumes"]
    host_dir, target, mode = volume.split(":")
    assert (target, mode) == ("/scenarios", "ro")  # the image's VOLUME
    scenario = Path(service["environment"]["APIO_SIM_SCENARIO"])
    assert scenario.parent == Path(target) and (ROOT / host_dir / scenario.name).is_file()


def readme_snippet(title: str) -> dict:
    [block] = re.findall(rf"^{title}:\n\n```yaml\n(.*?)```", (ROOT / "README.md").read_text(), re.M | re.S)
    return yaml.safe_load(block)


def test_the_readme_ci_snippets_agree_with_the_image():
    job = readme_snippet("GitHub Actions")["jobs"]["test"]
    service = job["services"]["apio-sim"]
    assert service["ports"] == ["8080:8080"]
    assert set(service["env"]) <= set(ENVIRONMENT.values())
    health_cmd = re.search(r'--health-cmd "([^"]+)"', service["options"]).group(1)
    assert health_cmd.split() == instruction("HEALTHCHECK")
    assert job["env"]["APIO_SIM_URL"] == "http://127.0.0.1:8080"
    assert job["env"]["APIO_SIM_ADMIN_TOKEN"] == service["env"]["APIO_SIM_ADMIN_TOKEN"]
    gitlab = readme_snippet("GitLab CI")["test"]
    [gitlab_service] = gitlab["services"]
    assert gitlab["variables"]["APIO_SIM_URL"] == f"http://{gitlab_service['alias']}:8080"
    assert gitlab["variables"]["APIO_SIM_ADMIN_TOKEN"] == service["env"]["APIO_SIM_ADMIN_TOKEN"]
    assert gitlab["script"][-1] == job["steps"][-1]["run"].split(" && ")[-1]
