"""Transactional outbox and relay, on PostgreSQL (and SQLite, the embedded default)."""

import asyncio
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry
from sqlalchemy import MetaData, String, create_engine, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from aurora.events import (
    BrokerUnavailableError,
    Event,
    MemoryBroker,
    OutboxRecord,
    OutboxRelay,
    OutgoingMessage,
    Publisher,
    RedisBroker,
    add_to_outbox,
    create_subject_created_event,
    create_subject_updated_event,
    events_metadata,
    include_event_tables,
)
from aurora.testing.server import free_port

STREAM = "aurora.subject"


class Base(DeclarativeBase):
    pass


class Subject(Base):
    __tablename__ = "subjects"
    id: Mapped[str] = mapped_column(String(50), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))


@pytest.fixture()
async def engine(db_engine: AsyncEngine) -> AsyncEngine:
    async with db_engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    return db_engine


def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


async def outbox_count(engine: AsyncEngine) -> int:
    async with sessions(engine)() as session:
        return int(
            (await session.execute(select(func.count()).select_from(OutboxRecord))).scalar_one()
        )


async def create_subject(engine: AsyncEngine, publisher: Publisher, subject_id: str) -> Event:
    event = create_subject_created_event(subject_id, {"name": f"n{subject_id}"})
    async with sessions(engine)() as session, session.begin():
        session.add(Subject(id=subject_id, name=f"n{subject_id}"))
        await publisher.publish(event, session=session)
    return event


async def test_publishing_in_a_session_writes_the_outbox_in_the_same_transaction(
    engine: AsyncEngine,
) -> None:
    broker = MemoryBroker()
    await create_subject(engine, Publisher(broker), "1")
    async with sessions(engine)() as session:
        (row,) = (await session.execute(select(OutboxRecord))).scalars().all()
        assert await session.get(Subject, "1") is not None
    assert (row.stream, row.aggregate, row.event_type) == (
        STREAM,
        f"{STREAM}:1",
        "aurora.subject.created.v1",
    )
    assert Event.from_json(row.payload).subject == "1"
    assert broker.published == []  # nothing leaves before the relay runs


async def test_a_rolled_back_transaction_leaves_no_event(engine: AsyncEngine) -> None:
    async def failing_business_transaction() -> None:
        async with sessions(engine)() as session, session.begin():
            session.add(Subject(id="1", name="x"))
            await Publisher().publish(create_subject_created_event("1"), session=session)
            raise RuntimeError("business rule violated")

    with pytest.raises(RuntimeError, match="business rule"):
        await failing_business_transaction()
    assert await outbox_count(engine) == 0


async def test_the_relay_publishes_in_batches_and_marks_what_was_sent(
    engine: AsyncEngine,
) -> None:
    broker = MemoryBroker()
    events = [await create_subject(engine, Publisher(), str(i)) for i in range(7)]
    relay = OutboxRelay(sessions(engine), broker, batch_size=3, registry=CollectorRegistry())
    assert [await relay.relay_once() for _ in range(4)] == [3, 3, 1, 0]
    assert [e.id for e in broker.published] == [e.id for e in events]
    assert await outbox_count(engine) == 7  # kept for recovery, marked published
    assert (await relay.lag()).pending == 0


async def test_requeued_rows_are_published_again_in_their_order(engine: AsyncEngine) -> None:
    broker = MemoryBroker()
    relay = OutboxRelay(engine, broker, registry=CollectorRegistry())
    first = [await create_subject(engine, Publisher(), str(i)) for i in range(3)]
    await relay.relay_once()
    since = datetime.now(UTC)
    later = [await create_subject(engine, Publisher(), str(i)) for i in range(3, 5)]
    await relay.relay_once()
    assert await relay.requeue(since=since) == 2
    assert await relay.relay_once() == 2
    assert [e.id for e in broker.published] == [e.id for e in first + later + later]
    assert await relay.requeue(since=since, stream="aurora.other") == 0


async def test_published_rows_are_purged_after_the_retention_window(engine: AsyncEngine) -> None:
    relay = OutboxRelay(engine, MemoryBroker(), registry=CollectorRegistry(), retention=1.0)
    for i in range(3):
        await create_subject(engine, Publisher(), str(i))
    await relay.relay_once()
    await create_subject(engine, Publisher(), "waiting")
    assert await relay.purge() == 0
    await asyncio.sleep(1.05)
    assert await relay.purge() == 3  # the unpublished row stays whatever its age
    assert await outbox_count(engine) == 1


