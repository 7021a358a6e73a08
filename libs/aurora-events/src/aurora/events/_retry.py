"""How a consumer retries a failing handler before giving the message back.

Two layers, because failures come in two kinds: a blip (a deadlock, a timeout) is
best retried in-process after a short backoff (``RetryPolicy``), while a handler
that keeps failing should let go of the message so that it is redelivered later,
possibly elsewhere, after a growing delay (``Backoff``), and finally dead-lettered
once ``max_deliveries`` is reached. Exceptions a handler declares hopeless
(``give_up_on``) skip both layers and go straight to the dead-letter stream.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

__all__ = ["Backoff", "RetryPolicy"]


def _exponential(
    initial: float, multiplier: float, cap: float, jitter: float, attempt: int
) -> float:
    base = min(initial * multiplier**attempt, cap)
    spread = base * jitter
    return max(0.0, base + random.uniform(-spread, spread))  # noqa: S311 - not crypto


@dataclass(frozen=True, slots=True)
class Backoff:
    """Delays between deliveries of a failing message: capped exponential, with jitter.

    Args:
        initial: Seconds before the second delivery.
        multiplier: Growth per delivery.
        maximum: Cap on one delay; the visibility timeout caps it too, since a
            pending message is reclaimed by then anyway.
        jitter: Random spread as a fraction of the delay, so messages that failed
            together (a database outage) don't all come back at once.
    """

    initial: float = 1.0
    multiplier: float = 2.0
    maximum: float = 60.0
    jitter: float = 0.5

    def __post_init__(self) -> None:
        if self.initial < 0 or self.maximum < 0 or not 0 <= self.jitter <= 1:
            raise ValueError("delays must not be negative and jitter must be within [0, 1]")

    def delay(self, deliveries: int) -> float:
        """Seconds to wait before redelivering a message delivered ``deliveries`` times."""
        return _exponential(
            self.initial, self.multiplier, self.maximum, self.jitter, max(0, deliveries - 1)
        )


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """In-process retries of one delivery, with capped exponential backoff and jitter.

    Args:
        attempts: Handler calls per delivery (1 = no in-process retry).
        initial_backoff: Seconds before the second call.
        multiplier: Growth of the backoff per attempt.
        max_backoff: Cap on any single backoff.
        jitter: Random spread as a fraction of the backoff, so that consumers failing
            together don't retry in lockstep.
    """

    attempts: int = 3
    initial_backoff: float = 0.1
    multiplier: float = 2.0
    max_backoff: float = 5.0
    jitter: float = 0.1

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("attempts must be at least 1")
        if self.initial_backoff < 0 or self.max_backoff < 0 or self.jitter < 0:
            raise ValueError("backoffs and jitter must not be negative")

    def backoff(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (0-based)."""
        return _exponential(
            self.initial_backoff, self.multiplier, self.max_backoff, self.jitter, attempt
        )
