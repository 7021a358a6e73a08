"""Finished spans to OTLP protobuf bytes, written by hand.

Why not the SDK's encoder (``opentelemetry-exporter-otlp-proto-common``): it builds
one protobuf object per span, attribute, value, event and link, then serializes the
tree. Measured with ``benchmarks/tracing_overhead.py`` that is about 30 us of CPU
per server span on the export thread, close to bare FastAPI's whole request. This
module writes the wire format directly and keeps the encoded key-value pair of
each attribute value it has seen (a method, a route, a status, an address repeat
from request to request), which brings a server span to about 3-5 us.

It reads a finished span's attributes, events and links from the SDK's own
containers when they are there (``BoundedAttributes._dict``, ``_events``,
``_links``): through the public properties they are copied or iterated by
Python-level ``Mapping`` methods, about 3 us more per span. Any other
``ReadableSpan`` is read through its properties.

The output is what the SDK's encoder writes: ``tests/test_encoding.py`` parses both
with ``opentelemetry-proto`` and compares them on spans with every attribute type,
events, links, error statuses, trace state and remote parents. That includes its
choices, such as links without trace state and a scope and status always present.
An attribute value it can't write (an integer beyond int64, an unknown type) is
logged and skipped, as the SDK's encoder does; text that isn't valid UTF-8 raises
``UnicodeEncodeError``, as the SDK's serializer does, and the processor drops that
span with a log line.
"""

from __future__ import annotations

import logging
import struct
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import Event, ReadableSpan
from opentelemetry.sdk.util.instrumentation import InstrumentationScope
from opentelemetry.trace import Link, SpanContext, SpanKind

__all__ = ["encode_request", "encode_span"]

# Tags (field number << 3 | wire type) of the messages written here.
_SPAN_ATTRIBUTE, _EVENT_ATTRIBUTE, _LINK_ATTRIBUTE = b"\x4a", b"\x1a", b"\x22"
# By ``SpanKind._value_`` (0 INTERNAL .. 4 CONSUMER); the proto counts from 1.
_KINDS = tuple(bytes((0x30, value + 1)) for value in sorted(kind.value for kind in SpanKind))
_FLAGS_LOCAL = b"\x85\x01" + struct.pack("<I", 0x100)  # SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE
_FLAGS_REMOTE = b"\x85\x01" + struct.pack("<I", 0x300)  # ... and _IS_REMOTE
_LINK_FLAGS_LOCAL, _LINK_FLAGS_REMOTE = b"\x35" + _FLAGS_LOCAL[2:], b"\x35" + _FLAGS_REMOTE[2:]
_STATUS_UNSET = b"\x7a\x00"  # the SDK always sends a status, empty when unset
_TIMES = struct.Struct("<BQBQ").pack  # start (fixed64, field 7) and end (field 8)
_DOUBLE = struct.Struct("<d").pack
_INT64 = range(-(2**63), 2**63)
_MAX_CACHED = 4096  # encoded attribute values kept; unique values (a path with ids) stop there

_log = logging.getLogger(__name__)
_values: dict[tuple[str, type, Any], bytes] = {}
_names: dict[str, bytes] = {}


class _UnencodableError(Exception):
    """An attribute value outside what OTLP can carry: logged and skipped."""


def encode_span(span: ReadableSpan) -> bytes:
    """The serialized OTLP ``Span`` message of ``span``.

    Raises ``UnicodeEncodeError`` for text that isn't valid UTF-8 (lone surrogates).
    """
    return _span(span)


def encode_request(
    groups: Mapping[Resource, Mapping[InstrumentationScope | None, Sequence[bytes]]],
) -> bytes:
    """An ``ExportTraceServiceRequest`` of encoded spans, grouped by resource and scope."""
    resource_spans = []
    for resource, scopes in groups.items():
        body = [_field(b"\x0a", _resource(resource))]
        for scope, spans in scopes.items():
            scope_spans = [_field(b"\x0a", _scope(scope))]
            scope_spans.extend(_field(b"\x12", span) for span in spans)
            if scope is not None and scope.schema_url:
                scope_spans.append(_field(b"\x1a", scope.schema_url.encode()))
            body.append(_field(b"\x12", b"".join(scope_spans)))
        if resource.schema_url:
            body.append(_field(b"\x1a", resource.schema_url.encode()))
        resource_spans.append(_field(b"\x0a", b"".join(body)))
    return b"".join(resource_spans)


def _span(span: ReadableSpan) -> bytes:
    context = span.context
    if context is None:
        raise ValueError("a span without a context can't be exported")
    parts = [b"\x0a\x10", context.trace_id.to_bytes(16, "big")]
    parts += (b"\x12\x08", context.span_id.to_bytes(8, "big"))
    if context.trace_state:
        parts.append(_field(b"\x1a", _trace_state(context).encode()))
    parent = span.parent
    if parent is not None:
        parts += (b"\x22\x08", parent.span_id.to_bytes(8, "big"))
    parts += (_name(span.name), _KINDS[span.kind._value_])
    parts.append(_TIMES(0x39, span.start_time or 0, 0x41, span.end_time or 0))
    _attributes(parts, _SPAN_ATTRIBUTE, _own(span, "_attributes", "attributes"))
    if span.dropped_attributes:
        parts.append(b"\x50" + _varint(span.dropped_attributes))
    events: Sequence[Event] = _own(span, "_events", "events")
    if events:
        parts.extend(_field(b"\x5a", _event(event)) for event in events)
    if span.dropped_events:
        parts.append(b"\x60" + _varint(span.dropped_events))
    links: Sequence[Link] = _own(span, "_links", "links")
    if links:
        parts.extend(_field(b"\x6a", _link(link)) for link in links)
    if span.dropped_links:
        parts.append(b"\x70" + _varint(span.dropped_links))
    parts.append(_status(span))
    parts.append(_FLAGS_REMOTE if parent is not None and parent.is_remote else _FLAGS_LOCAL)
    return b"".join(parts)


