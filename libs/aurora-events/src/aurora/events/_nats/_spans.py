"""JetStream operations as ``CLIENT`` spans: publish, fetch, ack, nak, term.

No OpenTelemetry instrumentation exists for nats-py, so the broker opens these
itself around each call that talks to the server on the message path, following
the messaging semantic conventions: ``messaging.system`` ``nats``, named
``{operation} {stream}`` with ``messaging.operation.name`` (``publish``,
``fetch``, ``ack``, ``nak``, ``term``), ``messaging.operation.type`` (``send``,
``receive``, ``settle``), ``messaging.destination.name`` (the JetStream stream),
the consumer group and the batch size. Subjects, headers and bodies are never
recorded. The relay's ``publish`` and the consumer's ``process`` spans
(``aurora.events._tracing``) are the ones that carry trace context; these show
the broker's own round trips under them.

An operation is a span only inside a recording span: a consumer's background
fetch, with nothing to parent it, would otherwise be a one-span trace per poll.
Only ``opentelemetry-api`` is used; outside a recording span an operation pays
one context lookup and gets a shared inert context manager.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from functools import cache
from types import TracebackType
from typing import Any

from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

__all__ = ["operation_span"]

_TYPES = {"publish": "send", "fetch": "receive", "ack": "settle", "nak": "settle", "term": "settle"}
_OFF: AbstractContextManager[Span] = nullcontext(trace.INVALID_SPAN)


@cache
def _tracer() -> trace.Tracer:
    return trace.get_tracer("aurora.events")


class _Operation:
    __slots__ = ("_span",)

    def __init__(self, span: Span) -> None:
        self._span = span

    def __enter__(self) -> Span:
        return self._span

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        span = self._span
        if exc is not None:
            span.record_exception(exc)
            span.set_attribute("error.type", type(exc).__qualname__)
            span.set_status(Status(StatusCode.ERROR))
        span.end()


def operation_span(
    operation: str, stream: str, *, count: int | None = None, group: str | None = None
) -> AbstractContextManager[Span]:
    """A span around one JetStream call on ``stream`` (the JetStream stream name).

    Set ``messaging.batch.message_count`` on the yielded span when the count is
    known only afterwards (a fetch).
    """
    if not trace.get_current_span().is_recording():
        return _OFF  # a background fetch or no SDK: nothing to join, no lone trace
    attributes: dict[str, Any] = {
        "messaging.system": "nats",
        "messaging.operation.name": operation,
        "messaging.operation.type": _TYPES[operation],
        "messaging.destination.name": stream,
    }
    if count is not None:
        attributes["messaging.batch.message_count"] = count
    if group is not None:
        attributes["messaging.consumer.group.name"] = group
    span = _tracer().start_span(
        f"{operation} {stream}", kind=SpanKind.CLIENT, attributes=attributes
    )
    return _Operation(span)
