"""The repository for synchronous sessions."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy.orm import Session
from sqlalchemy.orm.interfaces import ORMOption

from aurora.db._pagination import CursorPage, OrderBy, Page
from aurora.db._repository._base import RepositoryBase
from aurora.db._repository._read import Criterion, Read
from aurora.db._repository._steps import Operation

__all__ = ["BaseRepository"]

ModelT = TypeVar("ModelT")
T = TypeVar("T")
Load = ORMOption | Sequence[ORMOption] | None


class BaseRepository(RepositoryBase[ModelT, Session]):
    """Data access for one model through a :class:`~sqlalchemy.orm.Session`.

    Subclass it per model, as the seed does::

        class SubjectRepository(BaseRepository[Subject]):
            def __init__(self, session: Session) -> None:
                super().__init__(session, Subject)

    Every method translates database errors into :mod:`aurora.db` errors. Every
    read takes ``load=`` (loader options such as ``selectinload(Model.items)``),
    ``execution_options=``, and ``include_deleted=`` (soft-deleted rows are skipped
    by default). Criteria are SQLAlchemy clauses, :class:`~aurora.db.Filter` objects
    or ``column=value`` pairs.
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
        return (self._run(self._core.add_many([instance])))[0]

    def add_many(self, instances: Iterable[ModelT]) -> builtins.list[ModelT]:
        """Insert model instances through the unit of work; they stay tracked."""
        return self._run(self._core.add_many(instances))

    def insert_many(self, rows: Iterable[Mapping[str, Any]]) -> int:
        """Bulk-insert plain rows (no instances are built); returns how many."""
        return self._run(self._core.insert_many(rows))

    def get(
        self,
        ident: Any,
        *,
        load: Load = None,
        execution_options: Mapping[str, Any] | None = None,
        include_deleted: bool = False,
    ) -> ModelT:
        """The row with primary key ``ident`` (a ``str`` is accepted for a UUID key).

        Raises:
            NotFoundError: No such row (``resource`` is the model's name).
            ValidationError: ``ident`` can't be the key's type (422).
        """
        read = Read.of(load, execution_options, include_deleted)
        return self._run(self._core.get(ident, read))

    def get_or_none(
        self,
        ident: Any,
        *,
        load: Load = None,
        execution_options: Mapping[str, Any] | None = None,
        include_deleted: bool = False,
    ) -> ModelT | None:
        """The row with primary key ``ident``, or ``None``."""
        read = Read.of(load, execution_options, include_deleted)
        return self._run(self._core.get_or_none(ident, read))

    def get_one(
        self,
        *filters: Criterion,
        load: Load = None,
        execution_options: Mapping[str, Any] | None = None,
        include_deleted: bool = False,
        **filter_by: Any,
    ) -> ModelT:
        """The one row matching the criteria.

        Raises:
            NotFoundError: No row matches.
            DatabaseError: More than one does.
        """
        read = Read.of(load, execution_options, include_deleted)
        return self._run(self._core.get_one(filters, filter_by, read))

    def get_one_or_none(
        self,
        *filters: Criterion,
        load: Load = None,
        execution_options: Mapping[str, Any] | None = None,
        include_deleted: bool = False,
        **filter_by: Any,
    ) -> ModelT | None:
        """The one row matching the criteria, or ``None`` (several are a ``DatabaseError``)."""
        read = Read.of(load, execution_options, include_deleted)
        return self._run(self._core.get_one_or_none(filters, filter_by, read))

    def list(
        self,
        *filters: Criterion,
        order_by: OrderBy | Sequence[OrderBy] | None = None,
        limit: int | None = None,
        offset: int | None = None,
        load: Load = None,
        execution_options: Mapping[str, Any] | None = None,
        include_deleted: bool = False,
        **filter_by: Any,
    ) -> builtins.list[ModelT]:
        """Rows matching the criteria, in ``order_by`` order (nulls last)."""
        read = Read.of(load, execution_options, include_deleted)
        return self._run(self._core.list(filters, filter_by, order_by, limit, offset, read))

    def list_and_count(
        self,
        *filters: Criterion,
        order_by: OrderBy | Sequence[OrderBy] | None = None,
        limit: int | None = None,
        offset: int | None = None,
        load: Load = None,
        execution_options: Mapping[str, Any] | None = None,
        include_deleted: bool = False,
        **filter_by: Any,
    ) -> tuple[builtins.list[ModelT], int]:
        """The rows :meth:`list` gives and how many match in all, in one query."""
        read = Read.of(load, execution_options, include_deleted)
        return self._run(
            self._core.list_and_count(filters, filter_by, order_by, limit, offset, read)
        )

    def count(
        self,
        *filters: Criterion,
        execution_options: Mapping[str, Any] | None = None,
        include_deleted: bool = False,
        **filter_by: Any,
    ) -> int:
        """How many rows match."""
        read = Read.of(None, execution_options, include_deleted)
        return self._run(self._core.count(filters, filter_by, read))

    def exists(
        self,
        *filters: Criterion,
        execution_options: Mapping[str, Any] | None = None,
        include_deleted: bool = False,
        **filter_by: Any,
    ) -> bool:
        """Whether any row matches (stops at the first)."""
        read = Read.of(None, execution_options, include_deleted)
        return self._run(self._core.exists(filters, filter_by, read))

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

    def update_many(
        self,
        values: Mapping[str, Any] | Iterable[Mapping[str, Any]],
        /,
        *filters: Criterion,
        ids: Iterable[Any] | None = None,
        include_deleted: bool = False,
        **filter_by: Any,
    ) -> int:
        """Update many rows in one statement; returns how many changed.

        ``values`` a mapping: set it on the rows matching ``ids`` and/or the criteria.
        ``values`` a list of rows: each carries its primary key and its own new values
        (one ``executemany``, which bypasses the session).
        """
        return self._run(self._core.update_many(values, filters, filter_by, ids, include_deleted))

    def delete(
        self, item: ModelT | Any, /, *, expected_version: int | None = None, hard: bool = False
    ) -> ModelT:
        """Delete an instance (or the row with that id); returns what was deleted.

        A soft-delete model's row is only stamped ``deleted_at``, unless ``hard``.
        """
        return self._run(self._core.delete(item, expected_version, hard))

    def delete_many(
        self,
        *filters: Criterion,
        ids: Iterable[Any] | None = None,
        hard: bool = False,
        **filter_by: Any,
    ) -> int:
        """Delete the rows matching ``ids`` and/or the criteria; returns how many.

        A soft-delete model's rows are only stamped ``deleted_at``, unless ``hard``.
        """
        return self._run(self._core.delete_many(filters, filter_by, ids, hard))

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
        *filters: Criterion,
        page: int = 1,
        page_size: int = 50,
        order_by: OrderBy | Sequence[OrderBy] | None = None,
        load: Load = None,
        execution_options: Mapping[str, Any] | None = None,
        include_deleted: bool = False,
        **filter_by: Any,
    ) -> Page[ModelT]:
        """One offset page and the total count (ordered by primary key by default)."""
        read = Read.of(load, execution_options, include_deleted)
        return self._run(self._core.paginate(filters, filter_by, order_by, page, page_size, read))

    def paginate_keyset(
        self,
        *filters: Criterion,
        after: str | None = None,
        before: str | None = None,
        limit: int = 50,
        order_by: OrderBy | Sequence[OrderBy] | None = None,
        load: Load = None,
        execution_options: Mapping[str, Any] | None = None,
        include_deleted: bool = False,
        **filter_by: Any,
    ) -> CursorPage[ModelT]:
        """One keyset page after the cursor ``after``, or before the cursor ``before``.

        No cursor (or an empty one) is the first page.

        Raises:
            InvalidCursorError: The cursor was altered or issued for another ordering.
        """
        read = Read.of(load, execution_options, include_deleted)
        return self._run(
            self._core.paginate_keyset(filters, filter_by, order_by, limit, (after, before), read)
        )
