"""Trimming Redis streams without ever passing the slowest consumer group.

``XADD MAXLEN ~`` drops the oldest entries whether or not a group has read them,
which silently loses events a lagging or offline group still needs. Instead, each
stream is trimmed at most once per ``interval`` with ``XTRIM MINID ~`` at the
smallest id any group still needs (its oldest pending entry, else its last
delivered one). A stream without groups keeps its newest ``maxlen`` entries. What
is left above ``maxlen`` is an alarm (a warning here; ``StreamInfo.over_capacity``
for health checks and metrics), never a reason to drop.
"""

from __future__ import annotations

import time
from typing import Any

from redis.asyncio import Redis

from aurora.events._redis._publisher import text
from aurora.logging import get_logger

__all__ = ["Trimmer"]


def _id_key(message_id: str) -> tuple[int, int]:
    ms, _, seq = message_id.partition("-")
    return int(ms), int(seq or 0)


class Trimmer:
    """Trims the streams a broker publishes to, on a per-stream schedule."""

    def __init__(self, *, maxlen: int | None, interval: float = 1.0) -> None:
        self._maxlen = maxlen
        self._interval = interval
        self._due: dict[str, float] = {}
        self._alarmed: set[str] = set()
        self._log = get_logger("aurora.events.redis")

    def due(self, physical: str) -> bool:
        """Whether ``physical`` should be trimmed now (and reschedule it)."""
        now = time.monotonic()
        if now < self._due.get(physical, 0.0):
            return False
        self._due[physical] = now + self._interval
        return True

    async def trim(self, client: Redis, physical: str) -> int:
        """Trim one stream as far as its groups allow; returns the entries removed."""
        floor = await self.floor(client, physical)
        if floor is not None:
            removed = int(await client.xtrim(physical, minid=floor, approximate=True))
        elif self._maxlen is not None:
            removed = int(await client.xtrim(physical, maxlen=self._maxlen, approximate=True))
        else:
            removed = 0
        await self._check_capacity(client, physical)
        return removed

    async def floor(self, client: Redis, physical: str) -> str | None:
        """The smallest id some group still needs; ``None`` when the stream has no groups."""
        groups: Any = await client.xinfo_groups(physical)
        if not groups:
            return None
        pipe = client.pipeline(transaction=False)
        for info in groups:
            pipe.xpending(physical, info["name"])
        summaries = await pipe.execute()
        needed = []
        for info, summary in zip(groups, summaries, strict=True):
            if int(summary["pending"]) and summary.get("min"):
                needed.append(text(summary["min"]))
            else:
                needed.append(text(info["last-delivered-id"]))
        return min(needed, key=_id_key)

    async def _check_capacity(self, client: Redis, physical: str) -> None:
        if self._maxlen is None:
            return
        length = int(await client.xlen(physical))
        if length > self._maxlen and physical not in self._alarmed:
            self._alarmed.add(physical)
            self._log.warning(
                "event_stream_over_capacity",
                stream=physical,
                length=length,
                maxlen=self._maxlen,
                reason="a consumer group is lagging or offline; nothing was trimmed past it",
            )
        elif length <= self._maxlen and physical in self._alarmed:
            self._alarmed.discard(physical)
            self._log.info("event_stream_capacity_restored", stream=physical, length=length)
