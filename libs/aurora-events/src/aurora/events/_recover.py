"""Recovery after a broker lost events: publish the retained outbox again from a time.

The outbox keeps published rows for a retention window (``_retention``), so the
database still holds every event the broker acknowledged and then lost. Recovery
recreates the consumer groups that vanished with the broker's data (from the start
of the stream, so they see what follows), re-queues every row published since the
chosen time, and relays them. Events some group had already processed come back
as duplicates that its inbox skips; choose ``since`` early rather than late.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from aurora.events._broker import Broker
from aurora.events._relay import OutboxRelay
from aurora.events._tables import outbox_table

__all__ = ["Recovery", "recover_from_outbox"]

_C = outbox_table.c


@dataclass(frozen=True, slots=True)
class Recovery:
    """What a recovery did: rows re-queued, events published, groups ensured per stream."""

    requeued: int
    published: int
    streams: tuple[str, ...]


async def recover_from_outbox(
    sessions: async_sessionmaker[AsyncSession] | AsyncEngine,
    broker: Broker,
    *,
    since: datetime,
    stream: str | None = None,
    groups: Sequence[str] = (),
    batch_size: int = 500,
) -> Recovery:
    """Re-publish every retained outbox event published at or after ``since``.

    Args:
        sessions: The outbox's database.
        broker: Where to publish.
        since: The earliest publish time to resend (before the broker's loss).
        stream: Only this stream; every stream with rows since then by default.
        groups: Consumer groups to (re)create on those streams first, from the start,
            for consumers run with ``on_group_lost="wait"``.
    """
    if isinstance(sessions, AsyncEngine):
        sessions = async_sessionmaker(sessions, expire_on_commit=False)
    streams = await _streams_since(sessions, since, stream)
    for name in streams:
        for group in groups:
            await broker.ensure_group(name, group, start_id="0")
    relay = OutboxRelay(sessions, broker, batch_size=batch_size)
    requeued = await relay.requeue(since=since, stream=stream)
    published = 0
    while relayed := await relay.relay_once():
        published += relayed
    return Recovery(requeued, published, tuple(streams))


async def _streams_since(
    sessions: async_sessionmaker[AsyncSession], since: datetime, stream: str | None
) -> list[str]:
    if stream is not None:
        return [stream]
    query = select(_C.stream).where(_C.published_at >= since).distinct().order_by(_C.stream)
    async with sessions() as session:
        return list((await session.execute(query)).scalars())
