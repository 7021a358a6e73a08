"""One test per circuit-breaker rule, driven by a fake clock passed in (never patched)."""

from __future__ import annotations

import asyncio
import inspect
import logging
import pickle
from typing import Any

import pytest

from aurora.errors import ServiceUnavailableError, error_from_problem, to_problem
from aurora.testing import FrozenClock
from aurora.utils import CircuitBreaker, CircuitOpenError, CircuitState

CLOSED, OPEN, HALF_OPEN = CircuitState.CLOSED, CircuitState.OPEN, CircuitState.HALF_OPEN


class Boom(Exception):  # noqa: N818 - reads better in tests than BoomError
    pass


EMPTY: dict[str, int] = {}


def succeed() -> str:
    return "ok"


def fail() -> None:
    raise Boom("downstream failed")


def run(breaker: CircuitBreaker, outcomes: str) -> None:
    """Feed outcomes through ``call``: "s" succeeds, "f" fails."""
    for outcome in outcomes:
        if outcome == "s":
            breaker.call(succeed)
        else:
            with pytest.raises(Boom):
                breaker.call(fail)


def trip(breaker: CircuitBreaker) -> None:
    while breaker.state is CLOSED:
        with pytest.raises(Boom):
            breaker.call(fail)


def test_call_passes_arguments_and_returns_the_result(clock: FrozenClock) -> None:
    breaker = CircuitBreaker(clock=clock)

    def combine(a: int, b: int, *, c: int) -> tuple[int, int, int]:
        return (a, b, c)

    assert breaker.call(combine, 1, 2, c=3) == (1, 2, 3)
    assert breaker.state is CLOSED


def test_stays_closed_below_the_minimum_number_of_calls(clock: FrozenClock) -> None:
    breaker = CircuitBreaker(minimum_calls=5, clock=clock)
    run(breaker, "ffff")
    assert breaker.state is CLOSED
    run(breaker, "f")
    assert breaker.state is OPEN


def test_minimum_calls_is_capped_at_the_window_size(clock: FrozenClock) -> None:
    breaker = CircuitBreaker(sliding_window_size=3, minimum_calls=10, clock=clock)
    run(breaker, "fff")
    assert breaker.state is OPEN


@pytest.mark.parametrize(
    ("outcomes", "expected"),
    [("sssf", CLOSED), ("ssff", OPEN), ("sfff", OPEN), ("ffss", OPEN)],
)
def test_opens_when_the_failure_rate_reaches_the_threshold(
    clock: FrozenClock, outcomes: str, expected: CircuitState
) -> None:
    breaker = CircuitBreaker(
        failure_rate_threshold=0.5, sliding_window_size=4, minimum_calls=4, clock=clock
    )
    run(breaker, outcomes)
    assert breaker.state is expected


def test_old_outcomes_slide_out_of_the_window(clock: FrozenClock) -> None:
    breaker = CircuitBreaker(
        failure_rate_threshold=0.75, sliding_window_size=4, minimum_calls=4, clock=clock
    )
    run(breaker, "ffss")  # 2/4: below 0.75
    run(breaker, "ss")  # the failures slide out
    run(breaker, "ff")  # 2/4 again, not 4/6
    assert breaker.state is CLOSED
    run(breaker, "f")  # 3/4
    assert breaker.state is OPEN


def test_open_circuit_refuses_without_calling(clock: FrozenClock) -> None:
    breaker = CircuitBreaker("payments", minimum_calls=1, open_duration=30, clock=clock)
    trip(breaker)
    calls: list[str] = []
    clock.advance(10)
    with pytest.raises(CircuitOpenError) as caught:
        breaker.call(calls.append, "attempted")
    assert calls == []
    error = caught.value
    assert isinstance(error, ServiceUnavailableError)
    assert (error.code, error.status) == ("circuit_open", 503)
    assert error.retry_after == pytest.approx(20)
    assert error.breaker_name == "payments"
    assert breaker.retry_after == pytest.approx(20)


def test_retry_after_is_none_unless_open(clock: FrozenClock) -> None:
    breaker = CircuitBreaker(minimum_calls=1, open_duration=5, clock=clock)
    readings = [breaker.retry_after]
    trip(breaker)
    readings.append(breaker.retry_after)
    clock.advance(5)
    readings.append(breaker.retry_after)
    assert readings == [None, 5, None]
    assert breaker.state is HALF_OPEN


def test_moves_to_half_open_exactly_when_the_open_duration_ends(clock: FrozenClock) -> None:
    breaker = CircuitBreaker(minimum_calls=1, open_duration=30, clock=clock)
    trip(breaker)
    clock.advance(29.999)
    assert breaker.state is OPEN
    clock.advance(0.001)
    assert breaker.state is HALF_OPEN


