"""Prometheus metrics per target service, on an injected registry."""

from __future__ import annotations

from http_upstream import Upstream, sample
from prometheus_client import CollectorRegistry

from aurora.http import ClientRegistry, ServiceClient
from aurora.http._metrics import ServiceMetrics


async def test_attempts_retries_and_durations_are_counted(
    upstream: Upstream, registry: ClientRegistry, metrics: CollectorRegistry, delays: list[float]
) -> None:
    upstream.reply(503)
    async with ServiceClient("subjects", upstream.url, registry=registry) as client:
        await client.get("/x")
    assert (
        sample(
            metrics,
            "aurora_http_client_requests_total",
            service="subjects",
            method="GET",
            status="503",
        )
        == 1
    )
    assert (
        sample(
            metrics,
            "aurora_http_client_requests_total",
            service="subjects",
            method="GET",
            status="200",
        )
        == 1
    )
    assert (
        sample(metrics, "aurora_http_client_retries_total", service="subjects", reason="503") == 1
    )
    assert (
        sample(metrics, "aurora_http_client_request_duration_seconds_count", service="subjects")
        == 2
    )


def test_families_are_created_once_per_registry() -> None:
    metrics = CollectorRegistry()
    ServiceMetrics("a", metrics)
    ServiceMetrics("a", metrics)
    ServiceMetrics("b", metrics)
    assert sample(metrics, "aurora_http_client_circuit_breaker_state", service="b") == 0.0


def test_two_registries_keep_separate_metrics(upstream: Upstream) -> None:
    first, second = CollectorRegistry(), CollectorRegistry()
    ClientRegistry(metrics_registry=first).pipeline("s").metrics.retry("503")
    ClientRegistry(metrics_registry=second).pipeline("s")
    assert sample(first, "aurora_http_client_retries_total", service="s", reason="503") == 1
    assert sample(second, "aurora_http_client_retries_total", service="s", reason="503") == 0
