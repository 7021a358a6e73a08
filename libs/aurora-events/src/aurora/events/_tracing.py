"""Trace context through events: producer spans at staging and relay, consumer spans.

The CloudEvents Distributed Tracing extension carries W3C ``traceparent`` and
``tracestate`` as event attributes. They are written when an event is staged in
the outbox, from a ``PRODUCER`` span (``create {stream}``) opened under whatever
is current then (the request's server span), so the trace started by the request
continues however long the event waits. The relay publishes each event under a
``PRODUCER`` span (``publish {stream}``) that is a child of that context, and a
consumer handles it under a ``CONSUMER`` span (``process {stream}``) that is its
child too (one trace from request to projection) and links to it, as the
messaging semantic conventions ask. The attributes are plain extension
attributes, so they survive the relay, dead-lettering and replay untouched.

A consumer's group setup (at its first fetch, and again when it recreates a lost
group) runs under an ``INTERNAL`` span of its own (``ensure_group {stream}``), a
trace of its own, so the broker's setup round trips (creating the stream and the
group) are recorded once per start rather than lost as background work.

Only ``opentelemetry-api`` is used; with no tracer provider installed, events are
staged unchanged and nothing else happens.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from typing import Any

import orjson
from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.trace import Link, Span, SpanKind, Status, StatusCode

from aurora.events._broker import stream_for_type
from aurora.events._envelope import Event

__all__ = [
    "ConsumerSpan",
    "broker_system",
    "group_setup_span",
    "publish_spans",
    "with_trace_context",
]

_TRACE_ATTRIBUTES = ("traceparent", "tracestate")


@cache
def _tracer() -> trace.Tracer:
    return trace.get_tracer("aurora.events")


def _tracing_off() -> bool:
    return isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider)


def broker_system(broker: object) -> str:
    """``messaging.system`` of a broker: ``nats``, ``redis``, ``memory``."""
    return type(broker).__name__.removesuffix("Broker").lower()


def _message_attributes(event_type: str, stream: str, operation: str) -> dict[str, Any]:
    return {
        "messaging.operation.type": operation,
        "messaging.operation.name": operation,
        "messaging.destination.name": stream,
        "cloudevents.event_type": event_type,
    }


def with_trace_context(event: Event, stream: str | None = None) -> Event:
    """``event`` with the ``traceparent``/``tracestate`` of a new ``create`` span.

    An event that already carries a ``traceparent`` (one being re-staged) keeps it.
    """
    if _tracing_off() or (event.model_extra or {}).get("traceparent"):
        return event
    destination = stream or stream_for_type(event.type)
    attributes = _message_attributes(event.type, destination, "create")
    attributes["messaging.message.id"] = event.id
    span = _tracer().start_span(
        f"create {destination}", kind=SpanKind.PRODUCER, attributes=attributes
    )
    carrier: dict[str, str] = {}
    propagate.inject(carrier, context=trace.set_span_in_context(span))
    span.end()
    fields = {name: carrier[name] for name in _TRACE_ATTRIBUTES if name in carrier}
    return event.model_copy(update=fields) if fields else event


def _context_of(attributes: dict[str, Any]) -> Context | None:
    carrier = {name: str(attributes[name]) for name in _TRACE_ATTRIBUTES if name in attributes}
    return propagate.extract(carrier) if carrier else None


@contextmanager
def publish_spans(records: Sequence[Any], *, system: str) -> Iterator[None]:
    """One ``publish`` span per relayed outbox row (``stream``, ``event_type``, ``payload``)."""
    if _tracing_off():
        yield
        return
    spans = [_publish_span(record, system) for record in records]
    try:
        yield
    except BaseException as exc:
        for span in spans:
            span.record_exception(exc)
            span.set_status(Status(StatusCode.ERROR, type(exc).__qualname__))
        raise
    finally:
        for span in spans:
            span.end()


def _publish_span(record: Any, system: str) -> Span:
    attributes = _message_attributes(record.event_type, record.stream, "send")
    attributes["messaging.system"] = system
    attributes["messaging.batch.message_count"] = 1
    try:
        envelope = orjson.loads(record.payload)
    except orjson.JSONDecodeError:
        envelope = {}
    parent = _context_of(envelope) if isinstance(envelope, dict) else None
    if isinstance(envelope, dict) and "id" in envelope:
        attributes["messaging.message.id"] = str(envelope["id"])
    return _tracer().start_span(
        f"publish {record.stream}", context=parent, kind=SpanKind.PRODUCER, attributes=attributes
    )


@contextmanager
def group_setup_span(stream: str, group: str, *, system: str) -> Iterator[None]:
    """The ``ensure_group`` span a consumer sets its group up under, a trace of its own."""
    if _tracing_off():
        yield
        return
    attributes = {
        "messaging.system": system,
        "messaging.operation.name": "ensure_group",
        "messaging.destination.name": stream,
        "messaging.consumer.group.name": group,
    }
    with _tracer().start_as_current_span(
        f"ensure_group {stream}",
        context=Context(),  # a root: setup is not part of whatever trace is current
        kind=SpanKind.INTERNAL,
        attributes=attributes,
    ):
        yield


class ConsumerSpan:
    """The ``process`` span around one handler call, child of and linked to the producer."""

    __slots__ = ("_event", "_span", "_token")

    def __init__(self, event: Event) -> None:
        self._event = event
        self._span: Span | None = None
        self._token: object = None

    def __enter__(self) -> None:
        if _tracing_off():
            return
        event = self._event
        parent = _context_of(event.model_extra or {})
        producer = trace.get_current_span(parent).get_span_context() if parent else None
        links = [Link(producer)] if producer is not None and producer.is_valid else None
        stream = stream_for_type(event.type)
        attributes = _message_attributes(event.type, stream, "process")
        attributes["messaging.message.id"] = event.id
        span = _tracer().start_span(
            f"process {stream}",
            context=parent,
            kind=SpanKind.CONSUMER,
            attributes=attributes,
            links=links,
        )
        self._span = span
        self._token = otel_context.attach(trace.set_span_in_context(span))

    def __exit__(self, exc_type: Any, exc: BaseException | None, traceback: Any) -> None:
        span, self._span = self._span, None
        if span is None:
            return
        if exc is not None:
            span.record_exception(exc)
            span.set_status(Status(StatusCode.ERROR, type(exc).__qualname__))
        span.end()
        otel_context.detach(self._token)  # type: ignore[arg-type]
