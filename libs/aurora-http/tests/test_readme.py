"""The README's examples run (the lead's BUILD must make README.md a dependency)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from aurora.http import reset_defaults

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)


def test_readme_quickstart_runs() -> None:
    """The first example is self-contained: it must run as written."""
    if not README.exists():
        pytest.fail(f"{README} is missing from the test sandbox")
    try:
        exec(compile(python_blocks()[0], str(README), "exec"), {})  # noqa: S102
    finally:
        reset_defaults()


def test_readme_service_examples_compile() -> None:
    """The other examples need running services; they must at least be valid code."""
    for block in python_blocks()[1:]:
        compile(block.replace("await ", ""), str(README), "exec")


def test_readme_install_example_prints_what_it_says(capsys: pytest.CaptureFixture[str]) -> None:
    (code,) = (block for block in python_blocks() if block.startswith("# Plugging into a service"))
    exec(compile(code, str(README), "exec"), {"__name__": "readme_example"})  # noqa: S102
    expected = [line.split("  # ", 1)[1] for line in code.splitlines() if line.startswith("print(")]
    assert capsys.readouterr().out.splitlines() == expected
