"""Real Redis and PostgreSQL for the aurora-events suite, isolated per test.

Redis streams get a unique key prefix per test (deleted afterwards); PostgreSQL
tests get their own schema (aurora.testing.databases). Fault tests start a private
``redis-server`` they can stop and restart (events_redis_server.py).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from events_redis_server import REDIS_SERVER, RedisServer
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from aurora.events import Broker, MemoryBroker, RedisBroker, events_metadata
from aurora.testing.databases import postgres_schema, redis_url, unique_name
from aurora.testing.server import free_port


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


@pytest.fixture(params=["memory", "redis"])
async def broker(request: pytest.FixtureRequest) -> AsyncIterator[Broker]:
    """Each transport in turn: tests using it pin down the shared semantics."""
    if request.param == "memory":
        yield MemoryBroker()
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
    """A private Redis on a free port (fails in CI / skips locally without the binary)."""
    if not os.path.exists(REDIS_SERVER):
        message = f"redis-server binary not found at {REDIS_SERVER}"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    server = RedisServer(free_port(), tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()
