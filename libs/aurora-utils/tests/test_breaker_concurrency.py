"""One breaker shared by real threads and real asyncio tasks."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from aurora.testing import FrozenClock
from aurora.utils import CircuitBreaker, CircuitOpenError, CircuitState

CLOSED, OPEN, HALF_OPEN = CircuitState.CLOSED, CircuitState.OPEN, CircuitState.HALF_OPEN
THREADS = 16


class Boom(Exception):  # noqa: N818 - reads better in tests than BoomError
    pass


def fail() -> None:
    raise Boom


def open_then_half_open(breaker: CircuitBreaker, clock: FrozenClock) -> None:
    while breaker.state is CLOSED:
        with pytest.raises(Boom):
            breaker.call(fail)
    clock.advance(60)
    assert breaker.state is HALF_OPEN


def test_threads_racing_for_trials_get_exactly_the_permitted_number(clock: FrozenClock) -> None:
    breaker = CircuitBreaker(minimum_calls=1, open_duration=60, half_open_max_calls=3, clock=clock)
    open_then_half_open(breaker, clock)
    barrier = threading.Barrier(THREADS)

    def try_acquire() -> bool:
        barrier.wait()
        try:
            breaker.acquire()
        except CircuitOpenError:
            return False
        return True

    with ThreadPoolExecutor(THREADS) as pool:
        admitted = list(pool.map(lambda _: try_acquire(), range(THREADS)))
    assert admitted.count(True) == 3


def test_threads_hammering_a_failing_dependency_open_it_once(clock: FrozenClock) -> None:
    breaker = CircuitBreaker(
        sliding_window_size=20, minimum_calls=10, open_duration=60, clock=clock
    )
    transitions = []
    breaker.add_listener(lambda name, old, new: transitions.append((old, new)))
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []

    def hammer() -> None:
        barrier.wait()
        for _ in range(200):
            try:
                breaker.call(fail)
            except Boom:
                outcomes.append("failed")
            except CircuitOpenError:
                outcomes.append("refused")

    threads = [threading.Thread(target=hammer) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert transitions == [(CLOSED, OPEN)]
    assert breaker.state is OPEN
    assert len(outcomes) == THREADS * 200
    # Calls admitted before the trip may still fail, but far fewer than were made.
    assert 10 <= outcomes.count("failed") < len(outcomes)


def test_threads_recording_successes_keep_it_closed(clock: FrozenClock) -> None:
    breaker = CircuitBreaker(minimum_calls=1, clock=clock)

    def work() -> int:
        return sum(breaker.call(lambda: 1) for _ in range(500))

    with ThreadPoolExecutor(THREADS) as pool:
        totals = list(pool.map(lambda _: work(), range(THREADS)))
    assert totals == [500] * THREADS
    assert breaker.state is CLOSED


async def test_tasks_racing_in_half_open_admit_one_trial(clock: FrozenClock) -> None:
    breaker = CircuitBreaker(minimum_calls=1, open_duration=60, half_open_max_calls=1, clock=clock)
    open_then_half_open(breaker, clock)
    release = asyncio.Event()
    admitted = 0

    async def probe() -> str:
        nonlocal admitted
        admitted += 1
        await release.wait()
        return "healthy"

    tasks = [asyncio.create_task(breaker.call_async(probe)) for _ in range(10)]
    await asyncio.sleep(0)
    release.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert admitted == 1
    assert results.count("healthy") == 1
    assert sum(isinstance(result, CircuitOpenError) for result in results) == 9
    assert breaker.state is CLOSED


async def test_concurrent_failing_tasks_open_it_once(clock: FrozenClock) -> None:
    breaker = CircuitBreaker(sliding_window_size=10, minimum_calls=5, clock=clock)
    transitions = []
    breaker.add_listener(lambda name, old, new: transitions.append(new))

    async def broken() -> None:
        await asyncio.sleep(0)
        raise Boom

    results = await asyncio.gather(
        *(breaker.call_async(broken) for _ in range(50)), return_exceptions=True
    )
    assert transitions == [OPEN]
    # All 50 were admitted before any failed; the ones finishing after the trip are old news.
    assert all(isinstance(result, Boom) for result in results)
    with pytest.raises(CircuitOpenError):
        await breaker.call_async(broken)


async def test_tasks_and_threads_share_one_breaker(clock: FrozenClock) -> None:
    breaker = CircuitBreaker(minimum_calls=1, clock=clock)

    async def ok() -> int:
        await asyncio.sleep(0)
        return 1

    def sync_calls() -> int:
        return sum(breaker.call(lambda: 1) for _ in range(300))

    thread_work = asyncio.gather(*(asyncio.to_thread(sync_calls) for _ in range(4)))
    task_work = asyncio.gather(*(breaker.call_async(ok) for _ in range(300)))
    thread_totals, task_results = await asyncio.gather(thread_work, task_work)
    assert thread_totals == [300] * 4
    assert sum(task_results) == 300
    assert breaker.state is CLOSED
