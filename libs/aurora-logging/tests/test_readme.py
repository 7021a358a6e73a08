"""The README's examples run as written."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def _python_blocks() -> list[str]:
    assert README.is_file(), f"{README} must ship with the tests (a file dependency in BUILD)"
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)


def test_the_opening_example_prints_the_documented_lines(
    capsys: pytest.CaptureFixture[str],
) -> None:
    exec(compile(_python_blocks()[0], str(README), "exec"), {})  # noqa: S102 - our own README

    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["event"] for line in lines] == ["Service started", "user_created", "login failed"]
    assert lines[1]["correlation_id"] == "correlation-123"
    assert lines[2]["correlation_id"] == "4bf92f35-77b3-4da6-a3ce-929d0e0e4736"
    assert lines[2]["password"] == "***"
    assert "hunter2" not in json.dumps(lines)


def test_the_testing_example_runs() -> None:
    exec(compile(_python_blocks()[1], str(README), "exec"), {})  # noqa: S102 - our own README


def test_the_line_writer_example_writes_two_lines() -> None:
    namespace: dict[str, object] = {}
    exec(compile(_python_blocks()[2], str(README), "exec"), namespace)  # noqa: S102

    stream = namespace["stream"]
    assert hasattr(stream, "getvalue")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["level"] for line in lines] == ["info", "warning"]
    assert {line["correlation_id"] for line in lines} == {"req-7"}
    assert lines[1]["token"] == "***"
    assert lines[0]["logger"] == "orders.access"
