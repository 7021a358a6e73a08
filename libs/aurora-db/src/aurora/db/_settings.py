"""What an engine is built from: URLs plus a few small, frozen options.

aurora-config's ``DatabaseSettings`` is the usual source, but anything with the
same attributes works (and so does a bare URL), which keeps aurora-db usable in
scripts and tests without a full service configuration.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any, Literal, Protocol

from sqlalchemy.engine import URL, make_url

__all__ = ["DatabaseSettingsLike", "DatabaseTarget", "EngineOptions", "database_target"]


class DatabaseSettingsLike(Protocol):
    """The part of ``aurora.config.DatabaseSettings`` aurora-db reads.

    Pool and timeout attributes (``pool_size``, ``max_overflow``, ``pool_timeout``,
    ``pool_recycle``, ``connect_timeout``, ``statement_timeout_ms``, ``echo``,
    ``slow_query_ms``) are read when present; missing ones keep their defaults.
    """

    @property
    def connection_string(self) -> str: ...


@dataclass(frozen=True, slots=True)
class EngineOptions:
    """Pool, timeout and logging options for one service's engines.

    Args:
        pool_size: Connections kept open (PostgreSQL and file SQLite).
        max_overflow: Extra connections allowed under burst.
        pool_timeout: Seconds to wait for a free connection before failing with 503.
        pool_recycle: Seconds after which a connection is replaced (beats idle cut-offs).
        connect_timeout: Seconds to establish a connection; on SQLite, how long to
            wait on a locked database.
        statement_timeout_ms: PostgreSQL cancels statements running longer (``None``: never).
        echo: Log every statement (debugging only).
        slow_query_ms: Statements slower than this are logged as ``slow_query``.
        pool_pre_ping: Test connections on checkout, so a database restart costs no
            failed requests.
        keepalive_idle: PostgreSQL: seconds of silence before TCP keepalive probes start.
        keepalive_interval: Seconds between keepalive probes.
        keepalive_count: Unanswered probes before the connection counts as dead.
        tcp_user_timeout_ms: PostgreSQL: how long sent data may stay unacknowledged
            before the kernel drops the connection (Linux ``TCP_USER_TIMEOUT``).
            With the keepalives this bounds, on the client, how long a call can
            hang on a frozen or unreachable server; ``statement_timeout_ms`` runs
            on the server and cannot. 0 leaves the kernel default (minutes).
        sqlite_begin: How SQLite transactions start. ``"immediate"`` (default) takes
            the write lock at ``BEGIN``, waiting up to ``connect_timeout`` for it: in
            WAL mode a deferred transaction that reads and then writes fails at once
            with "database is locked" (``SQLITE_BUSY_SNAPSHOT``, which no busy
            timeout retries) when another connection committed in between. Sessions
            opened with ``write=False`` still begin deferred. ``"deferred"`` restores
            SQLite's default everywhere. Ignored on PostgreSQL.
    """

    pool_size: int = 5
    max_overflow: int = 10
    pool_timeout: float = 30.0
    pool_recycle: int = 1800
    connect_timeout: float = 10.0
    statement_timeout_ms: int | None = 30_000
    echo: bool = False
    slow_query_ms: float | None = 500.0
    pool_pre_ping: bool = True
    keepalive_idle: int = 10
    keepalive_interval: int = 5
    keepalive_count: int = 3
    tcp_user_timeout_ms: int = 15_000
    sqlite_begin: Literal["immediate", "deferred"] = "immediate"


@dataclass(frozen=True, slots=True)
class DatabaseTarget:
    """Where a service's data lives: a sync and an async URL, and engine options."""

    url: URL
    async_url: URL
    options: EngineOptions

    @property
    def is_sqlite(self) -> bool:
        """Whether this is the embedded SQLite backend."""
        return self.url.get_backend_name() == "sqlite"


_SYNC_DRIVERS = {"postgresql": "postgresql+psycopg", "sqlite": "sqlite"}
_ASYNC_DRIVERS = {"postgresql": "postgresql+psycopg", "sqlite": "sqlite+aiosqlite"}


def database_target(source: DatabaseSettingsLike | str | URL, **overrides: Any) -> DatabaseTarget:
    """Build a :class:`DatabaseTarget` from settings or a URL; ``overrides`` replace options.

    Drivers are normalised to the ones Aurora ships: psycopg 3 for PostgreSQL (sync
    and async), ``sqlite3``/``aiosqlite`` for SQLite; ``postgres://`` is accepted.
    """
    if isinstance(source, str | URL):
        url, async_url, options = _to_url(source), _to_url(source), EngineOptions()
    else:
        url = _to_url(source.connection_string)
        async_url = _to_url(
            getattr(source, "async_connection_string", None) or source.connection_string
        )
        known = {
            f.name: getattr(source, f.name)
            for f in fields(EngineOptions)
            if hasattr(source, f.name)
        }
        options = EngineOptions(**known)
    return DatabaseTarget(
        url=_with_driver(url, _SYNC_DRIVERS),
        async_url=_with_driver(async_url, _ASYNC_DRIVERS),
        options=replace(options, **overrides),
    )


def _to_url(value: str | URL) -> URL:
    if isinstance(value, str) and value.startswith("postgres://"):
        value = "postgresql://" + value.removeprefix("postgres://")
    return make_url(value)


def _with_driver(url: URL, drivers: dict[str, str]) -> URL:
    backend = url.get_backend_name()
    if backend not in drivers:
        raise ValueError(
            f"unsupported database backend {backend!r}: Aurora supports PostgreSQL and SQLite"
        )
    return url.set(drivername=drivers[backend])
