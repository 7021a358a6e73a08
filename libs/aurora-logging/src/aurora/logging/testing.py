"""Test helpers for code that logs through aurora.logging (a public submodule).

from aurora.logging.testing import capture_logs

with capture_logs() as events:
    create_user(...)
assert events[0]["event"] == "user_created"
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from aurora.logging._pipeline import PIPELINE
from aurora.logging._setup import is_configured, reset_logging, setup_logging

__all__ = ["capture_logs"]


@contextmanager
def capture_logs() -> Iterator[list[dict[str, Any]]]:
    """Collect the events that would have been written, as dicts, instead of writing them.

    Events are captured at the end of the real pipeline, so they carry what a
    line would (``timestamp``, ``level``, ``service``, ``correlation_id``, masked
    secrets) and include stdlib and uvicorn records. Nothing reaches the stream
    meanwhile. Captures survive ``setup_logging`` being called inside the block
    (a service starting up); nested captures see only their own events.

    When logging isn't configured, a DEBUG-level pipeline with service ``"test"``
    is set up for the block and reset afterwards; otherwise the configured level
    applies.
    """
    configured_here = not is_configured()
    if configured_here:
        setup_logging("test", level="DEBUG")
    events: list[dict[str, Any]] = []
    PIPELINE.captures.append(events)
    try:
        yield events
    finally:
        for index in range(len(PIPELINE.captures) - 1, -1, -1):
            if PIPELINE.captures[index] is events:
                del PIPELINE.captures[index]
                break
        if configured_here:
            reset_logging()
