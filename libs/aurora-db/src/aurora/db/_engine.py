"""Engines configured the way Aurora runs its databases.

SQLite gets what a server database gives for free: foreign keys enforced, WAL so
readers don't block the writer, a busy timeout, and real transactions (the
``sqlite3`` driver's legacy mode skips ``BEGIN`` for SELECT/DDL and breaks
savepoints, so SQLAlchemy emits ``BEGIN`` itself), started ``IMMEDIATE`` unless the
connection is read-only (see :data:`SQLITE_BEGIN_OPTION`). PostgreSQL goes through
psycopg 3 with a pre-pinged pool, a server-side statement timeout and client-side
bounds: a connect timeout, TCP keepalives and ``tcp_user_timeout``, so a frozen
server fails calls instead of hanging them. A call cancelled by its caller (the
app's request deadline cancels the request's task) is cancelled on the server
too: psycopg sends a cancel request when its wait is interrupted.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from aurora.db._settings import DatabaseSettings, DatabaseTarget
from aurora.db._text import install_text_guard
from aurora.db._tracing import instrument_engine
from aurora.logging import get_logger

__all__ = ["SQLITE_BEGIN_OPTION", "build_async_engine", "build_engine", "read_only"]

SQLITE_BEGIN_OPTION = "aurora_sqlite_begin"
"""Execution option overriding :attr:`DatabaseSettings.sqlite_begin` for one engine view.

``engine.execution_options(aurora_sqlite_begin="deferred")`` gives an engine sharing
the pool whose SQLite transactions begin deferred (what :func:`read_only` does).
"""

EngineT = TypeVar("EngineT", Engine, AsyncEngine)

_START_KEY = "aurora.db.query_start"
_MAX_LOGGED_STATEMENT = 1000


def build_engine(target: DatabaseTarget, *, name: str | None = None) -> Engine:
    """A sync engine for ``target``; ``name`` labels connections and logs (the service)."""
    engine = create_engine(target.url, **_engine_kwargs(target.url, target.settings, name))
    _install_listeners(engine, target.url, target.settings, name)
    return engine


def build_async_engine(target: DatabaseTarget, *, name: str | None = None) -> AsyncEngine:
    """The asyncio twin of :func:`build_engine` (aiosqlite or psycopg async)."""
    engine = create_async_engine(
        target.async_url, **_engine_kwargs(target.async_url, target.settings, name)
    )
    _install_listeners(engine.sync_engine, target.async_url, target.settings, name)
    return engine


def read_only(engine: EngineT) -> EngineT:
    """A view of ``engine`` (same pool) for work that only reads.

    On SQLite its transactions begin deferred, so they don't queue for the write
    lock; elsewhere it is the same engine. Writing through it on SQLite can fail
    with "database is locked" when another connection committed since it read.
    """
    return engine.execution_options(**{SQLITE_BEGIN_OPTION: "deferred"})


def _engine_kwargs(url: URL, options: DatabaseSettings, name: str | None) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"echo": options.echo}
    if url.get_backend_name() == "sqlite":
        path = _sqlite_file(url)
        if path is None:
            return kwargs  # in-memory: the dialect's single-connection pool, no sizing
        path.parent.mkdir(parents=True, exist_ok=True)  # the service's data dir may be new
        kwargs["connect_args"] = {"timeout": options.connect_timeout}
    else:
        kwargs["pool_pre_ping"] = options.pool_pre_ping
        kwargs["connect_args"] = _postgres_connect_args(url, options, name)
    kwargs.update(
        pool_size=options.pool_size,
        max_overflow=options.max_overflow,
        pool_timeout=options.pool_timeout,
        pool_recycle=options.pool_recycle,
    )
    return kwargs


def _sqlite_file(url: URL) -> Path | None:
    database = url.database
    if not database or database == ":memory:" or url.query.get("mode") == "memory":
        return None
    return Path(database)


def _postgres_connect_args(url: URL, options: DatabaseSettings, name: str | None) -> dict[str, Any]:
    args: dict[str, Any] = {
        "connect_timeout": max(1, math.ceil(options.connect_timeout)),
        # Client-side bounds: a server that stops answering (frozen, partitioned)
        # is noticed by the socket instead of hanging the caller indefinitely.
        "keepalives": 1,
        "keepalives_idle": options.keepalive_idle,
        "keepalives_interval": options.keepalive_interval,
        "keepalives_count": options.keepalive_count,
    }
    if options.tcp_user_timeout_ms:
        args["tcp_user_timeout"] = options.tcp_user_timeout_ms
    if name:
        args["application_name"] = name[:63]
    # libpq takes one "options" string: keep what the URL sets (say, a search_path)
    # and add the statement timeout to it rather than replacing it.
    parts = [str(url.query["options"])] if "options" in url.query else []
    if options.statement_timeout_ms:  # None or 0: no limit
        parts.append(f"-c statement_timeout={int(options.statement_timeout_ms)}")
    if parts:
        args["options"] = " ".join(parts)
    return args


def _install_listeners(
    engine: Engine, url: URL, options: DatabaseSettings, name: str | None
) -> None:
    if url.get_backend_name() == "sqlite":
        _install_sqlite_pragmas(engine, options, wal=_sqlite_file(url) is not None)
    install_text_guard(engine)
    if options.slow_query_ms is not None:
        _install_slow_query_log(engine, options.slow_query_ms, name)
    instrument_engine(engine, url)


def _install_sqlite_pragmas(engine: Engine, options: DatabaseSettings, *, wal: bool) -> None:
    busy_ms = int(options.connect_timeout * 1000)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, connection_record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN (see _on_begin)
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
            if wal:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")  # durable enough under WAL, much faster
        finally:
            cursor.close()

    default_begin = options.sqlite_begin

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get(SQLITE_BEGIN_OPTION, default_begin)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if mode == "immediate" else "BEGIN")


def _install_slow_query_log(engine: Engine, threshold_ms: float, name: str | None) -> None:
    logger = get_logger("aurora.db")

    @event.listens_for(engine, "before_cursor_execute")
    def _before(connection: Connection, cursor: Any, statement: str, *args: Any) -> None:
        connection.info[_START_KEY] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def _after(connection: Connection, cursor: Any, statement: str, *args: Any) -> None:
        started = connection.info.pop(_START_KEY, None)
        if started is None:
            return
        elapsed_ms = (time.perf_counter() - started) * 1000
        if elapsed_ms >= threshold_ms:
            # Parameters are never logged: they are user data and may hold secrets.
            logger.warning(
                "slow_query",
                database=name,
                duration_ms=round(elapsed_ms, 1),
                statement=statement[:_MAX_LOGGED_STATEMENT],
            )
