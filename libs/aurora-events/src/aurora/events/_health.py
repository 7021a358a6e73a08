"""Health checks for aurora-app: is the broker reachable, how far behind are consumers.

aurora-app takes any ``async def check() -> Mapping | None`` (raise = unhealthy), so
this module only builds such callables; aurora-app never imports aurora-events.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

from aurora.errors import ServiceUnavailableError
from aurora.events._broker import Broker

__all__ = ["broker_health_check"]


def broker_health_check(
    broker: Broker,
    *,
    groups: Iterable[tuple[str, str]] = (),
    max_lag: int | None = None,
) -> Callable[[], Awaitable[Mapping[str, Any]]]:
    """Build ``check()`` for ``service.add_health_check("events", check)``.

    Args:
        broker: The broker to ping.
        groups: ``(stream, group)`` pairs whose backlog to report.
        max_lag: Report unhealthy when a group has more undelivered plus unacked
            messages than this; ``None`` only reports the figures.

    Raises (from ``check``):
        BrokerUnavailableError: the broker does not answer.
        ServiceUnavailableError: a group's backlog is above ``max_lag``.
    """
    pairs = list(groups)

    async def check() -> Mapping[str, Any]:
        await broker.ping()
        details: dict[str, Any] = {}
        for stream, group in pairs:
            info = await broker.group_info(stream, group)
            backlog = (info.lag or 0) + info.pending
            details[f"{stream}/{group}"] = {
                "lag": info.lag,
                "pending": info.pending,
                "consumers": info.consumers,
            }
            if max_lag is not None and backlog > max_lag:
                raise ServiceUnavailableError(
                    f"Consumer group {group!r} on {stream!r} is {backlog} messages behind",
                    context={"stream": stream, "group": group, "backlog": backlog},
                    code="consumer_lagging",
                )
        return {"broker": "reachable", "groups": details}

    return check
