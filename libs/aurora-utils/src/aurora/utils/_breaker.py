"""A circuit breaker with Resilience4j's semantics, for sync and async callers.

A breaker stops a service from hammering a dependency that is failing: once
enough recent calls failed (or were slow), callers fail fast with
:class:`CircuitOpenError` for ``open_duration`` seconds, then a few trial calls
decide whether the dependency is back.

States::

    CLOSED --(failure or slow-call rate >= threshold, over >= minimum_calls)--> OPEN
    OPEN --(open_duration elapsed, noticed on next use)--> HALF_OPEN
    HALF_OPEN --(half_open_max_calls trials recorded, rates below thresholds)--> CLOSED
    HALF_OPEN --(... rates at or above a threshold)--> OPEN

There is no timer thread: the OPEN -> HALF_OPEN move happens when the breaker is
next used or inspected. State lives behind a ``threading.Lock`` held only for a
few arithmetic steps and never across an ``await``, which makes one breaker
safe to share between threads and asyncio tasks alike.
"""

from __future__ import annotations

import functools
import inspect
import logging
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine
from enum import Enum
from types import TracebackType
from typing import Any, ParamSpec, TypeVar, overload

from aurora.utils._circuit import CircuitOpenError, CircuitState, StateListener
from aurora.utils._window import CountWindow, outcome

__all__ = ["CircuitBreaker"]

_P = ParamSpec("_P")
_T = TypeVar("_T")
_logger = logging.getLogger("aurora.utils.breaker")
_Changes = list[tuple[CircuitState, CircuitState]]  # transitions to report once unlocked


class _Verdict(Enum):
    """How a finished call counts."""

    SUCCESS = "success"
    FAILURE = "failure"
    RELEASE = "release"  # finished, but says nothing about the dependency's health


