"""Real Redis and PostgreSQL for the aurora-events suite, isolated per test.

Redis streams get a unique key prefix per test (deleted afterwards); PostgreSQL
tests get their own schema (aurora.testing.isolation). Fault tests start a private
``redis-server`` they can stop and restart (``redis_servers.RedisServer``).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from nats_servers import isolated_nats_broker, nats_url
from redis_servers import RedisServer, private_redis
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from aurora.events import Broker, MemoryBroker, RedisBroker, events_metadata
from aurora.testing.isolation import postgres_schema, redis_url, unique_name


@pytest.fixture()
def redis_test_url() -> str:
    """The shared test Redis (fails in CI / skips locally when unreachable)."""
    return redis_url()


@asynccontextmanager
async def isolated_redis_broker(url: str) -> AsyncIterator[RedisBroker]:
    """A broker whose keys all start with a unique prefix, deleted afterwards."""
    prefix = unique_name("events") + ":"
    broker = RedisBroker.from_url(url, prefix=prefix, maxlen=None)
    try:
        yield broker
    finally:
        keys = [key async for key in broker.client.scan_iter(match=prefix + "*")]
        if keys:
            await broker.client.delete(*keys)
        await broker.close()


@pytest.fixture()
async def redis_broker(redis_test_url: str) -> AsyncIterator[RedisBroker]:
    """A broker on the shared Redis, isolated by key prefix."""
    async with isolated_redis_broker(redis_test_url) as broker:
        yield broker


# The contract suite's JetStream ack wait: long enough for a test's reads, short
# enough that the reclaim test does not wait long.
CONTRACT_ACK_WAIT = 1.0


@pytest.fixture(params=["memory", "redis", "nats"])
async def broker(request: pytest.FixtureRequest) -> AsyncIterator[Broker]:
    """Each transport in turn: tests using it pin down the shared semantics."""
    if request.param == "memory":
        yield MemoryBroker()
        return
    if request.param == "nats":
        async with isolated_nats_broker(nats_url(), ack_wait=CONTRACT_ACK_WAIT) as nats_broker:
            yield nats_broker
        return
    async with isolated_redis_broker(redis_url()) as redis_broker:
        yield redis_broker


@asynccontextmanager
async def event_tables_engine(kind: str, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """An async engine with the event tables: a throw-away PostgreSQL schema or a SQLite file."""
    with contextlib.ExitStack() as stack:
        if kind == "postgresql":
            url = stack.enter_context(postgres_schema(prefix="events")).url
        else:
            url = f"sqlite+aiosqlite:///{tmp_path / 'events.db'}"
        engine = create_async_engine(url)
        try:
            async with engine.begin() as connection:
                await connection.run_sync(events_metadata.create_all)
            yield engine
        finally:
            await engine.dispose()


@pytest.fixture()
async def pg_engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """PostgreSQL, in a schema of its own."""
    async with event_tables_engine("postgresql", tmp_path) as engine:
        yield engine


@pytest.fixture(params=["postgresql", "sqlite"])
async def db_engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """Each supported database in turn."""
    async with event_tables_engine(request.param, tmp_path) as engine:
        yield engine


@pytest.fixture()
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A private Redis on a free port, without persistence (see ``redis_servers``)."""
    with private_redis(tmp_path) as server:
        yield server
