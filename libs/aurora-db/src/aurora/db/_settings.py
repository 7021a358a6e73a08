"""aurora-db's settings section, ``AURORA_DATABASE__*``: where the data is, how the pool behaves.

aurora-db owns this section (aurora-config only composes it into a service's
config): one URL (or its parts), the pool's limits, the client-side timeouts, the
SQLite transaction mode and the key that signs keyset cursors. Every field is
reachable from the environment, the ``.env`` file and the secrets directory.

With nothing set a service gets its own SQLite file, ``<data_dir>/<service>.db``,
so it starts on a laptop with no database server. Drivers are the ones Aurora
ships (psycopg 3 for both engines, aiosqlite), whatever form of URL operators
write (``postgres://``, ``postgresql+asyncpg://``...): one driver table below.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote, urlsplit, urlunsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict
from sqlalchemy.engine import URL, make_url

from aurora.config import AuroraSettings, ConfigProblem, ServiceSettings, register_section

__all__ = ["CURSOR_SECRET_VARIABLE", "DatabaseSettings", "DatabaseTarget", "database_target"]

CURSOR_SECRET_VARIABLE = "AURORA_DATABASE__CURSOR_SECRET"  # noqa: S105 - a name, not a secret
_SHARED_ENVIRONMENTS = frozenset({"staging", "production"})
_SCHEME = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://")
# The one driver table: a backend (the scheme before "+") -> (sync, async) driver.
_DRIVERS = {
    "postgres": ("postgresql+psycopg", "postgresql+psycopg"),
    "postgresql": ("postgresql+psycopg", "postgresql+psycopg"),
    "sqlite": ("sqlite", "sqlite+aiosqlite"),
}


@register_section
class DatabaseSettings(AuroraSettings):
    """Where the service's database is and how its pool behaves: ``AURORA_DATABASE__*``."""

    model_config = SettingsConfigDict(env_prefix="AURORA_DATABASE__")

    url: str | None = None
    """Database URL (postgresql://user@host:5432/db); empty means the parts below, then SQLite."""
    host: str | None = None
    """PostgreSQL host, used when url is empty."""
    port: int = Field(default=5432, ge=1, le=65535)
    """PostgreSQL port, used with host."""
    user: str | None = None
    """Database user, used with host."""
    password: SecretStr | None = None
    """Database password; also fills in a url that has a user but no password."""
    name: str | None = None
    """Database name, used with host."""
    sqlite_path: Path = Path("data/aurora.db")
    """SQLite file used when neither url nor host is set; <data_dir>/<service>.db in a service."""
    pool_size: int = Field(default=5, ge=1)
    """Connections kept open in the pool."""
    max_overflow: int = Field(default=10, ge=0)
    """Extra connections opened under load beyond pool_size."""
    pool_timeout: float = Field(default=30.0, gt=0)
    """Seconds to wait for a free connection before failing with 503."""
    pool_recycle: int = Field(default=1800, ge=-1)
    """Seconds after which a connection is replaced (beats idle cut-offs); -1 never."""
    pool_pre_ping: bool = True
    """Test connections on checkout, so a database restart costs no failed requests."""
    connect_timeout: float = Field(default=10.0, gt=0)
    """Seconds to open a connection; on SQLite, how long to wait on a locked database."""
    statement_timeout_ms: int = Field(default=30_000, ge=0)
    """Server-side limit on one statement (PostgreSQL), in milliseconds; 0 disables."""
    slow_query_ms: float | None = Field(default=500.0, ge=0)
    """Statements slower than this many milliseconds are logged as slow_query; empty: never."""
    echo: bool = False
    """Log every SQL statement (development only: statements may contain data)."""
    keepalive_idle: int = Field(default=10, ge=1)
    """PostgreSQL: seconds of silence before TCP keepalive probes start."""
    keepalive_interval: int = Field(default=5, ge=1)
    """PostgreSQL: seconds between keepalive probes."""
    keepalive_count: int = Field(default=3, ge=1)
    """PostgreSQL: unanswered probes before the connection counts as dead."""
    tcp_user_timeout_ms: int = Field(default=15_000, ge=0)
    """PostgreSQL: how long sent data may stay unacknowledged before the connection drops; 0 kernel default."""
    sqlite_begin: Literal["immediate", "deferred"] = "immediate"
    """How SQLite transactions begin: immediate takes the write lock at BEGIN (read-only sessions stay deferred)."""
    cursor_secret: SecretStr | None = None
    """Key that signs keyset pagination cursors; every replica must share it (required in staging/production)."""

    @classmethod
    def service_defaults(cls, service: ServiceSettings) -> dict[str, Any]:
        return {"sqlite_path": service.data_dir / f"{service.name}.db"}

    def problems_for(self, service: ServiceSettings) -> list[ConfigProblem]:
        # A random per-process key would make one replica refuse the cursors of the next.
        if self.cursor_secret is None and service.environment in _SHARED_ENVIRONMENTS:
            message = f"is required in {service.environment} (replicas must share the cursor key)"
            return [ConfigProblem(CURSOR_SECRET_VARIABLE, message)]
        return []

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        if value is not None and not _SCHEME.match(value):
            raise ValueError("must be a URL such as postgresql://user@host:5432/db")
        if value is not None and _backend(value) not in _DRIVERS:
            raise ValueError(_unsupported(_backend(value)))
        return value

    @property
    def connection_string(self) -> str:
        """The URL for SQLAlchemy's sync engine (``postgresql+psycopg://``, ``sqlite:///``)."""
        return _with_driver(self._url(), sync=True)

    @property
    def async_connection_string(self) -> str:
        """The URL for SQLAlchemy's async engine (``postgresql+psycopg://``, ``sqlite+aiosqlite:///``)."""
        return _with_driver(self._url(), sync=False)

    @property
    def is_sqlite(self) -> bool:
        """True when the database is SQLite (no server: pool settings mostly don't apply)."""
        return _backend(self._url()) == "sqlite"

    @property
    def sqlite_file(self) -> Path | None:
        """The SQLite database file, so its directory can be created; None for a server or :memory:."""
        if not self.is_sqlite:
            return None
        path = urlsplit(self._url()).path.removeprefix("/")
        return Path(path) if path and path != ":memory:" else None

    def _url(self) -> str:
        if self.url is not None:
            return self._with_password(self.url)
        if self.host is not None:
            credentials = quote(self.user or "", safe="")
            if self.password is not None:
                credentials += ":" + quote(self.password.get_secret_value(), safe="")
            userinfo = f"{credentials}@" if credentials else ""
            database = quote(self.name or "", safe="")
            return f"postgresql://{userinfo}{self.host}:{self.port}/{database}"
        return f"sqlite:///{self.sqlite_path}"

    def _with_password(self, url: str) -> str:
        parts = urlsplit(url)
        if self.password is None or not parts.username:
            return url
        secret = quote(self.password.get_secret_value(), safe="")
        host = parts.netloc.rpartition("@")[2]
        return urlunsplit(parts._replace(netloc=f"{parts.username}:{secret}@{host}"))


