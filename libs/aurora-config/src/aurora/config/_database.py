"""The database section: one URL (or its parts) and the pool's limits.

With nothing set a service gets its own SQLite file, ``<data_dir>/<service>.db``,
so it starts on a laptop with no database server. ``connection_string`` is the URL
SQLAlchemy's sync engine takes and ``async_connection_string`` the async one: the
drivers are the ones Aurora ships (psycopg 3 for both, aiosqlite), whatever form
of URL operators write (``postgres://``, ``postgresql+asyncpg://``...).
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from aurora.config._sections import AuroraSettings

__all__ = ["DatabaseSettings"]

_SCHEME = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://")
_PSYCOPG = "postgresql+psycopg"
_SYNC_DRIVERS = {
    "postgres": _PSYCOPG,
    "postgresql": _PSYCOPG,
    "postgresql+asyncpg": _PSYCOPG,
    "postgresql+psycopg_async": _PSYCOPG,
    "sqlite+aiosqlite": "sqlite",
}
_ASYNC_DRIVERS = {
    "postgres": _PSYCOPG,
    "postgresql": _PSYCOPG,
    "postgresql+psycopg2": _PSYCOPG,
    "sqlite": "sqlite+aiosqlite",
    "sqlite+pysqlite": "sqlite+aiosqlite",
}


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
    """Seconds to wait for a free connection before failing."""
    pool_recycle: int = Field(default=1800, ge=-1)
    """Seconds after which a connection is replaced; -1 never."""
    connect_timeout: float = Field(default=10.0, gt=0)
    """Seconds to wait when opening a connection."""
    statement_timeout_ms: int = Field(default=30_000, ge=0)
    """Server-side limit on one statement (PostgreSQL), in milliseconds; 0 disables."""
    echo: bool = False
    """Log every SQL statement (development only: statements may contain data)."""

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        if value is not None and not _SCHEME.match(value):
            raise ValueError("must be a URL such as postgresql://user@host:5432/db")
        return value

    @property
    def connection_string(self) -> str:
        """The URL for SQLAlchemy's sync engine (``postgresql+psycopg://``, ``sqlite:///``)."""
        return _with_driver(self._url(), _SYNC_DRIVERS)

    @property
    def async_connection_string(self) -> str:
        """The URL for SQLAlchemy's async engine (``postgresql+psycopg://``, ``sqlite+aiosqlite:///``)."""
        return _with_driver(self._url(), _ASYNC_DRIVERS)

    @property
    def is_sqlite(self) -> bool:
        """True when the database is SQLite (no server: pool settings mostly don't apply)."""
        return urlsplit(self._url()).scheme.startswith("sqlite")

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
            return (
                f"postgresql://{userinfo}{self.host}:{self.port}/{quote(self.name or '', safe='')}"
            )
        return f"sqlite:///{self.sqlite_path}"

    def _with_password(self, url: str) -> str:
        parts = urlsplit(url)
        if self.password is None or not parts.username:
            return url
        secret = quote(self.password.get_secret_value(), safe="")
        host = parts.netloc.rpartition("@")[2]
        return urlunsplit(parts._replace(netloc=f"{parts.username}:{secret}@{host}"))


def _with_driver(url: str, drivers: dict[str, str]) -> str:
    scheme, separator, rest = url.partition("://")
    return f"{drivers.get(scheme.lower(), scheme)}{separator}{rest}"
