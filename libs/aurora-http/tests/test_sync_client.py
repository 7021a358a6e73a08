"""The sync twin behaves like the async client (same policy code, real server)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from http_upstream import Reply, Upstream

from aurora.errors import DeadlineExceededError, NotFoundError, ServiceUnavailableError
from aurora.http import ClientRegistry, RetryPolicy, ServiceClient, SyncServiceClient
from aurora.logging import bind_correlation_id
from aurora.utils import CircuitOpenError


@pytest.fixture()
def client(upstream: Upstream, registry: ClientRegistry) -> Iterator[SyncServiceClient]:
    with SyncServiceClient("subjects", upstream.url, registry=registry, caller="cli") as c:
        yield c


def test_sync_client_retries_then_succeeds(
    client: SyncServiceClient, upstream: Upstream, delays: list[float]
) -> None:
    upstream.reply(503, Reply(429, {"Retry-After": "1"}))
    assert client.get("/x").status_code == 200
    assert len(upstream.hits) == 3
    assert delays[1] == 1.0


def test_sync_client_does_not_retry_post_without_a_key(
    client: SyncServiceClient, upstream: Upstream, delays: list[float]
) -> None:
    upstream.reply(503)
    assert client.post("/x", json={}).status_code == 503
    assert len(upstream.hits) == 1


def test_sync_client_maps_errors(client: SyncServiceClient, upstream: Upstream) -> None:
    upstream.reply(404)
    with pytest.raises(NotFoundError):
        client.get_json("/x")


def test_sync_client_connection_refused(
    closed_port_url: str, registry: ClientRegistry, delays: list[float]
) -> None:
    with (
        SyncServiceClient("ghost", closed_port_url, registry=registry) as c,
        pytest.raises(ServiceUnavailableError),
    ):
        c.get("/x")
    assert len(delays) == 2


def test_sync_client_deadline(client: SyncServiceClient) -> None:
    with pytest.raises(DeadlineExceededError):
        client.get("/x?sleep=0.5", deadline=0.1)


def test_sync_client_propagates_correlation_id(
    client: SyncServiceClient, upstream: Upstream
) -> None:
    with bind_correlation_id("sync-1"):
        client.get("/x")
    assert upstream.hits[0].headers["x-request-id"] == "sync-1"


async def test_sync_and_async_clients_share_the_service_breaker(
    upstream: Upstream, registry: ClientRegistry
) -> None:
    policy = RetryPolicy(max_attempts=1)
    upstream.reply(*[500] * 5)
    with SyncServiceClient("shared", upstream.url, registry=registry, policy=policy) as sync_client:
        for _ in range(5):
            sync_client.get("/x")
    async with ServiceClient("shared", upstream.url, registry=registry) as async_client:
        with pytest.raises(CircuitOpenError):
            await async_client.get("/x")
    assert len(upstream.hits) == 5
