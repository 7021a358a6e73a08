"""Reading a Redis stream's state: group backlogs, stream size, persistence settings.

Kept apart from the broker class so the replies of ``XINFO``, ``XPENDING`` and
``INFO`` are parsed in one place, and the broker's methods stay one call each.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from aurora.events._broker import GroupInfo, Persistence, StreamInfo
from aurora.events._redis._publisher import text

__all__ = ["LAG_COUNT_LIMIT", "group_info", "persistence", "stream_info"]

LAG_COUNT_LIMIT = 10_000
"""When Redis can't report a group's lag (entries deleted meanwhile), count up to this."""


async def group_info(client: Redis, physical: str, stream: str, group: str) -> GroupInfo:
    """One group's figures from ``XINFO GROUPS`` plus the ``XPENDING`` summary."""
    try:
        groups: Any = await client.xinfo_groups(physical)
    except ResponseError:  # no such key: the stream (and so the group) is gone
        groups = []
    for info in groups:
        if text(info["name"]) == group:
            return await _describe(client, physical, stream, group, info)
    return GroupInfo(stream, group, 0, None, 0, "0-0", exists=False)


async def _describe(
    client: Redis, physical: str, stream: str, group: str, info: Mapping[str, Any]
) -> GroupInfo:
    last = text(info["last-delivered-id"])
    pending = int(info["pending"])
    lag = info.get("lag")
    oldest = None
    if pending:
        summary: Any = await client.xpending(physical, group)
        oldest = text(summary["min"]) if summary.get("min") else None
    if lag is None:  # Redis gives up after deletions; count (bounded) ourselves
        after: Any = await client.xrange(physical, f"({last}", "+", count=LAG_COUNT_LIMIT)
        lag = len(after or ())
    return GroupInfo(
        stream, group, pending, int(lag), int(info["consumers"]), last, oldest_pending_id=oldest
    )


async def stream_info(
    client: Redis, physical: str, stream: str, max_length: int | None
) -> StreamInfo:
    """``XINFO STREAM``: the length and the last generated id."""
    try:
        info: Any = await client.xinfo_stream(physical)
    except ResponseError:
        return StreamInfo(stream, 0, "0-0", max_length, exists=False)
    first = info.get("first-entry")
    return StreamInfo(
        stream,
        int(info["length"]),
        text(info["last-generated-id"]),
        max_length,
        first_id=text(first[0]) if first else None,
    )


async def persistence(client: Redis, *, required: bool) -> Persistence:
    """What ``INFO persistence`` and ``INFO memory`` say about surviving a restart.

    At-least-once needs AOF (``appendonly yes``): RDB snapshots alone lose every
    event since the last one. It also needs ``maxmemory-policy noeviction`` when a
    memory limit is set, or Redis may evict whole streams under pressure.
    """
    info: Any = await client.info("persistence")
    memory: Any = await client.info("memory")
    server: Any = await client.info("server")
    details = {
        "aof_enabled": str(info.get("aof_enabled", 0)),
        "rdb_last_bgsave_status": text(info.get("rdb_last_bgsave_status", "")),
        "maxmemory": str(memory.get("maxmemory", 0)),
        "maxmemory_policy": text(memory.get("maxmemory_policy", "noeviction")),
    }
    problems = []
    if details["aof_enabled"] != "1":
        problems.append(
            "appendonly is off: a restart loses every event since the last snapshot "
            "(set appendonly yes)"
        )
    if details["maxmemory"] != "0" and details["maxmemory_policy"] != "noeviction":
        problems.append(
            f"maxmemory-policy is {details['maxmemory_policy']}: Redis may evict streams "
            "under memory pressure (set noeviction)"
        )
    return Persistence(
        durable=not problems,
        required=required,
        problems=tuple(problems),
        details=details,
        incarnation=text(server.get("run_id", "")),
    )
