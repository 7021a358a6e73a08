"""The in-memory broker's assertion helpers: what service tests check events with."""

import pytest

from aurora.events import (
    Consumer,
    Event,
    EventType,
    MemoryBroker,
    Publisher,
    RetryPolicy,
    create_subject_created_event,
    create_subject_deleted_event,
)


async def test_published_lists_events_in_order() -> None:
    broker = MemoryBroker()
    first, second = create_subject_created_event("1"), create_subject_deleted_event("1")
    await Publisher(broker).publish_many([first, second])
    assert broker.published == [first, second]
    assert broker.published_types == [EventType.SUBJECT_CREATED, EventType.SUBJECT_DELETED]
    assert broker.published_to("aurora.subject") == [first, second]
    assert broker.published_to("elsewhere") == []


async def test_assert_published_matches_type_and_data() -> None:
    broker = MemoryBroker()
    publisher = Publisher(broker)
    await publisher.publish(create_subject_created_event("1", {"name": "Math"}))
    await publisher.publish(create_subject_created_event("2"))
    (match,) = broker.assert_published(EventType.SUBJECT_CREATED, subject_id="1")
    assert match.subject == "1"
    broker.assert_published(EventType.SUBJECT_CREATED, count=2)


async def test_assert_published_explains_a_mismatch() -> None:
    broker = MemoryBroker()
    await Publisher(broker).publish(create_subject_deleted_event("1"))
    with pytest.raises(
        AssertionError, match=r"found 0; published types: \['aurora.subject.deleted.v1'\]"
    ):
        broker.assert_published(EventType.SUBJECT_CREATED)
    with pytest.raises(AssertionError, match="expected 2"):
        broker.assert_published(EventType.SUBJECT_DELETED, count=2)


async def test_dead_letters_and_clear() -> None:
    broker = MemoryBroker()
    consumer = Consumer(broker, group="g", max_deliveries=1, retry=RetryPolicy(attempts=1))

    async def fail(event: Event) -> None:
        raise RuntimeError("nope")

    consumer.subscribe(EventType.SUBJECT_CREATED, fail)
    await Publisher(broker).publish(create_subject_created_event("1"))
    await consumer.drain()
    (letter,) = broker.dead_letters("aurora.subject")
    assert "RuntimeError: nope" in letter.error
    broker.clear()
    assert broker.published == [] and broker.dead_letters("aurora.subject") == []


async def test_a_publisher_without_broker_only_writes_the_outbox() -> None:
    with pytest.raises(RuntimeError, match="session="):
        await Publisher().publish(create_subject_created_event("1"))


async def test_publishing_nothing_is_a_no_op() -> None:
    assert await Publisher(MemoryBroker()).publish_many([]) == []


async def test_one_broker_outlives_event_loops() -> None:
    """A broker built at import or fixture time works on whichever loop uses it."""
    broker = MemoryBroker()
    await broker.ensure_group("s", "g")
    assert await broker.read(["s"], "g", "c", count=1, block=0.01) == []
