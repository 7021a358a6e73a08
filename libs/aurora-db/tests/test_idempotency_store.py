"""The database idempotency store: aurora-app's store protocol on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from db_registry import SERVICE
from sqlalchemy import MetaData

from aurora.app import IdempotencyRecord, create_service
from aurora.config import ServiceConfig
from aurora.db import DatabaseIdempotencyStore, EngineRegistry, idempotency_table

IN_FLIGHT = IdempotencyRecord(fingerprint="f1")
DONE = IdempotencyRecord(fingerprint="f1", status=201, headers=(("x-a", "1"),), body=b"{}")


class Clock:
    """Wall-clock seconds that move when the test says."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture()
def clock() -> Clock:
    return Clock()


@pytest.fixture()
async def store(
    async_registry: EngineRegistry, clock: Clock
) -> AsyncIterator[DatabaseIdempotencyStore]:
    metadata = MetaData()
    table = idempotency_table(metadata)
    engine = async_registry.async_engine(SERVICE)
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
        await connection.execute(table.delete())
    yield DatabaseIdempotencyStore(engine, table, clock=clock)
    async with engine.begin() as connection:
        await connection.run_sync(metadata.drop_all)


async def test_the_first_request_reserves_the_key(store: DatabaseIdempotencyStore) -> None:
    assert await store.begin("k", IN_FLIGHT, 60) is None
    assert await store.begin("k", IN_FLIGHT, 60) == IN_FLIGHT


async def test_a_finished_record_is_returned_to_the_retry(store: DatabaseIdempotencyStore) -> None:
    await store.begin("k", IN_FLIGHT, 60)
    await store.finish("k", DONE, 60)
    assert await store.begin("k", IN_FLIGHT, 60) == DONE


async def test_an_abandoned_key_runs_afresh(store: DatabaseIdempotencyStore) -> None:
    await store.begin("k", IN_FLIGHT, 60)
    await store.abandon("k")
    assert await store.begin("k", IN_FLIGHT, 60) is None


async def test_an_expired_record_is_taken_over_and_purged(
    store: DatabaseIdempotencyStore, clock: Clock
) -> None:
    await store.begin("old", DONE, 60)
    await store.begin("other", DONE, 60)
    clock.now += 61
    assert await store.begin("old", IN_FLIGHT, 60) is None
    assert await store.purge() == 1  # "other"; "old" lives again
    assert await store.begin("old", IN_FLIGHT, 60) == IN_FLIGHT


def test_idempotency_table_is_added_once() -> None:
    metadata = MetaData()
    assert idempotency_table(metadata) is idempotency_table(metadata)


async def test_aurora_app_replays_a_retried_post_from_the_database(
    store: DatabaseIdempotencyStore,
) -> None:
    config = ServiceConfig.model_validate({"service": {"name": "orders"}})
    service = create_service("orders", config, idempotency_store=store, configure_logging=False)
    calls = []

    @service.app.post("/orders", status_code=201)
    async def create(payload: dict[str, Any]) -> dict[str, Any]:
        calls.append(payload)
        return {"number": len(calls)}

    headers = {"Idempotency-Key": "order-1"}
    transport = httpx.ASGITransport(app=service.app)  # this loop: the store's connections are
    async with httpx.AsyncClient(transport=transport, base_url="http://orders") as client:
        first = await client.post("/orders", json={"item": "pen"}, headers=headers)
        second = await client.post("/orders", json={"item": "pen"}, headers=headers)
    assert len(calls) == 1
    assert second.json() == first.json() == {"number": 1}
    assert second.headers["idempotent-replayed"] == "true"
