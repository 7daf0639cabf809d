"""The built wheel is a working simulator on its own: schemas, scenarios and the console script inside."""

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

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
