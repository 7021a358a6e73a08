"""Real Redis and PostgreSQL for the aurora-events suite, isolated per test.

Redis streams get a unique key prefix per test (deleted afterwards); PostgreSQL
tests get their own schema (aurora.testing.databases). Fault tests start a private
``redis-server`` they can stop and restart (:class:`RedisServer`).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
import redis
from nats_servers import isolated_nats_broker, nats_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from aurora.events import Broker, MemoryBroker, RedisBroker, events_metadata
from aurora.testing.databases import postgres_schema, redis_url, unique_name
from aurora.testing.server import free_port

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


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


class RedisServer:
    """A private ``redis-server`` without persistence, stoppable mid-test."""

    def __init__(self, port: int, workdir: Path) -> None:
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self._workdir = workdir
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self._process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--save", "", "--appendonly", "no"],
            cwd=self._workdir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                redis.Redis(port=self.port, socket_connect_timeout=0.2).ping()
                return
            except redis.ConnectionError:
                time.sleep(0.02)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait(timeout=10)
            self._process = None
        _wait_port_closed(self.port)


def _wait_port_closed(port: int) -> None:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return
        time.sleep(0.02)


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
