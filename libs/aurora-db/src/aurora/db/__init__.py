"""SQLAlchemy 2 for Aurora services: engines, sessions, models, repositories, migrations.

One engine per service on SQLite (embedded default) or PostgreSQL (psycopg 3), sync
and async; sessions that commit on success; FastAPI dependencies that commit
before the response; repositories with keyset pagination; and errors that are
:mod:`aurora.errors` errors. Migrations live in :mod:`aurora.db.migrations`.
"""

from aurora.db._cursor import CursorCodec, derive_cursor_key
from aurora.db._dependency import get_async_db_dependency, get_db_dependency
from aurora.db._engine import build_async_engine, build_engine, read_only
from aurora.db._errors import (
    DatabaseError,
    DatabaseUnavailableError,
    ForeignKeyViolationError,
    IntegrityViolationError,
    InvalidCursorError,
    InvalidDataError,
    InvalidTextError,
    PendingMigrationsError,
    PendingModelChangesError,
    QueryTimeoutError,
    StaleVersionError,
    UniqueViolationError,
    translate_errors,
)
from aurora.db._filters import Equal, Filter, In, Range, Search
from aurora.db._health import HealthCheck, database_check, database_health_check
from aurora.db._idempotency import (
    DatabaseIdempotencyStore,
    IdempotencyRecordLike,
    idempotency_table,
)
from aurora.db._install import install_database
from aurora.db._list_query import ListQuery, list_query_dependency
from aurora.db._models import (
    NAMING_CONVENTION,
    AuditMixin,
    Base,
    SoftDeleteMixin,
    TimestampMixin,
    UTCDateTime,
    UUIDPrimaryKeyMixin,
    VersionedMixin,
    utcnow,
)
from aurora.db._pagination import CursorPage, OrderBy, Page
from aurora.db._registry import (
    EngineRegistry,
    configure_database,
    dispose_engines,
    dispose_engines_async,
    get_async_engine,
    get_engine,
    get_registry,
    reset_engines,
    use_registry,
)
from aurora.db._repository import AsyncBaseRepository, BaseRepository
from aurora.db._session import get_async_db_session, get_db_session
from aurora.db._settings import DatabaseSettings, DatabaseTarget, database_target
from aurora.db._text import StorableText, is_storable

__all__ = [
    "NAMING_CONVENTION",
    "AsyncBaseRepository",
    "AuditMixin",
    "Base",
    "BaseRepository",
    "CursorCodec",
    "CursorPage",
    "DatabaseIdempotencyStore",
    "DatabaseError",
    "DatabaseSettings",
    "DatabaseTarget",
    "DatabaseUnavailableError",
    "EngineRegistry",
    "Equal",
    "Filter",
    "ForeignKeyViolationError",
    "HealthCheck",
    "In",
    "IntegrityViolationError",
    "IdempotencyRecordLike",
    "InvalidCursorError",
    "InvalidDataError",
    "InvalidTextError",
    "ListQuery",
    "OrderBy",
    "Page",
    "PendingMigrationsError",
    "PendingModelChangesError",
    "QueryTimeoutError",
    "Range",
    "Search",
    "SoftDeleteMixin",
    "StaleVersionError",
    "StorableText",
    "TimestampMixin",
    "UTCDateTime",
    "UUIDPrimaryKeyMixin",
    "UniqueViolationError",
    "VersionedMixin",
    "build_async_engine",
    "build_engine",
    "configure_database",
    "database_check",
    "database_health_check",
    "database_target",
    "derive_cursor_key",
    "dispose_engines",
    "dispose_engines_async",
    "get_async_db_dependency",
    "get_async_db_session",
    "get_async_engine",
    "get_db_dependency",
    "get_db_session",
    "get_engine",
    "get_registry",
    "idempotency_table",
    "install_database",
    "is_storable",
    "list_query_dependency",
    "read_only",
    "reset_engines",
    "translate_errors",
    "use_registry",
    "utcnow",
]
