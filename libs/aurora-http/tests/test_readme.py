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
