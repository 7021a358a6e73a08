"""The Redis commands of the rate-limit and idempotency stores as ``CLIENT`` spans.

Hand-written rather than ``opentelemetry-instrumentation-redis``: that package is
not in the lock, and it patches redis-py's classes process-wide, where this
traces only the clients these stores create, by wrapping each one's
``execute_command`` (every redis-py command, the rate limiter's Lua scripts
included, goes through it). aurora-events traces its broker's clients the same
way; the two stay separate because aurora-app may not import aurora-events, and
this one needs no pipelines. Spans follow the database semantic conventions as
aurora-db writes them: ``db.system.name`` ``redis``, ``db.operation.name``
(``SET``, ``EVALSHA``), ``db.query.text`` with every argument replaced by ``?``
(keys name callers and idempotency keys), and the server address.

A command is a span only inside a recording span (the request's), so a store
used outside one adds no lone traces. Only ``opentelemetry-api`` is used;
outside a recording span a command pays one context lookup.
"""

from __future__ import annotations

from functools import cache
from typing import Any, TypeVar

from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode

__all__ = ["trace_redis", "trace_storage"]

_T = TypeVar("_T")


@cache
def _tracer() -> trace.Tracer:
    return trace.get_tracer("aurora.app")


def trace_redis(client: Any) -> Any:
    """``client`` (a ``redis.asyncio`` client) with every command a span; returns it."""
    base: dict[str, Any] = {"db.system.name": "redis"}
    kwargs = getattr(getattr(client, "connection_pool", None), "connection_kwargs", None) or {}
    if "host" in kwargs:
        base["server.address"] = str(kwargs["host"])
        base["server.port"] = int(kwargs.get("port", 6379))
    command = client.execute_command

    async def execute_command(*args: Any, **options: Any) -> Any:
        if not trace.get_current_span().is_recording():  # no SDK, or no request to join
            return await command(*args, **options)
        name = str(args[0])
        attributes = {**base, "db.operation.name": name, "db.query.text": _shape(name, args)}
        span = _tracer().start_span(name, kind=SpanKind.CLIENT, attributes=attributes)
        try:
            return await command(*args, **options)
        except BaseException as exc:
            span.record_exception(exc)
            span.set_attribute("error.type", type(exc).__qualname__)
            span.set_status(Status(StatusCode.ERROR))
            raise
        finally:
            span.end()

    client.execute_command = execute_command
    return client


def trace_storage(storage: _T) -> _T:
    """A ``limits`` Redis storage with its redis-py client traced; returns it."""
    bridge = getattr(storage, "bridge", None)
    client = getattr(bridge, "storage", None)
    if client is not None:
        trace_redis(client)
    return storage


def _shape(name: str, args: tuple[Any, ...]) -> str:
    hidden = min(len(args) - 1, 8)
    return " ".join([name, *("?" * hidden)])
