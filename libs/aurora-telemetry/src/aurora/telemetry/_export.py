"""Spans encoded as they end, batched as bytes, sent by the OTLP/HTTP exporter's client.

The SDK's ``BatchSpanProcessor`` queues each finished span whole until its export
thread encodes the batch. Measured with ``benchmarks/tracing_overhead.py``, the
queue alone costs about 14 us per span: the garbage collector walks each span's
attribute dict, event and link lists and context while up to 2,048 of them wait.
Then the SDK's encoder costs about 30 us more per span (see ``_encoding``).

Here :class:`EncodingSpanProcessor` encodes a span to OTLP protobuf bytes when it
ends (``_encoding``, a few microseconds) and queues only those bytes with the span's
resource and scope, through the same SDK batch processor: its ``OTEL_BSP_*``
settings, queue limit, schedule, flush and shutdown behave as before.
:class:`EncodedSpanExporter` is the SDK's ``OTLPSpanExporter`` with its encoding
step replaced: it groups the queued bytes into an ``ExportTraceServiceRequest``
and sends them with the exporter's own HTTP client, so endpoint, headers,
compression, TLS, timeout and retries are still what ``OTEL_EXPORTER_OTLP_*``
configure. That client is an attribute the SDK doesn't document
(``OTLPSpanExporter._client``, with ``_shutdown`` and ``_max_request_size``); the
lock pins the exporter, and ``tests/test_otlp_export.py`` sends through it to a
real receiver that decodes the protobuf.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from typing import Any, cast

from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExportResult
from opentelemetry.sdk.util.instrumentation import InstrumentationScope
from opentelemetry.trace import SpanContext

from aurora.telemetry._encoding import encode_request, encode_span

__all__ = ["EncodedSpan", "EncodedSpanExporter", "EncodingSpanProcessor"]

_log = logging.getLogger(__name__)


class EncodedSpan:
    """A finished span as OTLP ``Span`` bytes, with what its batch is grouped by."""

    __slots__ = ("context", "data", "resource", "scope")

    def __init__(self, span: ReadableSpan) -> None:
        self.context: SpanContext | None = span.context  # the batch processor reads it
        self.resource: Resource = span.resource
        self.scope: InstrumentationScope | None = span.instrumentation_scope
        self.data = encode_span(span)


class EncodingSpanProcessor(BatchSpanProcessor):
    """A ``BatchSpanProcessor`` that queues each sampled span as :class:`EncodedSpan` bytes.

    Its exporter receives ``EncodedSpan`` objects, so pair it with
    :class:`EncodedSpanExporter`.
    """

    def on_end(self, span: ReadableSpan) -> None:
        if span.context is not None and span.context.trace_flags.sampled:
            try:
                encoded = EncodedSpan(span)
            except (UnicodeEncodeError, ValueError) as error:  # never fail the caller's span
                _log.error("Dropping span %r: it can't be encoded: %s", span.name, error)
                return
            super().on_end(cast(ReadableSpan, encoded))


class EncodedSpanExporter(OTLPSpanExporter):
    """``OTLPSpanExporter`` whose batches are :class:`EncodedSpan` (or plain spans, encoded here).

    Takes the same arguments, read from the same ``OTEL_EXPORTER_OTLP_*`` variables.
    """

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        if self._shutdown:
            _log.warning("Exporter already shutdown, ignoring batch")
            return SpanExportResult.FAILURE
        data = encode_request(_grouped(cast(Sequence[Any], spans)))
        limit = self._max_request_size
        if limit > 0 and len(data) > limit:
            _log.warning(
                "Dropping span batch: serialized size %d bytes exceeds max_request_size %d bytes.",
                len(data),
                limit,
            )
            return SpanExportResult.FAILURE
        result = self._client.export(data)
        return SpanExportResult.SUCCESS if result.success else SpanExportResult.FAILURE


def _grouped(
    spans: Sequence[EncodedSpan | ReadableSpan],
) -> dict[Resource, dict[InstrumentationScope | None, list[bytes]]]:
    """The spans by resource, then scope, as the SDK's encoder groups them.

    Grouped by identity first: hashing a ``Resource`` serializes its attributes to
    JSON, about 5 us, so it is done once per distinct object, not once per span.
    """
    by_identity: dict[tuple[int, int], tuple[Resource, InstrumentationScope | None, list[bytes]]]
    by_identity = {}
    for span in spans:
        if isinstance(span, EncodedSpan):
            resource, scope, data = span.resource, span.scope, span.data
        else:
            resource, scope, data = span.resource, span.instrumentation_scope, encode_span(span)
        group = by_identity.get((id(resource), id(scope)))
        if group is None:
            group = by_identity[id(resource), id(scope)] = (resource, scope, [])
        group[2].append(data)
    groups: defaultdict[Resource, dict[InstrumentationScope | None, list[bytes]]]
    groups = defaultdict(dict)
    for resource, scope, encoded in by_identity.values():
        groups[resource].setdefault(scope, []).extend(encoded)
    return dict(groups)
