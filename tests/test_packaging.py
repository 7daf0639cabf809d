"""The built wheel is a working simulator on its own: schemas, scenarios and the console script inside."""

import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(built_wheel: Path) -> Path:
    return built_wheel


def test_the_wheel_carries_every_schema_and_scenario(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for schema in (ROOT / "schemas").glob("*.json"):
        assert f"simulator/_data/schemas/{schema.name}" in names
    for scenario in (ROOT / "scenarios").glob("*.yaml"):
        assert f"simulator/_data/scenarios/{scenario.name}" in names


def test_the_wheel_declares_the_console_script(wheel):
    archive = zipfile.ZipFile(wheel)
    [entry_points] = [name for name in archive.namelist() if name.endswith(".dist-info/entry_points.txt")]
    text = archive.read(entry_points).decode()
    assert "[console_scripts]" in text
    assert "apio-sim = simulator.cli:main" in text


def test_the_installed_wheel_works_outside_the_checkout(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(wheel)],
        check=True,
        timeout=300,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target)}
    where = subprocess.run(
        [sys.executable, "-c", "import simulator.resources as r; print(r.schemas_dir()); print(r.default_scenario())"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    schemas, scenario = where.stdout.splitlines()
    assert Path(schemas) == target / "simulator" / "_data" / "schemas"
    assert Path(scenario) == target / "simulator" / "_data" / "scenarios" / "default.yaml"
    validated = subprocess.run(
        [sys.executable, "-m", "simulator", "validate", scenario],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
    )
    assert validated.returncode == 0, validated.stderr
    assert validated.stdout == f"{scenario}: ok (4 call centers, 90 calls, 1 with live traffic)\n"
    named = subprocess.run(
        [sys.executable, "-m", "simulator", "validate", "worked-example"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
    )
    assert named.returncode == 0, named.stderr
    assert named.stdout.startswith(f"{target / 'simulator' / '_data' / 'scenarios' / 'worked-example.yaml'}: ok (")


def fenced_commands(text: str) -> list[str]:
    """The lines of the ```sh blocks of a Markdown text."""
    return re.findall(r"```sh\n(.*?)```", text, re.S)


def test_ci_runs_the_readme_test_command_word_for_word():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    [command] = [line for line in ci.splitlines() if "pytest" in line and not line.startswith("#")]
    assert command in "".join(fenced_commands(readme))
    assert " -n auto" in command  # in parallel; pytest-randomly, in the test extra, shuffles the order
    assert "pytest-randomly" in (ROOT / "pyproject.toml").read_text()


def test_no_document_installs_from_an_index_that_has_no_apio_sim():
    documents = [ROOT / "README.md", *(ROOT / "docs").rglob("*.md"), *(ROOT / "examples").rglob("*.md")]
    for document in documents:
        for block in re.findall(r"```\w*\n(.*?)```", document.read_text(), re.S):  # what readers copy and run
            for line in block.splitlines():
                assert not re.search(r"pip install (-\S+ )*apio-sim\b(?!\s*@)", line), f"{document}: {line}"


def test_the_docker_build_context_leaves_out_local_state():
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".venv", ".git", "dist", "build", ".pytest_cache", ".hypothesis"} <= set(ignored)


def test_the_compose_file_comment_sends_its_own_admin_token():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    token = compose["services"]["apio-sim"]["environment"]["APIO_SIM_ADMIN_TOKEN"]
    comment = (ROOT / "docker-compose.yml").read_text().splitlines()[1]
    assert "/__sim/health" in comment
    assert f"Authorization: Bearer {token}" in comment
