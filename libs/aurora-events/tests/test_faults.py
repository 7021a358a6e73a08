"""Fault scenarios against a private redis-server and real databases (SQLite, PostgreSQL).

Every scenario counts: every unacked message redelivered, duplicates applied once,
poison dead-lettered after exactly N tries. Broker data loss: ``test_durability``.
"""

import asyncio
import contextlib
import signal
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from polling import eventually
from redis_servers import RedisServer
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
    Publisher,
    RedisBroker,
    RetryPolicy,
    create_subject_created_event,
    events_metadata,
    list_dead_letters,
)
from aurora.testing.isolation import postgres_schema
from aurora.testing.process import child_env

STREAM = "aurora.subject"


class Base(DeclarativeBase):
    pass


class Enrollment(Base):
    __tablename__ = "enrollments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subject_id: Mapped[str] = mapped_column(String(50))


@pytest.fixture(params=["postgresql", "sqlite"])
async def schema_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An async URL of each database, with the tables (PostgreSQL: a schema of its own)."""
    with contextlib.ExitStack() as stack:
        if request.param == "postgresql":
            url = stack.enter_context(postgres_schema(prefix="faults")).url
        else:
            url = f"sqlite+aiosqlite:///{tmp_path / 'faults.db'}"
        engine = create_async_engine(url)
        async with engine.begin() as connection:
            await connection.run_sync(events_metadata.create_all)
            await connection.run_sync(Base.metadata.create_all)
        await engine.dispose()
        yield url


@pytest.fixture()
async def engine(schema_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(schema_url)
    yield engine
    await engine.dispose()


@pytest.fixture()
async def broker(redis_server: RedisServer) -> AsyncIterator[RedisBroker]:
    broker = RedisBroker.from_url(redis_server.url, socket_connect_timeout=0.5, socket_timeout=2)
    yield broker
    await broker.close()


async def count(engine: AsyncEngine, model: type) -> int:
    async with async_sessionmaker(engine)() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def _true(value: bool) -> bool:
    return value


CONSUMER_SCRIPT = textwrap.dedent("""
    import asyncio, sys
    from sqlalchemy import Integer, String
    from sqlalchemy.ext.asyncio import create_async_engine
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
    from aurora.events import Consumer, EventType, Inbox, RedisBroker

    class Base(DeclarativeBase):
        pass

    class Enrollment(Base):
        __tablename__ = "enrollments"
        id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
        subject_id: Mapped[str] = mapped_column(String(50))

    async def main(redis_url, db_url, hang_after):
        broker = RedisBroker.from_url(redis_url)
        consumer = Consumer(broker, group="enrollment", name="doomed", batch_size=50, block=0.1)
        inbox = Inbox("enrollment", sessions=create_async_engine(db_url))
        done = 0

        async def enroll(event, session):
            nonlocal done
            session.add(Enrollment(subject_id=event.subject))
            done += 1

        handle = inbox.handler(enroll)

        async def handler(event):
            if done >= hang_after:
                print("hanging", flush=True)
                await asyncio.sleep(3600)  # killed here, before the batch is acked
            await handle(event)

        consumer.subscribe(EventType.SUBJECT_CREATED, handler)
        await consumer.run()

    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
    """)


def start_doomed_consumer(
    tmp_path: Path, redis_url: str, db_url: str, hang_after: int
) -> subprocess.Popen[str]:
    script = tmp_path / "doomed_consumer.py"
    script.write_text(CONSUMER_SCRIPT)
    env = child_env()
    return subprocess.Popen(
        [sys.executable, str(script), redis_url, db_url, str(hang_after)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )


async def kill_when_hanging(process: subprocess.Popen[str]) -> None:
    assert process.stdout is not None
    try:
        line = await asyncio.wait_for(asyncio.to_thread(process.stdout.readline), 30)
        assert line.strip() == "hanging", line
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        process.stdout.close()


async def test_a_killed_consumers_unacked_messages_are_redelivered_and_applied_once(
    tmp_path: Path,
    engine: AsyncEngine,
    schema_url: str,
    broker: RedisBroker,
    redis_server: RedisServer,
) -> None:
    """Killed after committing 6 of 10 handlers but before XACK: all 10 come back, 6 are skipped."""
    events = [create_subject_created_event(str(i)) for i in range(10)]
    await broker.ensure_group(STREAM, "enrollment")
    await Publisher(broker).publish_many(events)
    await kill_when_hanging(start_doomed_consumer(tmp_path, redis_server.url, schema_url, 6))
    assert await count(engine, Enrollment) == 6
    assert (await broker.group_info(STREAM, "enrollment")).pending == 10  # none acked

    inbox = Inbox("enrollment", sessions=engine)

    async def enroll(event: Event, session: AsyncSession) -> None:
        session.add(Enrollment(subject_id=event.subject or ""))

    rescuer = Consumer(
        broker, group="enrollment", name="rescuer", visibility_timeout=1.0, block=0.05
    )
    rescuer.subscribe(EventType.SUBJECT_CREATED, inbox.handler(enroll))
    await asyncio.sleep(1.05)  # past the visibility timeout
    assert await rescuer.drain() == 10
    assert rescuer.stats.handled == 10
    assert inbox.duplicates == 6  # redelivered duplicates skipped
    assert await count(engine, Enrollment) == 10  # every event applied exactly once
    assert (await broker.group_info(STREAM, "enrollment")).pending == 0


async def test_a_poison_message_ends_in_the_dead_letter_stream_after_n_tries(
    broker: RedisBroker,
) -> None:
    consumer = Consumer(
        broker,
        group="poisoned",
        block=0.05,
        visibility_timeout=0.1,
        max_deliveries=3,
        retry=RetryPolicy(attempts=2, initial_backoff=0.001),
    )
    calls = 0

    async def always_fails(event: Event) -> None:
        nonlocal calls
        calls += 1
        raise ValueError(f"bad subject {event.subject}")

    consumer.subscribe(EventType.SUBJECT_CREATED, always_fails)
    good = create_subject_created_event("fine")
    await Publisher(broker).publish(create_subject_created_event("poison"))
    await consumer.start()
    try:
        await eventually(lambda: _true(consumer.stats.dead_lettered == 1))
    finally:
        await consumer.stop()
    assert calls == 3 * 2  # max_deliveries x in-process attempts
    (letter,) = await list_dead_letters(broker, STREAM)
    assert letter.deliveries == 3 and letter.group == "poisoned"
    assert "ValueError: bad subject poison" in letter.error
    assert letter.event.subject == "poison"
    assert (await broker.group_info(STREAM, "poisoned")).pending == 0
    assert good.subject == "fine"
