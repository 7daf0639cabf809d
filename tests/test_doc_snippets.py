"""The Python code blocks of docs/testing.md and the README run, each as a test module of a consumer project."""

import re
import shutil
from pathlib import Path

import pytest

from simulator.resources import scenarios_dir

ROOT = Path(__file__).resolve().parent.parent
DOCS = ("docs/testing.md", "README.md")
_BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def blocks() -> list:
    found = []
    for doc in DOCS:
        text = (ROOT / doc).read_text()
        for match in _BLOCK.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.append(pytest.param(match.group(1), id=f"{doc}:{line}"))
    return found


def test_the_docs_have_code_blocks():
    assert len(blocks()) >= 4


@pytest.mark.parametrize("code", blocks())
def test_a_code_block_runs_and_passes(pytester: pytest.Pytester, code: str):
    assert "def test_" in code, "a code block of these pages is a test module"
    (pytester.path / "scenarios").mkdir()
    shutil.copy(scenarios_dir() / "busy-call-center.yaml", pytester.path / "scenarios" / "busy.yaml")
    pytester.makepyfile(test_snippet=code)
    result = pytester.runpytest_subprocess("-p", "no:randomly", "-p", "no:cacheprovider")
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed", 0) == code.count("def test_"), result.stdout.str()
    assert not outcomes.get("failed") and not outcomes.get("errors"), result.stdout.str()
