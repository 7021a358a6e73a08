"""FrozenClock drives the libs that take ``clock=``: no sleeping, no patching."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from aurora.events import EventType, create_subject_created_event, stream_for_type
from aurora.http import RetryBudget
from aurora.testing import EventBus, FrozenClock
from aurora.utils import CircuitBreaker, CircuitState


def test_the_clock_fixture_only_moves_when_told(clock: FrozenClock) -> None:
    first = clock()
    assert clock() == first
    assert clock.advance(2.5) == first + 2.5
    clock.now = first + 10
    assert clock() == clock.now == first + 10


def test_it_refuses_to_go_back(clock: FrozenClock) -> None:
    with pytest.raises(ValueError, match="can't go back"):
        clock.advance(-1)
    with pytest.raises(ValueError, match="can't go back"):
        clock.now = clock.now - 1


async def test_sleep_advances_instead_of_waiting(clock: FrozenClock) -> None:
    start = clock()
    await clock.sleep(3600)
    assert clock() == start + 3600


def test_datetime_reads_the_same_instant() -> None:
    assert FrozenClock(start=0).datetime() == datetime(1970, 1, 1, tzinfo=UTC)


def test_a_circuit_breaker_half_opens_when_the_clock_crosses_its_open_duration(
    clock: FrozenClock,
) -> None:
    breaker = CircuitBreaker(minimum_calls=1, sliding_window_size=1, open_duration=30, clock=clock)
    breaker.acquire()
    breaker.record_failure()
    states = [breaker.state]
    clock.advance(29.9)
    states.append(breaker.state)
    clock.advance(0.1)
    states.append(breaker.state)
    assert states == [CircuitState.OPEN, CircuitState.OPEN, CircuitState.HALF_OPEN]


def test_a_retry_budget_forgets_traffic_outside_its_window(clock: FrozenClock) -> None:
    budget = RetryBudget(ratio=1.0, min_retries=0, window=10.0, clock=clock)
    budget.record_call()
    assert budget.totals() == (1, 0)
    clock.advance(10.0)
    assert budget.totals() == (0, 0)


async def test_the_memory_broker_reclaims_once_the_visibility_timeout_passed(
    clock: FrozenClock,
) -> None:
    bus = EventBus(clock=clock)
    await bus.publisher.publish(create_subject_created_event("1"))
    stream = stream_for_type(EventType.SUBJECT_CREATED)
    await bus.broker.ensure_group(stream, "indexer")
    (delivery,) = await bus.broker.read([stream], "indexer", "crashed", count=10, block=0)

    assert await bus.broker.claim(stream, "indexer", "healthy", min_idle=30, count=10) == []
    clock.advance(30)
    (reclaimed,) = await bus.broker.claim(stream, "indexer", "healthy", min_idle=30, count=10)

    assert reclaimed.message_id == delivery.message_id and reclaimed.deliveries == 2
