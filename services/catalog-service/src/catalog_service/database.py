"""Catalog Service's database: where it is, its migrations, its readiness, its sessions.

aurora-db keeps one engine per service name; ``install_database`` points it at this
service's configured database, upgrades the schema at start-up (opt out with
``AURORA_CATALOG_SERVICE__MIGRATE_ON_STARTUP=false``), checks it for readiness and
closes the engine at shutdown. Routes get a session through ``DbSession``, which
commits before the response is sent (on SQLite it begins ``IMMEDIATE``, so a route
that reads and then writes doesn't fail when another writer committed in between).
"""

from pathlib import Path
from typing import Annotated

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from aurora.app import Service
from aurora.config import ServiceConfig
from aurora.db import (
    configure_database,
    database_check,
    dispose_engines_async,
    get_async_db_dependency,
)
from aurora.db.migrations import migrations_check, upgrade_at_startup

from catalog_service.settings import SERVICE_NAME

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
"""Alembic's script directory; it ships inside the package, so the PEX carries it."""

DbSession = Annotated[AsyncSession, Depends(get_async_db_dependency(SERVICE_NAME))]
"""A request's session: committed when the endpoint returns, rolled back if it raises."""


def install_database(service: Service, config: ServiceConfig, *, migrate: bool) -> None:
    """Wire the service's database into its lifecycle and health checks."""
    configure_database(SERVICE_NAME, config.database)
    service.add_health_check("database", database_check(SERVICE_NAME))
    if migrate:
        service.on_startup(upgrade_at_startup(SERVICE_NAME, MIGRATIONS_DIR))
    else:
        # Something else migrates (a deploy job): report whether it has. Not critical:
        # in a rolling upgrade the new version migrates first, and the old replicas
        # must keep serving rather than all turn unready at once.
        service.add_health_check(
            "migrations", migrations_check(SERVICE_NAME, MIGRATIONS_DIR), critical=False
        )
    service.on_shutdown(dispose_engines_async)
