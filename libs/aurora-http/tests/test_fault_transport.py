"""The public fault-injecting transport, in front of a real server."""

from __future__ import annotations

import httpx
import pytest
from http_upstream import Upstream
from prometheus_client import CollectorRegistry

from aurora.errors import DeadlineExceededError, ServiceUnavailableError, UpstreamError
from aurora.http import ClientRegistry, ServiceClient, SyncServiceClient
from aurora.http.testing import Fault, FaultTransport
from aurora.utils import CircuitBreaker


async def test_schedule_plays_in_order_then_forwards(upstream: Upstream) -> None:
    transport = FaultTransport([503, None, Fault.respond(201, json={"made": True})])
    async with httpx.AsyncClient(transport=transport, base_url=upstream.url) as http:
        statuses = [(await http.get("/x")).status_code for _ in range(4)]
        assert (await http.get("/x")).json() == {"path": "/x", "method": "GET"}
    assert statuses == [503, 200, 201, 200]
    assert len(transport.requests) == 5
    assert transport.forwarded == 3
    assert len(upstream.hits) == 3
    assert transport.pending == 0


def test_sync_clients_use_the_same_schedule(upstream: Upstream) -> None:
    transport = FaultTransport.failing(2, status=502)
    with httpx.Client(transport=transport, base_url=upstream.url) as http:
        assert [http.get("/x").status_code for _ in range(3)] == [502, 502, 200]


async def test_refuse_and_disconnect_raise_what_httpx_would(upstream: Upstream) -> None:
    transport = FaultTransport([Fault.refuse(), Fault.disconnect()])
    async with httpx.AsyncClient(transport=transport, base_url=upstream.url) as http:
        with pytest.raises(httpx.ConnectError):
            await http.get("/x")
        with pytest.raises(httpx.RemoteProtocolError):
            await http.get("/x")


async def test_delay_longer_than_the_read_timeout_times_out(upstream: Upstream) -> None:
    transport = FaultTransport([Fault.delay(5.0), Fault.delay(0.01)])
    async with httpx.AsyncClient(transport=transport, base_url=upstream.url, timeout=0.05) as http:
        with pytest.raises(httpx.ReadTimeout):
            await http.get("/x")
        assert (await http.get("/x")).status_code == 200


async def test_match_limits_faults_to_some_requests(upstream: Upstream) -> None:
    transport = FaultTransport([500], match=lambda request: request.url.path == "/fragile")
    async with httpx.AsyncClient(transport=transport, base_url=upstream.url) as http:
        assert (await http.get("/sturdy")).status_code == 200
        assert (await http.get("/fragile")).status_code == 500


async def test_add_appends_to_the_schedule(upstream: Upstream) -> None:
    transport = FaultTransport()
    transport.add(418)
    async with httpx.AsyncClient(transport=transport, base_url=upstream.url) as http:
        assert (await http.get("/x")).status_code == 418


async def test_service_client_turns_injected_faults_into_typed_errors(
    upstream: Upstream, delays: list[float]
) -> None:
    registry = ClientRegistry(
        metrics_registry=CollectorRegistry(),
        breaker_factory=lambda name: CircuitBreaker(
            name, minimum_calls=100, sliding_window_size=100
        ),
    )
    transport = FaultTransport(
        [Fault.refuse()] * 3 + [Fault.disconnect()] * 3 + [Fault.delay(1.0)] * 3
    )
    async with ServiceClient(
        "s", upstream.url, registry=registry, transport=transport, timeout=0.02
    ) as c:
        with pytest.raises(ServiceUnavailableError):
            await c.get("/x")
        with pytest.raises(UpstreamError):
            await c.get("/x")
        with pytest.raises(DeadlineExceededError):
            await c.get("/x")
    assert upstream.hits == []


def test_sync_service_client_with_fault_transport(
    upstream: Upstream, registry: ClientRegistry, delays: list[float]
) -> None:
    transport = FaultTransport([503, Fault.refuse()])
    with SyncServiceClient("s", upstream.url, registry=registry, transport=transport) as c:
        assert c.get("/x").status_code == 200
    assert len(transport.requests) == 3