class CircuitBreaker:
    """Fail fast while a dependency is unhealthy: ``breaker.call(fn, *args, **kwargs)``.

    Args:
        name: Identifies the breaker in errors and listener calls.
        failure_rate_threshold: Failed share of the window (0 < x <= 1) that opens it.
        sliding_window_size: How many of the latest calls the rates are computed over.
        minimum_calls: Calls the window needs before it may open (capped at its size).
        open_duration: Seconds to refuse calls before allowing trials.
        half_open_max_calls: Trial calls allowed, and needed, to decide in HALF_OPEN.
        slow_call_duration: Seconds beyond which a call counts as slow; None disables.
        slow_call_rate_threshold: Slow share of the window (0 < x <= 1) that opens it.
        record_exceptions: Exceptions counted as failures. Other ``Exception``\\ s
            count as successes (the dependency answered; the caller erred), as in
            Resilience4j.
        ignore_exceptions: Exceptions that count as nothing; they win over
            ``record_exceptions``. ``BaseException``\\ s that are not ``Exception``
            (cancellation, ``KeyboardInterrupt``) are always ignored unless listed
            in ``record_exceptions``, since they say nothing about the dependency.
        clock: Monotonic seconds; inject a fake one in tests.
    """

    def __init__(
        self,
        name: str = "default",
        *,
        failure_rate_threshold: float = 0.5,
        sliding_window_size: int = 10,
        minimum_calls: int = 5,
        open_duration: float = 30.0,
        half_open_max_calls: int = 1,
        slow_call_duration: float | None = None,
        slow_call_rate_threshold: float = 1.0,
        record_exceptions: tuple[type[BaseException], ...] = (Exception,),
        ignore_exceptions: tuple[type[BaseException], ...] = (),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        _check_rate("failure_rate_threshold", failure_rate_threshold)
        _check_rate("slow_call_rate_threshold", slow_call_rate_threshold)
        _check_positive("sliding_window_size", sliding_window_size)
        _check_positive("minimum_calls", minimum_calls)
        _check_positive("half_open_max_calls", half_open_max_calls)
        if open_duration < 0:
            raise ValueError("open_duration must be >= 0")
        if slow_call_duration is not None and slow_call_duration < 0:
            raise ValueError("slow_call_duration must be >= 0 or None")
        self._name = name
        self._failure_threshold = failure_rate_threshold
        self._slow_threshold = slow_call_rate_threshold
        self._window_size = sliding_window_size
        self._minimum_calls = minimum_calls
        self._open_duration = open_duration
        self._trials = half_open_max_calls
        self._slow_call_duration = slow_call_duration
        self._record = record_exceptions
        self._ignore = ignore_exceptions
        self._clock = clock
        self._lock = threading.Lock()
        self._listeners: list[StateListener] = []
        self._state = CircuitState.CLOSED
        self._generation = 0  # bumped on every transition so late outcomes can be dropped
        self._window = CountWindow(sliding_window_size, minimum_calls)
        self._opened_at = 0.0
        self._free_trials = 0

    def __repr__(self) -> str:
        return f"<CircuitBreaker {self._name!r} state={self._state.value}>"

    @property
    def name(self) -> str:
        """The breaker's name."""
        return self._name

    @property
    def state(self) -> CircuitState:
        """The current state, moving OPEN to HALF_OPEN if the open period is over."""
        changes: _Changes = []
        with self._lock:
            self._advance(self._clock(), changes)
            state = self._state
        self._notify(changes)
        return state

    @property
    def retry_after(self) -> float | None:
        """Seconds left in the open period, or None when the breaker is not OPEN."""
        changes: _Changes = []
        with self._lock:
            now = self._clock()
            self._advance(now, changes)
            remaining = self._remaining(now)
        self._notify(changes)
        return remaining

    def add_listener(self, listener: StateListener) -> None:
        """Call ``listener(name, old, new)`` after every state change.

        Listeners run outside the lock, so they may use the breaker; one that
        raises is logged and does not disturb the call that caused the change.
        """
        with self._lock:
            self._listeners.append(listener)

    def remove_listener(self, listener: StateListener) -> None:
        """Stop calling ``listener``; unknown listeners are ignored."""
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def reset(self) -> None:
        """Forget all outcomes and close the circuit (an operator's override)."""
        changes: _Changes = []
        with self._lock:
            self._enter(CircuitState.CLOSED, self._clock(), changes)
        self._notify([change for change in changes if change[0] is not change[1]])

    # -- low-level API, for callers that classify outcomes themselves ------------------

    def acquire(self) -> None:
        """Ask to make one call; pair it with ``record_*`` or ``release``.

        Raises:
            CircuitOpenError: The circuit is open, or all half-open trials are taken.
        """
        self._acquire()

    def record_success(self, duration: float = 0.0) -> None:
        """Count a permitted call as healthy (slow if ``duration`` is over the limit)."""
        self._finish(None, _Verdict.SUCCESS, duration)

    def record_failure(self, duration: float = 0.0) -> None:
        """Count a permitted call as failed."""
        self._finish(None, _Verdict.FAILURE, duration)

    def release(self) -> None:
        """End a permitted call without counting it (say, a 4xx: the caller's fault)."""
        self._finish(None, _Verdict.RELEASE, 0.0)

    # -- call forms --------------------------------------------------------------------

    def call(self, fn: Callable[_P, _T], /, *args: _P.args, **kwargs: _P.kwargs) -> _T:
        """Run ``fn(*args, **kwargs)`` through the breaker and return its result.

        Raises:
            CircuitOpenError: The call was not attempted.
        """
        with _Attempt(self):
            return fn(*args, **kwargs)

    async def call_async(
        self, fn: Callable[_P, Awaitable[_T]], /, *args: _P.args, **kwargs: _P.kwargs
    ) -> _T:
        """Await ``fn(*args, **kwargs)`` through the breaker and return its result.

        Raises:
            CircuitOpenError: The call was not attempted.
        """
        with _Attempt(self):
            return await fn(*args, **kwargs)

    @overload
    def __call__(
        self, fn: Callable[_P, Coroutine[Any, Any, _T]]
    ) -> Callable[_P, Coroutine[Any, Any, _T]]: ...

    @overload
    def __call__(self, fn: Callable[_P, _T]) -> Callable[_P, _T]: ...

    def __call__(self, fn: Callable[_P, Any]) -> Callable[_P, Any]:
        """Use the breaker as a decorator on a sync or an async function."""
        if inspect.iscoroutinefunction(fn):

            @functools.wraps(fn)
            async def guarded_async(*args: _P.args, **kwargs: _P.kwargs) -> Any:
                return await self.call_async(fn, *args, **kwargs)

            return guarded_async

        @functools.wraps(fn)
        def guarded(*args: _P.args, **kwargs: _P.kwargs) -> Any:
            return self.call(fn, *args, **kwargs)

        return guarded

    # -- the state machine -------------------------------------------------------------

    def _acquire(self) -> int:
        changes: _Changes = []
        with self._lock:
            now = self._clock()
            self._advance(now, changes)
            refusal = self._admit(now)
            generation = self._generation
        self._notify(changes)
        if refusal is not None:
            raise refusal
        return generation

    def _admit(self, now: float) -> CircuitOpenError | None:
        if self._state is CircuitState.CLOSED:
            return None
        if self._state is CircuitState.HALF_OPEN and self._free_trials > 0:
            self._free_trials -= 1
            return None
        return CircuitOpenError(breaker_name=self._name, retry_after=self._remaining(now))

    def _finish(self, generation: int | None, verdict: _Verdict, duration: float) -> None:
        """Apply an outcome; ``generation`` None means "whatever state is current"."""
        changes: _Changes = []
        with self._lock:
            if generation is None or generation == self._generation:
                self._apply(verdict, duration, changes)
        self._notify(changes)

    def _apply(self, verdict: _Verdict, duration: float, changes: _Changes) -> None:
        state = self._state
        if state is CircuitState.OPEN:
            return  # a call admitted before the circuit opened: old news
        if state is CircuitState.HALF_OPEN:
            in_flight = self._trials - self._free_trials - self._window.calls
            if in_flight <= 0:
                return  # not a trial (it was admitted while CLOSED); don't let it decide
            if verdict is _Verdict.RELEASE:
                self._free_trials += 1
                return
        elif verdict is _Verdict.RELEASE:
            return
        slow = self._slow_call_duration is not None and duration > self._slow_call_duration
        self._window.record(outcome(failed=verdict is _Verdict.FAILURE, slow=slow))
        if state is CircuitState.CLOSED:
            if self._tripped():
                self._enter(CircuitState.OPEN, self._clock(), changes)
        elif self._window.is_full:
            tripped = self._tripped()
            self._enter(
                CircuitState.OPEN if tripped else CircuitState.CLOSED, self._clock(), changes
            )

    def _tripped(self) -> bool:
        failure_rate = self._window.failure_rate()
        slow_rate = self._window.slow_call_rate()
        if failure_rate is None or slow_rate is None:
            return False
        return failure_rate >= self._failure_threshold or slow_rate >= self._slow_threshold

    def _advance(self, now: float, changes: _Changes) -> None:
        if self._state is CircuitState.OPEN and now - self._opened_at >= self._open_duration:
            self._enter(CircuitState.HALF_OPEN, now, changes)

    def _enter(self, state: CircuitState, now: float, changes: _Changes) -> None:
        changes.append((self._state, state))
        self._state = state
        self._generation += 1
        if state is CircuitState.OPEN:
            self._opened_at = now
        elif state is CircuitState.HALF_OPEN:
            self._window = CountWindow(self._trials, self._trials)
            self._free_trials = self._trials
        else:
            self._window = CountWindow(self._window_size, self._minimum_calls)

    def _remaining(self, now: float) -> float | None:
        if self._state is not CircuitState.OPEN:
            return None
        return max(0.0, self._opened_at + self._open_duration - now)

    def _verdict_for(self, exc: BaseException) -> _Verdict:
        if isinstance(exc, self._ignore):
            return _Verdict.RELEASE
        if isinstance(exc, self._record):
            return _Verdict.FAILURE
        if isinstance(exc, Exception):
            return _Verdict.SUCCESS
        return _Verdict.RELEASE

    def _notify(self, changes: _Changes) -> None:
        if not changes:
            return
        listeners = tuple(self._listeners)
        for old, new in changes:
            for listener in listeners:
                try:
                    listener(self._name, old, new)
                except Exception:
                    _logger.exception("circuit breaker %r: state listener failed", self._name)


class _Attempt:
    """One guarded call: admission on enter, timing and verdict on exit.

    A context manager rather than a wrapper so ``call`` and ``call_async`` share
    every line of logic and differ only in the ``await``.
    """

    __slots__ = ("_breaker", "_generation", "_start")

    def __init__(self, breaker: CircuitBreaker) -> None:
        self._breaker = breaker

    def __enter__(self) -> None:
        self._generation = self._breaker._acquire()
        self._start = self._breaker._clock()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        breaker = self._breaker
        verdict = _Verdict.SUCCESS if exc is None else breaker._verdict_for(exc)
        breaker._finish(self._generation, verdict, breaker._clock() - self._start)


def _check_rate(name: str, value: float) -> None:
    if not 0.0 < value <= 1.0:
        raise ValueError(f"{name} must be in (0, 1], got {value!r}")


def _check_positive(name: str, value: int) -> None:
    if value < 1:
        raise ValueError(f"{name} must be >= 1, got {value!r}")
