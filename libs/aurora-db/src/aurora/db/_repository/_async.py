"""The repository for asyncio sessions: the same operations as the sync one, awaited."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from aurora.db._pagination import CursorPage, OrderBy, Page
from aurora.db._repository._base import RepositoryBase
from aurora.db._repository._steps import Operation

__all__ = ["AsyncBaseRepository"]

ModelT = TypeVar("ModelT")
T = TypeVar("T")


class AsyncBaseRepository(RepositoryBase[ModelT, AsyncSession]):
    """Data access for one model through an :class:`~sqlalchemy.ext.asyncio.AsyncSession`.

    The twin of :class:`~aurora.db.BaseRepository`: same methods, awaited. Both run
    the operations of one shared core, so they can't drift apart::

        class SubjectRepository(AsyncBaseRepository[Subject]):
            def __init__(self, session: AsyncSession) -> None:
                super().__init__(session, Subject)
    """

    async def _run(self, operation: Operation[T]) -> T:
        with self._translated():
            try:
                step = next(operation)
                while True:
                    step = operation.send(await step.run_async(self.session))
            except StopIteration as done:
                result: T = done.value
                return result
            finally:
                operation.close()

    async def add(self, instance: ModelT) -> ModelT:
        """Insert ``instance`` (flushed, so ids and server defaults are filled in)."""
        return (await self._run(self._core.add_many([instance])))[0]

    async def add_many(self, instances: Iterable[ModelT]) -> builtins.list[ModelT]:
        """Insert model instances through the unit of work; they stay tracked."""
        return await self._run(self._core.add_many(instances))

    async def insert_many(self, rows: Iterable[Mapping[str, Any]]) -> int:
        """Bulk-insert plain rows (no instances are built); returns how many."""
        return await self._run(self._core.insert_many(rows))

    async def get(self, ident: Any) -> ModelT:
        """The row with primary key ``ident``.

        Raises:
            NotFoundError: No such row (``resource`` is the model's name).
        """
        return await self._run(self._core.get(ident))

    async def get_or_none(self, ident: Any) -> ModelT | None:
        """The row with primary key ``ident``, or ``None``."""
        return await self._run(self._core.get_or_none(ident))

    async def list(
        self,
        *filters: ColumnElement[bool],
        order_by: OrderBy | Sequence[OrderBy] | None = None,
        limit: int | None = None,
        offset: int | None = None,
        **filter_by: Any,
    ) -> builtins.list[ModelT]:
        """Rows matching SQL ``filters`` and ``column=value`` pairs, in ``order_by`` order."""
        return await self._run(self._core.list(filters, filter_by, order_by, limit, offset))

    async def count(self, *filters: ColumnElement[bool], **filter_by: Any) -> int:
        """How many rows match."""
        return await self._run(self._core.count(filters, filter_by))

    async def exists(self, *filters: ColumnElement[bool], **filter_by: Any) -> bool:
        """Whether any row matches (stops at the first)."""
        return await self._run(self._core.exists(filters, filter_by))

    async def update(
        self,
        item: ModelT | Any,
        values: Mapping[str, Any] | None = None,
        /,
        *,
        expected_version: int | None = None,
        **changes: Any,
    ) -> ModelT:
        """Apply ``values``/``changes`` to an instance (or the row with that id) and flush.

        Raises:
            NotFoundError: ``item`` is an id that matches nothing.
            StaleVersionError: ``expected_version`` is not the row's version, or the
                row changed since it was loaded.
        """
        return await self._run(
            self._core.update(item, {**(values or {}), **changes}, expected_version)
        )

    async def delete(self, item: ModelT | Any, /, *, expected_version: int | None = None) -> ModelT:
        """Delete an instance (or the row with that id); returns what was deleted."""
        return await self._run(self._core.delete(item, expected_version))

    async def upsert(
        self,
        data: Mapping[str, Any] | ModelT,
        /,
        *,
        match_on: Sequence[str] | None = None,
        update: Sequence[str] | None = None,
    ) -> ModelT:
        """Insert, or update the row that has the same ``match_on`` key (default: primary key).

        One ``INSERT ... ON CONFLICT DO UPDATE`` statement, so it is race-free.
        ``update`` lists the attributes to overwrite (default: all given but the key).
        """
        return await self._run(self._core.upsert(self._dialect_name(), data, match_on, update))

    async def upsert_many(
        self,
        rows: Iterable[Mapping[str, Any]],
        /,
        *,
        match_on: Sequence[str] | None = None,
        update: Sequence[str] | None = None,
    ) -> int:
        """Bulk :meth:`upsert` of plain rows in one executemany; returns how many."""
        return await self._run(self._core.upsert_many(self._dialect_name(), rows, match_on, update))

    async def paginate(
        self,
        *filters: ColumnElement[bool],
        page: int = 1,
        page_size: int = 50,
        order_by: OrderBy | Sequence[OrderBy] | None = None,
        **filter_by: Any,
    ) -> Page[ModelT]:
        """One offset page and the total count (ordered by primary key by default)."""
        return await self._run(self._core.paginate(filters, filter_by, order_by, page, page_size))

    async def paginate_keyset(
        self,
        *filters: ColumnElement[bool],
        after: str | None = None,
        limit: int = 50,
        order_by: OrderBy | Sequence[OrderBy] | None = None,
        **filter_by: Any,
    ) -> CursorPage[ModelT]:
        """One keyset page after the cursor ``after``.

        Raises:
            InvalidCursorError: ``after`` was altered or issued for another ordering.
        """
        return await self._run(
            self._core.paginate_keyset(filters, filter_by, order_by, limit, after)
        )