def test_half_open_admits_only_the_permitted_trials(clock: FrozenClock) -> None:
    breaker = CircuitBreaker(minimum_calls=1, open_duration=1, half_open_max_calls=2, clock=clock)
    trip(breaker)
    clock.advance(1)
    breaker.acquire()
    breaker.acquire()
    with pytest.raises(CircuitOpenError) as caught:
        breaker.acquire()
    assert caught.value.retry_after is None  # trials in flight: no known wait


def test_half_open_closes_when_the_trials_succeed(clock: FrozenClock) -> None:
    breaker = CircuitBreaker(minimum_calls=1, open_duration=1, half_open_max_calls=3, clock=clock)
    trip(breaker)
    clock.advance(1)
    run(breaker, "ss")
    assert breaker.state is HALF_OPEN  # waits for all three trials
    run(breaker, "s")
    assert breaker.state is CLOSED


def test_half_open_reopens_when_the_trials_fail_at_the_threshold(clock: FrozenClock) -> None:
    breaker = CircuitBreaker(
        failure_rate_threshold=0.5,
        minimum_calls=1,
        open_duration=10,
        half_open_max_calls=2,
        clock=clock,
    )
    trip(breaker)
    clock.advance(10)
    run(breaker, "sf")
    assert breaker.state is OPEN
    assert breaker.retry_after == 10  # a fresh open period


def test_half_open_ignores_the_closed_window_history(clock: FrozenClock) -> None:
    breaker = CircuitBreaker(sliding_window_size=4, minimum_calls=4, open_duration=1, clock=clock)
    run(breaker, "ffff")
    clock.advance(1)
    run(breaker, "s")
    assert breaker.state is CLOSED
    run(breaker, "fff")  # a new, empty window: 3 calls are below the minimum
    assert breaker.state is CLOSED


def test_release_returns_a_half_open_trial(clock: FrozenClock) -> None:
    breaker = CircuitBreaker(minimum_calls=1, open_duration=1, half_open_max_calls=1, clock=clock)
    trip(breaker)
    clock.advance(1)
    breaker.acquire()
    breaker.release()  # e.g. a 404: says nothing about the dependency
    assert breaker.state is HALF_OPEN
    breaker.acquire()
    breaker.record_success()
    assert breaker.state is CLOSED


def test_release_does_not_count_while_closed(clock: FrozenClock) -> None:
    breaker = CircuitBreaker(sliding_window_size=2, minimum_calls=2, clock=clock)
    breaker.acquire()
    breaker.record_failure()
    for _ in range(5):
        breaker.acquire()
        breaker.release()
    breaker.acquire()
    breaker.record_failure()
    assert breaker.state is OPEN


def test_low_level_outcomes_drive_the_same_state_machine(clock: FrozenClock) -> None:
    breaker = CircuitBreaker(minimum_calls=2, open_duration=5, clock=clock)
    for _ in range(2):
        breaker.acquire()
        breaker.record_failure(duration=0.1)
    assert breaker.state is OPEN
    with pytest.raises(CircuitOpenError):
        breaker.acquire()


@pytest.mark.parametrize(("duration", "expected"), [(2.0, CLOSED), (2.01, OPEN)])
def test_calls_slower_than_the_limit_open_the_circuit(
    clock: FrozenClock, duration: float, expected: CircuitState
) -> None:
    breaker = CircuitBreaker(
        slow_call_duration=2.0,
        slow_call_rate_threshold=0.5,
        sliding_window_size=2,
        minimum_calls=2,
        clock=clock,
    )

    def slow() -> str:
        clock.advance(duration)
        return "late but fine"

    breaker.call(succeed)
    assert breaker.call(slow) == "late but fine"
    assert breaker.state is expected


def test_default_slow_call_rate_needs_every_call_slow(clock: FrozenClock) -> None:
    breaker = CircuitBreaker(
        slow_call_duration=1.0, sliding_window_size=3, minimum_calls=3, clock=clock
    )
    for duration in (5.0, 5.0, 0.0):
        breaker.acquire()
        breaker.record_success(duration)
    assert breaker.state is CLOSED
    breaker.acquire()
    breaker.record_success(5.0)
    assert breaker.state is CLOSED  # the window is slow, slow, fast -> slow, fast, slow
    breaker.acquire()
    breaker.record_success(5.0)
    assert breaker.state is CLOSED
    breaker.acquire()
    breaker.record_success(5.0)
    assert breaker.state is OPEN


def test_slow_calls_are_ignored_without_a_limit(clock: FrozenClock) -> None:
    breaker = CircuitBreaker(minimum_calls=1, slow_call_rate_threshold=0.1, clock=clock)
    breaker.acquire()
    breaker.record_success(3600.0)
    assert breaker.state is CLOSED


