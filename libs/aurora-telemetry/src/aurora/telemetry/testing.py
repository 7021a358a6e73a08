"""``capture_spans()``: the spans a block of code finished, for assertions in tests.

OpenTelemetry lets a process install its tracer provider once, and instrumented
code caches the tracers it got from it; a per-test provider is therefore not an
option. The first capture installs one process-wide SDK provider whose sampler
records only while a capture is open, and whose exporter appends each finished
span, synchronously, to the innermost open capture (the way
``aurora.logging.testing.capture_logs`` collects lines). Outside a capture spans
are dropped at the sampler, so they cost little and stamp no trace ids on logs,
and tests stay independent of each other whatever their order.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.sdk.trace.sampling import (
    ALWAYS_ON,
    Decision,
    ParentBased,
    Sampler,
    SamplingResult,
)
from opentelemetry.trace import Link, SpanKind
from opentelemetry.util.types import Attributes

__all__ = ["capture_spans"]

_CAPTURES: list[list[ReadableSpan]] = []
_LOCK = threading.Lock()
_installed = False


class _CaptureSampler(Sampler):
    """Parent-based always-on while a capture is open; drop otherwise."""

    _inner = ParentBased(ALWAYS_ON)

    def should_sample(
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: Any = None,
    ) -> SamplingResult:
        if not _CAPTURES:
            return SamplingResult(Decision.DROP)
        return self._inner.should_sample(
            parent_context, trace_id, name, kind, attributes, links, trace_state
        )

    def get_description(self) -> str:
        return "AuroraCaptureSampler"


class _CaptureExporter(SpanExporter):
    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        with _LOCK:
            if _CAPTURES:
                _CAPTURES[-1].extend(spans)
        return SpanExportResult.SUCCESS


def _install() -> None:
    global _installed
    if _installed:
        return
    current = trace.get_tracer_provider()
    if isinstance(current, trace.ProxyTracerProvider):
        provider = TracerProvider(
            sampler=_CaptureSampler(), resource=Resource.create({"service.name": "aurora-tests"})
        )
        provider.add_span_processor(SimpleSpanProcessor(_CaptureExporter()))
        trace.set_tracer_provider(provider)
    elif isinstance(current, TracerProvider):
        current.add_span_processor(SimpleSpanProcessor(_CaptureExporter()))
    else:
        raise RuntimeError(f"capture_spans needs the OpenTelemetry SDK's provider, not {current!r}")
    _installed = True


@contextmanager
def capture_spans() -> Iterator[list[ReadableSpan]]:
    """Collect the spans finished inside the block, in the order they ended.

    Example::

        with capture_spans() as spans:
            client.get("/ping")
        assert spans[-1].name == "GET /ping"
    """
    _install()
    captured: list[ReadableSpan] = []
    with _LOCK:
        _CAPTURES.append(captured)
    try:
        yield captured
    finally:
        with _LOCK:
            _CAPTURES.remove(captured)
