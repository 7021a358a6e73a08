"""Retries against a real server: what is retried, how often, and how long it waits."""

from __future__ import annotations

from typing import Any

import pytest
from http_upstream import Reply, Upstream, sample
from prometheus_client import CollectorRegistry

from aurora.errors import DeadlineExceededError, NotFoundError, ServiceUnavailableError
from aurora.http import Backoff, ClientRegistry, RetryPolicy, ServiceClient


def client_for(upstream: Upstream, registry: ClientRegistry, **options: Any) -> ServiceClient:
    return ServiceClient("subjects", upstream.url, registry=registry, caller="tests", **options)


async def test_retries_then_succeeds(
    upstream: Upstream, registry: ClientRegistry, delays: list[float]
) -> None:
    upstream.reply(503, 502)
    async with client_for(upstream, registry) as client:
        response = await client.get("/api/v1/subjects")
    assert response.status_code == 200
    assert len(upstream.hits) == 3
    assert len(delays) == 2


async def test_backoff_delays_stay_under_the_exponential_ceiling(
    upstream: Upstream, delays: list[float]
) -> None:
    registry = ClientRegistry(
        metrics_registry=CollectorRegistry(),
        policy=RetryPolicy(max_attempts=4, backoff=Backoff(initial=0.5, maximum=1.5)),
    )
    upstream.reply(504, 504, 504)
    async with client_for(upstream, registry) as client:
        await client.get("/x")
    assert [d <= c for d, c in zip(delays, (0.5, 1.0, 1.5), strict=True)] == [True] * 3


async def test_gives_up_after_max_attempts_and_returns_the_last_response(
    upstream: Upstream, registry: ClientRegistry, delays: list[float]
) -> None:
    upstream.reply(503, 503, 503, 503)
    async with client_for(upstream, registry) as client:
        response = await client.get("/x")
    assert response.status_code == 503
    assert len(upstream.hits) == 3


async def test_post_without_idempotency_key_is_not_retried(
    upstream: Upstream, registry: ClientRegistry, delays: list[float]
) -> None:
    upstream.reply(503)
    async with client_for(upstream, registry) as client:
        response = await client.post("/api/v1/subjects", json={"name": "Math"})
    assert response.status_code == 503
    assert len(upstream.hits) == 1


async def test_post_with_idempotency_key_is_retried_with_the_same_key(
    upstream: Upstream, registry: ClientRegistry, delays: list[float]
) -> None:
    upstream.reply(503)
    async with client_for(upstream, registry) as client:
        response = await client.post("/x", json={"a": 1}, headers={"Idempotency-Key": "k-1"})
    assert response.status_code == 200
    assert [hit.headers["idempotency-key"] for hit in upstream.hits] == ["k-1", "k-1"]
    assert upstream.hits[0].body == upstream.hits[1].body == b'{"a":1}'


async def test_auto_idempotency_key_makes_patch_retryable(
    upstream: Upstream, registry: ClientRegistry, delays: list[float]
) -> None:
    upstream.reply(502)
    policy = RetryPolicy(auto_idempotency_key=True)
    async with client_for(upstream, registry, policy=policy) as client:
        response = await client.patch("/x", json={"a": 1})
    assert response.status_code == 200
    keys = {hit.headers["idempotency-key"] for hit in upstream.hits}
    assert len(upstream.hits) == 2 and len(keys) == 1


@pytest.mark.parametrize("status", [400, 401, 404, 409, 422, 500])
async def test_other_statuses_are_never_retried(
    upstream: Upstream, registry: ClientRegistry, delays: list[float], status: int
) -> None:
    upstream.reply(status)
    async with client_for(upstream, registry) as client:
        response = await client.get("/x")
    assert response.status_code == status
    assert len(upstream.hits) == 1


