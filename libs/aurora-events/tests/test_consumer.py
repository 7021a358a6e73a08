"""The consumer: handlers per type, batch acks, retries, dead letters, shutdown (both transports)."""

import asyncio
from typing import Any

import pytest
from pydantic import BaseModel
from transports import guarantees

from aurora.errors import ServiceUnavailableError
from aurora.events import (
    Broker,
    Consumer,
    Event,
    EventType,
    MemoryBroker,
    Publisher,
    RetryPolicy,
    SubjectCreated,
    UnknownEventTypeError,
    create_event,
    create_subject_created_event,
    create_subject_deleted_event,
    current_event,
    default_registry,
    list_dead_letters,
)
from aurora.logging import get_correlation_id

STREAM = "aurora.subject"
FAST = RetryPolicy(attempts=2, initial_backoff=0.001, max_backoff=0.001)


def consumer_for(broker: Broker, **options: Any) -> Consumer:
    options.setdefault("retry", FAST)
    options.setdefault("block", 0.05)
    return Consumer(broker, group="tests", name="c1", **options)


async def publish(broker: Broker, *events: Event) -> None:
    await Publisher(broker).publish_many(events)


async def test_handlers_receive_events_of_their_type_only(broker: Broker) -> None:
    consumer = consumer_for(broker)
    created: list[str] = []
    deleted: list[str] = []

    @consumer.handler(EventType.SUBJECT_CREATED)
    async def on_created(event: Event) -> None:
        created.append(event.payload_as(SubjectCreated).subject_id)

    consumer.subscribe(EventType.SUBJECT_DELETED, lambda e: _append(deleted, e.subject))
    await publish(broker, create_subject_created_event("1"), create_subject_deleted_event("2"))
    assert await consumer.drain() == 2
    assert (created, deleted) == (["1"], ["2"])
    assert consumer.stats.handled == 2
    assert (await broker.group_info(STREAM, "tests")).pending == 0


async def _append(target: list[Any], value: Any) -> None:
    target.append(value)


async def test_events_without_a_handler_are_acked_and_skipped(broker: Broker) -> None:
    consumer = consumer_for(broker)
    consumer.subscribe(EventType.SUBJECT_CREATED, lambda e: _append([], e))
    await publish(broker, create_subject_deleted_event("1"))
    await consumer.drain()
    assert consumer.stats.skipped == 1
    assert (await broker.group_info(STREAM, "tests")).pending == 0


async def test_subscribing_to_an_unregistered_type_fails_early() -> None:
    consumer = consumer_for(MemoryBroker())
    with pytest.raises(UnknownEventTypeError):
        consumer.subscribe("aurora.unknown.v1", lambda e: _append([], e))


async def test_handlers_run_with_the_event_correlation_bound(broker: Broker) -> None:
    consumer = consumer_for(broker)
    seen: list[tuple[str | None, str | None]] = []

    async def handler(event: Event) -> None:
        current = current_event()
        seen.append((get_correlation_id(), current.id if current else None))

    consumer.subscribe(EventType.SUBJECT_CREATED, handler)
    event = create_subject_created_event("1", correlation_id="abc-123")
    await publish(broker, event)
    await consumer.drain()
    assert seen == [("abc-123", event.id)]


async def test_a_failing_handler_is_retried_in_process(broker: Broker) -> None:
    consumer = consumer_for(broker, retry=RetryPolicy(attempts=3, initial_backoff=0.001))
    calls = 0

    async def flaky(event: Event) -> None:
        nonlocal calls
        calls += 1
        if calls < 3:
            raise ConnectionError("blip")

    consumer.subscribe(EventType.SUBJECT_CREATED, flaky)
    await publish(broker, create_subject_created_event("1"))
    await consumer.drain()
    assert calls == 3
    assert (consumer.stats.failed_attempts, consumer.stats.handled) == (2, 1)
    assert (await broker.group_info(STREAM, "tests")).pending == 0


