"""An OTLP/HTTP trace receiver for tests: what a collector would get, decoded.

Exporters are proven on the wire, not against a mocked transport: the receiver is
a real HTTP server (uvicorn, via :class:`~aurora.testing.server.LiveServer`) that
accepts ``POST /v1/traces`` with ``application/x-protobuf`` bodies, decodes them
with ``opentelemetry-proto`` and keeps each span with its resource attributes.

    with OtlpReceiver() as receiver:
        os.environ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.url
        ...
        spans = receiver.wait_for(lambda spans: any(s.name == "GET /ping" for s in spans))
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from aurora.testing.server import LiveServer

__all__ = ["OtlpReceiver", "ReceivedSpan", "decode_spans"]

_KINDS = {0: "UNSPECIFIED", 1: "INTERNAL", 2: "SERVER", 3: "CLIENT", 4: "PRODUCER", 5: "CONSUMER"}


@dataclass(frozen=True)
class ReceivedSpan:
    """One span as it arrived: ids in hex, kind by name, attributes as Python values."""

    name: str
    trace_id: str
    span_id: str
    parent_span_id: str
    kind: str
    attributes: dict[str, Any]
    resource: dict[str, Any]
    links: tuple[tuple[str, str], ...] = ()
    events: tuple[str, ...] = ()
    status_code: int = 0
    scope: str = ""

    @property
    def service(self) -> str:
        """The ``service.name`` of the process that sent it."""
        return str(self.resource.get("service.name", ""))


def _value(value: AnyValue) -> Any:
    kind = value.WhichOneof("value")
    if kind == "array_value":
        return [_value(item) for item in value.array_value.values]
    if kind == "kvlist_value":
        return _attributes(value.kvlist_value.values)
    return getattr(value, kind) if kind else None


def _attributes(pairs: Any) -> dict[str, Any]:
    return {pair.key: _value(pair.value) for pair in pairs if isinstance(pair, KeyValue)}


def decode_spans(body: bytes) -> list[ReceivedSpan]:
    """Every span of an OTLP ``ExportTraceServiceRequest``."""
    request = ExportTraceServiceRequest()
    request.ParseFromString(body)
    spans = []
    for resource_spans in request.resource_spans:
        resource = _attributes(resource_spans.resource.attributes)
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                spans.append(
                    ReceivedSpan(
                        name=span.name,
                        trace_id=span.trace_id.hex(),
                        span_id=span.span_id.hex(),
                        parent_span_id=span.parent_span_id.hex(),
                        kind=_KINDS.get(span.kind, str(span.kind)),
                        attributes=_attributes(span.attributes),
                        resource=resource,
                        links=tuple(
                            (link.trace_id.hex(), link.span_id.hex()) for link in span.links
                        ),
                        events=tuple(event.name for event in span.events),
                        status_code=span.status.code,
                        scope=scope_spans.scope.name,
                    )
                )
    return spans


class OtlpReceiver:
    """A collector stand-in on a free loopback port; ``url`` is its OTLP base URL."""

    def __init__(self) -> None:
        self.spans: list[ReceivedSpan] = []
        self.content_types: list[str] = []
        self._lock = threading.Lock()
        app = Starlette(routes=[Route("/v1/traces", self._receive, methods=["POST"])])
        self._server = LiveServer(app, log_level="warning")

    @property
    def url(self) -> str:
        return self._server.url

    async def _receive(self, request: Request) -> Response:
        body = await request.body()
        spans = decode_spans(body)
        with self._lock:
            self.content_types.append(request.headers.get("content-type", ""))
            self.spans.extend(spans)
        return Response(
            ExportTraceServiceResponse().SerializeToString(),
            media_type="application/x-protobuf",
        )

    def received(self) -> list[ReceivedSpan]:
        """The spans received so far."""
        with self._lock:
            return list(self.spans)

    def wait_for(
        self, done: Callable[[list[ReceivedSpan]], bool], timeout: float = 15.0
    ) -> list[ReceivedSpan]:
        """Poll until ``done(spans)`` holds; raise ``AssertionError`` with what came otherwise."""
        deadline = time.monotonic() + timeout
        while True:
            spans = self.received()
            if done(spans):
                return spans
            if time.monotonic() > deadline:
                names = sorted({f"{s.service}: {s.name}" for s in spans})
                raise AssertionError(f"spans not received in {timeout}s; got {names}")
            time.sleep(0.05)

    def __enter__(self) -> OtlpReceiver:
        self._server.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._server.stop()
