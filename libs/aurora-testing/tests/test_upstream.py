"""FaultyUpstream: a real server misbehaving on cue, met by aurora-http's whole client stack."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from prometheus_client import CollectorRegistry

from aurora.errors import (
    ConflictError,
    DeadlineExceededError,
    NotFoundError,
    ServiceUnavailableError,
)
from aurora.http import ClientRegistry, RetryPolicy, ServiceClient
from aurora.http.testing import disable_backoff
from aurora.testing import FaultyUpstream, Reply


@pytest.fixture()
async def client(upstream: FaultyUpstream) -> AsyncIterator[ServiceClient]:
    """A client with a registry of its own (breakers never leak between tests)."""
    registry = ClientRegistry(
        metrics_registry=CollectorRegistry(), policy=RetryPolicy(max_attempts=3)
    )
    async with ServiceClient(
        "catalog", upstream.url, registry=registry, timeout=httpx.Timeout(1.0, connect=0.5)
    ) as service_client:
        with disable_backoff():
            yield service_client


async def test_replies_follow_the_schedule_then_the_default(
    upstream: FaultyUpstream, client: ServiceClient
) -> None:
    upstream.reply(503, 503)

    response = await client.get("/items", params={"page": 2})

    assert response.status_code == 200  # two retries, then the default echo
    assert response.json() == {"method": "GET", "path": "/items"}
    assert [r.query for r in upstream.requests] == ["page=2"] * 3
    assert upstream.pending == 0


async def test_problem_replies_arrive_as_the_same_aurora_error(
    upstream: FaultyUpstream, client: ServiceClient
) -> None:
    upstream.reply(Reply.problem(404, "Item 9 not found"), Reply.problem(409, code="item_sold"))

    with pytest.raises(NotFoundError) as missing:
        await client.get_json("/items/9")
    with pytest.raises(ConflictError) as sold:
        await client.get_json("/items/9")

    assert missing.value.detail == "Item 9 not found" and missing.value.code == "not_found"
    assert sold.value.code == "item_sold"
    assert len(upstream.requests) == 2  # 4xx are never retried


async def test_a_delay_longer_than_the_read_timeout_times_out(
    upstream: FaultyUpstream, client: ServiceClient
) -> None:
    upstream.delay(5.0, times=3)

    with pytest.raises(DeadlineExceededError):
        await client.get("/slow", timeout=httpx.Timeout(0.1))

    assert len(upstream.requests) == 3


async def test_json_bodies_headers_and_requests_are_recorded(
    upstream: FaultyUpstream, client: ServiceClient
) -> None:
    upstream.reply(Reply(201, json={"id": "1"}, headers={"location": "/items/1"}))

    response = await client.post("/items", json={"name": "pen"}, headers={"X-Request-ID": "r1"})

    assert response.status_code == 201 and response.json() == {"id": "1"}
    assert response.headers["location"] == "/items/1"
    (request,) = upstream.requests
    assert (request.method, request.path, request.body) == ("POST", "/items", b'{"name":"pen"}')
    assert request.headers["x-request-id"] == "r1"


async def test_refused_connections_then_recovery_on_the_same_url(
    upstream: FaultyUpstream, client: ServiceClient
) -> None:
    url = upstream.url
    upstream.refuse_connections()

    with pytest.raises(ServiceUnavailableError):
        await client.get("/items")

    upstream.accept_connections()
    assert upstream.url == url and not upstream.refusing
    assert (await client.get("/items")).status_code == 200


def test_a_refusing_upstream_refuses_at_the_socket_level(upstream: FaultyUpstream) -> None:
    upstream.refuse_connections()
    assert upstream.refusing
    with pytest.raises(httpx.ConnectError):
        httpx.get(upstream.url, timeout=1)


def test_reset_forgets_schedule_and_requests(upstream: FaultyUpstream) -> None:
    upstream.fail(2)
    assert httpx.get(upstream.url + "/a").status_code == 503
    upstream.reset()
    assert upstream.pending == 0 and upstream.requests == []
    assert httpx.get(upstream.url + "/a").status_code == 200


def test_stopping_cuts_slow_replies_short() -> None:
    with FaultyUpstream(default=Reply(200, delay=30)) as upstream, pytest.raises(httpx.ReadTimeout):
        httpx.get(upstream.url, timeout=0.05)
    assert upstream.refusing is False  # stopped, not refusing: the port is released
