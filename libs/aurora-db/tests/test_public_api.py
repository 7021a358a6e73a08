"""The public API can't grow by accident."""

import aurora.db
import aurora.db.migrations

EXPECTED = [
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

EXPECTED_MIGRATIONS = [
    "DEFAULT_VERSION_TABLE",
    "alembic_config",
    "check_at_head",
    "check_models",
    "current",
    "downgrade",
    "generate_revision",
    "heads",
    "init_migrations",
    "migrations_check",
    "migrations_health_check",
    "run_migrations",
    "upgrade",
    "upgrade_at_startup",
]


def test_public_names():
    assert aurora.db.__all__ == EXPECTED


def test_migrations_public_names():
    assert aurora.db.migrations.__all__ == EXPECTED_MIGRATIONS


def test_every_public_name_exists():
    for module in (aurora.db, aurora.db.migrations):
        for name in module.__all__:
            assert getattr(module, name) is not None


def test_sync_and_async_repositories_offer_the_same_operations():
    """Both run one core; this keeps their method lists and signatures in step."""
    import inspect

    from aurora.db import AsyncBaseRepository, BaseRepository

    def public(cls):
        return {
            name: inspect.signature(member)
            for name, member in vars(cls).items()
            if callable(member) and not name.startswith("_")
        }

    sync, async_ = public(BaseRepository), public(AsyncBaseRepository)
    assert sync == async_
    assert all(inspect.iscoroutinefunction(getattr(AsyncBaseRepository, name)) for name in async_)