def test_ignored_exceptions_propagate_but_do_not_count(clock: FrozenClock) -> None:
    breaker = CircuitBreaker(
        sliding_window_size=2, minimum_calls=2, ignore_exceptions=(KeyError,), clock=clock
    )
    run(breaker, "f")
    for _ in range(3):
        with pytest.raises(KeyError):
            breaker.call(EMPTY.__getitem__, "missing")
    assert breaker.state is CLOSED  # 1 call in the window; ignored ones add nothing
    run(breaker, "f")
    assert breaker.state is OPEN


def test_ignore_wins_over_record(clock: FrozenClock) -> None:
    breaker = CircuitBreaker(minimum_calls=1, ignore_exceptions=(Boom,), clock=clock)
    run(breaker, "fff")
    assert breaker.state is CLOSED


def test_exceptions_not_recorded_count_as_successes(clock: FrozenClock) -> None:
    breaker = CircuitBreaker(
        sliding_window_size=2, minimum_calls=2, record_exceptions=(Boom,), clock=clock
    )
    run(breaker, "f")
    with pytest.raises(ValueError, match="caller's mistake"):
        breaker.call(int, "caller's mistake")
    assert breaker.state is OPEN  # 1 failure in 2 calls reaches 0.5; ignoring it would not


async def test_cancellation_is_not_an_outcome(clock: FrozenClock) -> None:
    breaker = CircuitBreaker(sliding_window_size=2, minimum_calls=2, clock=clock)
    run(breaker, "f")
    started = asyncio.Event()

    async def hang() -> None:
        started.set()
        await asyncio.Event().wait()

    task = asyncio.create_task(breaker.call_async(hang))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert breaker.state is CLOSED  # as a success or a failure it would have opened


async def test_call_async_counts_outcomes(clock: FrozenClock) -> None:
    breaker = CircuitBreaker(minimum_calls=3, clock=clock)

    async def add(a: int, b: int) -> int:
        return a + b

    async def broken() -> None:
        raise Boom

    assert await breaker.call_async(add, 1, b=2) == 3
    for _ in range(2):
        with pytest.raises(Boom):
            await breaker.call_async(broken)
    assert breaker.state is OPEN
    with pytest.raises(CircuitOpenError):
        await breaker.call_async(add, 1, 2)


def test_decorates_sync_functions(clock: FrozenClock) -> None:
    breaker = CircuitBreaker(minimum_calls=1, clock=clock)

    @breaker
    def divide(a: float, b: float) -> float:
        """Divide."""
        return a / b

    assert divide(6, 3) == 2
    assert divide.__name__ == "divide" and divide.__doc__ == "Divide."
    with pytest.raises(ZeroDivisionError):
        divide(1, 0)
    with pytest.raises(CircuitOpenError):
        divide(6, 3)


async def test_decorates_async_functions(clock: FrozenClock) -> None:
    breaker = CircuitBreaker(minimum_calls=1, clock=clock)

    @breaker
    async def fetch(key: str) -> str:
        if key == "bad":
            raise Boom
        return key.upper()

    assert inspect.iscoroutinefunction(fetch)
    assert fetch.__name__ == "fetch"
    assert await fetch("a") == "A"
    with pytest.raises(Boom):
        await fetch("bad")
    with pytest.raises(CircuitOpenError):
        await fetch("a")


def test_listeners_see_every_transition_in_order(clock: FrozenClock) -> None:
    breaker = CircuitBreaker("orders", minimum_calls=1, open_duration=1, clock=clock)
    seen = []
    breaker.add_listener(lambda name, old, new: seen.append((name, old, new)))
    trip(breaker)
    clock.advance(1)
    run(breaker, "f")
    clock.advance(1)
    run(breaker, "s")
    assert seen == [
        ("orders", CLOSED, OPEN),
        ("orders", OPEN, HALF_OPEN),
        ("orders", HALF_OPEN, OPEN),
        ("orders", OPEN, HALF_OPEN),
        ("orders", HALF_OPEN, CLOSED),
    ]


