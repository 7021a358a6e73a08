"""install_events: broker, relay and consumers started and stopped with the service, in order."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from aurora.config import ServiceConfig
from aurora.events import (
    Event,
    EventType,
    MemoryBroker,
    create_subject_created_event,
    events_metadata,
    install_events,
)
from aurora.testing.hooks import RecordedHooks

CONFIG = ServiceConfig.model_validate(
    {"service": {"name": "install-service", "environment": "test"}}
)


@pytest.fixture()
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """A SQLite file with the outbox and inbox tables."""
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'events.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(events_metadata.create_all)
    yield engine
    await engine.dispose()


def test_consumers_stop_before_the_relay_which_stops_before_the_broker_closes(
    engine: AsyncEngine,
) -> None:
    hooks, broker = RecordedHooks(), MemoryBroker()

    events = install_events(hooks, CONFIG, outbox=engine, consumer_groups=["search"], broker=broker)

    relay, consumer = events.relay, events.consumers["search"]
    assert relay is not None
    assert hooks.startup == [relay.start, consumer.start]
    assert list(reversed(hooks.shutdown)) == [consumer.stop, relay.stop, broker.close]


def test_checks_are_optional_and_the_outbox_is_checked_only_with_a_relay() -> None:
    hooks = RecordedHooks()

    events = install_events(hooks, CONFIG, broker=MemoryBroker())

    assert events.relay is None
    assert hooks.critical == {"events": False}


async def test_a_staged_event_reaches_the_consumer_while_the_service_runs(
    engine: AsyncEngine,
) -> None:
    hooks = RecordedHooks()
    events = install_events(
        hooks, CONFIG, outbox=engine, consumer_groups=["search"], broker=MemoryBroker()
    )
    seen: list[str] = []
    arrived = asyncio.Event()

    async def index(event: Event) -> None:
        seen.append(event.subject or "")
        arrived.set()

    events.consumers["search"].subscribe(EventType.SUBJECT_CREATED, index)
    async with hooks.running():
        async with async_sessionmaker(engine)() as session, session.begin():
            events.stage(session, create_subject_created_event("s-1", {"name": "Math"}))
        await asyncio.wait_for(arrived.wait(), timeout=10)
        outbox = await hooks.check("outbox")
        consumer = await hooks.check("events")

    assert seen == ["s-1"]
    assert set(outbox) == {"pending", "oldest_age_seconds"}
    assert consumer["broker"] == "reachable"


async def test_without_consumers_the_events_check_pings_the_broker() -> None:
    hooks = RecordedHooks()
    install_events(hooks, CONFIG, broker=MemoryBroker())

    async with hooks.running():
        details = await hooks.check("events")

    assert details == {"broker": "reachable", "groups": {}}


async def test_several_groups_report_in_one_events_check(engine: AsyncEngine) -> None:
    hooks = RecordedHooks()
    events = install_events(hooks, CONFIG, consumer_groups=["a", "b"], broker=MemoryBroker())
    for consumer in events.consumers.values():
        consumer.subscribe(EventType.SUBJECT_CREATED, lambda event: None)

    async with hooks.running():
        details = await hooks.check("events")

    assert details["broker"] == "reachable"
