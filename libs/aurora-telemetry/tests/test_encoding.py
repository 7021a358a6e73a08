"""The hand-written OTLP encoding parses to exactly what the SDK's encoder writes."""

from __future__ import annotations

import gc
import logging
import weakref
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.trace.v1.trace_pb2 import Span as ProtoSpan
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, SpanLimits, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExportResult
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Link, SpanContext, SpanKind, Status, StatusCode, TraceFlags
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from aurora.telemetry import EncodedSpan, EncodedSpanExporter, EncodingSpanProcessor
from aurora.telemetry._encoding import encode_request
from aurora.telemetry._export import _grouped

REMOTE = TraceContextTextMapPropagator().extract(
    {
        "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        "tracestate": "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7",
    }
)


def recorded(
    resource: Resource | None = None, limits: SpanLimits | None = None
) -> tuple[TracerProvider, InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=resource or Resource.create({}), span_limits=limits)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider, exporter


def ours(spans: Sequence[ReadableSpan]) -> ExportTraceServiceRequest:
    parsed: ExportTraceServiceRequest = ExportTraceServiceRequest.FromString(
        encode_request(_grouped(spans))
    )
    return parsed


def assert_same_as_the_sdk(spans: Sequence[ReadableSpan]) -> None:
    assert ours(spans) == encode_spans(spans)


@pytest.fixture()
def provider() -> Iterator[tuple[TracerProvider, InMemorySpanExporter]]:
    resource = Resource.create({"service.name": "orders", "replicas": 3}, "https://schema/1")
    made = recorded(resource)
    yield made
    made[0].shutdown()


def test_every_part_of_a_span_matches(
    provider: tuple[TracerProvider, InMemorySpanExporter],
) -> None:
    tracer_provider, exporter = provider
    tracer = tracer_provider.get_tracer("aurora.app", "1.1.1", schema_url="https://schema/2")
    other = tracer_provider.get_tracer("aurora.events", attributes={"scope.kind": "lib"})
    linked = SpanContext(0x1234, 0x5678, is_remote=True, trace_flags=TraceFlags(1))
    with tracer.start_as_current_span(
        "GET /subjects/{id}",
        context=REMOTE,
        kind=SpanKind.SERVER,
        attributes={
            "http.request.method": "GET",
            "http.response.status_code": 503,
            "ok": False,
            "ratio": 0.25,
            "negative": -7,
            "largest": 2**63 - 1,
            "empty": "",
            "ünïcode": "ställe ✓ " * 40,  # multi-byte text, lengths past one varint byte
            "tags": ("a", "b"),
            "sizes": (1, 2, 3),
            "flags": (True, False),
            "weights": (0.5,),
        },
        links=[Link(linked, {"link.reason": "caused-by"})],
    ) as server:
        server.add_event("retry", {"attempt": 2}, timestamp=1_700_000_000_000_000_000)
        server.record_exception(ValueError("boom"))
        server.set_status(Status(StatusCode.ERROR, "upstream unavailable"))
        with other.start_as_current_span("process aurora.subject", kind=SpanKind.CONSUMER) as child:
            child.set_status(Status(StatusCode.OK))
        with tracer.start_as_current_span("", kind=SpanKind.INTERNAL):
            pass
    spans = exporter.get_finished_spans()
    assert len(spans) == 3
    assert_same_as_the_sdk(spans)
    request = ours(spans)
    [resource_spans] = request.resource_spans
    assert resource_spans.schema_url == "https://schema/1"
    assert [scope.scope.name for scope in resource_spans.scope_spans] == [
        "aurora.events",  # the child ended first
        "aurora.app",
    ]
    parsed = {span.name: span for scope in resource_spans.scope_spans for span in scope.spans}
    assert parsed["GET /subjects/{id}"].trace_state == "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7"
    assert parsed["GET /subjects/{id}"].flags == 0x300  # the parent is remote


def test_dropped_attributes_events_and_links_are_counted() -> None:
    tracer_provider, exporter = recorded(
        limits=SpanLimits(max_span_attributes=2, max_events=1, max_links=1, max_event_attributes=1)
    )
    context = SpanContext(0x99, 0x98, is_remote=False)
    tracer = tracer_provider.get_tracer("test")
    with tracer.start_as_current_span(
        "limited", attributes={"a": 1, "b": 2, "c": 3}, links=[Link(context), Link(context)]
    ) as span:
        span.add_event("first", {"x": 1, "y": 2})
        span.add_event("second")
    [finished] = exporter.get_finished_spans()
    assert (finished.dropped_attributes, finished.dropped_events, finished.dropped_links) == (
        1,
        1,
        1,
    )
    assert_same_as_the_sdk([finished])