def _backend(url: str) -> str:
    return url.partition("://")[0].partition("+")[0].lower()


def _unsupported(backend: str) -> str:
    return f"unsupported database backend {backend!r}: Aurora supports PostgreSQL and SQLite"


def _with_driver(url: str, *, sync: bool) -> str:
    backend = _backend(url)
    if backend not in _DRIVERS:
        raise ValueError(_unsupported(backend))
    return f"{_DRIVERS[backend][0 if sync else 1]}://{url.partition('://')[2]}"


@dataclass(frozen=True, slots=True)
class DatabaseTarget:
    """The settings an engine is built from, with their sync and async URLs parsed once."""

    url: URL
    async_url: URL
    settings: DatabaseSettings

    @property
    def is_sqlite(self) -> bool:
        """Whether this is the embedded SQLite backend."""
        return self.url.get_backend_name() == "sqlite"


def database_target(source: DatabaseSettings | str | URL, **overrides: Any) -> DatabaseTarget:
    """The target for ``source`` (settings or a bare URL); ``overrides`` replace settings fields."""
    if isinstance(source, URL):
        source = source.render_as_string(hide_password=False)
    if isinstance(source, str):
        source = DatabaseSettings.model_validate({"url": source})
    settings = source.model_copy(update=overrides) if overrides else source
    return DatabaseTarget(
        url=make_url(settings.connection_string),
        async_url=make_url(settings.async_connection_string),
        settings=settings,
    )