async def test_a_poison_message_is_dead_lettered_after_max_deliveries(broker: Broker) -> None:
    consumer = consumer_for(broker, max_deliveries=3, visibility_timeout=0.05)
    calls = 0

    async def poison(event: Event) -> None:
        nonlocal calls
        calls += 1
        raise ValueError(f"cannot handle, call {calls}")

    consumer.subscribe(EventType.SUBJECT_CREATED, poison)
    await publish(broker, create_subject_created_event("1"))
    for _ in range(3):
        await consumer.drain()
        # Past the visibility timeout (on JetStream, the consumer's ack wait): it comes back.
        await asyncio.sleep(max(0.06, guarantees(broker).reclaim_after + 0.05))
    await consumer.drain()
    assert calls == 3 * FAST.attempts
    (letter,) = await list_dead_letters(broker, STREAM)
    assert letter.deliveries == 3
    assert "ValueError: cannot handle, call 6" in letter.error
    assert consumer.stats.dead_lettered == 1
    assert (await broker.group_info(STREAM, "tests")).pending == 0


async def test_an_invalid_payload_goes_straight_to_the_dead_letters(broker: Broker) -> None:
    consumer = consumer_for(broker)
    calls: list[Event] = []
    consumer.subscribe(EventType.SUBJECT_CREATED, lambda e: _append(calls, e))
    bad = Event(type=EventType.SUBJECT_CREATED, data={"subject_id": ""})  # bypasses create_event
    await publish(broker, bad)
    await consumer.drain()
    (letter,) = await list_dead_letters(broker, STREAM)
    assert calls == [] and letter.deliveries == 1
    assert "InvalidEventError" in letter.error


async def test_concurrency_is_limited(broker: Broker) -> None:
    consumer = consumer_for(broker, concurrency=3, batch_size=20)
    running = peak = 0

    async def slow(event: Event) -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.01)
        running -= 1

    consumer.subscribe(EventType.SUBJECT_CREATED, slow)
    await publish(broker, *(create_subject_created_event(str(i)) for i in range(12)))
    assert await consumer.drain() == 12
    assert peak == 3
    assert consumer.stats.handled == 12


async def test_older_versions_are_upcast_for_the_handler(broker: Broker) -> None:
    class Renamed(BaseModel):
        subject_id: str
        title: str

    registry = default_registry().copy()
    registry.register("aurora.subject.created.v2", Renamed, subject_field="subject_id")
    registry.add_upcaster(
        EventType.SUBJECT_CREATED,
        "aurora.subject.created.v2",
        lambda d: {"subject_id": d["subject_id"], "title": d["subject_data"].get("name", "")},
    )
    consumer = consumer_for(broker, registry=registry)
    got: list[Renamed] = []
    consumer.subscribe("aurora.subject.created.v2", lambda e: _append(got, e.payload_as(Renamed)))
    await publish(broker, create_subject_created_event("1", {"name": "Math"}))
    await consumer.drain()
    assert got == [Renamed(subject_id="1", title="Math")]


async def test_run_consumes_until_stopped(broker: Broker) -> None:
    consumer = consumer_for(broker)
    seen: list[str | None] = []
    done = asyncio.Event()

    async def handler(event: Event) -> None:
        seen.append(event.subject)
        if len(seen) == 5:
            done.set()

    consumer.subscribe(EventType.SUBJECT_CREATED, handler)
    await consumer.start()
    await publish(broker, *(create_subject_created_event(str(i)) for i in range(5)))
    await asyncio.wait_for(done.wait(), 5)
    await consumer.stop()
    assert seen == [str(i) for i in range(5)]
    assert (await broker.group_info(STREAM, "tests")).pending == 0


