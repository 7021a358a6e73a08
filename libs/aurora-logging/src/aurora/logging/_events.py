"""Domain-event log lines, in the seed's shape: ``log_event(logger, "user_created", {...}, cid)``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

__all__ = ["log_event"]


class _InfoLogger(Protocol):
    def info(self, event: str, *args: Any, **kw: Any) -> Any: ...


def log_event(
    logger: _InfoLogger,
    event: str,
    data: Mapping[str, Any] | None = None,
    correlation_id: str | None = None,
    **fields: Any,
) -> None:
    """Log a business event at info level with its data as top-level fields.

    Events are the lines people query ("every user_created for this tenant"), so
    ``data`` is flattened into the line rather than nested. ``correlation_id``,
    when given, wins over the one bound in the context: the event may belong to
    the request that caused it rather than to the worker now logging it. A data
    key named ``event`` would clash with the event name and is logged as
    ``data_event``.
    """
    payload: dict[str, Any] = {str(key): value for key, value in (data or {}).items()}
    payload.update(fields)
    if "event" in payload:
        payload["data_event"] = payload.pop("event")
    if correlation_id is not None:
        payload["correlation_id"] = correlation_id
    logger.info(event, **payload)
