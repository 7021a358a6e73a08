"""The retry budget keeps an outage from multiplying traffic (real server, many calls)."""

from __future__ import annotations

import asyncio

from http_upstream import Upstream, sample
from prometheus_client import CollectorRegistry

from aurora.http import ClientRegistry, RetryBudget, RetryPolicy, ServiceClient
from aurora.logging.testing import capture_logs
from aurora.testing import FrozenClock
from aurora.utils import CircuitBreaker


async def test_budget_stops_a_retry_storm(
    upstream: Upstream, delays: list[float], clock: FrozenClock
) -> None:
    metrics = CollectorRegistry()
    registry = ClientRegistry(
        metrics_registry=metrics,
        policy=RetryPolicy(max_attempts=4),
        budget_factory=lambda _name: RetryBudget(ratio=0.1, min_retries=2, clock=clock),
        # A breaker that never opens, to watch the budget alone.
        breaker_factory=lambda name: CircuitBreaker(
            name, minimum_calls=10_000, sliding_window_size=10_000
        ),
    )
    upstream.reply(*[503] * 1000)
    async with ServiceClient("subjects", upstream.url, registry=registry) as client:
        with capture_logs() as logs:
            responses = await asyncio.gather(*(client.get("/x") for _ in range(50)))
    assert all(r.status_code == 503 for r in responses)
    allowed_retries = int(0.1 * 50) + 2
    assert len(upstream.hits) == 50 + allowed_retries  # without a budget: 200
    assert (
        sample(metrics, "aurora_http_client_retry_budget_exhausted_total", service="subjects") > 0
    )
    assert any(e["event"] == "http_retry_budget_exhausted" for e in logs)


async def test_budget_refills_as_the_window_slides(
    upstream: Upstream, delays: list[float], clock: FrozenClock
) -> None:
    budget = RetryBudget(ratio=0.0, min_retries=1, window=10.0, clock=clock)
    registry = ClientRegistry(
        metrics_registry=CollectorRegistry(),
        budget_factory=lambda _name: budget,
    )
    async with ServiceClient("subjects", upstream.url, registry=registry) as client:
        upstream.reply(503, 503)
        assert (await client.get("/x")).status_code == 503  # one retry, then the budget is spent
        clock.advance(10.0)
        upstream.reply(503)
        assert (await client.get("/x")).status_code == 200  # the window moved on
    assert len(upstream.hits) == 4
