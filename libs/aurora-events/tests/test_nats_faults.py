"""JetStream durability: a private ``nats-server -js`` killed with SIGKILL mid-stream.

Business transactions keep committing events to the outbox while the server is
down; the relay publishes them once it is back (a row counts only after its
PubAck), the consumer's unacked messages are redelivered, and the inbox applies
each event exactly once. Zero lost, duplicates absorbed.
"""

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from nats_servers import NatsServer, private_nats_server
from sqlalchemy import Integer, String, func, select
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from aurora.events import (
    Consumer,
    Event,
    EventType,
    Inbox,
    NatsBroker,
    OutboxRecord,
    OutboxRelay,
    Publisher,
    RetryPolicy,
    create_subject_created_event,
    events_metadata,
)
from aurora.testing.isolation import postgres_schema

TOTAL = 300
CHUNK = 10


class Base(DeclarativeBase):
    pass


class Enrollment(Base):
    __tablename__ = "nats_enrollments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subject_id: Mapped[str] = mapped_column(String(50))


@pytest.fixture()
def nats_server(tmp_path: Path) -> Iterator[NatsServer]:
    server = private_nats_server(tmp_path)
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture()
async def engine() -> AsyncIterator[AsyncEngine]:
    with postgres_schema(prefix="nats_faults") as schema:
        engine = create_async_engine(schema.url)
        async with engine.begin() as connection:
            await connection.run_sync(events_metadata.create_all)
            await connection.run_sync(Base.metadata.create_all)
        yield engine
        await engine.dispose()


async def count(engine: AsyncEngine, what: object) -> int:
    async with async_sessionmaker(engine)() as session:
        return int((await session.execute(select(func.count(what)))).scalar_one())


async def stage(engine: AsyncEngine, events: list[Event]) -> None:
    async with async_sessionmaker(engine)() as session, session.begin():
        await Publisher().publish_many(events, session=session)


async def eventually(engine: AsyncEngine, expected: int, timeout: float = 60) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while await count(engine, Enrollment.id) < expected:
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{await count(engine, Enrollment.id)} of {expected} applied")
        await asyncio.sleep(0.05)


async def test_sigkill_mid_stream_loses_nothing_and_the_inbox_absorbs_duplicates(
    engine: AsyncEngine, nats_server: NatsServer
) -> None:
    broker = NatsBroker(nats_server.url, ack_wait=1.0, publish_timeout=1.0)
    relay = OutboxRelay(engine, broker, batch_size=20, poll_interval=0.02, max_backoff=0.1)
    consumer = Consumer(
        broker, group="enrollment", block=0.1, visibility_timeout=1.0, retry=RetryPolicy(attempts=1)
    )
    inbox = Inbox("enrollment", sessions=engine)

    async def enroll(event: Event, session: AsyncSession) -> None:
        session.add(Enrollment(subject_id=event.subject or ""))

    consumer.subscribe(EventType.SUBJECT_CREATED, inbox.handler(enroll))
    events = [create_subject_created_event(f"s-{i}") for i in range(TOTAL)]
    await relay.start()
    await consumer.start()
    try:
        for start in range(0, TOTAL, CHUNK):
            await stage(engine, events[start : start + CHUNK])
            if start == TOTAL // 3:
                await eventually(engine, 1)  # traffic is flowing: kill it mid-stream
                nats_server.kill()
            elif start == 2 * TOTAL // 3:
                nats_server.start()  # the same store directory
            await asyncio.sleep(0.01)
        await eventually(engine, TOTAL)
        await asyncio.sleep(2.5)  # past the ack wait: any redelivery has arrived by now
    finally:
        await consumer.stop()
        await relay.stop()
        await broker.close()
    async with async_sessionmaker(engine)() as session:  # published rows are kept, marked
        unpublished = select(func.count()).where(OutboxRecord.published_at.is_(None))
        assert (await session.execute(unpublished)).scalar_one() == 0
    assert await count(engine, Enrollment.id) == TOTAL  # none applied twice
    assert await count(engine, Enrollment.subject_id.distinct()) == TOTAL  # none lost
