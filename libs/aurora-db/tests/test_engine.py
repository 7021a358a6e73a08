"""Engines: lazily built per service, configured per backend, disposed on demand."""

from __future__ import annotations

import pytest
from db_registry import SERVICE, make_registry
from sqlalchemy import text

from aurora.db import (
    DatabaseSettings,
    DatabaseUnavailableError,
    EngineRegistry,
    QueryTimeoutError,
    configure_database,
    database_target,
    dispose_engines,
    dispose_engines_async,
    get_async_engine,
    get_db_session,
    get_engine,
    get_registry,
    reset_engines,
)
from aurora.testing.isolation import postgres_url


def test_nothing_is_built_until_first_use(tmp_path):
    registry = make_registry(f"sqlite:///{tmp_path / 'nested' / 'dir' / 'x.db'}")
    assert not (tmp_path / "nested").exists()
    engine = registry.engine(SERVICE)
    assert registry.engine(SERVICE) is engine  # one per service
    assert (tmp_path / "nested" / "dir").is_dir()  # the data dir is created for SQLite
    registry.dispose()


def test_configure_after_use_is_refused(tmp_path):
    registry = make_registry(f"sqlite:///{tmp_path / 'x.db'}")
    registry.engine(SERVICE)
    with pytest.raises(RuntimeError, match="already exist"):
        registry.configure(SERVICE, f"sqlite:///{tmp_path / 'y.db'}")
    registry.dispose()
    registry.configure(SERVICE, f"sqlite:///{tmp_path / 'y.db'}")


def test_sqlite_has_wal_and_foreign_keys(tmp_path):
    registry = make_registry(f"sqlite:///{tmp_path / 'x.db'}")
    with registry.engine(SERVICE).connect() as connection:
        assert connection.scalar(text("PRAGMA journal_mode")) == "wal"
        assert connection.scalar(text("PRAGMA foreign_keys")) == 1
    registry.dispose()


async def test_aiosqlite_has_foreign_keys(tmp_path):
    registry = make_registry(f"sqlite:///{tmp_path / 'x.db'}")
    async with registry.async_engine(SERVICE).connect() as connection:
        assert await connection.scalar(text("PRAGMA foreign_keys")) == 1
        assert connection.dialect.driver == "aiosqlite"
    await registry.dispose_async()


def test_in_memory_sqlite_works(tmp_path):
    registry = make_registry("sqlite://")
    with get_db_session(SERVICE, registry=registry) as db:
        assert db.scalar(text("SELECT 1")) == 1
    registry.dispose()


def test_postgres_statement_timeout_cancels_slow_queries():
    registry = make_registry(postgres_url(), statement_timeout_ms=50)
    with (
        pytest.raises(QueryTimeoutError) as caught,
        get_db_session(SERVICE, registry=registry) as db,
    ):
        db.execute(text("SELECT pg_sleep(1)"))
    assert caught.value.status == 504
    registry.dispose()


def test_postgres_connections_are_named_after_the_service():
    registry = make_registry(postgres_url())
    with registry.engine(SERVICE).connect() as connection:
        assert connection.scalar(text("SHOW application_name")) == SERVICE
        assert connection.scalar(text("SHOW statement_timeout")) == "30s"
    registry.dispose()


async def test_async_postgres_uses_psycopg():
    registry = make_registry(postgres_url())
    async with registry.async_engine(SERVICE).connect() as connection:
        assert connection.dialect.driver == "psycopg"
        assert await connection.scalar(text("SHOW statement_timeout")) == "30s"
    await registry.dispose_async()


def test_unreachable_database_is_unavailable():
    registry = make_registry("postgresql://nobody@127.0.0.1:1/none", connect_timeout=1)
    with (
        pytest.raises(DatabaseUnavailableError) as caught,
        get_db_session(SERVICE, registry=registry) as db,
    ):
        db.execute(text("SELECT 1"))
    assert caught.value.status == 503
    registry.dispose()


def test_urls_are_normalised_to_the_shipped_drivers():
    target = database_target("postgres://u@h/db")
    assert (target.url.drivername, target.async_url.drivername) == ("postgresql+psycopg",) * 2
    sqlite = database_target("sqlite+aiosqlite:///x.db")
    assert (sqlite.url.drivername, sqlite.async_url.drivername) == ("sqlite", "sqlite+aiosqlite")
    assert sqlite.is_sqlite
    with pytest.raises(ValueError, match="unsupported"):
        database_target("mysql://h/db")


def test_settings_supply_options_and_overrides_replace_them():
    settings = DatabaseSettings(url="postgresql://u@h/db", pool_size=3, statement_timeout_ms=0)

    target = database_target(settings, echo=True)

    assert target.settings == DatabaseSettings(
        url="postgresql://u@h/db", pool_size=3, statement_timeout_ms=0, echo=True
    )


def test_default_registry_lifecycle(tmp_path):
    configure_database(SERVICE, f"sqlite:///{tmp_path / 'x.db'}")
    registry = get_registry()
    engine = get_engine(SERVICE)
    assert get_engine(SERVICE) is engine
    dispose_engines()
    assert get_engine(SERVICE) is not engine  # rebuilt after dispose, same configuration
    reset_engines()
    assert get_registry() is not registry


async def test_default_registry_async_dispose(tmp_path):
    configure_database(SERVICE, f"sqlite:///{tmp_path / 'x.db'}")
    async with get_async_engine(SERVICE).connect() as connection:
        assert await connection.scalar(text("SELECT 1")) == 1
    await dispose_engines_async()


def test_slow_queries_are_logged_without_parameters(tmp_path):
    from aurora.logging.testing import capture_logs

    registry = make_registry(f"sqlite:///{tmp_path / 'x.db'}", slow_query_ms=0)
    with capture_logs() as events, registry.engine(SERVICE).connect() as connection:
        connection.execute(text("SELECT :secret"), {"secret": "hunter2"})
    slow = [e for e in events if e["event"] == "slow_query"]
    assert slow
    assert slow[-1]["statement"] == "SELECT ?"
    assert "hunter2" not in repr(slow)
    registry.dispose()


def test_registry_reads_aurora_config_by_default(tmp_path, monkeypatch):
    pytest.importorskip("aurora.config")
    from aurora.config import get_config

    monkeypatch.setenv("AURORA_DATABASE__URL", f"sqlite:///{tmp_path / 'from-config.db'}")
    get_config.cache_clear()
    registry = EngineRegistry()
    try:
        with get_db_session(SERVICE, registry=registry) as db:
            assert db.scalar(text("SELECT 1")) == 1
        assert (tmp_path / "from-config.db").exists()
    finally:
        registry.dispose()
        get_config.cache_clear()


def test_sync_dispose_closes_async_engines_cleanly(db_url):
    """A sync shutdown hook still closes async connections (no 'deleted while open' warning)."""
    import asyncio
    import gc

    registry = make_registry(db_url)

    async def use() -> None:
        async with registry.async_engine(SERVICE).connect() as connection:
            await connection.execute(text("SELECT 1"))

    asyncio.run(use())
    registry.dispose()
    gc.collect()  # a connection left open would warn here, and warnings are errors
