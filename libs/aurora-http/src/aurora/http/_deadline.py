"""Deadlines that flow through nested calls, like gRPC's.

A service handling a request with 2 s left must not start a downstream call
that is allowed 10 s. :func:`deadline_scope` sets the time left for everything
inside it (nesting only ever shortens it), every client call inside respects it,
and the remaining time travels downstream in a header so the callee can budget
its own calls.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["current_deadline", "deadline_scope", "earliest"]

_DEADLINE: ContextVar[float | None] = ContextVar("aurora_http_deadline", default=None)


def current_deadline() -> float | None:
    """The active deadline as a ``time.monotonic()`` instant, if one is set."""
    return _DEADLINE.get()


def earliest(*deadlines: float | None) -> float | None:
    """The soonest of several optional deadlines."""
    present = [d for d in deadlines if d is not None]
    return min(present) if present else None


@contextmanager
def deadline_scope(timeout: float | None) -> Iterator[float | None]:
    """Give every client call inside the block at most ``timeout`` more seconds in total.

    ``None`` keeps the enclosing deadline. Yields the effective deadline
    (a ``time.monotonic()`` instant) or ``None``.
    """
    own = None if timeout is None else time.monotonic() + max(timeout, 0.0)
    effective = earliest(_DEADLINE.get(), own)
    token = _DEADLINE.set(effective)
    try:
        yield effective
    finally:
        _DEADLINE.reset(token)
