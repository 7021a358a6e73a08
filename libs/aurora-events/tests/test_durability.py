"""No committed event is lost silently: fault tests with exact counts.

Each test runs against a private ``redis-server`` it kills and restarts (never the
shared one), on SQLite and on PostgreSQL (a schema of its own). Effects are rows
written through the ``Inbox`` in the handler's transaction, so "applied once" is
a row count.
"""

import asyncio
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from polling import eventually
from prometheus_client import CollectorRegistry
from redis_servers import RedisServer, private_redis
from sqlalchemy import String, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from aurora.config import ServiceConfig
from aurora.errors import ServiceUnavailableError
from aurora.events import (
    BrokerNotDurableError,
    BrokerUnavailableError,
    Consumer,
    Event,
    EventsSettings,
    EventType,
    Inbox,
    OutboxRecord,
    OutboxRelay,
    Publisher,
    RedisBroker,
    RetryPolicy,
    create_subject_created_event,
)
from aurora.testing.logs import capture_log_lines
from aurora.testing.process import child_env

STREAM = "aurora.subject"


class Base(DeclarativeBase):
    pass


class Effect(Base):
    """One row per event a group applied: duplicates would show as extra rows."""

    __tablename__ = "durability_effects"
    group: Mapped[str] = mapped_column(String(50), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    subject: Mapped[str] = mapped_column(String(50))


@pytest.fixture()
async def engine(db_engine: AsyncEngine) -> AsyncEngine:
    async with db_engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    return db_engine


@pytest.fixture()
async def broker(redis_server: RedisServer) -> AsyncIterator[RedisBroker]:
    broker = RedisBroker.from_url(
        redis_server.url, socket_connect_timeout=0.5, socket_timeout=2, trim_interval=0
    )
    yield broker
    await broker.close()


async def stage(engine: AsyncEngine, prefix: str, count: int) -> None:
    """Commit ``count`` events through the outbox, 20 per business transaction."""
    events = [create_subject_created_event(f"{prefix}-{i}") for i in range(count)]
    for start in range(0, count, 20):
        async with async_sessionmaker(engine)() as session, session.begin():
            await Publisher().publish_many(events[start : start + 20], session=session)


async def unpublished(engine: AsyncEngine) -> int:
    query = (
        select(func.count()).select_from(OutboxRecord).where(OutboxRecord.published_at.is_(None))
    )
    async with async_sessionmaker(engine)() as session:
        return int((await session.execute(query)).scalar_one())


async def effects(engine: AsyncEngine, group: str) -> int:
    query = select(func.count()).select_from(Effect).where(Effect.group == group)
    async with async_sessionmaker(engine)() as session:
        return int((await session.execute(query)).scalar_one())


def applying(
    inbox: Inbox, gate: asyncio.Event | None = None, deliveries: list[str] | None = None
) -> Callable[[Event], Awaitable[None]]:
    """An inbox handler writing one ``Effect``; ``lagging-*`` events wait for ``gate``.

    ``deliveries`` collects every delivery's subject, duplicates included.
    """

    async def apply(event: Event, session: AsyncSession) -> None:
        session.add(Effect(group=inbox.consumer, event_id=event.id, subject=event.subject or ""))

    handle = inbox.handler(apply)

    async def handler(event: Event) -> None:
        if deliveries is not None:
            deliveries.append(event.subject or "")
        if gate is not None and (event.subject or "").startswith("lagging"):
            await gate.wait()
        await handle(event)

    return handler


async def caught_up(broker: RedisBroker, group: str) -> bool:
    """The group has everything the stream holds delivered and acked.

    Not yet, too, when the probe itself meets a pooled connection the restart closed.
    """
    try:
        info = await broker.group_info(STREAM, group)
    except BrokerUnavailableError:
        return False
    return info.exists and info.lag == 0 and info.pending == 0


def sample(registry: CollectorRegistry, name: str, **labels: str) -> float:
    return registry.get_sample_value(name, labels or None) or 0.0


async def test_an_empty_redis_restart_while_a_consumer_lags_loses_nothing(
    engine: AsyncEngine, broker: RedisBroker, redis_server: RedisServer
) -> None:
    """The relay notices the restart and re-publishes from the outbox; the inbox dedups.

    40 events applied, then 60 published while the consumer is stuck on the first of
    them, then Redis is killed and comes back empty, 20 more committed meanwhile:
    all 120 applied, each exactly once, and every extra delivery skipped by the inbox.
    """
    registry = CollectorRegistry()
    relay = OutboxRelay(
        engine, broker, poll_interval=0.02, max_backoff=0.1, lag_interval=0.05, registry=registry
    )
    inbox, gate, deliveries = Inbox("audit", sessions=engine), asyncio.Event(), []
    consumer = Consumer(
        broker,
        group="audit",
        batch_size=10,
        block=0.05,
        visibility_timeout=1.0,  # a reply lost with the connection comes back soon
        retry=RetryPolicy(attempts=1),
        metrics_registry=registry,
        lag_interval=0.05,
    )
    consumer.subscribe(EventType.SUBJECT_CREATED, applying(inbox, gate, deliveries))
    await broker.ensure_group(STREAM, "audit")
    with capture_log_lines() as logs:
        await relay.start()
        await consumer.start()
        try:
            await stage(engine, "read", 40)
            await eventually(lambda: _is(effects(engine, "audit"), 40))
            await stage(engine, "lagging", 60)  # the consumer takes 10 and gets stuck
            await eventually(lambda: _is(unpublished(engine), 0))
            await asyncio.sleep(0.2)  # the relay has looked at the broker since
            redis_server.stop()
            await stage(engine, "during", 20)  # commits go on while Redis is down
            redis_server.start()  # empty: no AOF, the group is gone too
            gate.set()
            await eventually(lambda: _is(effects(engine, "audit"), 120))
            await eventually(lambda: caught_up(broker, "audit"))
            await asyncio.sleep(0.2)  # one more look by the relay: nothing else to resend
            await eventually(lambda: caught_up(broker, "audit"))
            await asyncio.sleep(0.3)  # nothing more arrives
        finally:
            await consumer.stop()
            await relay.stop()
    requeued = sample(registry, "aurora_events_outbox_republished_total")
    assert await effects(engine, "audit") == 120  # zero lost, none applied twice
    assert len(set(deliveries)) == 120
    assert inbox.duplicates == len(deliveries) - 120  # every extra delivery was skipped
    # The 60 lagging ones, plus read ones within the margin and ones sent after the restart.
    assert 60 <= requeued <= 120
    logs.assert_logged("event_broker_lost_events", level="error", stream=STREAM, count=1)
    logs.assert_logged("event_group_lost", level="error", stream=STREAM, group="audit", count=1)
    # Counted per detection: two reads in flight when the group vanished may both see it.
    assert (
        sample(registry, "aurora_events_consumer_groups_lost_total", stream=STREAM, group="audit")
        >= 1
    )
    with pytest.raises(ServiceUnavailableError) as unhealthy:
        await consumer.health_check()()
    assert unhealthy.value.code == "consumer_group_lost"


async def test_the_recover_command_republishes_what_an_empty_restart_lost(
    tmp_path: Path, engine: AsyncEngine, broker: RedisBroker, redis_server: RedisServer
) -> None:
    """A consumer told to wait stalls loudly until ``recover`` recreates its group.

    The relay here never saw the restart (run batch by batch), so recovery is the
    operator's: ``recover --since`` re-queues exactly the 80 events published since
    (60 lost, 20 committed after the restart, which the inbox then skips).
    """
    registry = CollectorRegistry()
    relay = OutboxRelay(engine, broker, registry=registry)
    inbox, gate, deliveries = Inbox("audit", sessions=engine), asyncio.Event(), list[str]()
    consumer = Consumer(
        broker,
        group="audit",
        batch_size=10,
        block=0.05,
        visibility_timeout=1.0,  # a reply lost with the connection comes back soon
        metrics_registry=registry,
        lag_interval=0.05,
        on_group_lost="wait",
        alarm_hold=0.2,
    )
    consumer.subscribe(EventType.SUBJECT_CREATED, applying(inbox, gate, deliveries))
    await broker.ensure_group(STREAM, "audit")
    await consumer.start()
    try:
        await stage(engine, "read", 40)
        await _relay_all(relay)
        await eventually(lambda: _is(effects(engine, "audit"), 40))
        since = datetime.now(UTC)
        await stage(engine, "lagging", 60)
        await _relay_all(relay)
        redis_server.restart()  # empty
        gate.set()  # the batch it was stuck in completes: its acks go nowhere
        await eventually(lambda: _true(bool(consumer.watch.lost)))
        # The released batch applies its first event (its ack is lost with Redis).
        await eventually(lambda: _more(effects(engine, "audit"), 40))
        with pytest.raises(ServiceUnavailableError, match="no such group"):
            await consumer.health_check()()
        await stage(engine, "during", 20)
        await _relay_all(relay)  # into a stream without the group: kept, not read
        output = run_recover(tmp_path, engine, redis_server, since)
        assert "re-queued 80 events" in output and "published 80" in output, output
        await eventually(lambda: _is(effects(engine, "audit"), 120))
        await eventually(lambda: caught_up(broker, "audit"))
        await asyncio.sleep(0.3)  # past alarm_hold: the group is back
        await consumer.health_check()()
    finally:
        await consumer.stop()
    assert await effects(engine, "audit") == 120
    assert inbox.duplicates == len(deliveries) - 120  # every extra delivery was skipped
    times = Counter(deliveries)
    # Sent again by recover: the lagging event applied before its ack was lost with Redis,
    # and the 20 the new stream kept. Delivery is at least once: on a busy machine a batch
    # can also come back after the visibility timeout, so these are lower bounds.
    assert times["lagging-0"] >= 2, times
    assert min(times[f"during-{i}"] for i in range(20)) >= 2, times
    # Counted per detection: two reads in flight when the group vanished may both see it.
    assert (
        sample(registry, "aurora_events_consumer_groups_lost_total", stream=STREAM, group="audit")
        >= 1
    )


def run_recover(tmp_path: Path, engine: AsyncEngine, server: RedisServer, since: datetime) -> str:
    env = {
        **child_env(),
        "AURORA_DATABASE__URL": engine.url.render_as_string(hide_password=False),
        "AURORA_REDIS__URL": server.url,
        "AURORA_EVENTS__STREAM_PREFIX": "",
    }
    result = subprocess.run(
        [
            *(sys.executable, "-m", "aurora.events", "recover", "--service", "recovery-test"),
            *("--since", since.isoformat(), "--group", "audit"),
        ],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


async def test_an_offline_group_keeps_every_event_while_the_producer_passes_the_cap(
    engine: AsyncEngine, redis_server: RedisServer
) -> None:
    """Cap 100, 1,000 events, one group offline: nothing trimmed past it, an alarm instead."""
    broker = RedisBroker.from_url(redis_server.url, maxlen=100, trim_interval=0)
    registry = CollectorRegistry()
    relay = OutboxRelay(engine, broker, registry=registry)
    consumers, applied = {}, {"online": set[str](), "offline": set[str]()}
    for group in ("online", "offline"):
        await broker.ensure_group(STREAM, group)
        consumers[group] = Consumer(broker, group=group, batch_size=200, metrics_registry=registry)
        consumers[group].subscribe(EventType.SUBJECT_CREATED, recording(applied[group]))
    try:
        with capture_log_lines() as logs:
            for chunk in range(10):
                await stage(engine, f"c{chunk}", 100)
                await _relay_all(relay)
                assert await consumers["online"].drain() == 100
        info = await broker.stream_info(STREAM)
        assert (info.length, info.over_capacity) == (1000, True)  # all kept for "offline"
        logs.assert_logged("event_stream_over_capacity", level="warning", count=1)
        for check in (relay.health_check(), consumers["offline"].health_check()):
            with pytest.raises(ServiceUnavailableError) as unhealthy:
                await check()
            assert unhealthy.value.code == "stream_over_capacity"
        assert sample(registry, "aurora_events_relay_stream_over_capacity", stream=STREAM) == 1
        assert await consumers["offline"].drain() == 1000  # back online: zero lost
        await stage(engine, "after", 1)
        await _relay_all(relay)  # the next publish trims what both groups acked
        assert await consumers["online"].drain() == await consumers["offline"].drain() == 1
    finally:
        await broker.close()
    assert len(applied["online"]) == len(applied["offline"]) == 1001
    assert (await broker_length(redis_server)) <= 200


def recording(applied: set[str]) -> Callable[[Event], Awaitable[None]]:
    """A handler collecting event ids (the database is not what this test is about)."""

    async def record(event: Event) -> None:
        applied.add(event.id)

    return record


async def broker_length(server: RedisServer) -> int:
    broker = RedisBroker.from_url(server.url)
    try:
        return (await broker.stream_info(STREAM)).length
    finally:
        await broker.close()


async def _relay_all(relay: OutboxRelay) -> None:
    while await relay.relay_once():
        pass


async def _is(value: Awaitable[int], expected: int) -> bool:
    return await value == expected


async def _true(value: bool) -> bool:
    return value


async def _more(value: Awaitable[int], than: int) -> bool:
    return await value > than


async def test_the_relay_refuses_a_redis_without_aof_where_durability_is_required(
    tmp_path: Path, engine: AsyncEngine, redis_server: RedisServer
) -> None:
    volatile = RedisBroker.from_url(redis_server.url, require_durable=True)
    relay = OutboxRelay(engine, volatile, registry=CollectorRegistry())
    try:
        with pytest.raises(BrokerNotDurableError, match="appendonly is off"):
            await relay.start()
    finally:
        await volatile.close()
    (tmp_path / "aof").mkdir()
    with private_redis(tmp_path / "aof", appendonly=True) as server:
        durable = RedisBroker.from_url(server.url, require_durable=True)
        relay = OutboxRelay(engine, durable, registry=CollectorRegistry())
        try:
            await relay.start()
            await relay.stop()
            assert (await durable.persistence()).details["aof_enabled"] == "1"
        finally:
            await durable.close()


@pytest.mark.parametrize(
    ("environment", "accept", "required"),
    [
        ("production", False, True),
        ("staging", False, True),
        ("production", True, False),
        ("development", False, False),
    ],
)
async def test_durability_is_required_in_staging_and_production_unless_accepted(
    redis_server: RedisServer, environment: str, accept: bool, required: bool
) -> None:
    config = ServiceConfig.composed().model_validate(
        {
            "service": {"name": "durable", "environment": environment},
            "redis": {"url": redis_server.url},
        }
    )
    settings = EventsSettings(accept_volatile_broker=accept)
    broker = RedisBroker.from_config(config, settings=settings)
    try:
        persistence = await broker.persistence()
    finally:
        await broker.close()
    assert (persistence.durable, persistence.required) == (False, required)
