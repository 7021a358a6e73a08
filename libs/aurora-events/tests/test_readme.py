"""The README's first example runs as written (docs that are executed stay true)."""

from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def first_python_block(text: str) -> str:
    start = text.index("```python\n") + len("```python\n")
    return text[start : text.index("```", start)]


def test_the_readme_example_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # the example writes example.db in the working directory
    code = compile(first_python_block(README.read_text()), str(README), "exec")
    exec(code, {"__name__": "__readme__"})  # noqa: S102 - executing our own documentation
    assert "indexing 123 {'name': 'Math'} abc-123" in capsys.readouterr().out


def test_the_install_example_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # the example writes events-readme.db in the working directory
    text = README.read_text()
    start = text.index("```python\n# Plugging into a service") + len("```python\n")
    code = compile(text[start : text.index("```", start)], str(README), "exec")
    exec(code, {"__name__": "__readme__"})  # noqa: S102 - executing our own documentation
    assert "indexed s-1" in capsys.readouterr().out
