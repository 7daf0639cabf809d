"""A real consumer, tested: the wheel and the example project in a fresh virtual environment.

Packaging mistakes (a schema or scenario left out of the wheel, a missing dependency, a broken entry point
or plugin registration) fail here, as they would for a team that runs `pip install apio-sim`.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_example_passes_in_a_fresh_environment_with_the_built_wheel(built_wheel, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
    install = [
        str(python),
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        str(built_wheel),
        "pytest",
    ]
    subprocess.run(install, check=True, timeout=900, env=env)
    project = tmp_path / "reporting-client"
    shutil.copytree(ROOT / "examples" / "reporting-client", project)
    result = subprocess.run(
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "7 passed" in result.stdout
    where = subprocess.run(
        [str(python), "-c", "import simulator; print(simulator.__file__)"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
    )
    assert where.stdout.startswith(str(venv))  # the installed wheel, not this checkout
    assert (venv / "bin" / "apio-sim").exists()
