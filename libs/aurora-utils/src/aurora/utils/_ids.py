"""Identifiers: random UUIDv4 and time-ordered UUIDv7 (RFC 9562).

UUIDv7 puts a millisecond Unix timestamp in the top 48 bits, so ids created
later sort later: B-tree indexes stay append-only and ids double as a rough
creation time. Python 3.11's ``uuid`` module has no v7, hence this one.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Callable

__all__ = ["UUID7Generator", "generate_uuid", "generate_uuid7", "uuid7"]

_COUNTER_BITS = 42  # rand_a (12 bits) + the top 30 bits of rand_b: RFC 9562 6.2, method 1
_COUNTER_MAX = (1 << _COUNTER_BITS) - 1
_TAIL_BITS = 32  # the rest of rand_b stays random on every call
_VERSION_7 = 0x7 << 76
_VARIANT_RFC = 0b10 << 62


def generate_uuid() -> str:
    """A random UUID4 string, the seed's general-purpose id."""
    return str(uuid.uuid4())


class UUID7Generator:
    """Makes UUIDv7s that strictly increase, even within one millisecond.

    A 42-bit counter, seeded randomly each new millisecond with its top bit
    clear, fills the bits after the timestamp and is incremented for further ids
    in the same millisecond. When the clock stalls or steps back, the last
    timestamp is reused; if the counter runs out, the timestamp is advanced by a
    millisecond. Either way, order is never broken.

    Args:
        clock_ns: Wall-clock nanoseconds since the Unix epoch; inject a fake one in
            tests.
    """

    def __init__(self, *, clock_ns: Callable[[], int] = time.time_ns) -> None:
        self._clock_ns = clock_ns
        self._lock = threading.Lock()
        self._last_ms = -1
        self._counter = 0

    def __call__(self) -> uuid.UUID:
        """The next id."""
        with self._lock:
            timestamp_ms, counter = self._next_position(self._clock_ns() // 1_000_000)
        tail = int.from_bytes(os.urandom(4))
        value = (
            (timestamp_ms & 0xFFFF_FFFF_FFFF) << 80
            | _VERSION_7
            | (counter >> 30) << 64
            | _VARIANT_RFC
            | (counter & 0x3FFF_FFFF) << _TAIL_BITS
            | tail
        )
        return uuid.UUID(int=value)

    def _next_position(self, now_ms: int) -> tuple[int, int]:
        if now_ms > self._last_ms:
            self._last_ms = now_ms
            self._counter = int.from_bytes(os.urandom(6)) & (_COUNTER_MAX >> 1)
        elif self._counter < _COUNTER_MAX:
            self._counter += 1
        else:
            self._last_ms += 1
            self._counter = 0
        return self._last_ms, self._counter


# One generator per process, so every id from ``uuid7()`` sorts after the previous
# one. It holds only a lock and two ints, so building it at import costs nothing.
_generator = UUID7Generator()


def uuid7() -> uuid.UUID:
    """A time-ordered UUIDv7, monotonic across the whole process."""
    return _generator()


def generate_uuid7() -> str:
    """``str(uuid7())``: an id that sorts by creation time."""
    return str(uuid7())
