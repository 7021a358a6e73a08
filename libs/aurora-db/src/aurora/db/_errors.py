"""aurora-db's errors, and the translation of SQLAlchemy and driver errors into them.

Callers should never have to catch ``sqlalchemy.exc.IntegrityError`` or a psycopg
class: every database failure leaves aurora-db as an :class:`~aurora.errors.AuroraError`
with a stable code and status, chained to the original (``raise ... from exc``), like
advanced-alchemy's ``wrap_sqlalchemy_exception``. The tree::

    AuroraError
    └── DatabaseError (500 database_error)
        ├── InvalidCursorError (400 invalid_cursor, also BadRequestError)
        ├── InvalidDataError (422 invalid_data, also ValidationError)
        │   └── InvalidTextError (422 invalid_text)
        ├── IntegrityViolationError (409 integrity_violation, also ConflictError)
        │   ├── UniqueViolationError (409 unique_violation)
        │   └── ForeignKeyViolationError (409 foreign_key_violation)
        ├── StaleVersionError (409 stale_version, also ConflictError)
        ├── DatabaseUnavailableError (503 database_unavailable, also ServiceUnavailableError)
        │   └── PendingMigrationsError (503 migrations_pending)
        ├── QueryTimeoutError (504 query_timeout, also DeadlineExceededError)
        └── PendingModelChangesError (500 model_changes_pending)

A missing row is :class:`aurora.errors.NotFoundError`, raised by the repositories.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Index, MetaData, UniqueConstraint
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm.exc import StaleDataError

from aurora.errors import (
    AuroraError,
    BadRequestError,
    ConflictError,
    DeadlineExceededError,
    ServiceUnavailableError,
    ValidationError,
)

__all__ = [
    "DatabaseError",
    "DatabaseUnavailableError",
    "ForeignKeyViolationError",
    "IntegrityViolationError",
    "InvalidCursorError",
    "InvalidDataError",
    "InvalidTextError",
    "PendingMigrationsError",
    "PendingModelChangesError",
    "QueryTimeoutError",
    "StaleVersionError",
    "UniqueViolationError",
    "translate_errors",
    "translate_exception",
]


class DatabaseError(AuroraError):
    """Base of every error aurora-db raises; unclassified failures are this (500)."""

    code = "database_error"
    status = 500
    title = "Database Error"
    default_detail = "A database operation failed"


class InvalidCursorError(BadRequestError, DatabaseError):
    """A pagination cursor was forged, altered, or belongs to another listing."""

    code = "invalid_cursor"
    status = 400
    title = "Invalid Cursor"
    default_detail = "The pagination cursor is invalid"


class InvalidDataError(ValidationError, DatabaseError):
    """The database refused a value as data (PostgreSQL's SQLSTATE class 22): the input's fault."""

    code = "invalid_data"
    title = "Invalid Data"
    default_detail = "The database refused a value"


class InvalidTextError(InvalidDataError):
    """Text no backend can store alike: a NUL character or a lone surrogate."""

    code = "invalid_text"
    default_detail = "Text must not contain NUL characters or lone surrogates"


class IntegrityViolationError(ConflictError, DatabaseError):
    """The write broke a constraint; ``constraint`` names it when the database says."""

    code = "integrity_violation"
    status = 409
    title = "Conflict"

    @property
    def constraint(self) -> str | None:
        """The violated constraint's name, as declared by the naming convention."""
        value = self.context.get("constraint")
        return None if value is None else str(value)


class UniqueViolationError(IntegrityViolationError):
    """A row with the same unique key already exists."""

    code = "unique_violation"


class ForeignKeyViolationError(IntegrityViolationError):
    """The row refers to a missing row, or is still referred to."""

    code = "foreign_key_violation"


class StaleVersionError(ConflictError, DatabaseError):
    """Someone else changed the row since it was read (optimistic locking)."""

    code = "stale_version"
    status = 409
    title = "Conflict"
    default_detail = "The record was modified by someone else; reload it and retry"


class DatabaseUnavailableError(ServiceUnavailableError, DatabaseError):
    """The database can't be reached or is too busy; the request may be retried."""

    code = "database_unavailable"
    status = 503
    title = "Service Unavailable"
    default_detail = "The database is temporarily unavailable"

    def __init__(
        self,
        detail: str | None = None,
        *,
        retry_after: float | None = 1.0,
        context: Mapping[str, Any] | None = None,
        code: str | None = None,
    ) -> None:
        # A 503 without Retry-After leaves clients guessing (and retrying at once):
        # one second is the short, honest default; callers that know better pass theirs.
        super().__init__(detail, retry_after=retry_after, context=context, code=code)


class PendingMigrationsError(DatabaseUnavailableError):
    """The database schema is not at the migrations' head: not ready to serve."""

    code = "migrations_pending"
    default_detail = "The database schema is not up to date"


class PendingModelChangesError(DatabaseError):
    """The models differ from what the migrations build: a migration is missing."""

    code = "model_changes_pending"
    title = "Pending Model Changes"
    default_detail = "The models have changes that no migration covers"


class QueryTimeoutError(DeadlineExceededError, DatabaseError):
    """A statement ran past the configured statement timeout and was cancelled."""

    code = "query_timeout"
    status = 504
    title = "Gateway Timeout"
    default_detail = "The database query took too long"


# SQLSTATEs (PostgreSQL) and extended result names (SQLite) we classify.
_PG_INTEGRITY = {"23505": "unique", "23503": "foreign_key"}
_PG_TIMEOUT = {"57014"}  # query_canceled: statement_timeout fired
_PG_DATA_EXCEPTION = "22"  # class 22: a value out of range, too long, not in the encoding...
_PG_UNAVAILABLE_PREFIXES = (
    "08",
    "53",
    "57P",
    "40001",
    "40P01",
)  # connection, resources, shutdown, retryable
_SQLITE_INTEGRITY = {
    "SQLITE_CONSTRAINT_UNIQUE": "unique",
    "SQLITE_CONSTRAINT_PRIMARYKEY": "unique",
    "SQLITE_CONSTRAINT_FOREIGNKEY": "foreign_key",
}
_SQLITE_UNAVAILABLE = ("SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_CANTOPEN", "SQLITE_FULL")
_SQLITE_COLUMNS = re.compile(r"constraint failed: (?P<columns>[\w.]+(?:, [\w.]+)*)")
_SQLITE_NAMED = re.compile(r"constraint failed: (?P<name>\w+)$")


@contextmanager
def translate_errors(
    *, resource: str | None = None, metadata: MetaData | None = None
) -> Iterator[None]:
    """Re-raise SQLAlchemy and driver errors from the block as :class:`DatabaseError` subclasses.

    Args:
        resource: The model name, put in the error's context and detail.
        metadata: Used to name a SQLite unique constraint (SQLite reports columns only).
    """
    try:
        yield
    except sa_exc.SQLAlchemyError as exc:
        raise translate_exception(exc, resource=resource, metadata=metadata) from exc


def translate_exception(
    exc: sa_exc.SQLAlchemyError, *, resource: str | None = None, metadata: MetaData | None = None
) -> DatabaseError:
    """The :class:`DatabaseError` that stands for ``exc`` at aurora-db's boundary."""
    context: dict[str, Any] = {"resource": resource} if resource else {}
    if isinstance(exc, StaleDataError):
        return StaleVersionError(context=context)
    if isinstance(exc, sa_exc.TimeoutError):
        return DatabaseUnavailableError("No database connection became available", context=context)
    if isinstance(exc, sa_exc.IntegrityError):
        return _integrity_error(exc, context, metadata)
    if isinstance(exc, sa_exc.DBAPIError):
        return _dbapi_error(exc, context)
    return DatabaseError(context=context)


def _integrity_error(
    exc: sa_exc.IntegrityError, context: dict[str, Any], metadata: MetaData | None
) -> DatabaseError:
    kind, constraint = _classify_integrity(exc.orig, metadata)
    if constraint:
        context["constraint"] = constraint
    subject = context.get("resource") or "The record"
    suffix = f" (constraint {constraint})" if constraint else ""
    if kind == "unique":
        return UniqueViolationError(
            f"{subject} conflicts with an existing one{suffix}", context=context
        )
    if kind == "foreign_key":
        return ForeignKeyViolationError(
            f"{subject} refers to a missing record, or is still referred to{suffix}",
            context=context,
        )
    return IntegrityViolationError(
        f"{subject} breaks a database constraint{suffix}", context=context
    )


def _classify_integrity(
    orig: BaseException | None, metadata: MetaData | None
) -> tuple[str, str | None]:
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate is not None:  # psycopg: the server names the constraint
        diag = getattr(orig, "diag", None)
        return _PG_INTEGRITY.get(sqlstate, "other"), getattr(diag, "constraint_name", None)
    kind = _SQLITE_INTEGRITY.get(getattr(orig, "sqlite_errorname", ""), "other")
    message = str(orig)
    named = _SQLITE_NAMED.search(message)
    if kind == "other" and named:  # CHECK constraints are reported by name
        return kind, named.group("name")
    columns = _SQLITE_COLUMNS.search(message)
    if kind == "unique" and columns:
        return kind, _sqlite_unique_name(columns.group("columns").split(", "), metadata)
    return kind, None


def _sqlite_unique_name(qualified: list[str], metadata: MetaData | None) -> str:
    """Find the unique constraint SQLite means by "UNIQUE constraint failed: t.a, t.b"."""
    table_name = qualified[0].split(".")[0]
    columns = [name.split(".")[-1] for name in qualified]
    table = metadata.tables.get(table_name) if metadata is not None else None
    if table is not None:
        if [c.name for c in table.primary_key.columns] == columns:
            return str(table.primary_key.name or f"pk_{table_name}")
        candidates: list[UniqueConstraint | Index] = [
            *(c for c in table.constraints if isinstance(c, UniqueConstraint)),
            *(index for index in table.indexes if index.unique),
        ]
        for candidate in candidates:
            if [c.name for c in candidate.columns] == columns and candidate.name:
                return str(candidate.name)
    # Without metadata, the name Aurora's naming convention would have given it.
    return f"uq_{table_name}_{'_'.join(columns)}"


def _dbapi_error(exc: sa_exc.DBAPIError, context: Mapping[str, Any]) -> DatabaseError:
    orig = exc.orig
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate in _PG_TIMEOUT:
        return QueryTimeoutError(context=dict(context))
    # PEP 249's DataError is the value's fault; psycopg raises one without a SQLSTATE
    # when it can't even send the value (text with NUL).
    if isinstance(exc, sa_exc.DataError) or (sqlstate and sqlstate.startswith(_PG_DATA_EXCEPTION)):
        return InvalidDataError(context=dict(context))
    errorname = getattr(orig, "sqlite_errorname", "")
    if (
        exc.connection_invalidated
        or (sqlstate and sqlstate.startswith(_PG_UNAVAILABLE_PREFIXES))
        or errorname.startswith(_SQLITE_UNAVAILABLE)
        or (isinstance(exc, sa_exc.OperationalError) and sqlstate is None and not errorname)
    ):
        return DatabaseUnavailableError(context=dict(context))
    return DatabaseError(context=dict(context))
