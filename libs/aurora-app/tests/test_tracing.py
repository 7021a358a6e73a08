"""Inbound requests become server spans inside the pure-ASGI stack (HTTP semantic conventions)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
import pytest
from opentelemetry.trace import SpanKind, StatusCode
from prometheus_client.openmetrics.parser import text_string_to_metric_families
from prometheus_client.samples import Exemplar
from starlette.testclient import TestClient

from aurora.app import Service
from aurora.logging.testing import capture_logs
from aurora.telemetry.testing import capture_spans

MakeService = Callable[..., Service]
CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN = "00f067aa0ba902b7"


@pytest.fixture()
def client(make_service: MakeService) -> TestClient:
    app = make_service().app

    @app.get("/subjects/{subject_id}")
    async def get_subject(subject_id: str) -> dict[str, str]:
        return {"id": subject_id}

    @app.get("/crash")
    async def crash() -> None:
        raise RuntimeError("boom")

    return TestClient(app)


def test_a_request_is_one_server_span_named_by_its_route_template(client: TestClient) -> None:
    with capture_spans() as spans:
        assert client.get("/subjects/42", headers={"User-Agent": "probe/1"}).status_code == 200
    [span] = spans
    assert span.name == "GET /subjects/{subject_id}"
    assert span.kind is SpanKind.SERVER
    attributes = dict(span.attributes or {})
    assert attributes["http.request.method"] == "GET"
    assert attributes["http.route"] == "/subjects/{subject_id}"
    assert attributes["http.response.status_code"] == 200
    assert attributes["url.path"] == "/subjects/42"
    assert attributes["client.address"] == "testclient"
    assert attributes["user_agent.original"] == "probe/1"
    assert span.status.status_code is StatusCode.UNSET


def test_the_callers_traceparent_makes_it_a_child(client: TestClient) -> None:
    traceparent = f"00-{CALLER_TRACE}-{CALLER_SPAN}-01"
    with capture_spans() as spans:
        client.get("/subjects/42", headers={"traceparent": traceparent})
    [span] = spans
    assert format(span.context.trace_id, "032x") == CALLER_TRACE
    assert span.parent is not None and format(span.parent.span_id, "016x") == CALLER_SPAN


def test_a_server_error_marks_the_span_failed(client: TestClient) -> None:
    with capture_spans() as spans:
        assert client.get("/crash").status_code == 500
    [span] = spans
    assert span.name == "GET /crash"
    assert span.status.status_code is StatusCode.ERROR
    assert dict(span.attributes or {})["error.type"] == "500"


def test_unmatched_requests_are_named_by_method_only(client: TestClient) -> None:
    with capture_spans() as spans:
        client.get("/no/such/thing")
    [span] = spans
    assert span.name == "GET"
    assert "http.route" not in dict(span.attributes or {})


def test_the_access_log_line_carries_the_spans_ids(client: TestClient) -> None:
    with capture_spans() as spans, capture_logs() as events:
        client.get("/subjects/7")
    [span] = spans
    [line] = [event for event in events if event.get("event") == "request"]
    assert line["trace_id"] == format(span.context.trace_id, "032x")
    assert line["span_id"] == format(span.context.span_id, "016x")


async def test_batched_access_lines_carry_each_requests_own_ids(make_service: MakeService) -> None:
    """Lines of concurrent requests are written together, later: each keeps its own span."""
    app = make_service().app

    @app.get("/work")
    async def work() -> dict[str, str]:
        await asyncio.sleep(0.01)
        return {}

    transport = httpx.ASGITransport(app=app)
    with capture_spans() as spans, capture_logs() as events:
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            await asyncio.gather(*(client.get("/work") for _ in range(5)))
        await asyncio.sleep(0.01)  # the batch is written on the next loop iteration
    lines = [event for event in events if event.get("event") == "request"]
    assert sorted(line["span_id"] for line in lines) == sorted(
        format(span.context.span_id, "016x") for span in spans
    )


def test_without_a_capture_nothing_is_recorded_or_stamped(client: TestClient) -> None:
    with capture_logs() as events:
        client.get("/subjects/7")
    [line] = [event for event in events if event.get("event") == "request"]
    assert "trace_id" not in line


OPENMETRICS = "application/openmetrics-text; version=1.0.0"


def _bucket_exemplars(text: str) -> list[Exemplar]:
    """The exemplars of the request-latency buckets, parsed by prometheus_client's own parser."""
    return [
        sample.exemplar
        for family in text_string_to_metric_families(text)
        if family.name == "http_request_duration_seconds"
        for sample in family.samples
        if sample.exemplar is not None
    ]


def test_a_traced_request_is_the_exemplar_of_its_latency_bucket(client: TestClient) -> None:
    with capture_spans() as spans:
        client.get("/subjects/7")
        scrape = client.get("/metrics", headers={"Accept": OPENMETRICS})
    [span] = [span for span in spans if span.name == "GET /subjects/{subject_id}"]
    assert scrape.headers["content-type"].startswith("application/openmetrics-text")
    [exemplar] = _bucket_exemplars(scrape.text)
    assert exemplar.labels == {
        "trace_id": format(span.context.trace_id, "032x"),
        "span_id": format(span.context.span_id, "016x"),
    }
    assert 0 < exemplar.value < 5


def test_untraced_requests_leave_no_exemplar_and_the_classic_format_is_unchanged(
    client: TestClient,
) -> None:
    client.get("/subjects/7")
    assert _bucket_exemplars(client.get("/metrics", headers={"Accept": OPENMETRICS}).text) == []
    with capture_spans():
        client.get("/subjects/8")
        classic = client.get("/metrics")
    assert classic.headers["content-type"].startswith("text/plain")
    assert "trace_id" not in classic.text
    assert 'http_request_duration_seconds_count{method="GET",route="/subjects/{subject_id}"' in (
        classic.text
    )
