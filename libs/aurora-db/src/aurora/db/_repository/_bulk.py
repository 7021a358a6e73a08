"""Bulk updates and deletes: one statement for many rows, no instance loaded.

Two shapes, as in advanced-alchemy and SQLAlchemy itself:

- *by criteria*: ``UPDATE ... SET values WHERE filters`` (or ``id IN ids``), an
  ORM-enabled statement, so instances already in the session are kept in step
  (see :class:`._steps.BulkExecute`);
- *by primary key*: a list of rows, each with its key and new values, sent as one
  ``executemany`` of a Core ``UPDATE ... WHERE id = :id`` on the table. That is
  what SQLAlchemy Core users write by hand, so it costs what Core costs; it skips
  the session, so instances already loaded keep their old values.

Both bump a ``version`` column and fire ``onupdate`` defaults (``updated_at``,
``updated_by``). Criteria are required: "every row" must be said with
``sqlalchemy.true()``, never implied by a forgotten filter.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import ColumnElement, bindparam, delete, update

from aurora.db._repository._steps import BulkExecute, Execute, Operation

if TYPE_CHECKING:
    from aurora.db._repository._core import RepositoryCore
    from aurora.db._repository._read import Filters

__all__ = ["delete_where", "update_rows", "update_where"]

ModelT = TypeVar("ModelT")
_ID_CHUNK = 5000  # ids per IN list: far below SQLite's and PostgreSQL's bound-parameter caps


def update_where(
    core: RepositoryCore[ModelT],
    values: Mapping[str, Any],
    where: tuple[Filters, Mapping[str, Any]],
    ids: Iterable[Any] | None,
    include_deleted: bool,
) -> Operation[int]:
    """``UPDATE model SET values WHERE ...``; returns how many rows changed."""
    if not values:
        raise ValueError("update_many needs values to set")
    # Mapped attributes, not table columns, so the session can evaluate the statement.
    assignments: dict[Any, Any] = {core.attribute(key): value for key, value in values.items()}
    version = core.version_attribute
    if version is not None:
        assignments.setdefault(version, version + 1)
    total = 0
    for clauses in _criteria(core, where, ids, include_deleted, "update_many"):
        statement = update(core.model).where(*clauses).values(assignments)
        result = yield BulkExecute(statement)
        total += result.rowcount
    return total


def update_rows(
    core: RepositoryCore[ModelT], rows: Iterable[Mapping[str, Any]], include_deleted: bool
) -> Operation[int]:
    """One ``executemany`` of ``UPDATE table SET ... WHERE pk = :pk``, a row per parameter set."""
    batch = [row if isinstance(row, dict) else dict(row) for row in rows]
    if not batch:
        return 0
    keys = list(batch[0])
    missing = [key for key in core.pk if key not in batch[0]]
    if missing:
        raise ValueError(f"update_many rows need the primary key {', '.join(missing)}")
    expected = set(keys)
    if any(len(row) != len(keys) or row.keys() != expected for row in batch):
        raise ValueError("update_many rows must all give the same keys")
    table: Any = core.table if core.table is not None else core.model
    statement = update(table).where(*(core.column(key) == bindparam(f"b_{key}") for key in core.pk))
    statement = statement.values(
        {core.column(key): bindparam(f"b_{key}") for key in keys if key not in core.pk}
    )
    version = core.mapper.version_id_col
    if version is not None and "version" not in expected:
        statement = statement.values({version: version + 1})
    if core.deleted_at is not None and not include_deleted:
        statement = statement.where(core.column("deleted_at").is_(None))
    names = [(key, f"b_{key}") for key in keys]
    params = [{name: row[key] for key, name in names} for row in batch]
    result = yield Execute(statement, params)
    return int(result.rowcount)


def delete_where(
    core: RepositoryCore[ModelT],
    where: tuple[Filters, Mapping[str, Any]],
    ids: Iterable[Any] | None,
    hard: bool,
) -> Operation[int]:
    """Delete the matching rows (on a soft-delete model, stamp ``deleted_at`` unless ``hard``)."""
    if core.deleted_at is not None and not hard:
        stamp = {"deleted_at": datetime.now(UTC)}
        return (yield from update_where(core, stamp, where, ids, include_deleted=False))
    total = 0
    for clauses in _criteria(core, where, ids, True, "delete_many"):
        result = yield BulkExecute(delete(core.model).where(*clauses))
        total += result.rowcount
    return total


def _criteria(
    core: RepositoryCore[Any],
    where: tuple[Filters, Mapping[str, Any]],
    ids: Iterable[Any] | None,
    include_deleted: bool,
    operation: str,
) -> Iterable[Sequence[ColumnElement[bool]]]:
    """The ``WHERE`` of each statement: the filters, and one chunk of ``ids`` if given."""
    filters, filter_by = where
    if ids is None and not filters and not filter_by:
        raise ValueError(f"{operation} needs ids or a filter (sqlalchemy.true() for every row)")
    clauses = core.where(filters, filter_by, include_deleted)
    if ids is None:
        return [clauses]
    if len(core.pk) != 1:
        raise ValueError(f"{operation}(ids=...) needs a one-column primary key")
    key = core.attribute(core.pk[0])
    wanted = [core.identity(ident) for ident in ids]
    chunks = [wanted[i : i + _ID_CHUNK] for i in range(0, len(wanted), _ID_CHUNK)]
    return [[*clauses, key.in_(chunk)] for chunk in chunks]
