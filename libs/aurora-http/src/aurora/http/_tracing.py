"""Client spans for ``ServiceClient`` calls, and W3C-correct ``traceparent`` forwarding.

One logical call is an ``INTERNAL`` span (``{METHOD} {service}``) with one
``CLIENT`` span per attempt under it, as the HTTP semantic conventions ask for
resent requests (``http.request.resend_count`` on the second and later). Retries
(with reason and delay) and circuit-breaker refusals are events on the logical
span. Each attempt sends its own ``traceparent`` (replacing any the call was
given; an unsampled one says so in its flags), so the callee's server span is the
child of that attempt.

Without an SDK (nothing recording) there are no spans, but an inbound
``traceparent`` from ``propagation_context`` still is not forwarded unchanged:
W3C Trace Context requires every hop to send its own ``parent-id``, so the trace
id and flags are kept and a fresh span id is written (:func:`child_traceparent`).

Only ``opentelemetry-api`` is used; :func:`call_spans` hands out a shared inert
object while no provider is installed, so an untraced call pays one check.
"""

from __future__ import annotations

import re
from functools import cache
from random import getrandbits

import httpx
from opentelemetry import propagate, trace
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

__all__ = ["CallSpans", "NoCallSpans", "call_spans", "child_traceparent"]

_TRACEPARENT = re.compile(r"00-([0-9a-f]{32})-[0-9a-f]{16}-([0-9a-f]{2})")
_ZERO_TRACE = "0" * 32


def child_traceparent(value: str) -> str | None:
    """``value`` with a new parent id (same trace and flags); ``None`` if it is invalid."""
    match = _TRACEPARENT.fullmatch(value.strip().lower())
    if match is None or match.group(1) == _ZERO_TRACE:
        return None
    span_id = 0
    while span_id == 0:  # all zeros is invalid
        span_id = getrandbits(64)
    return f"00-{match.group(1)}-{span_id:016x}-{match.group(2)}"


class NoCallSpans:
    """What a call records while tracing is off: nothing."""

    __slots__ = ()

    def attempt(self, request: httpx.Request, number: int) -> None:
        return None

    def answered(self, status: int) -> None:
        return None

    def failed(self, reason: str) -> None:
        return None

    def retry(self, reason: str, delay: float) -> None:
        return None

    def refused(self, exc: BaseException) -> None:
        return None

    def finished(self, error: BaseException | None) -> None:
        return None


_NO_SPANS = NoCallSpans()


class CallSpans:
    """The spans of one logical call: the call's own and its current attempt's."""

    __slots__ = ("_attempt", "_call", "_context", "_tracer")

    def __init__(self, tracer: trace.Tracer, service: str, request: httpx.Request) -> None:
        self._tracer = tracer
        self._call: Span | None = tracer.start_span(
            f"{request.method} {service}",
            kind=SpanKind.INTERNAL,
            attributes={"http.request.method": request.method, "aurora.upstream.service": service},
        )
        self._context = trace.set_span_in_context(self._call)
        self._attempt: Span | None = None

    def attempt(self, request: httpx.Request, number: int) -> None:
        """Open attempt ``number``'s client span and send its ``traceparent``."""
        url = request.url
        attributes: dict[str, str | int] = {
            "http.request.method": request.method,
            "server.address": url.host,
            "url.full": str(url.copy_with(query=None, fragment=None)),
        }
        if url.port is not None:
            attributes["server.port"] = url.port
        if number > 1:
            attributes["http.request.resend_count"] = number - 1
        span = self._tracer.start_span(
            request.method, context=self._context, kind=SpanKind.CLIENT, attributes=attributes
        )
        self._attempt = span
        propagate.inject(request.headers, context=trace.set_span_in_context(span))

    def answered(self, status: int) -> None:
        """End the attempt with the response's status (4xx and 5xx are client errors)."""
        span, self._attempt = self._attempt, None
        if span is None:
            return
        span.set_attribute("http.response.status_code", status)
        if status >= 400:
            span.set_attribute("error.type", str(status))
            span.set_status(Status(StatusCode.ERROR))
        span.end()

    def failed(self, reason: str) -> None:
        """End the attempt that never got a response (``reason``: connect, timeout...)."""
        span, self._attempt = self._attempt, None
        if span is not None:
            span.set_attribute("error.type", reason)
            span.set_status(Status(StatusCode.ERROR, reason))
            span.end()

    def retry(self, reason: str, delay: float) -> None:
        """Note on the call that another attempt follows after ``delay`` seconds."""
        if self._call is not None:
            self._call.add_event("http.retry", {"reason": reason, "delay_s": round(delay, 3)})

    def refused(self, exc: BaseException) -> None:
        """The breaker refused an attempt: an event, and the call ends failed."""
        if self._call is not None:
            self._call.add_event("circuit_open")
        self.finished(exc)

    def finished(self, error: BaseException | None) -> None:
        """End the call (and an attempt left open, e.g. by a cancellation)."""
        self.failed("cancelled")
        span, self._call = self._call, None
        if span is None:
            return
        if error is not None:
            span.set_attribute("error.type", getattr(error, "code", type(error).__qualname__))
            span.set_status(Status(StatusCode.ERROR, str(error)))
        span.end()


def call_spans(service: str, request: httpx.Request) -> CallSpans | NoCallSpans:
    """The spans for a new call, or the inert stand-in when no tracer provider is installed."""
    if isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider):
        return _NO_SPANS
    return CallSpans(_tracer(), service, request)


@cache
def _tracer() -> trace.Tracer:
    # A proxy: it follows the provider installed later, and SDK tracers cost to make.
    return trace.get_tracer("aurora.http")
