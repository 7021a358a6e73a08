"""ServiceClient calls as spans: one logical span, one client span per attempt, fresh traceparents."""

from __future__ import annotations

from typing import Any

import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanKind, StatusCode
from prometheus_client import CollectorRegistry

from aurora.errors import ServiceUnavailableError
from aurora.http import ClientRegistry, RetryPolicy, ServiceClient
from aurora.telemetry.testing import capture_spans
from aurora.testing import FrozenClock
from aurora.utils import CircuitBreaker


def by_kind(spans: list[ReadableSpan], kind: SpanKind) -> list[ReadableSpan]:
    return [span for span in spans if span.kind is kind]


def hex_span_id(span: ReadableSpan) -> str:
    return format(span.context.span_id, "016x")


async def test_each_attempt_is_a_client_span_under_the_logical_call(
    upstream: Any, registry: ClientRegistry, delays: list[float]
) -> None:
    upstream.reply(503)
    with capture_spans() as spans:
        async with ServiceClient("subjects", upstream.url, registry=registry) as client:
            assert (await client.get("/items/7?page=2")).status_code == 200
    [call] = by_kind(spans, SpanKind.INTERNAL)
    first, second = by_kind(spans, SpanKind.CLIENT)
    assert call.name == "GET subjects"
    assert {first.parent.span_id, second.parent.span_id} == {call.context.span_id}  # type: ignore[union-attr]
    assert first.name == second.name == "GET"
    assert dict(first.attributes or {})["http.response.status_code"] == 503
    assert first.status.status_code is StatusCode.ERROR
    assert dict(second.attributes or {})["http.response.status_code"] == 200
    assert dict(second.attributes or {})["http.request.resend_count"] == 1
    assert "http.request.resend_count" not in dict(first.attributes or {})
    assert dict(second.attributes or {})["url.full"].endswith("/items/7")  # no query string
    assert [event.name for event in call.events] == ["http.retry"]


async def test_each_attempt_sends_its_own_traceparent(
    upstream: Any, registry: ClientRegistry, delays: list[float]
) -> None:
    upstream.reply(503)
    with capture_spans() as spans:
        async with ServiceClient("subjects", upstream.url, registry=registry) as client:
            await client.get("/x")
    attempts = by_kind(spans, SpanKind.CLIENT)
    sent = [hit.headers["traceparent"].split("-") for hit in upstream.hits]
    trace_id = format(attempts[0].context.trace_id, "032x")
    assert [parts[1] for parts in sent] == [trace_id, trace_id]
    assert [parts[2] for parts in sent] == [hex_span_id(span) for span in attempts]


async def test_a_breaker_refusal_is_an_event_and_fails_the_call(
    upstream: Any, metrics: CollectorRegistry, clock: FrozenClock
) -> None:
    registry = ClientRegistry(
        metrics_registry=metrics,
        policy=RetryPolicy(max_attempts=1),
        breaker_factory=lambda name: CircuitBreaker(
            name, sliding_window_size=2, minimum_calls=2, open_duration=10.0, clock=clock
        ),
    )
    upstream.reply(500, 500)
    async with ServiceClient("subjects", upstream.url, registry=registry) as client:
        for _ in range(2):
            await client.get("/x")
        with capture_spans() as spans, pytest.raises(ServiceUnavailableError):
            await client.get("/x")
    [call] = spans
    assert [event.name for event in call.events] == ["circuit_open"]
    assert call.status.status_code is StatusCode.ERROR
    assert dict(call.attributes or {})["error.type"] == "circuit_open"


async def test_a_connection_failure_ends_the_attempt_with_its_reason(
    closed_port_url: str, registry: ClientRegistry, delays: list[float]
) -> None:
    with capture_spans() as spans:
        async with ServiceClient(
            "subjects", closed_port_url, registry=registry, policy=RetryPolicy(max_attempts=1)
        ) as client:
            with pytest.raises(ServiceUnavailableError):
                await client.get("/x")
    [attempt] = by_kind(spans, SpanKind.CLIENT)
    assert dict(attempt.attributes or {})["error.type"] == "connect_error"
    [call] = by_kind(spans, SpanKind.INTERNAL)
    assert call.status.status_code is StatusCode.ERROR
