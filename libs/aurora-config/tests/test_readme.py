"""The README's Python examples run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).parent.parent / "README.md"


def _python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)


def test_readme_has_examples() -> None:
    assert len(_python_blocks()) >= 2


@pytest.mark.parametrize("index", range(len(_python_blocks())))
def test_readme_example_runs(index: int, capsys: pytest.CaptureFixture[str]) -> None:
    # dont_inherit: this module's `from __future__ import annotations` is not the example's.
    code = compile(_python_blocks()[index], f"README.md example {index}", "exec", dont_inherit=True)
    exec(code, {})  # noqa: S102

    assert capsys.readouterr().out
