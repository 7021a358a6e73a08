"""``capture_spans()``: the spans a block of code finished, for assertions in tests.

OpenTelemetry lets a process install its tracer provider once, and instrumented
code caches the tracers it got from it, so a provider per test is not an option.
The first capture installs one process-wide provider that switches per call:
while a capture is open its tracers are the SDK's (always sampling, every
finished span appended synchronously to the innermost capture, the way
``aurora.logging.testing.capture_logs`` collects lines); otherwise they behave
exactly like opentelemetry-api's no-op tracer. Code under test therefore sees
"no SDK" outside a capture, whatever ran before it: no ids on log lines, no
``traceparent`` written, and tests stay independent in any order.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult

__all__ = ["capture_spans"]

_CAPTURES: list[list[ReadableSpan]] = []
_LOCK = threading.Lock()
_NO_OP = trace.NoOpTracer()
_installed = False


class _CaptureExporter(SpanExporter):
    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        with _LOCK:
            if _CAPTURES:
                _CAPTURES[-1].extend(spans)
        return SpanExportResult.SUCCESS


class _SwitchingTracer(trace.Tracer):
    """The SDK's tracer while a capture is open, the API's no-op tracer otherwise."""

    def __init__(self, sdk: trace.Tracer) -> None:
        self._sdk = sdk

    def _current(self) -> trace.Tracer:
        return self._sdk if _CAPTURES else _NO_OP

    def start_span(self, *args: Any, **kwargs: Any) -> trace.Span:
        return self._current().start_span(*args, **kwargs)

    def start_as_current_span(self, *args: Any, **kwargs: Any) -> Any:
        return self._current().start_as_current_span(*args, **kwargs)


class _SwitchingProvider(trace.TracerProvider):
    def __init__(self) -> None:
        self._sdk = TracerProvider(resource=Resource.create({"service.name": "aurora-tests"}))
        self._sdk.add_span_processor(SimpleSpanProcessor(_CaptureExporter()))

    def get_tracer(self, *args: Any, **kwargs: Any) -> trace.Tracer:
        return _SwitchingTracer(self._sdk.get_tracer(*args, **kwargs))


def _install() -> None:
    global _installed
    with _LOCK:
        if _installed:
            return
        current = trace.get_tracer_provider()
        if isinstance(current, trace.ProxyTracerProvider):
            trace.set_tracer_provider(_SwitchingProvider())
        elif isinstance(current, TracerProvider):  # a real one installed: listen to it too
            current.add_span_processor(SimpleSpanProcessor(_CaptureExporter()))
        else:
            raise RuntimeError(f"capture_spans needs the OpenTelemetry SDK, not {current!r}")
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