async def test_a_broker_failure_keeps_the_rows(engine: AsyncEngine) -> None:
    await create_subject(engine, Publisher(), "1")
    dead = RedisBroker.from_url(f"redis://127.0.0.1:{free_port()}/0", socket_connect_timeout=0.5)
    relay = OutboxRelay(engine, dead, registry=CollectorRegistry())
    with pytest.raises(BrokerUnavailableError):
        await relay.relay_once()
    await dead.close()
    assert await outbox_count(engine) == 1
    broker = MemoryBroker()
    assert await OutboxRelay(engine, broker, registry=CollectorRegistry()).relay_once() == 1
    assert len(broker.published) == 1 and await outbox_count(engine) == 1


class SlowBroker(MemoryBroker):
    """Publishes into ``target`` after a delay, so concurrent relays finish out of order."""

    def __init__(self, target: MemoryBroker, *, delay: float) -> None:
        super().__init__()
        self._target, self._delay = target, delay

    async def publish(self, messages: Sequence[OutgoingMessage]) -> list[str]:
        await asyncio.sleep(self._delay)
        return await self._target.publish(messages)


async def test_concurrent_relays_keep_per_aggregate_order(pg_engine: AsyncEngine) -> None:
    """Four relays with SKIP LOCKED: every event once, each aggregate in write order."""
    async with pg_engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    written: dict[str, list[str]] = defaultdict(list)
    async with sessions(pg_engine)() as session, session.begin():
        for version in range(30):
            for aggregate in ("a", "b", "c", "d", "e"):
                event = create_subject_updated_event(aggregate, {"version": version})
                add_to_outbox(session, event)
                written[aggregate].append(event.id)
    broker = MemoryBroker()
    relays = [
        OutboxRelay(pg_engine, SlowBroker(broker, delay=0.004 * (4 - i)), batch_size=7)
        for i in range(4)
    ]

    async def drain(relay: OutboxRelay) -> None:
        idle = 0
        while idle < 3:
            idle = idle + 1 if await relay.relay_once() == 0 else 0
            await asyncio.sleep(0)

    await asyncio.gather(*(drain(relay) for relay in relays))
    relayed: dict[str, list[str]] = defaultdict(list)
    for event in broker.published:
        relayed[event.subject or ""].append(event.id)
    assert relayed == written
    assert len(broker.published) == 150


async def test_the_relay_task_delivers_soon_after_commit(engine: AsyncEngine) -> None:
    broker = MemoryBroker()
    relay = OutboxRelay(engine, broker, poll_interval=30, registry=CollectorRegistry())
    await relay.start()
    try:
        await create_subject(engine, Publisher(on_outbox_commit=relay.wake), "1")
        for _ in range(200):
            if broker.published:
                break
            await asyncio.sleep(0.01)
    finally:
        await relay.stop()
    broker.assert_published("aurora.subject.created.v1", count=1, subject_id="1")


async def test_lag_metrics_are_exported_on_the_injected_registry(engine: AsyncEngine) -> None:
    registry = CollectorRegistry()
    relay = OutboxRelay(engine, MemoryBroker(), registry=registry)
    for i in range(3):
        await create_subject(engine, Publisher(), str(i))
    lag = await relay.lag()
    assert lag.pending == 3 and lag.oldest_age >= 0
    assert registry.get_sample_value("aurora_events_outbox_pending") == 3
    await relay.relay_once()
    await relay.lag()
    assert registry.get_sample_value("aurora_events_outbox_pending") == 0
    assert registry.get_sample_value("aurora_events_outbox_relayed_total") == 3
    assert registry.get_sample_value("aurora_events_outbox_delay_seconds_count") == 3
    assert (await relay.health_check(max_age=60)())["pending"] == 0


async def test_outbox_health_fails_when_events_wait_too_long(engine: AsyncEngine) -> None:
    relay = OutboxRelay(engine, MemoryBroker(), registry=CollectorRegistry())
    await create_subject(engine, Publisher(), "1")
    await asyncio.sleep(0.02)
    with pytest.raises(Exception, match="oldest outbox event"):
        await relay.health_check(max_age=0.01)()


def test_the_tables_can_join_a_service_metadata() -> None:
    service = MetaData()
    tables = include_event_tables(service)
    assert sorted(t.name for t in tables) == ["aurora_inbox", "aurora_outbox"]
    assert set(service.tables) == set(events_metadata.tables)


def test_sync_sessions_write_the_outbox_too(tmp_path: Path) -> None:
    """The seed's services use sync sessions (``with get_db_session(...)``)."""
    engine = create_engine(f"sqlite:///{tmp_path / 'sync.db'}")
    events_metadata.create_all(engine)
    Base.metadata.create_all(engine)
    woken: list[bool] = []
    with Session(engine) as session, session.begin():
        session.add(Subject(id="1", name="Math"))
        add_to_outbox(
            session, create_subject_created_event("1"), on_commit=lambda: woken.append(True)
        )
    with Session(engine) as session:
        (row,) = session.execute(select(OutboxRecord)).scalars().all()
    assert row.aggregate == f"{STREAM}:1" and woken == [True]
    engine.dispose()
