"""Where the shipped schemas and scenarios are, and how a scenario is named.

In a source checkout they live at the top level (`schemas/`, `scenarios/`); a built wheel carries them
inside the package, under `simulator/_data/`.
"""

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent

SHIPPED_SCENARIOS = ("default", "worked-example", "busy-call-center")
"""Scenarios that can be named instead of given by path: `--scenario busy-call-center`, the pytest marker."""


class ScenarioNotFound(FileNotFoundError):
    """A scenario path that names no file; the message is "file not found: PATH"."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"file not found: {path}")
        self.path = path

    def __str__(self) -> str:
        return f"file not found: {self.path}"


def data_dir(name: str) -> Path:
    packaged = _PACKAGE / "_data" / name
    return packaged if packaged.is_dir() else _PACKAGE.parent / name


def schemas_dir() -> Path:
    return data_dir("schemas")


def scenarios_dir() -> Path:
    return data_dir("scenarios")


def default_scenario() -> Path:
    return scenarios_dir() / "default.yaml"


def scenario_file(name_or_path: str | Path, relative_to: Path | None = None) -> Path:
    """The file of a shipped scenario's name (`worked-example`), or of a path.

    A bare name of a shipped scenario wins (as a string: a `Path` is always a path). A relative path is
    taken from `relative_to` (default: the current directory). ScenarioNotFound when there is no such file.
    """
    if isinstance(name_or_path, str) and name_or_path in SHIPPED_SCENARIOS:
        return scenarios_dir() / f"{name_or_path}.yaml"
    path = Path(name_or_path).expanduser()
    if not path.is_absolute() and relative_to is not None:
        path = relative_to / path
    if not path.is_file():
        raise ScenarioNotFound(path)
    return path
