"""Prometheus metrics: per-app registry, route-template labels, status classes, in-flight."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, MutableMapping
from typing import Any

import pytest
from prometheus_client import CollectorRegistry, Counter
from starlette.testclient import TestClient

from aurora.app import HTTPMetrics, Service

MakeService = Callable[..., Service]


@pytest.fixture()
def service(make_service: MakeService) -> Service:
    service = make_service()

    @service.app.get("/subjects/{subject_id}")
    async def get_subject(subject_id: int) -> dict[str, int]:
        return {"id": subject_id}

    @service.app.get("/crash")
    async def crash() -> None:
        raise RuntimeError("boom")

    return service


def registry(service: Service) -> CollectorRegistry:
    assert service.metrics is not None
    return service.metrics.registry


def sample(service: Service, name: str, **labels: str) -> float | None:
    value: float | None = registry(service).get_sample_value(name, labels)
    return value


def test_requests_are_counted_by_route_template_and_status_class(service: Service) -> None:
    client = TestClient(service.app)
    for subject_id in (1, 2, 3):
        client.get(f"/subjects/{subject_id}")
    client.get("/subjects/not-a-number")
    labels = {"method": "GET", "route": "/subjects/{subject_id}"}
    assert sample(service, "http_requests_total", **labels, status="2xx") == 3
    assert sample(service, "http_requests_total", **labels, status="4xx") == 1
    assert sample(service, "http_request_duration_seconds_count", **labels, status="2xx") == 3
    assert (
        sample(service, "http_request_duration_seconds_bucket", **labels, status="2xx", le="+Inf")
        == 3
    )


def test_server_errors_and_unmatched_routes_have_their_own_labels(service: Service) -> None:
    client = TestClient(service.app)
    client.get("/crash")
    client.get("/random/path/1")
    client.get("/random/path/2")
    assert sample(service, "http_requests_total", method="GET", route="/crash", status="5xx") == 1
    assert (
        sample(service, "http_requests_total", method="GET", route="<unmatched>", status="4xx") == 2
    )


def test_unknown_methods_fold_into_other(service: Service) -> None:
    TestClient(service.app).request("BREW", "/subjects/1")
    assert (
        sample(
            service,
            "http_requests_total",
            method="OTHER",
            route="/subjects/{subject_id}",
            status="4xx",
        )
        == 1
    )


def test_metrics_endpoint_exposes_the_text_format(service: Service) -> None:
    client = TestClient(service.app)
    client.get("/subjects/7")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert (
        'http_requests_total{method="GET",route="/subjects/{subject_id}",status="2xx"} 1.0' in text
    )
    assert "http_requests_in_flight 0.0" in text
    assert "process_cpu_seconds_total" in text
    assert "/metrics" not in text.split("http_requests_total", 1)[1].split("\n# ", 1)[0]


def test_two_services_in_one_process_do_not_share_metrics(make_service: MakeService) -> None:
    first, second = make_service("first-service"), make_service("second-service")
    TestClient(first.app).get("/health/live")
    assert registry(first) is not registry(second)
    route = {"method": "GET", "route": "/health/live", "status": "2xx"}
    assert registry(first).get_sample_value("http_requests_total", route) == 1
    assert registry(second).get_sample_value("http_requests_total", route) is None


def test_custom_metrics_registered_on_the_service_registry_are_exposed(
    make_service: MakeService,
) -> None:
    service = make_service()
    orders = Counter("orders_placed", "Orders placed.", registry=registry(service))
    orders.inc(2)
    assert "orders_placed_total 2.0" in TestClient(service.app).get("/metrics").text


def test_a_given_registry_is_used(make_service: MakeService) -> None:
    registry = CollectorRegistry()
    service = make_service(metrics_registry=registry)
    TestClient(service.app).get("/health/live")
    assert (
        registry.get_sample_value(
            "http_requests_total", {"method": "GET", "route": "/health/live", "status": "2xx"}
        )
        == 1
    )


async def test_in_flight_gauge_counts_running_requests(make_service: MakeService) -> None:
    service = make_service()
    entered, release = asyncio.Event(), asyncio.Event()

    @service.app.get("/slow")
    async def slow() -> None:
        entered.set()
        await release.wait()

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        pass

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/slow",
        "root_path": "",
        "headers": [],
        "query_string": b"",
    }
    task = asyncio.create_task(service.app(scope, receive, send))
    await entered.wait()
    assert registry(service).get_sample_value("http_requests_in_flight") == 1
    release.set()
    await task
    assert registry(service).get_sample_value("http_requests_in_flight") == 0


def test_histogram_buckets_are_cumulative() -> None:
    metrics = HTTPMetrics(process_collectors=False, buckets=(0.1, 1.0))
    for seconds in (0.05, 0.5, 0.5, 5.0):
        metrics.observe("GET", "/x", 200, seconds)
    labels = {"method": "GET", "route": "/x", "status": "2xx"}
    value = metrics.registry.get_sample_value
    assert value("http_request_duration_seconds_bucket", {**labels, "le": "0.1"}) == 1
    assert value("http_request_duration_seconds_bucket", {**labels, "le": "1.0"}) == 3
    assert value("http_request_duration_seconds_bucket", {**labels, "le": "+Inf"}) == 4
    assert value("http_request_duration_seconds_sum", labels) == pytest.approx(6.05)


def test_metrics_can_be_switched_off(make_service: MakeService) -> None:
    service = make_service(metrics=False)
    assert service.metrics is None
    assert TestClient(service.app).get("/metrics").status_code == 404