async def test_shutdown_finishes_started_handlers_and_returns_the_rest(broker: Broker) -> None:
    consumer = consumer_for(broker, batch_size=10, shutdown_timeout=5)
    started = asyncio.Event()
    finished: list[str | None] = []

    async def slow(event: Event) -> None:
        started.set()
        await asyncio.sleep(0.2)
        finished.append(event.subject)

    consumer.subscribe(EventType.SUBJECT_CREATED, slow)
    await publish(broker, *(create_subject_created_event(str(i)) for i in range(5)))
    await consumer.start()
    await asyncio.wait_for(started.wait(), 5)
    await consumer.stop()
    assert finished == ["0"]  # the in-flight one completed and was acked
    assert consumer.stats.released == 4
    info = await broker.group_info(STREAM, "tests")
    assert info.pending == 4
    # Returned messages are claimable at once by another member, without counting a delivery.
    rescued = await broker.claim(STREAM, "tests", "c2", min_idle=60.0, count=10)
    assert [d.event_type for d in rescued] == [EventType.SUBJECT_CREATED] * 4
    assert {d.deliveries for d in rescued} == {2}


async def test_shutdown_timeout_cancels_and_returns_stuck_handlers(broker: Broker) -> None:
    consumer = consumer_for(broker, shutdown_timeout=0.05)
    started = asyncio.Event()

    async def stuck(event: Event) -> None:
        started.set()
        await asyncio.sleep(60)

    consumer.subscribe(EventType.SUBJECT_CREATED, stuck)
    await publish(broker, create_subject_created_event("1"))
    await consumer.start()
    await asyncio.wait_for(started.wait(), 5)
    await asyncio.wait_for(consumer.stop(), 5)
    assert consumer.stats.released == 1
    assert len(await broker.claim(STREAM, "tests", "c2", min_idle=60.0, count=10)) == 1


async def test_health_check_reports_lag_and_fails_past_the_limit(broker: Broker) -> None:
    consumer = consumer_for(broker)
    consumer.subscribe(EventType.SUBJECT_CREATED, lambda e: _append([], e))
    await broker.ensure_group(STREAM, "tests")
    await publish(broker, *(create_subject_created_event(str(i)) for i in range(3)))
    details = await consumer.health_check()()
    assert details["broker"] == "reachable"
    assert details["groups"][f"{STREAM}/tests"]["lag"] == 3
    with pytest.raises(ServiceUnavailableError, match="3 messages behind"):
        await consumer.health_check(max_lag=2)()
    await consumer.drain()
    await consumer.health_check(max_lag=0)()


async def test_handlers_can_publish_follow_up_events_with_causation(broker: Broker) -> None:
    consumer = consumer_for(broker)
    publisher = Publisher(broker)

    async def react(event: Event) -> None:
        await publisher.publish(create_subject_deleted_event(event.subject or ""))

    consumer.subscribe(EventType.SUBJECT_CREATED, react)
    original = create_subject_created_event("1", correlation_id="flow")
    await publish(broker, original)
    await consumer.drain()
    follow_up = [e for e in await _events(broker) if e.type == EventType.SUBJECT_DELETED]
    assert [(e.causation_id, e.correlation_id) for e in follow_up] == [(original.id, "flow")]


async def _events(broker: Broker) -> list[Event]:
    return [entry.event for entry in await broker.range(STREAM)]


async def test_create_event_inside_a_handler_validates_too(broker: Broker) -> None:
    consumer = consumer_for(broker, max_deliveries=1)
    consumer.subscribe(
        EventType.SUBJECT_CREATED,
        lambda e: _append([], create_event(EventType.SUBJECT_DELETED, {})),
    )
    await publish(broker, create_subject_created_event("1"))
    await consumer.drain()
    (letter,) = await list_dead_letters(broker, STREAM)
    assert "InvalidEventError" in letter.error


async def test_handlers_reuse_the_payload_the_consumer_validated(broker: Broker) -> None:
    consumer = consumer_for(broker)
    payloads: list[SubjectCreated] = []

    async def handler(event: Event) -> None:
        payloads.extend([event.payload_as(SubjectCreated), event.payload_as(SubjectCreated)])

    consumer.subscribe(EventType.SUBJECT_CREATED, handler)
    await publish(broker, create_subject_created_event("1", {"name": "Math"}))
    await consumer.drain()
    first, second = payloads
    assert first is second  # validated once, before the handler ran
    assert first == SubjectCreated(subject_id="1", subject_data={"name": "Math"})
