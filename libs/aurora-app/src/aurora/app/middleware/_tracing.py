"""Inbound HTTP server spans, opened inside the service middleware's one frame.

A pure-ASGI span (not OpenTelemetry's ASGI middleware, which wraps ``send`` and
``receive`` in spans of their own and adds a layer, measured as most of a thin
stack's cost) opened around stages 1-6: the access-log line and every log line of
the request are written inside it and so carry its ids. It follows the HTTP
semantic conventions: named ``{method} {route template}`` (the template, read
after routing, keeps ids out of span names), with the method, route, status,
client and server address and protocol; 5xx answers mark it an error. The
incoming ``traceparent``/``tracestate`` (the global propagator, W3C by default)
make it a child of the caller's span.

FastAPI (0.165+) can make request spans of its own ("native telemetry"); the
service turns that off (:data:`FASTAPI_TELEMETRY_OFF`) so a request has one server
span, not two. Aurora's is kept because it lives in the stack's one frame (no
extra layer, no operation spans per dependency), labels by the same route
template as the access log and the Prometheus metrics, and leaves metrics to
Prometheus and error logging to the error stage, which FastAPI's would duplicate.

Only ``opentelemetry-api`` is used. Until a service installs an SDK provider
(aurora-telemetry), :meth:`ServerSpans.begin` returns a shared inert object and
the request pays one attribute read.
"""

from __future__ import annotations

import os
from types import TracebackType
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.environment_variables import OTEL_PYTHON_TRACER_PROVIDER
from opentelemetry.trace import Span, SpanKind, Status, StatusCode
from starlette.types import Scope

from aurora.app.middleware._routes import UNMATCHED, route_template

__all__ = ["FASTAPI_TELEMETRY_OFF", "NO_SPAN", "RequestSpan", "ServerSpans"]

FASTAPI_TELEMETRY_OFF: Any = {
    "tracing": False,
    "metrics": False,
    "logs": False,
    "operation_spans": False,
}
"""``FastAPI(telemetry=...)``: its own spans, OpenTelemetry metrics and logs off."""


class _NoSpan:
    """The stand-in while tracing is off: a context manager that does nothing."""

    __slots__ = ()

    def __enter__(self) -> _NoSpan:
        return self

    def __exit__(self, *exc_info: object) -> None:
        return None

    def finish(self, status: int) -> None:
        return None

    def trace_ids(self) -> None:
        return None


NO_SPAN = _NoSpan()
"""What :meth:`ServerSpans.begin` returns while tracing is off (compare with ``is``)."""
_SPAN_HEADERS = frozenset({b"traceparent", b"tracestate", b"baggage", b"user-agent"})


class _ServerSpan:
    """One request's span: current while the request runs, ended with its final status."""

    __slots__ = ("_root_path", "_scope", "_span", "_status", "_token")

    def __init__(self, span: Span, scope: Scope) -> None:
        self._span = span
        self._scope = scope
        self._root_path = scope.get("root_path", "")
        self._status = 500
        self._token: object = None

    def __enter__(self) -> _ServerSpan:
        self._token = otel_context.attach(trace.set_span_in_context(self._span))
        return self

    def finish(self, status: int) -> None:
        """Record the status the client got (called before the access log is written)."""
        self._status = status

    def trace_ids(self) -> tuple[str, str] | None:
        """The span's trace and span ids as log lines carry them, when it is sampled."""
        context = self._span.get_span_context()
        if not context.trace_flags.sampled:
            return None
        return format(context.trace_id, "032x"), format(context.span_id, "016x")

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        span = self._span
        try:
            if span.is_recording():
                self._describe(span, exc)
        finally:
            span.end()
            otel_context.detach(self._token)  # type: ignore[arg-type]

    def _describe(self, span: Span, exc: BaseException | None) -> None:
        scope, status = self._scope, self._status
        route = route_template(scope, self._root_path)
        # One set_attributes call: the SDK takes its lock and checks its limits per call.
        attributes: dict[str, Any] = {"http.response.status_code": status}
        if route != UNMATCHED:
            attributes["http.route"] = route
            span.update_name(f"{scope['method']} {route}")
        if exc is not None:
            span.record_exception(exc)
        if status >= 500 or exc is not None:
            attributes["error.type"] = type(exc).__qualname__ if exc else str(status)
            span.set_status(Status(StatusCode.ERROR))
        span.set_attributes(attributes)


RequestSpan = _ServerSpan | _NoSpan
"""What :meth:`ServerSpans.begin` returns."""


class ServerSpans:
    """Makes the server span of each request, when tracing is on."""

    __slots__ = ("_provider_from_env", "_tracer")

    def __init__(self) -> None:
        self._tracer = trace.get_tracer("aurora.app")
        self._provider_from_env = OTEL_PYTHON_TRACER_PROVIDER in os.environ

    def begin(self, scope: Scope) -> _ServerSpan | _NoSpan:
        """A context manager around the request; :meth:`finish` it with the status."""
        # get_tracer_provider() reads os.environ on every call until a provider is set:
        # the global it fills says "none yet" without that (the API sets it only once).
        if trace._TRACER_PROVIDER is None and not self._provider_from_env:
            return NO_SPAN
        if isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider):
            return NO_SPAN
        tracer = self._tracer
        if isinstance(tracer, trace.ProxyTracer):  # made before the SDK: skip the proxy
            tracer = self._tracer = trace.get_tracer("aurora.app")
        headers = _wanted_headers(scope["headers"])
        parent = propagate.extract(headers) if "traceparent" in headers else None
        # Attributes only once the sampler kept the span: the samplers aurora-telemetry
        # installs (OTEL_TRACES_SAMPLER's built-in ones) never read them, and most
        # requests of a sampled service are dropped.
        span = tracer.start_span(scope["method"], context=parent, kind=SpanKind.SERVER)
        if span.is_recording():
            span.set_attributes(_attributes(scope, headers))
        return _ServerSpan(span, scope)


def _wanted_headers(raw: Any) -> dict[str, str]:
    """The few headers a server span reads, decoded; the others are left alone."""
    return {
        name.decode("latin-1"): value.decode("latin-1")
        for name, value in raw
        if name in _SPAN_HEADERS
    }


def _attributes(scope: Scope, headers: dict[str, str]) -> dict[str, Any]:
    """The request's attributes at the start (``client.port`` is opt-in: left out)."""
    attributes: dict[str, Any] = {
        "http.request.method": scope["method"],
        "url.path": scope["path"],
        "url.scheme": scope.get("scheme", "http"),
        "network.protocol.version": scope.get("http_version", "1.1"),
    }
    client = scope.get("client")
    if client:
        attributes["client.address"] = client[0]
    server = scope.get("server")
    if server:
        attributes["server.address"] = server[0]
        if server[1] is not None:
            attributes["server.port"] = server[1]
    agent = headers.get("user-agent")
    if agent:
        attributes["user_agent.original"] = agent
    return attributes
