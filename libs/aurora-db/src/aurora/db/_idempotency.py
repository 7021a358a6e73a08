"""A store for aurora-app's server-side ``Idempotency-Key`` in the service's own database.

aurora-app keeps the first response to each key in a store it reaches through a
small protocol (``begin``, ``finish``, ``abandon``); this one keeps them in a table,
so replicas share them without Redis. aurora-app is not imported (the layering
forbids it): a record comes in as any object with ``dumps()`` and goes back out
through its own class's ``loads()``.

The table joins the service's metadata (:func:`idempotency_table`), so its
migrations create it like any other. ``begin`` is one transaction: an insert that
does nothing on conflict, else taking over an expired row, else reading the row
there, so two replicas never both run the same key.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Protocol, Self, TypeVar

from sqlalchemy import Column, Float, MetaData, String, Table, Text, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from aurora.db._errors import translate_errors

__all__ = ["DatabaseIdempotencyStore", "IdempotencyRecordLike", "idempotency_table"]

TABLE_NAME = "aurora_idempotency_keys"


class IdempotencyRecordLike(Protocol):
    """What aurora-app's ``IdempotencyRecord`` offers a store: JSON out, JSON back in."""

    def dumps(self) -> bytes:
        """The record as JSON bytes."""
        ...

    @classmethod
    def loads(cls, raw: bytes | str) -> Self:
        """The record :meth:`dumps` wrote."""
        ...


RecordT = TypeVar("RecordT", bound=IdempotencyRecordLike)


def idempotency_table(metadata: MetaData, *, name: str = TABLE_NAME) -> Table:
    """The store's table in ``metadata`` (added once; the existing one when already there)."""
    if name in metadata.tables:
        return metadata.tables[name]
    return Table(
        name,
        metadata,
        Column("key", String(400), primary_key=True),
        Column("record", Text, nullable=False),
        Column("expires_at", Float, nullable=False, index=True),
    )


class DatabaseIdempotencyStore:
    """Idempotency records in a table, shared by every replica on the same database.

    Args:
        engine: The service's async engine.
        table: From :func:`idempotency_table` on the service's metadata.
        clock: Wall-clock seconds (rows outlive processes, so not monotonic).
    """

    def __init__(
        self, engine: AsyncEngine, table: Table, *, clock: Callable[[], float] = time.time
    ) -> None:
        self._engine = engine
        self._table = table
        self._clock = clock

    async def begin(self, key: str, record: RecordT, ttl: float) -> RecordT | None:
        """Reserve ``key`` with the in-flight ``record``; or return the live record there."""
        now = self._clock()
        values = {"key": key, "record": record.dumps().decode(), "expires_at": now + ttl}
        with translate_errors(resource="idempotency key"):
            async with self._engine.begin() as connection:
                if await self._insert(connection, values) or await self._take(
                    connection, values, now
                ):
                    return None
                raw = await connection.scalar(
                    select(self._table.c.record).where(self._table.c.key == key)
                )
        if raw is None:  # finished and abandoned in between: try again
            return await self.begin(key, record, ttl)
        return type(record).loads(raw)

    async def finish(self, key: str, record: IdempotencyRecordLike, ttl: float) -> None:
        """Store the completed ``record`` for ``ttl`` seconds."""
        table = self._table
        values = {"record": record.dumps().decode(), "expires_at": self._clock() + ttl}
        with translate_errors(resource="idempotency key"):
            async with self._engine.begin() as connection:
                await connection.execute(update(table).where(table.c.key == key).values(values))

    async def abandon(self, key: str) -> None:
        """Forget ``key``: the request failed, a retry runs afresh."""
        table = self._table
        with translate_errors(resource="idempotency key"):
            async with self._engine.begin() as connection:
                await connection.execute(delete(table).where(table.c.key == key))

    async def purge(self) -> int:
        """Delete the expired rows; how many went. Call it from a periodic job."""
        table = self._table
        statement = delete(table).where(table.c.expires_at <= self._clock()).returning(table.c.key)
        with translate_errors(resource="idempotency key"):
            async with self._engine.begin() as connection:
                return len((await connection.execute(statement)).all())

    async def _insert(self, connection: AsyncConnection, values: dict[str, Any]) -> bool:
        dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
        table = self._table
        statement = dialect.insert(table).values(values).on_conflict_do_nothing()
        return await _changed(connection, statement.returning(table.c.key))

    async def _take(self, connection: AsyncConnection, values: dict[str, Any], now: float) -> bool:
        table = self._table
        statement = (
            update(table)
            .where(table.c.key == values["key"], table.c.expires_at <= now)
            .values(record=values["record"], expires_at=values["expires_at"])
        )
        return await _changed(connection, statement.returning(table.c.key))


async def _changed(connection: AsyncConnection, statement: Any) -> bool:
    # RETURNING rather than rowcount, which the async psycopg driver reports as -1 here.
    return (await connection.execute(statement)).first() is not None
