"""What a repository does, written once for the sync and async repositories.

Every operation is a generator of :mod:`._steps`; see there for why.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Insert, Select, Table, func, insert, inspect, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapper

from aurora.db._cursor import CursorCodec
from aurora.db._errors import DatabaseError, StaleVersionError
from aurora.db._pagination import CursorPage, OrderBy, Page, keyset_predicate, sort_keys
from aurora.db._repository._steps import AddAll, Delete, Execute, Flush, Get, Operation
from aurora.errors import NotFoundError

__all__ = ["Filters", "RepositoryCore"]

ModelT = TypeVar("ModelT")
Filters = tuple[ColumnElement[bool], ...]
_UPSERT_DIALECTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


class RepositoryCore(Generic[ModelT]):
    """Statement building and operation logic for one model."""

    def __init__(self, model: type[ModelT], codec: CursorCodec) -> None:
        self.model = model
        self.mapper: Mapper[ModelT] = inspect(model)
        self.codec = codec
        self.resource = model.__name__
        self._pk = [self.mapper.get_property_by_column(c).key for c in self.mapper.primary_key]
        table = self.mapper.local_table
        self.table = table if isinstance(table, Table) else None
        self.table_name = table.name if isinstance(table, Table) else self.resource
        self.metadata = table.metadata if isinstance(table, Table) else None
        self._column_keys = {prop.key: prop.columns[0].key for prop in self.mapper.column_attrs}
        self._renames = any(attr != column for attr, column in self._column_keys.items())

    # -- statements ---------------------------------------------------------------------

    def select(
        self,
        filters: Filters,
        filter_by: Mapping[str, Any],
        order_by: OrderBy | Sequence[OrderBy] | None = None,
    ) -> Select[ModelT]:
        """``SELECT model WHERE filters ORDER BY order_by``."""
        statement = select(self.model).where(*filters).filter_by(**filter_by)
        keys = sort_keys(self.model, _as_sequence(order_by)) if order_by is not None else []
        return statement.order_by(*(key.clause for key in keys))

    def count_statement(self, filters: Filters, filter_by: Mapping[str, Any]) -> Select[int]:
        """``SELECT count(*)`` over the same rows :meth:`select` would return."""
        return select(func.count()).select_from(self.model).where(*filters).filter_by(**filter_by)

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
        conflict = [self._column(key) for key in (match_on or self._pk)]
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
            skip = {*(match_on or ()), *self._pk}
            update = [key for key in row if key not in skip and self._column(key) is not version]
        assignments: dict[Any, Any] = {
            self._column(k): excluded[self._column(k).name] for k in update
        }
        for column in self.mapper.local_table.columns:
            onupdate = column.onupdate
            if column not in assignments and onupdate is not None and onupdate.is_clause_element:
                assignments[column] = onupdate.arg  # updated_at = utcnow()
        if version is not None:
            assignments[version] = version + 1
        return assignments

    def _column(self, key: str) -> Any:
        try:
            return self.mapper.column_attrs[key].columns[0]
        except KeyError:
            raise ValueError(f"{self.resource} has no column attribute {key!r}") from None

    # -- operations ---------------------------------------------------------------------

    def get_or_none(self, ident: Any) -> Operation[ModelT | None]:
        found: ModelT | None = yield Get(self.model, ident)
        return found

    def get(self, ident: Any) -> Operation[ModelT]:
        found = yield from self.get_or_none(ident)
        if found is None:
            raise NotFoundError(self.resource, ident)
        return found

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
    ) -> Operation[list[ModelT]]:
        statement = self.select(filters, filter_by, order_by).limit(limit).offset(offset)
        result = yield Execute(statement)
        return list(result.scalars().all())

    def count(self, filters: Filters, filter_by: Mapping[str, Any]) -> Operation[int]:
        result = yield Execute(self.count_statement(filters, filter_by))
        return int(result.scalar_one())

    def exists(self, filters: Filters, filter_by: Mapping[str, Any]) -> Operation[bool]:
        probe = select(literal(1)).select_from(self.model).where(*filters).filter_by(**filter_by)
        result = yield Execute(probe.limit(1))
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

    def delete(self, item: Any, expected_version: int | None) -> Operation[ModelT]:
        instance = yield from self._resolve(item, expected_version)
        yield Delete(instance)
        yield Flush()
        return instance

    def _resolve(self, item: Any, expected_version: int | None) -> Operation[ModelT]:
        instance: ModelT = item if isinstance(item, self.model) else (yield from self.get(item))
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
    ) -> Operation[Page[ModelT]]:
        if page < 1 or page_size < 1:
            raise ValueError("page and page_size start at 1")
        total = yield from self.count(filters, filter_by)
        order = order_by if order_by is not None else self._pk
        items = yield from self.list(filters, filter_by, order, page_size, (page - 1) * page_size)
        return Page(items=items, total=total, page=page, page_size=page_size)

    def paginate_keyset(
        self,
        filters: Filters,
        filter_by: Mapping[str, Any],
        order_by: Any,
        limit: int,
        after: str | None,
    ) -> Operation[CursorPage[ModelT]]:
        if limit < 1:
            raise ValueError("limit starts at 1")
        keys = sort_keys(
            self.model, _as_sequence(order_by) if order_by is not None else [], unique=True
        )
        scope = f"{self.table_name}:{','.join(key.label for key in keys)}"
        statement = select(self.model).where(*filters).filter_by(**filter_by)
        if after is not None:
            statement = statement.where(keyset_predicate(keys, self.codec.decode(scope, after)))
        statement = statement.order_by(*(key.clause for key in keys)).limit(limit + 1)
        result = yield Execute(statement)
        items: list[ModelT] = list(result.scalars().all())
        if len(items) <= limit:
            return CursorPage(items=items, next_cursor=None)
        items = items[:limit]
        last = [getattr(items[-1], key.attribute.key) for key in keys]
        return CursorPage(items=items, next_cursor=self.codec.encode(scope, last))


def _as_sequence(order_by: OrderBy | Sequence[OrderBy]) -> Sequence[OrderBy]:
    if isinstance(order_by, str) or not isinstance(order_by, Sequence):
        return [order_by]
    return order_by
