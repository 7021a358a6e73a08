"""Database statements as ``CLIENT`` spans, from SQLAlchemy's engine events.

Hand-written rather than ``opentelemetry-instrumentation-sqlalchemy``: that
package is not in the lock, and this needs three listeners. Every statement a
cursor executes becomes a span, child of whatever is current (a request's server
span, the relay's publish), named ``{operation} {database}`` and carrying the
database semantic conventions: ``db.system.name``, ``db.namespace``,
``db.operation.name``, ``db.query.text`` (the SQL with its placeholders; bound
parameters are never recorded, they are user data) and the server address.
Failures record the exception and mark the span an error.

Only ``opentelemetry-api`` is used; with no tracer provider installed each
statement pays one isinstance check.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from sqlalchemy import Connection, Engine, event
from sqlalchemy.engine import URL

__all__ = ["instrument_engine"]

_SPAN_KEY = "aurora.db.span"
_MAX_STATEMENT = 2000
_SYSTEMS = {"postgresql": "postgresql", "sqlite": "sqlite"}


@cache
def _tracer() -> trace.Tracer:
    return trace.get_tracer("aurora.db")


def instrument_engine(engine: Engine, url: URL) -> None:
    """Make every statement on ``engine`` (a sync engine, or an async one's ``sync_engine``) a span."""
    backend = url.get_backend_name()
    base: dict[str, Any] = {"db.system.name": _SYSTEMS.get(backend, backend)}
    namespace = url.database or ""
    if namespace:
        base["db.namespace"] = namespace
    if url.host:
        base["server.address"] = url.host
    if url.port:
        base["server.port"] = url.port

    @event.listens_for(engine, "before_cursor_execute")
    def _start(
        connection: Connection,
        cursor: Any,
        statement: str,
        parameters: Any,
        context: Any,
        many: bool,
    ) -> None:
        if isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider):
            return
        operation = _operation(statement)
        attributes = {**base, "db.query.text": statement[:_MAX_STATEMENT]}
        if operation:
            attributes["db.operation.name"] = operation
        name = f"{operation} {namespace}".strip() or base["db.system.name"]
        span = _tracer().start_span(name, kind=SpanKind.CLIENT, attributes=attributes)
        connection.info[_SPAN_KEY] = span

    @event.listens_for(engine, "after_cursor_execute")
    def _end(connection: Connection, *args: Any) -> None:
        span = connection.info.pop(_SPAN_KEY, None)
        if span is not None:
            span.end()

    @event.listens_for(engine, "handle_error")
    def _failed(exception_context: Any) -> None:
        connection = exception_context.connection
        span = connection.info.pop(_SPAN_KEY, None) if connection is not None else None
        if span is None:
            return
        error = exception_context.original_exception
        span.record_exception(error)
        span.set_attribute("error.type", type(error).__qualname__)
        span.set_status(Status(StatusCode.ERROR))
        span.end()


def _operation(statement: str) -> str:
    head = statement.lstrip()[:16].split(None, 1)
    return head[0].upper() if head else ""
