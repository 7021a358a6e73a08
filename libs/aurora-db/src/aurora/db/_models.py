"""The declarative base and column mixins every Aurora model builds on.

The naming convention gives every constraint a deterministic name, so Alembic can
drop and rename them and :class:`~aurora.db.UniqueViolationError` can say which one
broke. Timestamps are UTC and set by the database, so rows written by other tools
or by bulk SQL get them too.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Dialect, Integer, MetaData, String, Uuid
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator

from aurora.utils import current_actor, uuid7

__all__ = [
    "NAMING_CONVENTION",
    "AuditMixin",
    "Base",
    "SoftDeleteMixin",
    "TimestampMixin",
    "UTCDateTime",
    "UUIDPrimaryKeyMixin",
    "VersionedMixin",
    "utcnow",
]

NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
"""Constraint names Alembic can rely on (the convention Alembic's docs recommend)."""


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime that is always UTC, on PostgreSQL and SQLite alike.

    SQLite has no time zones: it stores the UTC wall time and this type puts the
    zone back on read. Naive datetimes are refused rather than guessed at.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise TypeError("naive datetime given to a UTCDateTime column; attach a tzinfo")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class utcnow(FunctionElement[datetime]):  # noqa: N801 - reads like the SQL function it renders
    """The database's current UTC time, as a server-side default or ``onupdate``."""

    type = UTCDateTime()
    inherit_cache = True


@compiles(utcnow)
def _utcnow_default(element: utcnow, compiler: SQLCompiler, **kw: Any) -> str:
    return "CURRENT_TIMESTAMP"


@compiles(utcnow, "sqlite")
def _utcnow_sqlite(element: utcnow, compiler: SQLCompiler, **kw: Any) -> str:
    # Microseconds in SQLAlchemy's own storage format, so server-made and
    # Python-made values compare correctly as strings (keyset pagination relies on it).
    return "STRFTIME('%Y-%m-%d %H:%M:%f000', 'now')"


class Base(DeclarativeBase):
    """The declarative base of Aurora models: naming convention, UTC datetimes, UUIDs.

    Mappers use ``eager_defaults`` so server-set columns (``created_at``,
    ``updated_at``) come back through ``RETURNING`` at flush: reading them later
    would otherwise be a lazy load, which async sessions cannot do.
    """

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), uuid.UUID: Uuid()}

    @declared_attr.directive
    def __mapper_args__(cls: type[Base]) -> dict[str, Any]:  # noqa: N805 - a class-level directive
        args: dict[str, Any] = {"eager_defaults": True}
        if issubclass(cls, VersionedMixin):  # mixins can't each set __mapper_args__
            args["version_id_col"] = cls.__table__.c.version
        return args


class UUIDPrimaryKeyMixin:
    """A UUIDv7 primary key ``id``: unguessable, yet index-friendly because time-ordered."""

    id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True, default=uuid7, sort_order=-10)


class TimestampMixin:
    """``created_at`` and ``updated_at`` in UTC, set by the database on insert and update."""

    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), server_default=utcnow(), nullable=False, sort_order=9000
    )
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), server_default=utcnow(), onupdate=utcnow(), nullable=False, sort_order=9001
    )


class VersionedMixin:
    """A ``version`` counter for optimistic locking.

    SQLAlchemy adds ``WHERE version = <read version>`` to every UPDATE and DELETE
    and bumps it; a write that matches no row raises :class:`StaleVersionError`.
    """

    version: Mapped[int] = mapped_column(Integer(), nullable=False, default=1, sort_order=9002)


class SoftDeleteMixin:
    """A ``deleted_at`` timestamp: deleting sets it, and repository reads skip such rows.

    Every read of a repository (``get``, ``list``, ``count``, pages, bulk updates)
    leaves soft-deleted rows out unless given ``include_deleted=True``;
    ``delete(..., hard=True)`` really removes a row.
    """

    deleted_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime(), nullable=True, default=None, index=True, sort_order=9003
    )


class AuditMixin:
    """``created_by`` and ``updated_by``: who wrote the row, besides when.

    Both default to :func:`aurora.utils.current_actor`, which the app's security
    dependency sets to the caller's token subject; writes by nobody known (scripts
    outside :func:`aurora.utils.acting_as`) leave ``None``.
    """

    created_by: Mapped[str | None] = mapped_column(
        String(255), default=current_actor, nullable=True, sort_order=9004
    )
    updated_by: Mapped[str | None] = mapped_column(
        String(255), default=current_actor, onupdate=current_actor, nullable=True, sort_order=9005
    )
