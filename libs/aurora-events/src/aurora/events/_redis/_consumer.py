"""Reading from Redis Streams consumer groups: ``XREADGROUP``, ``XAUTOCLAIM``, returns.

Replies are turned into ``Delivery`` objects here and nowhere else, so the rest of
the lib never sees redis-py's nested lists or bytes-vs-str differences.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from redis.asyncio import Redis

from aurora.events._broker import Delivery
from aurora.events._redis._publisher import text

__all__ = ["autoclaim", "read_group", "release"]

_FOREVER_IDLE_MS = 10 * 365 * 24 * 3600 * 1000


async def read_group(
    client: Redis,
    streams: Mapping[str, str],
    group: str,
    consumer: str,
    *,
    count: int,
    block: float,
) -> list[Delivery]:
    """``XREADGROUP ... >`` over ``streams`` (physical key -> logical name).

    A ``NOGROUP`` reply (Redis lost the group) propagates: the broker turns it into
    ``GroupLostError`` and the consumer raises the alarm instead of recreating it.
    """
    block_ms = int(block * 1000)
    request: dict[Any, Any] = {physical: ">" for physical in streams}
    reply = await client.xreadgroup(
        group, consumer, request, count=count, block=block_ms if block_ms > 0 else None
    )
    return _deliveries(reply, streams)


def _deliveries(reply: Any, streams: Mapping[str, str]) -> list[Delivery]:
    found: list[Delivery] = []
    if not reply:
        return found
    if isinstance(reply, Mapping):  # RESP3 answers with a map
        reply = list(reply.items())
    for physical, entries in reply:
        logical = streams[text(physical)]
        for mid, fields in entries:
            if not fields:  # an entry deleted while pending comes back empty
                continue
            event_type, body = fields.get(b"type"), fields.get(b"event")
            if event_type is None or body is None:  # a client with decode_responses=True
                found.append(_delivery(logical, mid, fields, 1))
            else:  # the hot path: bytes as RedisBroker.from_url configures the client
                found.append(Delivery(logical, mid.decode(), event_type.decode(), body))
    return found


def _delivery(stream: str, mid: Any, fields: Mapping[Any, Any], count: int) -> Delivery:
    event_type = fields.get(b"type") or fields.get("type") or b""
    body = fields.get(b"event") or fields.get("event") or b""
    if isinstance(body, str):
        body = body.encode()
    return Delivery(stream, text(mid), text(event_type), body, count)


async def autoclaim(
    client: Redis,
    physical: str,
    logical: str,
    group: str,
    consumer: str,
    *,
    min_idle: float,
    count: int,
    cursor: str,
) -> tuple[list[Delivery], str]:
    """Claim entries idle for ``min_idle`` seconds; returns them and the next cursor.

    ``XAUTOCLAIM`` does not report delivery counts, and the consumer needs them to
    enforce max-deliveries, so one pipelined ``XPENDING`` per claimed id fetches them;
    reclaims are rare, so the extra round trip is cheap.
    """
    reply = await client.xautoclaim(
        physical, group, consumer, int(min_idle * 1000), cursor, count=count
    )
    next_cursor, entries = text(reply[0]), [e for e in reply[1] if e and e[1]]
    if not entries:
        return [], next_cursor
    pipe = client.pipeline(transaction=False)
    for mid, _ in entries:
        pipe.xpending_range(physical, group, mid, mid, 1)
    counts = await pipe.execute()
    deliveries = [
        _delivery(logical, mid, fields, int(info[0]["times_delivered"]) if info else 1)
        for (mid, fields), info in zip(entries, counts, strict=True)
    ]
    return deliveries, next_cursor


def _id_key(message_id: str) -> tuple[int, int]:
    ms, _, seq = message_id.partition("-")
    return int(ms), int(seq or 0)


async def release(
    client: Redis,
    physical: str,
    group: str,
    consumer: str,
    message_ids: Sequence[str],
    *,
    idle: float | None = None,
) -> None:
    """Make our pending entries claimable without counting a delivery.

    Redis has no "nack": ``XCLAIM`` to ourselves with a huge ``IDLE`` makes the next
    ``XAUTOCLAIM`` by any consumer take them, and ``JUSTID`` leaves the count alone.
    An ``idle`` of ``min_idle - delay`` seconds instead makes them claimable after
    ``delay``: the redelivery backoff, with no extra state in Redis.
    Only ids still ours are touched, so an entry another consumer already reclaimed
    is not pulled back.
    """
    if not message_ids:
        return
    wanted = set(message_ids)
    ordered = sorted(wanted, key=_id_key)
    owned = await client.xpending_range(
        physical, group, ordered[0], ordered[-1], len(wanted) + 10_000, consumername=consumer
    )
    mine: list[Any] = [
        text(row["message_id"]) for row in owned if text(row["message_id"]) in wanted  # type: ignore[arg-type]
    ]
    if mine:
        idle_ms = _FOREVER_IDLE_MS if idle is None else int(idle * 1000)
        await client.xclaim(physical, group, consumer, 0, mine, idle=idle_ms, justid=True)
