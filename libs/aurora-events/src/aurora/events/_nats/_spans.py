"""JetStream operations as ``CLIENT`` spans: the message path and stream management.

No OpenTelemetry instrumentation exists for nats-py, so the broker opens these
itself, following the messaging semantic conventions: ``messaging.system``
``nats``, named ``{operation} {stream}`` with ``messaging.operation.name``,
``messaging.destination.name`` (the JetStream stream), the consumer group and
the batch size. Subjects, headers and bodies are never recorded.

- On the message path the broker opens them around each call (``publish``,
  ``fetch``, ``ack``, ``nak``, ``term``) with ``messaging.operation.type``
  ``send``, ``receive`` or ``settle``.
- Management calls (``stream_info``, ``add_stream``, ``consumer_info``,
  ``add_consumer``, ``purge_stream``, ``delete_msg``...) are spans through
  ``trace_management``, which wraps those methods of the broker's one
  ``JetStreamContext``, so the round trips of stream and consumer setup, trimming
  and replay show up whoever makes them. They have no operation type: none of the
  conventions' types fits, and the conventions then leave it unset. The relay's ``publish`` and the consumer's ``process`` spans
(``aurora.events._tracing``) are the ones that carry trace context; these show
the broker's own round trips under them.

An operation is a span only inside a recording span: a consumer's background
fetch, with nothing to parent it, would otherwise be a one-span trace per poll.
Only ``opentelemetry-api`` is used; outside a recording span an operation pays
one context lookup and gets a shared inert context manager.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager, nullcontext
from functools import cache, wraps
from types import TracebackType
from typing import Any

from nats.js import JetStreamContext
from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

__all__ = ["operation_span", "trace_management"]

_TYPES = {"publish": "send", "fetch": "receive", "ack": "settle", "nak": "settle", "term": "settle"}
# JetStreamManager's calls. Most take the stream name first; ``add_stream`` and
# ``update_stream`` read it from their config, the account-wide ones have none.
_ACCOUNT_WIDE = ("account_info", "streams_info")
_MANAGEMENT = (
    *_ACCOUNT_WIDE,
    "add_stream",
    "update_stream",
    "delete_stream",
    "purge_stream",
    "stream_info",
    "add_consumer",
    "delete_consumer",
    "consumer_info",
    "consumers_info",
    "get_msg",
    "get_last_msg",
    "delete_msg",
)
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
        "messaging.destination.name": stream,
    }
    if operation in _TYPES:
        attributes["messaging.operation.type"] = _TYPES[operation]
    if count is not None:
        attributes["messaging.batch.message_count"] = count
    if group is not None:
        attributes["messaging.consumer.group.name"] = group
    span = _tracer().start_span(
        f"{operation} {stream}".rstrip(), kind=SpanKind.CLIENT, attributes=attributes
    )
    return _Operation(span)


def trace_management(js: JetStreamContext) -> JetStreamContext:
    """Make each stream and consumer management call of ``js`` a span; returns ``js``.

    The methods are wrapped on this instance only, so other JetStream contexts in
    the process are untouched, and nats-py's own internal calls to them (a
    ``pull_subscribe`` looking its consumer up) are spans too.
    """
    for name in _MANAGEMENT:
        setattr(js, name, _traced(name, getattr(js, name)))
    return js


def _traced(operation: str, method: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    @wraps(method)
    async def call(*args: Any, **kwargs: Any) -> Any:
        with operation_span(operation, _stream_of(operation, args, kwargs)):
            return await method(*args, **kwargs)

    return call


def _stream_of(operation: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    if operation in _ACCOUNT_WIDE:
        return ""
    if operation in ("add_stream", "update_stream"):
        config = args[0] if args else kwargs.get("config")
        return str(getattr(config, "name", None) or kwargs.get("name", ""))
    if args:
        return str(args[0])
    return str(kwargs.get("name") or kwargs.get("stream") or kwargs.get("stream_name") or "")
