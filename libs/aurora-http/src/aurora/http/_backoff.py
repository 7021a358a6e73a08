"""Exponential backoff with full jitter, and the one switch that turns its sleeps off.

Full jitter (``uniform(0, min(cap, base * 2**n))``, AWS Architecture Blog, 2015)
spreads the retries of many clients that failed together, so they don't come
back in lockstep and knock the recovering service over again.

Sleeping goes through :func:`sleep` / :func:`sleep_blocking` so tests can skip the
waits without patching anything (stamina's testing mode): while sleeps are
disabled every requested delay is appended to the active recorder instead.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import anyio

__all__ = [
    "Backoff",
    "disabled_sleeps",
    "enable_sleeps",
    "sleep",
    "sleep_blocking",
    "sleeps_enabled",
]


@dataclass(frozen=True, slots=True)
class Backoff:
    """How long to wait before retry ``n``: a random point below an exponential ceiling.

    Args:
        initial: Ceiling before the first retry, in seconds.
        maximum: The ceiling never grows past this.
        multiplier: Growth of the ceiling per retry.
    """

    initial: float = 0.1
    maximum: float = 5.0
    multiplier: float = 2.0

    def __post_init__(self) -> None:
        if self.initial < 0 or self.maximum < 0 or self.multiplier < 1:
            raise ValueError("backoff needs initial >= 0, maximum >= 0 and multiplier >= 1")

    def ceiling(self, retry: int) -> float:
        """The upper bound of the delay before retry number ``retry`` (1-based)."""
        exponent = max(retry - 1, 0)
        # Cap the exponent so large attempt numbers can't overflow a float.
        return float(min(self.maximum, self.initial * self.multiplier ** min(exponent, 64)))

    def delay(self, retry: int, unit: float) -> float:
        """The jittered delay; ``unit`` is a random number in ``[0, 1)`` chosen by the caller."""
        return self.ceiling(retry) * unit


@dataclass(slots=True)
class _SleepSwitch:
    enabled: bool = True
    recorder: list[float] | None = None


_SWITCH = _SleepSwitch()


def enable_sleeps(enabled: bool) -> None:
    """Turn backoff sleeps on or off for the whole process (tests turn them off)."""
    _SWITCH.enabled = enabled
    _SWITCH.recorder = None


@contextmanager
def disabled_sleeps() -> Iterator[list[float]]:
    """Skip backoff sleeps inside the block and record the delays that were asked for.

    Nestable; the previous state is restored on exit, even on error.
    """
    previous = (_SWITCH.enabled, _SWITCH.recorder)
    recorded: list[float] = []
    _SWITCH.enabled, _SWITCH.recorder = False, recorded
    try:
        yield recorded
    finally:
        _SWITCH.enabled, _SWITCH.recorder = previous


def sleeps_enabled() -> bool:
    """Whether backoff sleeps really wait (``False`` under :func:`disabled_sleeps`)."""
    return _SWITCH.enabled


def _skip(delay: float) -> bool:
    if _SWITCH.enabled:
        return False
    if _SWITCH.recorder is not None:
        _SWITCH.recorder.append(delay)
    return True


async def sleep(delay: float) -> None:
    """Wait ``delay`` seconds before a retry, unless sleeps are disabled."""
    if _skip(delay):
        await anyio.sleep(0)  # still yield, so concurrency in tests looks like production
        return
    await anyio.sleep(delay)


def sleep_blocking(delay: float) -> None:
    """The sync twin of :func:`sleep`."""
    if not _skip(delay):
        time.sleep(delay)
