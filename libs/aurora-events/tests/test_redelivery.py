"""Redelivery: per-handler exception filters, backoff between deliveries, lag and loss."""

import asyncio
from typing import Any

import pytest
from prometheus_client import CollectorRegistry
from redis_servers import lose_stream

from aurora.errors import ServiceUnavailableError
from aurora.events import (
    Backoff,
    Broker,
    Consumer,
    Event,
    EventType,
    Publisher,
    RetryPolicy,
    create_subject_created_event,
    list_dead_letters,
)
from aurora.testing.logs import capture_log_lines

STREAM = "aurora.subject"


def consumer_for(broker: Broker, **options: Any) -> Consumer:
    options.setdefault("retry", RetryPolicy(attempts=3, initial_backoff=0.001))
    options.setdefault("block", 0.05)
    options.setdefault("metrics_registry", CollectorRegistry())
    return Consumer(broker, group="tests", name="c1", **options)


class Flaky:
    """A handler failing with ``error`` for its first ``failures`` calls."""

    def __init__(self, error: Exception, failures: int = 1_000) -> None:
        self.error, self.failures, self.calls = error, failures, 0

    async def __call__(self, event: Event) -> None:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error


async def test_give_up_on_sends_poison_straight_to_the_dead_letter_stream(broker: Broker) -> None:
    consumer = consumer_for(broker)
    handler = Flaky(ValueError("not a subject"))
    consumer.subscribe(EventType.SUBJECT_CREATED, handler, give_up_on=(ValueError,))
    await Publisher(broker).publish(create_subject_created_event("1"))
    assert await consumer.drain() == 1
    assert handler.calls == 1  # no in-process retry, no redelivery
    assert (consumer.stats.given_up, consumer.stats.dead_lettered) == (1, 1)
    (letter,) = await list_dead_letters(broker, STREAM)
    assert letter.deliveries == 1 and "ValueError: not a subject" in letter.error


async def test_errors_outside_retry_on_are_not_retried(broker: Broker) -> None:
    consumer = consumer_for(broker)
    handler = Flaky(KeyError("missing"))
    consumer.subscribe(EventType.SUBJECT_CREATED, handler, retry_on=(TimeoutError,))
    await Publisher(broker).publish(create_subject_created_event("1"))
    await consumer.drain()
    assert handler.calls == 1 and consumer.stats.dead_lettered == 1


async def test_a_failed_message_comes_back_after_its_backoff(broker: Broker) -> None:
    """In-process attempts exhausted: redelivered after ~0.3 s, not the 30 s timeout."""
    consumer = consumer_for(
        broker,
        retry=RetryPolicy(attempts=1),
        redelivery=Backoff(initial=0.3, jitter=0),
        visibility_timeout=30.0,
    )
    handler = Flaky(TimeoutError("database busy"), failures=1)
    consumer.subscribe(EventType.SUBJECT_CREATED, handler, retry_on=(TimeoutError,))
    await Publisher(broker).publish(create_subject_created_event("1"))
    assert await consumer.drain() == 1
    assert (handler.calls, consumer.stats.retried_later) == (1, 1)
    assert await consumer.drain() == 0  # not yet
    await asyncio.sleep(0.35)
    assert await consumer.drain() == 1
    assert handler.calls == 2 and consumer.stats.handled == 1
    assert (await broker.group_info(STREAM, "tests")).pending == 0


def test_backoff_grows_exponentially_up_to_its_cap() -> None:
    backoff = Backoff(initial=1.0, multiplier=2.0, maximum=5.0, jitter=0)
    assert [backoff.delay(n) for n in range(1, 6)] == [1.0, 2.0, 4.0, 5.0, 5.0]
    spread = {Backoff(initial=1.0, jitter=0.5).delay(1) for _ in range(50)}
    assert len(spread) > 1 and all(0.5 <= d <= 1.5 for d in spread)


async def test_lag_gauges_count_undelivered_pending_and_oldest_age(broker: Broker) -> None:
    registry = CollectorRegistry()
    consumer = consumer_for(broker, metrics_registry=registry, batch_size=2)
    consumer.subscribe(EventType.SUBJECT_CREATED, Flaky(TimeoutError(), failures=0))
    await broker.ensure_group(STREAM, "tests")
    await Publisher(broker).publish_many([create_subject_created_event(str(i)) for i in range(5)])
    await broker.read([STREAM], "tests", "someone", count=2, block=0)  # 2 pending
    details = await consumer.health_check()()
    labels = {"stream": STREAM, "group": "tests"}
    assert registry.get_sample_value("aurora_events_consumer_lag", labels) == 5
    assert registry.get_sample_value("aurora_events_consumer_pending", labels) == 2
    age = registry.get_sample_value("aurora_events_consumer_oldest_pending_age_seconds", labels)
    assert age is not None and 0 <= age < 60
    assert details["groups"][f"{STREAM}/tests"]["pending"] == 2
    with pytest.raises(ServiceUnavailableError, match="5 messages behind"):
        await consumer.health_check(max_lag=4)()


async def test_a_lost_group_is_an_error_and_is_recreated_loudly(broker: Broker) -> None:
    """Never quietly: error log, metric and a failing health check, then the group is back."""
    registry = CollectorRegistry()
    consumer = consumer_for(broker, metrics_registry=registry, alarm_hold=60)
    seen: list[str] = []

    async def record(event: Event) -> None:
        seen.append(event.subject or "")

    consumer.subscribe(EventType.SUBJECT_CREATED, record)
    await Publisher(broker).publish(create_subject_created_event("before"))
    assert await consumer.drain() == 1
    await lose_stream(broker, STREAM)
    await Publisher(broker).publish(create_subject_created_event("after"))
    with capture_log_lines() as logs:
        assert await consumer.drain() == 0  # the loss is found...
        assert await consumer.drain() == 1  # ...and the recreated group reads from the start
    logs.assert_logged("event_group_lost", level="error", stream=STREAM, group="tests")
    logs.assert_logged("event_group_recreated", level="error", stream=STREAM)
    labels = {"stream": STREAM, "group": "tests"}
    assert registry.get_sample_value("aurora_events_consumer_groups_lost_total", labels) == 1
    with pytest.raises(ServiceUnavailableError) as unhealthy:
        await consumer.health_check()()
    assert unhealthy.value.code == "consumer_group_lost"
    assert seen == ["before", "after"]
