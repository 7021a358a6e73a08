"""The count-based sliding window a circuit breaker judges its downstream by.

Kept apart from the state machine so the arithmetic (what counts, when a rate
is defined) can be read, and tested, on its own.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

__all__ = ["CountWindow", "Outcome", "outcome"]


@dataclass(frozen=True, slots=True)
class Outcome:
    """One finished call as the window sees it."""

    failed: bool
    slow: bool


# Outcomes are immutable, so four shared instances spare an allocation per call.
_OUTCOMES = {
    (failed, slow): Outcome(failed, slow) for failed in (False, True) for slow in (False, True)
}


def outcome(*, failed: bool, slow: bool) -> Outcome:
    """The shared :class:`Outcome` for this combination."""
    return _OUTCOMES[failed, slow]


class CountWindow:
    """The last ``size`` outcomes with running totals, so each record is O(1).

    Args:
        size: How many of the most recent outcomes are kept.
        minimum_calls: Outcomes needed before a rate means anything; capped at
            ``size`` as Resilience4j does, since a fuller window can never exist.
    """

    __slots__ = ("_failures", "_minimum", "_outcomes", "_size", "_slow")

    def __init__(self, size: int, minimum_calls: int) -> None:
        self._size = size
        self._minimum = min(minimum_calls, size)
        self._outcomes: deque[Outcome] = deque()
        self._failures = 0
        self._slow = 0

    @property
    def calls(self) -> int:
        """Outcomes currently in the window."""
        return len(self._outcomes)

    @property
    def is_full(self) -> bool:
        """Whether the window holds ``size`` outcomes."""
        return len(self._outcomes) >= self._size

    def record(self, outcome: Outcome) -> None:
        """Add an outcome, evicting the oldest one when the window is full."""
        if len(self._outcomes) >= self._size:
            evicted = self._outcomes.popleft()
            self._failures -= evicted.failed
            self._slow -= evicted.slow
        self._outcomes.append(outcome)
        self._failures += outcome.failed
        self._slow += outcome.slow

    def failure_rate(self) -> float | None:
        """Failed share of the window, or None below the minimum number of calls."""
        return self._rate(self._failures)

    def slow_call_rate(self) -> float | None:
        """Slow share of the window, or None below the minimum number of calls."""
        return self._rate(self._slow)

    def _rate(self, count: int) -> float | None:
        calls = len(self._outcomes)
        if calls == 0 or calls < self._minimum:
            return None
        return count / calls
