"""EventBus: the in-memory broker as a service test sees it, with publish assertions."""

from __future__ import annotations

import asyncio
import threading

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from aurora.events import (
    Event,
    EventType,
    create_subject_created_event,
    create_subject_deleted_event,
    events_metadata,
)
from aurora.testing import BACKENDS, Database, EventBus


async def test_assert_published_matches_type_and_payload_fields(events: EventBus) -> None:
    await events.publisher.publish(create_subject_created_event("1", {"name": "Math"}))
    await events.publisher.publish(create_subject_created_event("2", {"name": "Art"}))

    (match,) = events.assert_published(EventType.SUBJECT_CREATED, subject_id="2")

    assert match.data["subject_data"] == {"name": "Art"}
    assert len(events.assert_published(EventType.SUBJECT_CREATED, count=2)) == 2
    events.assert_published(EventType.SUBJECT_CREATED, subject_data={"name": "Math"})
    assert events.published_types == [str(EventType.SUBJECT_CREATED)] * 2


async def test_a_missing_event_fails_with_what_was_published(events: EventBus) -> None:
    await events.publisher.publish(create_subject_created_event("1"))

    with pytest.raises(AssertionError, match=r"found 0; published types: \['aurora.subject"):
        events.assert_published(EventType.SUBJECT_DELETED, subject_id="1")
    with pytest.raises(AssertionError, match="expected 2"):
        events.assert_published(EventType.SUBJECT_CREATED, count=2)


async def test_assert_not_published(events: EventBus) -> None:
    await events.publisher.publish(create_subject_deleted_event("1"))

    events.assert_not_published(EventType.SUBJECT_CREATED)
    events.assert_not_published(EventType.SUBJECT_DELETED, subject_id="2")
    with pytest.raises(AssertionError):
        events.assert_not_published(EventType.SUBJECT_DELETED, subject_id="1")


def publish_later(bus: EventBus, subject_id: str) -> threading.Timer:
    """Publish from another thread in a moment, as a background relay would."""

    def publish() -> None:
        asyncio.run(bus.publisher.publish(create_subject_created_event(subject_id)))

    timer = threading.Timer(0.05, publish)
    timer.start()
    return timer


def test_wait_for_published_returns_once_the_event_arrives(events: EventBus) -> None:
    timer = publish_later(events, "7")
    (event,) = events.wait_for_published(EventType.SUBJECT_CREATED, subject_id="7", timeout=5)
    timer.join()
    assert event.subject == "7"


async def test_wait_for_published_async_gives_up_after_the_timeout(events: EventBus) -> None:
    with pytest.raises(AssertionError, match="found 0"):
        await events.wait_for_published_async(EventType.SUBJECT_CREATED, timeout=0.05)


@pytest.mark.parametrize("database", BACKENDS, indirect=True)
async def test_relay_outbox_publishes_committed_outbox_rows(
    events: EventBus, database: Database
) -> None:
    database.create_tables(events_metadata)
    engine = create_async_engine(database.async_url)
    try:
        async with async_sessionmaker(engine)() as session, session.begin():
            await events.publisher.publish(create_subject_created_event("9"), session=session)
        events.assert_not_published(EventType.SUBJECT_CREATED)  # staged, not sent

        assert await events.relay_outbox(engine) == 1
    finally:
        await engine.dispose()

    events.assert_published(EventType.SUBJECT_CREATED, count=1, subject_id="9")
    assert database.count("aurora_outbox", published_at=None) == 0  # published rows are kept


async def test_consumers_on_the_bus_drain_what_was_published(events: EventBus) -> None:
    consumer = events.consumer("search")
    indexed: list[str] = []

    @consumer.handler(EventType.SUBJECT_CREATED)
    async def index(event: Event) -> None:
        indexed.append(event.data["subject_id"])

    await events.publisher.publish_many([create_subject_created_event(i) for i in "abc"])

    assert await consumer.drain() == 3
    assert indexed == ["a", "b", "c"]


async def test_clear_forgets_everything(events: EventBus) -> None:
    await events.publisher.publish(create_subject_created_event("1"))
    events.clear()
    assert events.published == []
