"""Published outbox rows: marked, kept for a retention window, re-queued on demand.

Deleting a row as soon as the broker acknowledged it made the broker the only copy
of the event; a broker that then lost its data (a restart without persistence, a
failover to a replica that was behind) lost the event for good. Keeping published
rows for ``retention`` seconds keeps a second copy: re-queuing a row (clearing
``published_at``) makes the relay publish it again, and consumers' inboxes drop the
copies they had already processed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from aurora.events._tables import outbox_table

__all__ = ["mark_published", "purge_published", "requeue_published"]

_C = outbox_table.c


async def mark_published(session: AsyncSession, ids: Sequence[int], at: datetime) -> None:
    """Record that the broker confirmed rows ``ids`` (in the relay's transaction)."""
    await session.execute(update(outbox_table).where(_C.id.in_(ids)).values(published_at=at))


async def requeue_published(
    sessions: async_sessionmaker[AsyncSession],
    *,
    since: datetime,
    stream: str | None = None,
    until: datetime | None = None,
) -> int:
    """Make rows published at or after ``since`` (on ``stream``) wait for the relay again.

    Returns how many rows were re-queued. Their ids keep their place, so the relay
    publishes them before anything written later, in their original order.
    """
    condition = _C.published_at.is_not(None) & (_C.published_at >= _aware(since))
    if stream is not None:
        condition &= _C.stream == stream
    if until is not None:
        condition &= _C.published_at <= _aware(until)
    async with sessions() as session, session.begin():
        result = await session.execute(
            update(outbox_table).where(condition).values(published_at=None)
        )
    return _rowcount(result)


async def purge_published(sessions: async_sessionmaker[AsyncSession], *, older_than: float) -> int:
    """Delete rows published more than ``older_than`` seconds ago; returns how many."""
    cutoff = datetime.now(UTC) - timedelta(seconds=older_than)
    async with sessions() as session, session.begin():
        result = await session.execute(
            delete(outbox_table).where(_C.published_at.is_not(None), _C.published_at < cutoff)
        )
    return _rowcount(result)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _rowcount(result: object) -> int:
    # DML results are CursorResults at runtime; the typed API only promises Result.
    return int(getattr(result, "rowcount", 0))