def test_spans_of_several_resources_are_grouped_as_the_sdk_groups_them() -> None:
    spans: list[ReadableSpan] = []
    for name in ("billing", "catalog", "billing"):
        tracer_provider, exporter = recorded(Resource.create({"service.name": name}))
        with tracer_provider.get_tracer("test").start_as_current_span(f"work {name}"):
            pass
        spans.extend(exporter.get_finished_spans())
    assert_same_as_the_sdk(spans)
    assert len(ours(spans).resource_spans) == 2


def test_a_value_beyond_int64_is_skipped_as_the_sdk_skips_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    tracer_provider, exporter = recorded()
    with tracer_provider.get_tracer("test").start_as_current_span(
        "big", attributes={"huge": 2**64, "kept": "yes"}
    ):
        pass
    [span] = exporter.get_finished_spans()
    with caplog.at_level(logging.ERROR):
        assert_same_as_the_sdk([span])
    [parsed] = ours([span]).resource_spans[0].scope_spans[0].spans
    assert [attribute.key for attribute in parsed.attributes] == [
        "kept"
    ]  # skipped, as the SDK does


values = st.one_of(
    st.text(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False),
    st.lists(st.text(), max_size=3).map(tuple),
    st.lists(st.integers(min_value=-(2**63), max_value=2**63 - 1), max_size=3).map(tuple),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.text(),
    attributes=st.dictionaries(st.text(min_size=1), values, max_size=6),
    event_attributes=st.dictionaries(st.text(min_size=1), values, max_size=3),
    kind=st.sampled_from(list(SpanKind)),
)
def test_any_attributes_encode_as_the_sdk_encodes_them(
    name: str, attributes: dict[str, Any], event_attributes: dict[str, Any], kind: SpanKind
) -> None:
    tracer_provider, exporter = recorded()
    tracer = tracer_provider.get_tracer("fuzz")
    with tracer.start_as_current_span(name, kind=kind, attributes=attributes) as span:
        span.add_event(name, event_attributes)
    spans = exporter.get_finished_spans()
    try:
        assert ours(spans) == encode_spans(spans)
    except UnicodeEncodeError:  # lone surrogates: neither encoder can write them
        with pytest.raises(UnicodeEncodeError):
            encode_spans(spans).SerializeToString()


def test_an_encoded_span_no_longer_holds_the_span() -> None:
    """The queue keeps bytes: the span and its attribute dict can go at once."""
    tracer_provider, exporter = recorded()
    with tracer_provider.get_tracer("test").start_as_current_span("done"):
        pass
    [span] = exporter.get_finished_spans()
    exporter.clear()
    encoded = EncodedSpan(span)
    gone = weakref.ref(span)
    del span
    gc.collect()
    assert gone() is None
    assert ProtoSpan.FromString(encoded.data).name == "done"


class Recording(EncodedSpanExporter):
    def __init__(self) -> None:
        super().__init__(endpoint="http://127.0.0.1:9/v1/traces")
        self.batches: list[list[object]] = []

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        self.batches.append(list(spans))
        return SpanExportResult.SUCCESS


def test_the_processor_queues_sampled_spans_as_encoded_bytes() -> None:
    exporter = Recording()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(EncodingSpanProcessor(exporter))
    tracer = tracer_provider.get_tracer("test")
    with tracer.start_as_current_span("sampled"):
        pass
    unsampled = trace.set_span_in_context(
        trace.NonRecordingSpan(SpanContext(0x1, 0x2, is_remote=True, trace_flags=TraceFlags(0)))
    )
    with tracer.start_as_current_span("not sampled", context=unsampled):
        pass
    tracer_provider.force_flush()
    [[queued]] = exporter.batches
    assert isinstance(queued, EncodedSpan)
    [resource_spans] = ExportTraceServiceRequest.FromString(
        encode_request(_grouped([queued]))
    ).resource_spans
    assert [span.name for span in resource_spans.scope_spans[0].spans] == ["sampled"]
    tracer_provider.shutdown()
