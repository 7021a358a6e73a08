"""Log capture with assertions on the JSON lines a service would write.

Built on :func:`aurora.logging.testing.capture_logs`, which collects events at
the end of the real pipeline (timestamps, levels, the service name, correlation
ids, masked secrets), so what a test asserts is what operations would read::

    with capture_log_lines() as logs:
        client.post("/subjects", json={"name": "Math"})
    line = logs.assert_logged("subject_created", level="info", subject_id="123")
    assert line["correlation_id"]
    logs.assert_not_logged(level="error")
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import orjson

from aurora.logging.testing import capture_logs

__all__ = ["LogCapture", "capture_log_lines"]


class LogCapture:
    """The events logged while capturing, and assertions over them.

    Field expectations compare with ``==``, except that a mapping expectation
    matches a mapping value containing at least those items (recursively), so a
    test names only the fields it cares about.
    """

    def __init__(self, events: list[dict[str, Any]]) -> None:
        self._events = events

    @property
    def events(self) -> list[dict[str, Any]]:
        """Every captured event so far, as dicts, oldest first."""
        return list(self._events)

    @property
    def lines(self) -> list[str]:
        """The captured events as JSON lines, the way the JSON renderer would write them.

        Raises:
            TypeError: an event holds a value JSON can't represent (which the real
                renderer would have had to stringify).
        """
        return [orjson.dumps(event).decode() for event in self._events]

    def find(
        self, event: str | None = None, *, level: str | None = None, **fields: Any
    ) -> list[dict[str, Any]]:
        """The events named ``event`` at ``level`` whose fields match ``fields``."""
        expected = dict(fields)
        if event is not None:
            expected["event"] = event
        if level is not None:
            expected["level"] = level.lower()
        return [entry for entry in self._events if _matches(entry, expected)]

    def assert_logged(
        self,
        event: str | None = None,
        *,
        level: str | None = None,
        count: int | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        """Assert a matching event was logged (exactly ``count`` times when given).

        Returns:
            The first matching event, for further checks.
        """
        __tracebackhide__ = True
        found = self.find(event, level=level, **fields)
        if (count is None and not found) or (count is not None and len(found) != count):
            wanted = "at least one" if count is None else str(count)
            raise AssertionError(
                f"expected {wanted} log event(s) matching {_describe(event, level, fields)}, "
                f"found {len(found)}; logged: {self._summary()}"
            )
        return found[0] if found else {}

    def assert_not_logged(
        self, event: str | None = None, *, level: str | None = None, **fields: Any
    ) -> None:
        """Assert nothing matching was logged (``assert_not_logged(level="error")``)."""
        __tracebackhide__ = True
        found = self.find(event, level=level, **fields)
        if found:
            raise AssertionError(
                f"expected no log event matching {_describe(event, level, fields)}, "
                f"found {len(found)}: {found!r}"
            )

    def clear(self) -> None:
        """Forget what was captured so far (after arranging, before acting)."""
        self._events.clear()

    def _summary(self) -> str:
        return ", ".join(f"{e.get('level')}:{e.get('event')}" for e in self._events) or "nothing"

    def __len__(self) -> int:
        return len(self._events)

    def __repr__(self) -> str:
        return f"LogCapture({self._summary()})"


@contextmanager
def capture_log_lines() -> Iterator[LogCapture]:
    """Capture what aurora.logging emits inside the block (nothing reaches the stream)."""
    with capture_logs() as events:
        yield LogCapture(events)


def _matches(value: Any, expected: Any) -> bool:
    if isinstance(expected, Mapping):
        return isinstance(value, Mapping) and all(
            key in value and _matches(value[key], item) for key, item in expected.items()
        )
    return bool(value == expected)


def _describe(event: str | None, level: str | None, fields: Mapping[str, Any]) -> str:
    parts = [repr(event) if event is not None else "any event"]
    if level is not None:
        parts.append(f"level={level!r}")
    parts.extend(f"{key}={value!r}" for key, value in fields.items())
    return " ".join(parts)
