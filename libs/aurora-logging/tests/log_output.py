"""Reading back what the pipeline wrote: the tests assert on real lines, not on calls."""

from __future__ import annotations

import io
import json
from typing import Any


class Output:
    """An in-memory stream handed to ``setup_logging(stream=...)``, parsed back as JSON lines."""

    def __init__(self) -> None:
        self.stream = io.StringIO()

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def lines(self) -> list[dict[str, Any]]:
        # JSON lines end at "\n" only: str.splitlines() would also split inside strings at
        # characters such as U+2028 or \x1c, which JSON leaves unescaped.
        return [json.loads(line) for line in self.text.split("\n") if line]

    def only(self) -> dict[str, Any]:
        lines = self.lines()
        assert len(lines) == 1, lines
        return lines[0]
