"""The inbox makes processing effectively-once: duplicates are skipped, failures retried."""

import asyncio

import pytest
from sqlalchemy import Integer, String, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from aurora.events import (
    Broker,
    Consumer,
    Event,
    EventType,
    Inbox,
    Publisher,
    RetryPolicy,
    create_subject_created_event,
)


class Base(DeclarativeBase):
    pass


class Enrollment(Base):
    __tablename__ = "enrollments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subject_id: Mapped[str] = mapped_column(String(50))


@pytest.fixture()
async def engine(db_engine: AsyncEngine) -> AsyncEngine:
    async with db_engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    return db_engine


async def enrollments(engine: AsyncEngine) -> int:
    async with async_sessionmaker(engine)() as session:
        return int(
            (await session.execute(select(func.count()).select_from(Enrollment))).scalar_one()
        )


async def enroll(event: Event, session: AsyncSession) -> None:
    session.add(Enrollment(subject_id=event.subject or ""))


async def test_record_is_true_once_per_consumer_and_event(engine: AsyncEngine) -> None:
    inbox, other = Inbox("billing"), Inbox("search")
    event = create_subject_created_event("1")
    sessions = async_sessionmaker(engine)
    async with sessions() as session, session.begin():
        assert await inbox.record(session, event) is True
    async with sessions() as session, session.begin():
        assert await inbox.record(session, event) is False
        assert await other.record(session, event) is True
        assert await inbox.seen(session, event.id)
    assert inbox.duplicates == 1


async def test_a_rolled_back_handler_leaves_no_record(engine: AsyncEngine) -> None:
    inbox = Inbox("billing", sessions=engine)
    event = create_subject_created_event("1")
    calls = 0

    async def failing_once(event: Event, session: AsyncSession) -> None:
        nonlocal calls
        calls += 1
        session.add(Enrollment(subject_id="1"))
        if calls == 1:
            raise RuntimeError("crash after the write")

    handler = inbox.handler(failing_once)
    with pytest.raises(RuntimeError):
        await handler(event)
    await handler(event)  # the retry runs: the failed attempt recorded nothing
    await handler(event)  # a duplicate: skipped
    assert (calls, await enrollments(engine), inbox.duplicates) == (2, 1, 1)


async def test_concurrent_duplicates_are_processed_once(pg_engine: AsyncEngine) -> None:
    async with pg_engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    inbox = Inbox("billing", sessions=pg_engine)
    handler = inbox.handler(enroll)
    event = create_subject_created_event("1")
    await asyncio.gather(*(handler(event) for _ in range(5)))
    assert await enrollments(pg_engine) == 1
    assert inbox.duplicates == 4


async def test_redelivered_duplicates_through_a_consumer_are_skipped(
    engine: AsyncEngine, broker: Broker
) -> None:
    """The same event published three times (at-least-once relay) changes state once."""
    inbox = Inbox("enrollment", sessions=engine)
    consumer = Consumer(broker, group="enrollment", block=0.05, retry=RetryPolicy(attempts=1))
    consumer.subscribe(EventType.SUBJECT_CREATED, inbox.handler(enroll))
    event = create_subject_created_event("1")
    await Publisher(broker).publish_many([event, event, event])
    assert await consumer.drain() == 3
    assert await enrollments(engine) == 1
    assert (consumer.stats.handled, inbox.duplicates) == (3, 2)


async def test_purge_forgets_old_records(engine: AsyncEngine) -> None:
    from datetime import timedelta

    inbox = Inbox("billing")
    async with async_sessionmaker(engine)() as session, session.begin():
        await inbox.record(session, create_subject_created_event("1"))
    async with async_sessionmaker(engine)() as session, session.begin():
        assert await inbox.purge(session, older_than=timedelta(hours=1)) == 0
        assert await inbox.purge(session, older_than=timedelta(0)) == 1


def test_handler_needs_sessions() -> None:
    with pytest.raises(RuntimeError, match="sessions"):
        Inbox("x").handler(enroll)
