"""Readiness checks: SELECT 1 within a timeout, as the async callable aurora-app takes."""

from __future__ import annotations

import socket
import threading

import pytest
from db_registry import SERVICE, make_registry
from sqlalchemy import create_engine
from sqlalchemy.ext.asyncio import create_async_engine

from aurora.db import DatabaseUnavailableError, database_health_check, use_registry


async def test_healthy_database_reports_backend_and_latency(async_registry, backend):
    details = await database_health_check(SERVICE, registry=async_registry)()
    assert details["backend"] == backend
    assert details["latency_ms"] >= 0


async def test_check_uses_the_default_registry(async_registry):
    with use_registry(async_registry):
        assert (await database_health_check(SERVICE)())["latency_ms"] >= 0


async def test_sync_engine_is_checked_in_a_thread(registry, backend):
    details = await database_health_check(engine=registry.engine(SERVICE))()
    assert details["backend"] == backend


async def test_unreachable_database_raises_unavailable():
    registry = make_registry("postgresql://nobody@127.0.0.1:1/none", connect_timeout=1)
    with pytest.raises(DatabaseUnavailableError):
        await database_health_check(SERVICE, registry=registry)()
    await registry.dispose_async()


@pytest.fixture()
def silent_server():
    """A TCP server that accepts connections and never answers: a hung database."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.05)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    for connection in accepted:
        connection.close()
    listener.close()


@pytest.mark.parametrize("flavor", ["async", "sync"])
async def test_hung_database_fails_the_check_within_the_timeout(silent_server, flavor):
    url = f"postgresql+psycopg://nobody@127.0.0.1:{silent_server}/none"
    if flavor == "async":
        async_engine = create_async_engine(url)
        with pytest.raises(DatabaseUnavailableError, match="within 0.2s"):
            await database_health_check(engine=async_engine, timeout=0.2)()
        await async_engine.dispose()
    else:
        engine = create_engine(url)
        with pytest.raises(DatabaseUnavailableError, match="within 0.2s"):
            await database_health_check(engine=engine, timeout=0.2)()
        engine.dispose()


def test_exactly_one_target_is_required():
    with pytest.raises(TypeError):
        database_health_check()
    with pytest.raises(TypeError):
        database_health_check("x", engine=create_engine("sqlite://"))