def test_a_failing_listener_is_logged_and_harmless(
    clock: FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    breaker = CircuitBreaker("flaky", minimum_calls=1, clock=clock)
    seen = []

    def broken_listener(name: str, old: CircuitState, new: CircuitState) -> None:
        raise RuntimeError("listener bug")

    breaker.add_listener(broken_listener)
    breaker.add_listener(lambda name, old, new: seen.append(new))
    with caplog.at_level(logging.ERROR, logger="aurora.utils.breaker"):
        run(breaker, "f")
    assert breaker.state is OPEN
    assert seen == [OPEN]
    assert "listener failed" in caplog.text


def test_listeners_may_use_the_breaker(clock: FrozenClock) -> None:
    breaker = CircuitBreaker(minimum_calls=1, clock=clock)
    observed = []
    breaker.add_listener(
        lambda name, old, new: observed.append((breaker.state, breaker.retry_after))
    )
    trip(breaker)
    assert observed == [(OPEN, 30.0)]


def test_removed_listeners_are_not_called(clock: FrozenClock) -> None:
    breaker = CircuitBreaker(minimum_calls=1, clock=clock)
    seen = []

    def listener(name: str, old: CircuitState, new: CircuitState) -> None:
        seen.append(new)

    breaker.add_listener(listener)
    breaker.remove_listener(listener)
    breaker.remove_listener(listener)
    trip(breaker)
    assert seen == []


def test_reset_closes_and_forgets(clock: FrozenClock) -> None:
    breaker = CircuitBreaker(sliding_window_size=2, minimum_calls=2, clock=clock)
    seen = []
    breaker.add_listener(lambda name, old, new: seen.append((old, new)))
    trip(breaker)
    breaker.reset()
    assert breaker.state is CLOSED
    run(breaker, "f")
    assert breaker.state is CLOSED  # the old failures are gone
    breaker.reset()  # already closed: no transition to report
    assert seen == [(CLOSED, OPEN), (OPEN, CLOSED)]


async def test_outcome_of_a_call_admitted_before_opening_is_dropped(clock: FrozenClock) -> None:
    """A slow call that started while CLOSED must not decide the half-open trial."""
    breaker = CircuitBreaker(minimum_calls=2, open_duration=5, clock=clock)
    release = asyncio.Event()

    async def slow_success() -> str:
        await release.wait()
        return "late"

    straggler = asyncio.create_task(breaker.call_async(slow_success))
    await asyncio.sleep(0)
    run(breaker, "ff")
    clock.advance(5)
    assert breaker.state is HALF_OPEN
    release.set()
    assert await straggler == "late"
    assert breaker.state is HALF_OPEN  # the trial slot is still free
    run(breaker, "f")
    assert breaker.state is OPEN


def test_low_level_outcomes_without_a_trial_do_not_decide_half_open(clock: FrozenClock) -> None:
    breaker = CircuitBreaker(minimum_calls=1, open_duration=1, clock=clock)
    breaker.acquire()  # admitted while CLOSED, finishes much later
    trip(breaker)
    clock.advance(1)
    assert breaker.state is HALF_OPEN
    breaker.record_success()
    breaker.release()
    assert breaker.state is HALF_OPEN
    breaker.acquire()
    breaker.record_failure()
    assert breaker.state is OPEN


def test_outcomes_arriving_while_open_are_ignored(clock: FrozenClock) -> None:
    breaker = CircuitBreaker(minimum_calls=1, open_duration=5, clock=clock)
    breaker.acquire()
    trip(breaker)
    clock.advance(2)
    breaker.record_success()
    assert breaker.state is OPEN
    assert breaker.retry_after == 3


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("failure_rate_threshold", 0.0),
        ("failure_rate_threshold", 1.5),
        ("slow_call_rate_threshold", 0.0),
        ("sliding_window_size", 0),
        ("minimum_calls", 0),
        ("half_open_max_calls", 0),
        ("open_duration", -1.0),
        ("slow_call_duration", -0.1),
    ],
)
def test_rejects_invalid_settings(option: str, value: float) -> None:
    options: dict[str, Any] = {option: value}
    with pytest.raises(ValueError, match=option):
        CircuitBreaker(**options)


def test_default_clock_is_real_time() -> None:
    breaker = CircuitBreaker(minimum_calls=1, open_duration=60)
    trip(breaker)
    retry_after = breaker.retry_after
    assert retry_after is not None
    assert 59 < retry_after <= 60


def test_state_is_a_string_enum_and_repr_names_the_breaker() -> None:
    breaker = CircuitBreaker("search")
    assert isinstance(CircuitState.HALF_OPEN, str)
    assert f"{CircuitState.HALF_OPEN}" == "half_open"
    assert breaker.name == "search"
    assert repr(breaker) == "<CircuitBreaker 'search' state=closed>"


def test_circuit_open_error_survives_the_wire_and_pickling() -> None:
    error = CircuitOpenError(breaker_name="users", retry_after=12.5)
    assert str(error) == "Circuit breaker 'users' is open"
    problem = to_problem(error).to_dict()
    assert problem["code"] == "circuit_open" and problem["status"] == 503
    restored = error_from_problem(problem)
    assert isinstance(restored, CircuitOpenError)
    assert (restored.breaker_name, restored.retry_after) == ("users", 12.5)
    unpickled = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes
    assert (unpickled.breaker_name, unpickled.retry_after) == ("users", 12.5)


def test_circuit_open_error_without_a_name() -> None:
    error = CircuitOpenError()
    assert error.breaker_name is None
    assert error.detail == "The service is temporarily unavailable"
