"""``Inbox``: effectively-once processing on top of at-least-once delivery.

Redelivery is normal (a consumer crashed before ``XACK``, the relay resent after a
failed commit). The inbox records "consumer X processed event E" in the *handler's
own transaction*: the record commits exactly when the handler's effects do, so a
duplicate finds the record and is skipped, and a handler that failed left no record
and runs again. Concurrent duplicates serialise on the primary key: the second
insert waits for the first transaction and then sees the conflict.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from aurora.events._dispatch import Handler
from aurora.events._envelope import Event
from aurora.events._tables import inbox_table

__all__ = ["Inbox", "InboxHandler"]

_INBOX = inbox_table
_C = _INBOX.c

InboxHandler = Callable[[Event, AsyncSession], Awaitable[None]]
"""A handler that gets the transaction its effects must be written in."""


class Inbox:
    """Deduplicates a consumer's event processing through the ``aurora_inbox`` table.

    Args:
        consumer: Who is processing (usually the consumer group): two services
            reacting to one event each process it once.
        sessions: Needed by :meth:`handler`, which opens the transaction itself.
    """

    def __init__(
        self,
        consumer: str,
        *,
        sessions: async_sessionmaker[AsyncSession] | AsyncEngine | None = None,
    ) -> None:
        if isinstance(sessions, AsyncEngine):
            sessions = async_sessionmaker(sessions, expire_on_commit=False)
        self.consumer = consumer
        self.duplicates = 0
        self._sessions = sessions

    async def record(self, session: AsyncSession, event: Event) -> bool:
        """Record ``event`` as processed in ``session``'s transaction.

        Returns ``True`` the first time (go ahead), ``False`` for a duplicate (skip).
        """
        values = {
            "consumer": self.consumer,
            "event_id": event.id,
            "event_type": event.type,
            "processed_at": datetime.now(UTC),
        }
        dialect = session.get_bind().dialect.name
        if dialect in ("postgresql", "sqlite"):
            make = pg_insert if dialect == "postgresql" else sqlite_insert
            # RETURNING, not rowcount: async drivers may report -1 for the latter.
            stmt = make(_INBOX).values(values).on_conflict_do_nothing().returning(_C.event_id)
            inserted = (await session.execute(stmt)).first() is not None
        else:
            inserted = await self._insert_portably(session, values)
        if not inserted:
            self.duplicates += 1
        return inserted

    async def _insert_portably(self, session: AsyncSession, values: dict[str, object]) -> bool:
        try:
            async with session.begin_nested():
                await session.execute(insert(_INBOX).values(values))
        except IntegrityError:
            return False
        return True

    async def seen(self, session: AsyncSession, event_id: str) -> bool:
        """Whether this consumer already processed ``event_id`` (committed)."""
        query = select(_C.event_id).where(_C.consumer == self.consumer, _C.event_id == event_id)
        return (await session.execute(query)).first() is not None

    async def purge(self, session: AsyncSession, *, older_than: timedelta) -> int:
        """Forget records older than the longest possible redelivery window."""
        cutoff = datetime.now(UTC) - older_than
        stmt = delete(_INBOX).where(_C.consumer == self.consumer, _C.processed_at < cutoff)
        return _rowcount(await session.execute(stmt))

    def handler(self, fn: InboxHandler) -> Handler:
        """Wrap ``fn(event, session)`` as a consumer handler run at most once per event.

        The wrapper opens a transaction, records the event, and calls ``fn`` only for
        a first delivery; ``fn``'s writes and the record commit together.
        """
        sessions = self._sessions
        if sessions is None:
            raise RuntimeError("Inbox(sessions=...) is required to build handlers")

        async def handle(event: Event) -> None:
            async with sessions() as session, session.begin():
                if await self.record(session, event):
                    await fn(event, session)

        handle.__name__ = getattr(fn, "__name__", "inbox_handler")
        handle.__doc__ = fn.__doc__
        return handle


def _rowcount(result: object) -> int:
    # DML results are CursorResults at runtime; the typed API only promises Result.
    return int(getattr(result, "rowcount", 0))