async def test_retry_after_is_honoured_exactly(
    upstream: Upstream, registry: ClientRegistry, delays: list[float]
) -> None:
    upstream.reply(Reply(429, {"Retry-After": "2"}), Reply(503, {"Retry-After": "1"}))
    async with client_for(upstream, registry) as client:
        response = await client.get("/x")
    assert response.status_code == 200
    assert delays == [2.0, 1.0]


async def test_retry_after_beyond_the_cap_gives_up_and_reports_it(
    upstream: Upstream, registry: ClientRegistry, delays: list[float]
) -> None:
    upstream.reply(Reply(503, {"Retry-After": "120"}))
    async with client_for(upstream, registry) as client:
        with pytest.raises(ServiceUnavailableError) as caught:
            await client.get_json("/x")
    assert delays == []
    assert caught.value.retry_after == 120.0
    assert len(upstream.hits) == 1


async def test_max_total_time_stops_retries_whose_wait_would_overrun_it(
    upstream: Upstream, registry: ClientRegistry, delays: list[float]
) -> None:
    upstream.reply(Reply(503, {"Retry-After": "3"}), Reply(503, {"Retry-After": "3"}))
    async with client_for(upstream, registry, policy=RetryPolicy(max_total_time=5.0)) as client:
        response = await client.get("/x")
    assert response.status_code == 503
    assert delays == [3.0]  # a second 3 s wait would end past 5 s


async def test_connection_refused_becomes_service_unavailable_after_retries(
    closed_port_url: str, registry: ClientRegistry, metrics: CollectorRegistry, delays: list[float]
) -> None:
    async with ServiceClient("ghost", closed_port_url, registry=registry) as client:
        with pytest.raises(ServiceUnavailableError) as caught:
            await client.get("/x")
    assert caught.value.context["upstream_service"] == "ghost"
    assert isinstance(caught.value.__cause__, Exception)
    assert (
        sample(
            metrics,
            "aurora_http_client_requests_total",
            service="ghost",
            method="GET",
            status="connect_error",
        )
        == 3
    )
    assert len(delays) == 2


async def test_connect_failures_are_retried_even_for_post(
    closed_port_url: str, registry: ClientRegistry, metrics: CollectorRegistry, delays: list[float]
) -> None:
    """Nothing reached the server, so sending again cannot apply the POST twice."""
    async with ServiceClient("ghost", closed_port_url, registry=registry) as client:
        with pytest.raises(ServiceUnavailableError):
            await client.post("/x", json={})
    assert len(delays) == 2


async def test_read_timeout_is_retried_for_get_then_raises_deadline_exceeded(
    upstream: Upstream, registry: ClientRegistry, delays: list[float]
) -> None:
    async with client_for(upstream, registry, timeout=0.05) as client:
        with pytest.raises(DeadlineExceededError) as caught:
            await client.get("/slow?sleep=0.3")
    assert caught.value.context["failure"] == "timeout"
    assert len(upstream.hits) == 3


async def test_read_timeout_is_not_retried_for_post(
    upstream: Upstream, registry: ClientRegistry, delays: list[float]
) -> None:
    async with client_for(upstream, registry, timeout=0.05) as client:
        with pytest.raises(DeadlineExceededError):
            await client.post("/slow?sleep=0.3")
    assert len(upstream.hits) == 1


async def test_overall_deadline_cuts_the_call_short(
    upstream: Upstream, registry: ClientRegistry, delays: list[float]
) -> None:
    async with client_for(upstream, registry) as client:
        with pytest.raises(DeadlineExceededError) as caught:
            await client.get("/slow?sleep=0.5", deadline=0.1)
    assert caught.value.context["failure"] == "deadline"
    assert len(upstream.hits) <= 1  # no retry once the deadline is gone


async def test_typed_errors_come_from_the_final_response(
    upstream: Upstream, registry: ClientRegistry, delays: list[float]
) -> None:
    upstream.reply(503, 404)
    async with client_for(upstream, registry) as client:
        with pytest.raises(NotFoundError):
            await client.get_json("/x")
