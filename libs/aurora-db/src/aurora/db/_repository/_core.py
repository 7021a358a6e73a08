"""What a repository does, written once for the sync and async repositories.

Every operation is a generator of :mod:`._steps`; see there for why.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar, cast

from sqlalchemy import ColumnElement, Insert, Select, Table, func, insert, inspect, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapper

from aurora.db._cursor import CursorCodec
from aurora.db._errors import DatabaseError, StaleVersionError
from aurora.db._filters import Equal, Filter
from aurora.db._models import SoftDeleteMixin
from aurora.db._pagination import CursorPage, OrderBy, Page, as_sequence, sort_keys
from aurora.db._repository._bulk import delete_where, update_rows, update_where
from aurora.db._repository._keyset import keyset_page
from aurora.db._repository._read import PLAIN, Filters, PrimaryKey, Read
from aurora.db._repository._steps import AddAll, Delete, Execute, Flush, Get, Operation
from aurora.errors import NotFoundError

__all__ = ["RepositoryCore"]

ModelT = TypeVar("ModelT")
_UPSERT_DIALECTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


class RepositoryCore(Generic[ModelT]):
    """Statement building and operation logic for one model."""

    def __init__(self, model: type[ModelT], codec: CursorCodec) -> None:
        self.model = model
        self.mapper: Mapper[ModelT] = inspect(model)
        self.codec = codec
        self.resource = model.__name__
        self.pk = [self.mapper.get_property_by_column(c).key for c in self.mapper.primary_key]
        table = self.mapper.local_table
        self.table = table if isinstance(table, Table) else None
        self.table_name = table.name if isinstance(table, Table) else self.resource
        self.metadata = table.metadata if isinstance(table, Table) else None
        self._column_keys = {prop.key: prop.columns[0].key for prop in self.mapper.column_attrs}
        self._renames = any(attr != column for attr, column in self._column_keys.items())
        self.key = PrimaryKey.of(self.mapper, self.resource)
        soft = issubclass(model, SoftDeleteMixin)
        self.deleted_at: Any = cast(Any, model).deleted_at if soft else None

    # -- statements ---------------------------------------------------------------------

    def where(
        self, filters: Filters, filter_by: Mapping[str, Any], include_deleted: bool = False
    ) -> list[ColumnElement[bool]]:
        """The ``WHERE`` clauses for ``filters`` and ``column=value`` pairs.

        Soft-deleted rows are left out unless ``include_deleted``.
        """
        clauses = [f.clause(self.model) if isinstance(f, Filter) else f for f in filters]
        clauses.extend(Equal(key, value).clause(self.model) for key, value in filter_by.items())
        if self.deleted_at is not None and not include_deleted:
            clauses.append(self.deleted_at.is_(None))
        return clauses

    def select(
        self,
        filters: Filters,
        filter_by: Mapping[str, Any],
        order_by: OrderBy | Sequence[OrderBy] | None = None,
        read: Read = PLAIN,
    ) -> Select[Any]:
        """``SELECT model WHERE filters ORDER BY order_by``, with the read's options."""
        statement = select(self.model).where(*self.where(filters, filter_by, read.include_deleted))
        keys = sort_keys(self.model, as_sequence(order_by)) if order_by is not None else []
        return statement.options(*read.load).order_by(*(key.clause for key in keys))

    def count_statement(
        self, filters: Filters, filter_by: Mapping[str, Any], include_deleted: bool = False
    ) -> Select[Any]:
        """``SELECT count(*)`` over the same rows :meth:`select` would return."""
        where = self.where(filters, filter_by, include_deleted)
        return select(func.count()).select_from(self.model).where(*where)

    def upsert_statement(
        self,
        dialect: str,
        row: Mapping[str, Any],
        match_on: Sequence[str] | None,
        update: Sequence[str] | None,
        *,
        orm: bool = True,
    ) -> Insert:
        """``INSERT ... ON CONFLICT (match_on) DO UPDATE`` in the dialect's native form.

        Args:
            orm: Target the mapped class (to ``RETURNING`` entities) rather than the table.
        """
        build = _UPSERT_DIALECTS.get(dialect)
        if build is None:
            raise DatabaseError(f"upsert is not supported on {dialect}")
        statement: Any = build(self.model if orm or self.table is None else self.table)
        conflict = [self.column(key) for key in (match_on or self.pk)]
        assignments = self._assignments(statement.excluded, row, match_on, update)
        if not assignments:  # DO NOTHING would return no row to the caller
            assignments[conflict[0]] = statement.excluded[conflict[0].name]
        upsert: Insert = statement.on_conflict_do_update(index_elements=conflict, set_=assignments)
        return upsert

    def _assignments(
        self,
        excluded: Any,
        row: Mapping[str, Any],
        match_on: Sequence[str] | None,
        update: Sequence[str] | None,
    ) -> dict[Any, Any]:
        """``SET`` of an upsert: the given columns, plus what an ORM update would also do."""
        version = self.mapper.version_id_col
        if update is None:
            skip = {*(match_on or ()), *self.pk}
            update = [key for key in row if key not in skip and self.column(key) is not version]
        assignments: dict[Any, Any] = {
            self.column(k): excluded[self.column(k).name] for k in update
        }
        for column in self.mapper.local_table.columns:
            onupdate = column.onupdate
            if column not in assignments and onupdate is not None and onupdate.is_clause_element:
                assignments[column] = onupdate.arg  # updated_at = utcnow()
        if version is not None:
            assignments[version] = version + 1
        return assignments

    def attribute(self, key: str) -> Any:
        """The mapped column attribute ``key`` (``Model.key``), or ``ValueError``."""
        self.column(key)
        return getattr(self.model, key)

    @property
    def version_attribute(self) -> Any:
        """The mapped ``version_id_col`` attribute, if the model has one."""
        version = self.mapper.version_id_col
        if version is None:
            return None
        return getattr(self.model, self.mapper.get_property_by_column(version).key)

    def column(self, key: str) -> Any:
        """The table column behind attribute ``key``, or ``ValueError``."""
        try:
            return self.mapper.column_attrs[key].columns[0]
        except KeyError:
            raise ValueError(f"{self.resource} has no column attribute {key!r}") from None

    # -- operations ---------------------------------------------------------------------

    def get_or_none(self, ident: Any, read: Read = PLAIN) -> Operation[ModelT | None]:
        step = Get(self.model, self.identity(ident), read.load, read.execution_options)
        found: ModelT | None = yield step
        if found is not None and self.is_deleted(found) and not read.include_deleted:
            return None
        return found

    def get(self, ident: Any, read: Read = PLAIN) -> Operation[ModelT]:
        found = yield from self.get_or_none(ident, read)
        if found is None:
            raise NotFoundError(self.resource, ident)
        return found

    def get_one_or_none(
        self, filters: Filters, filter_by: Mapping[str, Any], read: Read
    ) -> Operation[ModelT | None]:
        # Two rows fetched at most: enough to tell "one" from "several" without a scan.
        statement = self.select(filters, filter_by, None, read).limit(2)
        result = yield Execute(statement, None, read.execution_options)
        found: list[ModelT] = list(read.rows(result).scalars().all())
        if len(found) > 1:
            raise DatabaseError(
                f"More than one {self.resource} matches", context={"resource": self.resource}
            )
        return found[0] if found else None

    def get_one(
        self, filters: Filters, filter_by: Mapping[str, Any], read: Read
    ) -> Operation[ModelT]:
        found = yield from self.get_one_or_none(filters, filter_by, read)
        if found is None:
            raise NotFoundError(self.resource)
        return found

    def identity(self, ident: Any) -> Any:
        """``ident`` as the primary key's type (see :meth:`PrimaryKey.coerce`)."""
        return self.key.coerce(ident)

    def is_deleted(self, instance: Any) -> bool:
        """Whether ``instance`` is soft-deleted."""
        return self.deleted_at is not None and instance.deleted_at is not None

    def add_many(self, instances: Iterable[ModelT]) -> Operation[list[ModelT]]:
        batch = list(instances)
        yield AddAll(batch)
        yield Flush()
        return batch

    def insert_many(self, rows: Iterable[Mapping[str, Any]]) -> Operation[int]:
        batch = self._table_rows(rows)
        if batch:
            target = self.table if self.table is not None else self.model
            yield Execute(insert(target), batch)
        return len(batch)

    def _table_rows(self, rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Rows keyed for the table, for bulk paths that skip the ORM.

        The ORM's bulk layer would only rename attribute keys to column keys (and
        costs a third of a bulk insert doing so row by row); Core applies column
        defaults (UUIDv7 ids, versions) the same way.
        """
        if not self._renames or self.table is None:
            return [dict(row) for row in rows]
        keys = self._column_keys
        try:
            return [{keys[key]: value for key, value in row.items()} for row in rows]
        except KeyError as exc:
            raise ValueError(f"{self.resource} has no column attribute {exc.args[0]!r}") from None

    def list(
        self,
        filters: Filters,
        filter_by: Mapping[str, Any],
        order_by: Any,
        limit: int | None,
        offset: int | None,
        read: Read = PLAIN,
    ) -> Operation[list[ModelT]]:
        statement = self.select(filters, filter_by, order_by, read).limit(limit).offset(offset)
        result = yield Execute(statement, None, read.execution_options)
        return list(read.rows(result).scalars().all())

    def list_and_count(
        self,
        filters: Filters,
        filter_by: Mapping[str, Any],
        order_by: Any,
        limit: int | None,
        offset: int | None,
        read: Read = PLAIN,
    ) -> Operation[tuple[builtins.list[ModelT], int]]:
        """The page and the total in one query, the total as a ``count(*) OVER ()`` column.

        Both SQLite (3.25+) and PostgreSQL have window functions. Only a page past
        the end, which has no row to carry the total, costs a second query.
        """
        total_column = func.count().over().label("aurora_total")
        statement = self.select(filters, filter_by, order_by, read).add_columns(total_column)
        result = yield Execute(statement.limit(limit).offset(offset), None, read.execution_options)
        rows: list[Any] = list(read.rows(result).all())
        if rows:
            return [row[0] for row in rows], int(rows[0][1])
        if not offset:
            return [], 0
        total = yield from self.count(filters, filter_by, read)
        return [], total

    def count(
        self, filters: Filters, filter_by: Mapping[str, Any], read: Read = PLAIN
    ) -> Operation[int]:
        statement = self.count_statement(filters, filter_by, read.include_deleted)
        result = yield Execute(statement, None, read.execution_options)
        return int(result.scalar_one())

    def exists(
        self, filters: Filters, filter_by: Mapping[str, Any], read: Read = PLAIN
    ) -> Operation[bool]:
        where = self.where(filters, filter_by, read.include_deleted)
        probe = select(literal(1)).select_from(self.model).where(*where).limit(1)
        result = yield Execute(probe, None, read.execution_options)
        return result.first() is not None

    def update(
        self, item: Any, changes: Mapping[str, Any], expected_version: int | None
    ) -> Operation[ModelT]:
        instance = yield from self._resolve(item, expected_version)
        for key, value in changes.items():
            if key not in self.mapper.attrs:
                raise ValueError(f"{self.resource} has no attribute {key!r}")
            setattr(instance, key, value)
        yield Flush()
        return instance

    def delete(self, item: Any, expected_version: int | None, hard: bool) -> Operation[ModelT]:
        """Delete the row, or only mark it deleted on a soft-delete model (unless ``hard``)."""
        instance = yield from self._resolve(item, expected_version, include_deleted=hard)
        if self.deleted_at is None or hard:
            yield Delete(instance)
        else:
            cast(Any, instance).deleted_at = datetime.now(UTC)
        yield Flush()
        return instance

    def _resolve(
        self, item: Any, expected_version: int | None, include_deleted: bool = False
    ) -> Operation[ModelT]:
        if isinstance(item, self.model):
            instance: ModelT = item
        else:
            instance = yield from self.get(item, Read(include_deleted=include_deleted))
        if expected_version is not None:
            version = self.mapper.version_id_col
            if version is None:
                raise ValueError(f"{self.resource} has no version column to check")
            key = self.mapper.get_property_by_column(version).key
            if getattr(instance, key) != expected_version:
                raise StaleVersionError(context={"resource": self.resource})
        return instance

    def upsert(
        self,
        dialect: str,
        data: Mapping[str, Any] | ModelT,
        match_on: Sequence[str] | None,
        update: Sequence[str] | None,
    ) -> Operation[ModelT]:
        row = self._row(data)
        statement = self.upsert_statement(dialect, row, match_on, update).values(**row)
        result = yield Execute(statement.returning(self.model), options={"populate_existing": True})
        upserted: ModelT = result.scalars().one()
        return upserted

    def upsert_many(
        self,
        dialect: str,
        rows: Iterable[Mapping[str, Any]],
        match_on: Sequence[str] | None,
        update: Sequence[str] | None,
    ) -> Operation[int]:
        batch = [dict(row) for row in rows]
        if batch:
            statement = self.upsert_statement(dialect, batch[0], match_on, update, orm=False)
            yield Execute(statement, self._table_rows(batch))
        return len(batch)

    def _row(self, data: Mapping[str, Any] | ModelT) -> dict[str, Any]:
        if isinstance(data, Mapping):
            return dict(data)
        state = inspect(data)
        return {
            attr.key: state.dict[attr.key]
            for attr in self.mapper.column_attrs
            if attr.key in state.dict
        }

    def paginate(
        self,
        filters: Filters,
        filter_by: Mapping[str, Any],
        order_by: Any,
        page: int,
        page_size: int,
        read: Read = PLAIN,
    ) -> Operation[Page[ModelT]]:
        if page < 1 or page_size < 1:
            raise ValueError("page and page_size start at 1")
        order = order_by if order_by is not None else self.pk
        offset = (page - 1) * page_size
        # Two queries rather than list_and_count's one: the window function makes the
        # database visit every matching row before the LIMIT, where a plain
        # ``ORDER BY ... LIMIT`` stops early on an index (a page-1 cost of the whole table).
        total = yield from self.count(filters, filter_by, read)
        items = yield from self.list(filters, filter_by, order, page_size, offset, read)
        return Page(items=items, total=total, page=page, page_size=page_size)

    def paginate_keyset(
        self,
        filters: Filters,
        filter_by: Mapping[str, Any],
        order_by: Any,
        limit: int,
        cursors: tuple[str | None, str | None],
        read: Read = PLAIN,
    ) -> Operation[CursorPage[ModelT]]:
        return keyset_page(self, (filters, filter_by), order_by, limit, cursors, read)

    def update_many(
        self,
        values: Mapping[str, Any] | Iterable[Mapping[str, Any]],
        filters: Filters,
        filter_by: Mapping[str, Any],
        ids: Iterable[Any] | None,
        include_deleted: bool,
    ) -> Operation[int]:
        """A mapping of values: one ``UPDATE`` by criteria; rows: one ``executemany`` by key."""
        if isinstance(values, Mapping):
            return (
                yield from update_where(self, values, (filters, filter_by), ids, include_deleted)
            )
        if filters or filter_by or ids is not None:
            raise ValueError("update_many of rows matches them by primary key: give no filter")
        return (yield from update_rows(self, values, include_deleted))

    def delete_many(
        self, filters: Filters, filter_by: Mapping[str, Any], ids: Iterable[Any] | None, hard: bool
    ) -> Operation[int]:
        return (yield from delete_where(self, (filters, filter_by), ids, hard))
