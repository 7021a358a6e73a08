"""A retry budget per target service (Linkerd's ``retryRatio`` + ``minRetriesPerSecond``).

Per-call retry limits don't stop a retry storm: when a service is down, every
caller retrying three times triples the load on it. A budget caps retries
across all calls to one service: within a sliding window, retries may not
exceed ``ratio`` times the calls made plus a small floor that keeps low-traffic
clients able to retry at all.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

__all__ = ["RetryBudget"]


class RetryBudget:
    """Retries allowed ≤ ``ratio`` * calls + ``min_retries`` within the last ``window`` seconds.

    Args:
        ratio: Retries allowed per call made (0.2 adds at most 20% load).
        min_retries: Retries always allowed per window, whatever the traffic.
        window: Length of the sliding window in seconds.
        buckets: Resolution of the window; counts expire one bucket at a time.
        clock: Monotonic time source; tests pass a fake one.
    """

    def __init__(
        self,
        *,
        ratio: float = 0.2,
        min_retries: int = 10,
        window: float = 10.0,
        buckets: int = 10,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if ratio < 0 or min_retries < 0 or window <= 0 or buckets < 1:
            raise ValueError(
                "retry budget needs ratio >= 0, min_retries >= 0, window > 0, buckets >= 1"
            )
        self.ratio = ratio
        self.min_retries = min_retries
        self._width = window / buckets
        self._clock = clock
        self._lock = threading.Lock()
        self._epochs = [-1] * buckets
        self._calls = [0] * buckets
        self._retries = [0] * buckets

    def _slot(self) -> tuple[int, int]:
        epoch = int(self._clock() / self._width)
        slot = epoch % len(self._epochs)
        if self._epochs[slot] != epoch:
            self._epochs[slot], self._calls[slot], self._retries[slot] = epoch, 0, 0
        return epoch, slot

    def record_call(self) -> None:
        """Count an original call (not a retry); each one earns ``ratio`` retries."""
        with self._lock:
            _, slot = self._slot()
            self._calls[slot] += 1

    def try_retry(self) -> bool:
        """Spend one retry if the budget allows it; ``False`` means don't retry."""
        with self._lock:
            epoch, slot = self._slot()
            calls, retries = self._totals(epoch)
            if retries + 1 > self.ratio * calls + self.min_retries:
                return False
            self._retries[slot] += 1
            return True

    def totals(self) -> tuple[int, int]:
        """Calls and retries counted in the current window."""
        with self._lock:
            epoch, _ = self._slot()
            return self._totals(epoch)

    def _totals(self, epoch: int) -> tuple[int, int]:
        oldest = epoch - len(self._epochs)
        calls = retries = 0
        for index, bucket_epoch in enumerate(self._epochs):
            if bucket_epoch > oldest:
                calls += self._calls[index]
                retries += self._retries[index]
        return calls, retries
