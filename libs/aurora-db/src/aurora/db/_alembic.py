"""Alembic wiring: one ``migrations/`` directory per service, no ``alembic.ini``.

A service's ``env.py`` is two lines, because everything Alembic's template does
by hand (find the URL, make an engine, configure autogenerate) is done here::

    from aurora.db.migrations import run_migrations
    from subject_service.models import Base

    run_migrations(Base.metadata, "subject-service")
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from alembic.autogenerate.api import AutogenContext
from alembic.config import Config
from sqlalchemy import Connection, MetaData, func, select
from sqlalchemy.engine import URL

from aurora.db._engine import build_engine
from aurora.db._models import UTCDateTime, utcnow
from aurora.db._registry import EngineRegistry, get_registry
from aurora.db._settings import DatabaseTarget, database_target

__all__ = [
    "DEFAULT_VERSION_TABLE",
    "alembic_config",
    "migration_connection",
    "render_item",
    "run_migrations",
]

DEFAULT_VERSION_TABLE = "alembic_version"
_SERVICE = "aurora.service"
_URL = "aurora.url"
_REGISTRY = "aurora.registry"
_VERSION_TABLE = "aurora.version_table"
_CONNECTION = "connection"  # the attribute name Alembic's cookbook uses for a shared connection


def alembic_config(
    service_name: str,
    migrations_dir: str | Path,
    *,
    url: str | URL | None = None,
    connection: Connection | None = None,
    registry: EngineRegistry | None = None,
    version_table: str = DEFAULT_VERSION_TABLE,
) -> Config:
    """An Alembic :class:`~alembic.config.Config` for ``service_name``, built in code.

    Args:
        migrations_dir: The service's migrations directory (holds ``env.py``).
        url: Migrate this database instead of the service's configured one.
        connection: Run on this connection (and its transaction) instead.
    """
    config = Config()
    config.set_main_option("script_location", str(Path(migrations_dir)))
    config.attributes.update(
        {_SERVICE: service_name, _URL: url, _REGISTRY: registry, _VERSION_TABLE: version_table}
    )
    if connection is not None:
        config.attributes[_CONNECTION] = connection
    return config


def run_migrations(
    metadata: MetaData | Sequence[MetaData], service_name: str, **configure_options: Any
) -> None:
    """Run Alembic for ``service_name``; call it from the service's ``env.py``.

    Works online (a connection from the service's settings, or the one passed
    through :func:`alembic_config`) and offline (``--sql``). Autogenerate compares
    column types and renders SQLite changes as batch operations. On PostgreSQL an
    advisory lock serialises replicas that all upgrade at start-up.

    Args:
        configure_options: Extra ``context.configure`` options (they win).
    """
    from alembic import context  # - only exists while Alembic runs env.py

    config = context.config
    service_name = config.attributes.get(_SERVICE) or service_name
    target = _target(config, service_name)
    options: dict[str, Any] = {
        "target_metadata": metadata,
        "compare_type": True,
        "render_as_batch": target.is_sqlite,
        "render_item": render_item,
        "version_table": config.attributes.get(_VERSION_TABLE) or DEFAULT_VERSION_TABLE,
        **configure_options,
    }
    if context.is_offline_mode():
        context.configure(url=target.url, literal_binds=True, **options)
        with context.begin_transaction():
            context.run_migrations()
        return
    with migration_connection(config, service_name) as connection:
        context.configure(connection=connection, **options)
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                connection.execute(select(func.pg_advisory_xact_lock(_lock_id(service_name))))
            context.run_migrations()


def render_item(kind: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Write Aurora's column types and defaults portably into generated migrations.

    Left to Alembic, ``utcnow()`` would be rendered as the SQL of the database
    autogenerate ran against, so a migration written on SQLite would carry
    ``STRFTIME(...)`` to PostgreSQL; and ``UTCDateTime`` would make every
    migration import aurora.db's private module.
    """
    if kind == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if kind == "server_default" and isinstance(getattr(obj, "arg", None), utcnow):
        autogen_context.imports.add("import aurora.db")
        return "aurora.db.utcnow()"
    return False


@contextmanager
def migration_connection(config: Config, service_name: str) -> Iterator[Connection]:
    """The connection migrations run on: the one given to Alembic, or a fresh one."""
    given = config.attributes.get(_CONNECTION)
    if given is not None:
        yield given
        return
    target = _target(config, service_name)
    # Migrations may legitimately run long: no statement timeout, no pool to keep.
    engine = build_engine(
        database_target(target.settings, statement_timeout_ms=0, slow_query_ms=None),
        name=f"{service_name}-migrations",
    )
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def _target(config: Config, service_name: str) -> DatabaseTarget:
    url = config.attributes.get(_URL) or config.get_main_option("sqlalchemy.url")
    if url:
        return database_target(url)
    registry: EngineRegistry = config.attributes.get(_REGISTRY) or get_registry()
    return registry.target(service_name)


def _lock_id(service_name: str) -> int:
    digest = hashlib.sha256(f"aurora.db.migrations:{service_name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)