def _own(span: ReadableSpan, private: str, public: str) -> Any:
    """The SDK span's own container when it has one, else the public property's copy."""
    own = getattr(span, private, _MISSING)
    return getattr(span, public) if own is _MISSING else own


_MISSING = object()


def _event(event: Event) -> bytes:
    parts = [struct.pack("<BQ", 0x09, event.timestamp)]
    if event.name:
        parts.append(_field(b"\x12", event.name.encode()))
    _attributes(parts, _EVENT_ATTRIBUTE, event.attributes)
    if event.dropped_attributes:
        parts.append(b"\x20" + _varint(event.dropped_attributes))
    return b"".join(parts)


def _link(link: Link) -> bytes:
    context = link.context
    parts = [b"\x0a\x10", context.trace_id.to_bytes(16, "big")]
    parts += (b"\x12\x08", context.span_id.to_bytes(8, "big"))
    _attributes(parts, _LINK_ATTRIBUTE, link.attributes)
    if link.dropped_attributes:
        parts.append(b"\x28" + _varint(link.dropped_attributes))
    parts.append(_LINK_FLAGS_REMOTE if context.is_remote else _LINK_FLAGS_LOCAL)
    return b"".join(parts)


def _status(span: ReadableSpan) -> bytes:
    status = span.status
    code, description = status.status_code._value_, status.description
    if not code and not description:
        return _STATUS_UNSET
    body = _field(b"\x12", description.encode()) if description else b""
    if code:
        body += bytes((0x18, code))
    return _field(b"\x7a", body)


def _trace_state(context: SpanContext) -> str:
    return ",".join(f"{key}={value}" for key, value in context.trace_state.items())


def _name(name: str) -> bytes:
    encoded = _names.get(name)
    if encoded is None:
        encoded = _field(b"\x2a", name.encode()) if name else b""
        if len(_names) < _MAX_CACHED:
            _names[name] = encoded
    return encoded


def _attributes(parts: list[bytes], tag: bytes, attributes: Mapping[str, Any] | None) -> None:
    """Append each attribute as ``tag`` + a length-prefixed ``KeyValue``."""
    if not attributes:
        return
    cache = _values
    items = getattr(
        attributes, "_dict", attributes
    )  # BoundedAttributes' own dict: no Mapping layer
    for key, value in items.items():
        cached = (key, value.__class__, value) if value.__class__ in _CACHEABLE else None
        pair = cache.get(cached) if cached is not None else None
        if pair is None:
            try:
                pair = _key_value(key, value)
            except _UnencodableError as error:
                _log.error("Failed to encode key %s: %s", key, error)
                continue
            if cached is not None and len(cache) < _MAX_CACHED:
                cache[cached] = pair
        parts += (tag, pair)


def _key_value(key: str, value: Any) -> bytes:
    """A length-prefixed ``KeyValue`` message."""
    encoded_key = key.encode()
    return _prefixed(
        (b"\x0a" + _varint(len(encoded_key)) + encoded_key if key else b"")
        + _field(b"\x12", _any_value(value))
    )


def _any_value(value: Any) -> bytes:
    cls = value.__class__
    if cls is str:
        return _field(b"\x0a", value.encode())
    if cls is bool:
        return b"\x10\x01" if value else b"\x10\x00"
    if cls is int:
        if value not in _INT64:
            raise _UnencodableError("an integer beyond int64")
        return b"\x18" + _varint(value & 0xFFFFFFFFFFFFFFFF)
    if cls is float:
        return b"\x21" + _DOUBLE(value)
    if cls is bytes:
        return _field(b"\x3a", value)
    if isinstance(value, tuple | list):
        return _field(b"\x2a", b"".join(_field(b"\x0a", _any_value(item)) for item in value))
    raise _UnencodableError(f"an attribute value of type {cls.__name__}")


_CACHEABLE = frozenset({str, bool, int, float})


@lru_cache(maxsize=64)
def _resource(resource: Resource) -> bytes:
    parts: list[bytes] = []
    _attributes_uncached(parts, b"\x0a", resource.attributes)
    return b"".join(parts)


@lru_cache(maxsize=256)
def _scope(scope: InstrumentationScope | None) -> bytes:
    if scope is None:
        return b""
    parts = [_field(b"\x0a", scope.name.encode())] if scope.name else []
    if scope.version:
        parts.append(_field(b"\x12", scope.version.encode()))
    _attributes_uncached(parts, b"\x1a", scope.attributes)
    return b"".join(parts)


def _attributes_uncached(
    parts: list[bytes], tag: bytes, attributes: Mapping[str, Any] | None
) -> None:
    """As the SDK does for a resource or scope: a value it can't encode is logged and skipped."""
    for key, value in (attributes or {}).items():
        try:
            parts += (tag, _key_value(key, value))
        except (_UnencodableError, UnicodeEncodeError) as error:
            _log.error("Failed to encode key %s: %s", key, error)


def _field(tag: bytes, payload: bytes) -> bytes:
    """A length-delimited field: tag, length, payload."""
    return tag + _varint(len(payload)) + payload


def _prefixed(payload: bytes) -> bytes:
    return _varint(len(payload)) + payload


def _varint(value: int) -> bytes:
    if value < 0x80:
        return bytes((value,))
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)
