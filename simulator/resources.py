"""Where the shipped schemas and scenarios are.

In a source checkout they live at the top level (`schemas/`, `scenarios/`); a built wheel carries them
inside the package, under `simulator/_data/`.
"""

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    packaged = _PACKAGE / "_data" / name
    return packaged if packaged.is_dir() else _PACKAGE.parent / name


def schemas_dir() -> Path:
    return data_dir("schemas")


def scenarios_dir() -> Path:
    return data_dir("scenarios")


def default_scenario() -> Path:
    return scenarios_dir() / "default.yaml"
