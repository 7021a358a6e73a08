"""The per-service circuit breaker, driven through real calls and a hand-moved clock."""

from __future__ import annotations

import pytest
from http_upstream import Reply, Upstream, sample
from prometheus_client import CollectorRegistry

from aurora.errors import ServiceUnavailableError
from aurora.http import ClientRegistry, RetryPolicy, ServiceClient
from aurora.logging.testing import capture_logs
from aurora.testing import FrozenClock
from aurora.utils import CircuitBreaker, CircuitOpenError


@pytest.fixture()
def breaking_registry(clock: FrozenClock, metrics: CollectorRegistry) -> ClientRegistry:
    """Opens after 3 failures out of 3 calls, for 10 fake seconds; one retry-free try per call."""
    return ClientRegistry(
        metrics_registry=metrics,
        policy=RetryPolicy(max_attempts=1),
        breaker_factory=lambda name: CircuitBreaker(
            name, sliding_window_size=3, minimum_calls=3, open_duration=10.0, clock=clock
        ),
        critical={"subjects"},
    )


def client_for(upstream: Upstream, registry: ClientRegistry) -> ServiceClient:
    return ServiceClient("subjects", upstream.url, registry=registry, caller="tests")


async def fail_three_times(client: ServiceClient, upstream: Upstream) -> None:
    upstream.reply(500, 500, 500)
    for _ in range(3):
        await client.get("/x")


async def test_breaker_opens_and_fails_fast_without_touching_the_network(
    upstream: Upstream, breaking_registry: ClientRegistry
) -> None:
    async with client_for(upstream, breaking_registry) as client:
        await fail_three_times(client, upstream)
        with pytest.raises(ServiceUnavailableError) as caught:
            await client.get("/x")
    assert isinstance(caught.value, CircuitOpenError)
    assert caught.value.retry_after == 10.0
    assert caught.value.context["upstream_service"] == "subjects"
    assert len(upstream.hits) == 3


async def test_breaker_half_opens_after_the_open_period_and_closes_on_success(
    upstream: Upstream, breaking_registry: ClientRegistry, clock: FrozenClock
) -> None:
    async with client_for(upstream, breaking_registry) as client:
        await fail_three_times(client, upstream)
        clock.advance(10.0)
        assert client.circuit_state == "half_open"
        response = await client.get("/x")
        assert response.status_code == 200
        assert client.circuit_state == "closed"


async def test_failed_trial_reopens_the_breaker(
    upstream: Upstream, breaking_registry: ClientRegistry, clock: FrozenClock
) -> None:
    async with client_for(upstream, breaking_registry) as client:
        await fail_three_times(client, upstream)
        clock.advance(10.0)
        upstream.reply(503)
        await client.get("/x")
        assert client.circuit_state == "open"


async def test_breaker_is_shared_by_every_client_of_the_service(
    upstream: Upstream, breaking_registry: ClientRegistry
) -> None:
    async with client_for(upstream, breaking_registry) as first:
        await fail_three_times(first, upstream)
    async with client_for(upstream, breaking_registry) as second:
        with pytest.raises(CircuitOpenError):
            await second.get("/x")


@pytest.mark.parametrize(
    "reply",
    [Reply(404), Reply(400), Reply(429), Reply(503, {"Retry-After": "1"})],
    ids=["404", "400", "429", "503-retry-after"],
)
async def test_client_errors_and_load_shedding_do_not_trip_the_breaker(
    upstream: Upstream, breaking_registry: ClientRegistry, reply: Reply
) -> None:
    upstream.reply(reply, reply, reply, reply)
    async with client_for(upstream, breaking_registry) as client:
        for _ in range(4):
            await client.get("/x")
        assert client.circuit_state == "closed"


