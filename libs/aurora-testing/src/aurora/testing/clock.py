"""A clock the test moves by hand, for code that takes ``clock=``.

Aurora's time-dependent parts accept a ``Callable[[], float]`` instead of
reading ``time.monotonic`` themselves (``CircuitBreaker(clock=...)``,
``RetryBudget(clock=...)``, ``MemoryBroker(clock=...)``), so a test can cross an
open duration or a sliding window instantly, without sleeping or patching::

    clock = FrozenClock()
    breaker = CircuitBreaker(open_duration=30, clock=clock)
    ...  # trip it
    clock.advance(30)
    assert breaker.state is CircuitState.HALF_OPEN
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

__all__ = ["FrozenClock"]


class FrozenClock:
    """A monotonic time source that only moves when told to.

    Calling it returns the current reading in seconds, like ``time.monotonic()``.
    It starts at an arbitrary non-zero value (``start``): code under test must
    only compare readings, and a zero start would hide bugs that treat 0 as "never".
    Thread-safe, so a breaker shared by threads sees one consistent time.

    Args:
        start: The first reading, in seconds.
    """

    def __init__(self, start: float = 1000.0) -> None:
        self._now = float(start)
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return self._now

    @property
    def now(self) -> float:
        """The current reading; assignable, but never backwards (a monotonic clock can't)."""
        return self._now

    @now.setter
    def now(self, value: float) -> None:
        with self._lock:
            if value < self._now:
                raise ValueError(f"a monotonic clock can't go back from {self._now} to {value}")
            self._now = float(value)

    def advance(self, seconds: float) -> float:
        """Move forward by ``seconds`` and return the new reading."""
        if seconds < 0:
            raise ValueError("a monotonic clock can't go back; advance by a positive amount")
        with self._lock:
            self._now += seconds
            return self._now

    async def sleep(self, seconds: float) -> None:
        """An ``asyncio.sleep`` stand-in that advances the clock instead of waiting."""
        self.advance(max(0.0, seconds))

    def datetime(self) -> datetime:
        """The reading as an aware UTC datetime (seconds since the epoch), for wall-clock code."""
        return datetime.fromtimestamp(self._now, UTC)

    def __repr__(self) -> str:
        return f"FrozenClock(now={self._now})"
