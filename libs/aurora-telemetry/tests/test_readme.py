"""The README's examples run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def _python_blocks() -> list[str]:
    assert README.is_file(), f"{README} must ship with the tests (a file dependency in BUILD)"
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)


@pytest.mark.parametrize("index", range(2))
def test_the_examples_run(index: int) -> None:
    exec(compile(_python_blocks()[index], str(README), "exec"), {})  # noqa: S102 - our own README
