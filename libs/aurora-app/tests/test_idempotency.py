"""Idempotency-Key: a retried POST does its work once; misuse is a clear 4xx."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from aurora.app import IdempotencyRecord, RedisIdempotencyStore, Service

MakeService = Callable[..., Service]


def _counting(service: Service) -> dict[str, int]:
    calls = {"n": 0}

    @service.app.post("/orders", status_code=201)
    async def create(payload: dict[str, Any]) -> dict[str, Any]:
        calls["n"] += 1
        return {"number": calls["n"], **payload}

    return calls


def test_a_retry_is_answered_from_the_first_response(make_service: MakeService) -> None:
    service = make_service()
    calls = _counting(service)
    headers = {"Idempotency-Key": "order-1"}
    with TestClient(service.app) as client:
        first = client.post("/orders", json={"item": "pen"}, headers=headers)
        second = client.post("/orders", json={"item": "pen"}, headers=headers)
    assert calls["n"] == 1
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json() == first.json()
    assert second.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers


def test_the_same_key_with_another_body_is_a_422(make_service: MakeService) -> None:
    service = make_service()
    _counting(service)
    headers = {"Idempotency-Key": "order-2"}
    with TestClient(service.app) as client:
        client.post("/orders", json={"item": "pen"}, headers=headers)
        reused = client.post("/orders", json={"item": "ink"}, headers=headers)
    assert reused.status_code == 422
    assert reused.json()["code"] == "idempotency_key_reused"


def test_requests_without_a_key_run_every_time(make_service: MakeService) -> None:
    service = make_service()
    calls = _counting(service)
    with TestClient(service.app) as client:
        for _ in range(2):
            client.post("/orders", json={"item": "pen"})
    assert calls["n"] == 2


async def test_a_retry_while_the_first_runs_is_a_409(make_service: MakeService) -> None:
    service = make_service()
    release = asyncio.Event()

    @service.app.post("/slow")
    async def slow() -> dict[str, bool]:
        await release.wait()
        return {"ok": True}

    transport = httpx.ASGITransport(app=service.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        headers = {"Idempotency-Key": "slow-1"}
        first = asyncio.create_task(client.post("/slow", json={}, headers=headers))
        await asyncio.sleep(0.05)
        second = await client.post("/slow", json={}, headers=headers)
        release.set()
        assert (await first).status_code == 200
    assert second.status_code == 409
    assert second.json()["code"] == "idempotency_key_in_flight"
    assert second.headers["retry-after"] == "1"


def test_a_server_error_is_not_stored(make_service: MakeService) -> None:
    service = make_service()
    calls = {"n": 0}

    @service.app.post("/flaky")
    async def flaky() -> dict[str, int]:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("first attempt fails")
        return {"attempt": calls["n"]}

    headers = {"Idempotency-Key": "flaky-1"}
    with TestClient(service.app) as client:
        assert client.post("/flaky", json={}, headers=headers).status_code == 500
        assert client.post("/flaky", json={}, headers=headers).json() == {"attempt": 2}


@pytest.mark.parametrize("key", ["", "x" * 300])
def test_a_malformed_key_is_a_400(make_service: MakeService, key: str) -> None:
    service = make_service()
    _counting(service)
    with TestClient(service.app) as client:
        response = client.post("/orders", json={}, headers={"Idempotency-Key": key})
    assert response.status_code == 400


async def test_the_redis_store_reserves_atomically(redis_url: str, key_prefix: str) -> None:
    store = RedisIdempotencyStore(redis_url, prefix=key_prefix)
    key = uuid.uuid4().hex
    try:
        assert await store.begin(key, IdempotencyRecord("fp"), 5) is None
        in_flight = await store.begin(key, IdempotencyRecord("fp"), 5)
        assert in_flight is not None and not in_flight.done
        await store.finish(key, IdempotencyRecord("fp", 201, (("a", "b"),), b"{}"), 5)
        done = await store.begin(key, IdempotencyRecord("fp"), 5)
        assert done == IdempotencyRecord("fp", 201, (("a", "b"),), b"{}")
        await store.abandon(key)
        assert await store.begin(key, IdempotencyRecord("fp"), 5) is None
        await store.abandon(key)
    finally:
        await store.aclose()
