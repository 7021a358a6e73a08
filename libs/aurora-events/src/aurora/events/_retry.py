"""How a consumer retries a failing handler before giving the message back.

Two layers, because failures come in two kinds: a blip (a deadlock, a timeout) is
best retried in-process after a short backoff, while a handler that keeps failing
should let go of the message so that it is redelivered later, possibly elsewhere,
and finally dead-lettered once ``max_deliveries`` is reached.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

__all__ = ["RetryPolicy"]


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
        base = min(self.initial_backoff * self.multiplier**attempt, self.max_backoff)
        spread = base * self.jitter
        return max(0.0, base + random.uniform(-spread, spread))  # noqa: S311 - not crypto
