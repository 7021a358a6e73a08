"""What arrives at the upstream: correlation id, trace context, identity, deadline."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from http_upstream import Upstream

from aurora.http import (
    DEADLINE_HEADER,
    ClientRegistry,
    ServiceClient,
    deadline_scope,
    propagation_context,
)
from aurora.logging import bind_correlation_id

TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


@pytest.fixture()
async def client(upstream: Upstream, registry: ClientRegistry) -> AsyncIterator[ServiceClient]:
    async with ServiceClient(
        "subjects", upstream.url, registry=registry, caller="grades-service"
    ) as c:
        yield c


async def test_correlation_id_of_the_current_context_is_sent(
    client: ServiceClient, upstream: Upstream
) -> None:
    with bind_correlation_id("corr-123"):
        await client.get("/x")
    assert upstream.hits[0].headers["x-request-id"] == "corr-123"


async def test_a_correlation_id_is_generated_once_per_call_when_none_is_bound(
    client: ServiceClient, upstream: Upstream, delays: list[float]
) -> None:
    upstream.reply(503)
    await client.get("/x")
    ids = {hit.headers["x-request-id"] for hit in upstream.hits}
    assert len(upstream.hits) == 2 and len(ids) == 1
    uuid.UUID(ids.pop())


async def test_traceparent_passed_by_the_caller_arrives(
    client: ServiceClient, upstream: Upstream
) -> None:
    await client.get("/x", headers={"traceparent": TRACEPARENT})
    assert upstream.hits[0].headers["traceparent"] == TRACEPARENT


async def test_inbound_trace_context_is_forwarded_with_a_fresh_parent_id(
    client: ServiceClient, upstream: Upstream
) -> None:
    inbound = {"Traceparent": TRACEPARENT, "tracestate": "vendor=1", "X-Other": "no"}
    with propagation_context(inbound):
        await client.get("/x")
    headers = upstream.hits[0].headers
    version, trace_id, parent_id, flags = headers["traceparent"].split("-")
    # W3C Trace Context: same trace and flags, but this hop's own parent-id.
    assert (version, trace_id, flags) == ("00", TRACEPARENT.split("-")[1], "01")
    assert parent_id not in (TRACEPARENT.split("-")[2], "0" * 16)
    assert headers["tracestate"] == "vendor=1"
    assert "x-other" not in headers


async def test_no_traceparent_is_invented(client: ServiceClient, upstream: Upstream) -> None:
    await client.get("/x")
    assert "traceparent" not in upstream.hits[0].headers


async def test_user_agent_names_the_calling_service(
    client: ServiceClient, upstream: Upstream
) -> None:
    await client.get("/x")
    assert upstream.hits[0].headers["user-agent"].startswith("grades-service aurora-http/")


async def test_bearer_token_is_forwarded_only_when_enabled(
    upstream: Upstream, registry: ClientRegistry
) -> None:
    inbound = {"authorization": "Bearer user-token"}
    async with (
        ServiceClient("a", upstream.url, registry=registry) as plain,
        ServiceClient(
            "b", upstream.url, registry=registry, forward_authorization=True
        ) as forwarding,
    ):
        with propagation_context(inbound):
            await plain.get("/x")
            await forwarding.get("/x")
    assert "authorization" not in upstream.hits[0].headers
    assert upstream.hits[1].headers["authorization"] == "Bearer user-token"


async def test_non_bearer_authorization_is_never_forwarded(
    upstream: Upstream, registry: ClientRegistry
) -> None:
    async with ServiceClient("b", upstream.url, registry=registry, forward_authorization=True) as c:
        with propagation_context({"Authorization": "Basic dXNlcjpwYXNz"}):
            await c.get("/x")
    assert "authorization" not in upstream.hits[0].headers


async def test_explicit_headers_win_over_propagated_ones(
    client: ServiceClient, upstream: Upstream
) -> None:
    with bind_correlation_id("from-context"):
        await client.get("/x", headers={"X-Request-ID": "explicit"})
    assert upstream.hits[0].headers["x-request-id"] == "explicit"


async def test_remaining_deadline_is_sent_downstream(
    client: ServiceClient, upstream: Upstream
) -> None:
    await client.get("/x", deadline=2.0)
    remaining = int(upstream.hits[0].headers[DEADLINE_HEADER.lower()])
    assert 0 < remaining <= 2000


async def test_no_deadline_header_without_a_deadline(
    client: ServiceClient, upstream: Upstream
) -> None:
    await client.get("/x")
    assert DEADLINE_HEADER.lower() not in upstream.hits[0].headers


async def test_nested_deadline_scopes_only_shorten(
    client: ServiceClient, upstream: Upstream
) -> None:
    with deadline_scope(1.0), deadline_scope(30.0):
        await client.get("/x")
    assert int(upstream.hits[0].headers[DEADLINE_HEADER.lower()]) <= 1000


async def test_inbound_deadline_header_bounds_downstream_calls(
    client: ServiceClient, upstream: Upstream
) -> None:
    with propagation_context({DEADLINE_HEADER: "500"}):
        await client.get("/x", deadline=60.0)
    assert int(upstream.hits[0].headers[DEADLINE_HEADER.lower()]) <= 500


@pytest.mark.parametrize("value", ["soon", "²", "-1", ""])
async def test_malformed_inbound_deadline_is_ignored(
    client: ServiceClient, upstream: Upstream, value: str
) -> None:
    with propagation_context({DEADLINE_HEADER: value}):
        await client.get("/x")
    assert DEADLINE_HEADER.lower() not in upstream.hits[0].headers
