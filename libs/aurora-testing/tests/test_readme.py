"""Every ``python`` block of the README runs: test modules under pytest, the rest as scripts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from testing_inner import run_inner

README = Path(__file__).resolve().parents[1] / "README.md"


def _blocks() -> list[str]:
    assert README.is_file(), f"{README} must ship with the tests (a file dependency in BUILD)"
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)


BLOCKS = _blocks()
TEST_MODULES = [block for block in BLOCKS if re.search(r"^(async )?def test_", block, re.M)]
SCRIPTS = [block for block in BLOCKS if block not in TEST_MODULES]


def test_the_example_test_modules_pass_under_pytest(inner: pytest.Pytester) -> None:
    """One pytest session for all of them: the examples run as a service's suite would."""
    assert len(TEST_MODULES) >= 7
    inner.makepyfile(**{f"test_readme_{i}": module for i, module in enumerate(TEST_MODULES)})

    result = run_inner(inner)

    outcomes = result.parseoutcomes()
    assert set(outcomes) <= {"passed", "skipped"}, result.stdout.str()  # skipped: no PostgreSQL
    assert outcomes.get("passed", 0) >= len(TEST_MODULES), result.stdout.str()


@pytest.mark.parametrize("script", SCRIPTS, ids=[f"script{i}" for i in range(len(SCRIPTS))])
def test_the_example_script_runs(script: str) -> None:
    exec(compile(script, str(README), "exec"), {"__name__": "readme_example"})  # noqa: S102
