"""Redis commands as ``CLIENT`` spans, one per command or per pipeline.

Hand-written rather than ``opentelemetry-instrumentation-redis``: that package is
not in the lock, and it patches redis-py's classes process-wide, where this
traces only the clients a broker is given, by wrapping that client's
``execute_command`` (every redis-py command goes through it) and ``pipeline``.
Spans follow the database semantic conventions as aurora-db writes them:
``db.system.name`` ``redis``, ``db.operation.name`` (``XADD``, ``BATCH XADD`` for
a pipeline of one command, ``BATCH`` for a mixed one), ``db.query.text`` with
every argument replaced by ``?`` (keys and values are user data: stream names,
event bodies), ``db.namespace`` (the database index) and the server address.

A command is a span only inside a recording span (a request, the relay's
publish, a consumer's handling): a consumer's background poll, several a second
with nothing to parent them, would otherwise be a one-span trace each, flooding
the collector with noise. Only ``opentelemetry-api`` is used; outside a recording
span a command pays one context lookup.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

__all__ = ["trace_client"]

_TRACED = "_aurora_traced"
_MAX_ARGUMENTS = 8


@cache
def _tracer() -> trace.Tracer:
    return trace.get_tracer("aurora.events")


def _tracing_off() -> bool:
    """True outside a recording span, which covers "no SDK installed" too."""
    return not trace.get_current_span().is_recording()


def trace_client(client: Any) -> Any:
    """Make each command and pipeline of ``client`` (``Redis`` or ``RedisCluster``) a span.

    Idempotent: a client two brokers share is wrapped once.
    """
    if getattr(client, _TRACED, False):
        return client
    base = _base_attributes(client)
    command, pipeline = client.execute_command, client.pipeline

    async def execute_command(*args: Any, **options: Any) -> Any:
        if _tracing_off():
            return await command(*args, **options)
        span = _start(str(args[0]), _statement(args), base)
        return await _ended(span, command(*args, **options))

    def traced_pipeline(*args: Any, **kwargs: Any) -> Any:
        pipe = pipeline(*args, **kwargs)
        return pipe if _tracing_off() else _trace_pipeline(pipe, base)

    client.execute_command, client.pipeline = execute_command, traced_pipeline
    setattr(client, _TRACED, True)
    return client


def _trace_pipeline(pipe: Any, base: dict[str, Any]) -> Any:
    """Record what is queued; the ``execute`` that sends it all is the span."""
    queued: list[Sequence[Any]] = []
    command, execute = pipe.execute_command, pipe.execute

    def execute_command(*args: Any, **options: Any) -> Any:
        queued.append(args)
        return command(*args, **options)

    async def traced_execute(*args: Any, **kwargs: Any) -> Any:
        names = {str(args[0]) for args in queued}
        operation = "BATCH " + names.pop() if len(names) == 1 else "BATCH"
        statement = "; ".join(_statement(args) for args in queued)
        span = _start(operation, statement, base)
        span.set_attribute("db.operation.batch.size", len(queued))
        queued.clear()
        return await _ended(span, execute(*args, **kwargs))

    pipe.execute_command, pipe.execute = execute_command, traced_execute
    return pipe


def _start(operation: str, statement: str, base: dict[str, Any]) -> Span:
    attributes = {**base, "db.operation.name": operation, "db.query.text": statement}
    return _tracer().start_span(operation, kind=SpanKind.CLIENT, attributes=attributes)


async def _ended(span: Span, reply: Any) -> Any:
    try:
        return await reply
    except BaseException as exc:
        span.record_exception(exc)
        span.set_attribute("error.type", type(exc).__qualname__)
        span.set_status(Status(StatusCode.ERROR))
        raise
    finally:
        span.end()


def _statement(args: Sequence[Any]) -> str:
    """The command with its arguments as ``?``: the shape of the call, never its data."""
    hidden = len(args) - 1
    marks = "?" * min(hidden, _MAX_ARGUMENTS)
    more = " ..." if hidden > _MAX_ARGUMENTS else ""
    return f"{args[0]} {' '.join(marks)}{more}".rstrip()


def _base_attributes(client: Any) -> dict[str, Any]:
    attributes: dict[str, Any] = {"db.system.name": "redis"}
    pool = getattr(client, "connection_pool", None)
    kwargs = getattr(pool, "connection_kwargs", None) or {}
    if "host" in kwargs:
        attributes["server.address"] = str(kwargs["host"])
        attributes["server.port"] = int(kwargs.get("port", 6379))
    if "db" in kwargs:
        attributes["db.namespace"] = str(kwargs["db"])
    return attributes