@pytest.mark.parametrize(
    "reply", [Reply(429), Reply(503, {"Retry-After": "1"})], ids=["429", "503-retry-after"]
)
async def test_load_shedding_trips_the_breaker_when_the_policy_counts_it(
    upstream: Upstream, clock: FrozenClock, metrics: CollectorRegistry, reply: Reply
) -> None:
    registry = ClientRegistry(
        metrics_registry=metrics,
        policy=RetryPolicy(max_attempts=1, breaker_counts_throttling=True),
        breaker_factory=lambda name: CircuitBreaker(
            name, sliding_window_size=3, minimum_calls=3, open_duration=10.0, clock=clock
        ),
    )
    upstream.reply(reply, reply, reply)
    async with client_for(upstream, registry) as client:
        for _ in range(3):
            await client.get("/x")
        assert client.circuit_state == "open"


async def test_connection_failures_trip_the_breaker(
    closed_port_url: str, breaking_registry: ClientRegistry
) -> None:
    async with ServiceClient("subjects", closed_port_url, registry=breaking_registry) as client:
        for _ in range(3):
            with pytest.raises(ServiceUnavailableError):
                await client.get("/x")
        assert client.circuit_state == "open"


async def test_state_changes_are_logged_and_published(
    upstream: Upstream,
    breaking_registry: ClientRegistry,
    metrics: CollectorRegistry,
    clock: FrozenClock,
) -> None:
    async with client_for(upstream, breaking_registry) as client:
        with capture_logs() as logs:
            await fail_three_times(client, upstream)
            clock.advance(10.0)
            await client.get("/x")
    changes = [
        (e["old_state"], e["new_state"])
        for e in logs
        if e["event"] == "circuit_breaker_state_changed"
    ]
    assert changes == [("closed", "open"), ("open", "half_open"), ("half_open", "closed")]
    assert sample(metrics, "aurora_http_client_circuit_breaker_state", service="subjects") == 0.0


async def test_open_state_is_published_as_gauge_and_rejections_are_counted(
    upstream: Upstream, breaking_registry: ClientRegistry, metrics: CollectorRegistry
) -> None:
    async with client_for(upstream, breaking_registry) as client:
        await fail_three_times(client, upstream)
        with pytest.raises(CircuitOpenError):
            await client.get("/x")
    assert sample(metrics, "aurora_http_client_circuit_breaker_state", service="subjects") == 2.0
    labels = {"service": "subjects", "method": "GET", "status": "circuit_open"}
    assert sample(metrics, "aurora_http_client_requests_total", **labels) == 1.0


async def test_health_check_fails_while_a_critical_breaker_is_open(
    upstream: Upstream, breaking_registry: ClientRegistry
) -> None:
    async with client_for(upstream, breaking_registry) as client:
        assert await breaking_registry.check() == {"circuits": {"subjects": "closed"}}
        assert await client.check() == {"service": "subjects", "circuit": "closed"}
        await fail_three_times(client, upstream)
        with pytest.raises(ServiceUnavailableError):
            await breaking_registry.check()
        with pytest.raises(ServiceUnavailableError):
            await client.check()


async def test_health_check_reports_non_critical_open_breakers_without_failing(
    upstream: Upstream, clock: FrozenClock
) -> None:
    registry = ClientRegistry(
        metrics_registry=CollectorRegistry(),
        policy=RetryPolicy(max_attempts=1),
        breaker_factory=lambda name: CircuitBreaker(name, minimum_calls=1, clock=clock),
    )
    upstream.reply(500)
    async with ServiceClient("optional", upstream.url, registry=registry) as client:
        await client.get("/x")
    assert await registry.check() == {"circuits": {"optional": "open"}}


async def test_no_retry_is_scheduled_once_the_circuit_opened(
    upstream: Upstream, clock: FrozenClock, delays: list[float]
) -> None:
    """The caller gets the real failure, not a refusal after a pointless wait."""
    registry = ClientRegistry(
        metrics_registry=CollectorRegistry(),
        breaker_factory=lambda name: CircuitBreaker(
            name, minimum_calls=2, sliding_window_size=2, clock=clock
        ),
    )
    upstream.reply(502, 502, 502)
    async with client_for(upstream, registry) as client:
        response = await client.get("/x")
    assert response.status_code == 502
    assert len(upstream.hits) == 2
    assert len(delays) == 1
