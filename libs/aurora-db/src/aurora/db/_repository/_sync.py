"""The repository for synchronous sessions."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from aurora.db._pagination import CursorPage, OrderBy, Page
from aurora.db._repository._base import RepositoryBase
from aurora.db._repository._steps import Operation

__all__ = ["BaseRepository"]

ModelT = TypeVar("ModelT")
T = TypeVar("T")


class BaseRepository(RepositoryBase[ModelT, Session]):
    """Data access for one model through a :class:`~sqlalchemy.orm.Session`.

    Subclass it per model, as the seed does::

        class SubjectRepository(BaseRepository[Subject]):
            def __init__(self, session: Session) -> None:
                super().__init__(session, Subject)

    Every method translates database errors into :mod:`aurora.db` errors.
    """

    def _run(self, operation: Operation[T]) -> T:
        with self._translated():
            try:
                step = next(operation)
                while True:
                    step = operation.send(step.run(self.session))
            except StopIteration as done:
                result: T = done.value
                return result
            finally:
                operation.close()

    def add(self, instance: ModelT) -> ModelT:
        """Insert ``instance`` (flushed, so ids and server defaults are filled in)."""
        return self._run(self._core.add_many([instance]))[0]

    def add_many(self, instances: Iterable[ModelT]) -> builtins.list[ModelT]:
        """Insert model instances through the unit of work; they stay tracked."""
        return self._run(self._core.add_many(instances))

    def insert_many(self, rows: Iterable[Mapping[str, Any]]) -> int:
        """Bulk-insert plain rows (no instances are built); returns how many."""
        return self._run(self._core.insert_many(rows))

    def get(self, ident: Any) -> ModelT:
        """The row with primary key ``ident``.

        Raises:
            NotFoundError: No such row (``resource`` is the model's name).
        """
        return self._run(self._core.get(ident))

    def get_or_none(self, ident: Any) -> ModelT | None:
        """The row with primary key ``ident``, or ``None``."""
        return self._run(self._core.get_or_none(ident))

    def list(
        self,
        *filters: ColumnElement[bool],
        order_by: OrderBy | Sequence[OrderBy] | None = None,
        limit: int | None = None,
        offset: int | None = None,
        **filter_by: Any,
    ) -> builtins.list[ModelT]:
        """Rows matching SQL ``filters`` and ``column=value`` pairs, in ``order_by`` order."""
        return self._run(self._core.list(filters, filter_by, order_by, limit, offset))

    def count(self, *filters: ColumnElement[bool], **filter_by: Any) -> int:
        """How many rows match."""
        return self._run(self._core.count(filters, filter_by))

    def exists(self, *filters: ColumnElement[bool], **filter_by: Any) -> bool:
        """Whether any row matches (stops at the first)."""
        return self._run(self._core.exists(filters, filter_by))

    def update(
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
        return self._run(self._core.update(item, {**(values or {}), **changes}, expected_version))

    def delete(self, item: ModelT | Any, /, *, expected_version: int | None = None) -> ModelT:
        """Delete an instance (or the row with that id); returns what was deleted."""
        return self._run(self._core.delete(item, expected_version))

    def upsert(
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
        return self._run(self._core.upsert(self._dialect_name(), data, match_on, update))

    def upsert_many(
        self,
        rows: Iterable[Mapping[str, Any]],
        /,
        *,
        match_on: Sequence[str] | None = None,
        update: Sequence[str] | None = None,
    ) -> int:
        """Bulk :meth:`upsert` of plain rows in one executemany; returns how many."""
        return self._run(self._core.upsert_many(self._dialect_name(), rows, match_on, update))

    def paginate(
        self,
        *filters: ColumnElement[bool],
        page: int = 1,
        page_size: int = 50,
        order_by: OrderBy | Sequence[OrderBy] | None = None,
        **filter_by: Any,
    ) -> Page[ModelT]:
        """One offset page and the total count (ordered by primary key by default)."""
        return self._run(self._core.paginate(filters, filter_by, order_by, page, page_size))

    def paginate_keyset(
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
        return self._run(self._core.paginate_keyset(filters, filter_by, order_by, limit, after))
