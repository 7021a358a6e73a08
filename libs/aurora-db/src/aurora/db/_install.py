"""``install_database``: the one call that plugs a service's database into the service.

It configures the service's engines, reports the database's readiness, migrates at
start-up (or reports whether something else has) and disposes the engines at shutdown.
The service is any :class:`aurora.utils.ServiceHooks` (aurora-app's ``Service`` is one),
so this lib never imports aurora-app. The engines' disposal is registered first, so it
runs last: whatever is installed after the database (an outbox relay, a consumer)
stops while its engine is still open.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import URL

from aurora.db._health import database_health_check
from aurora.db._migrate import migrations_health_check, upgrade_at_startup
from aurora.db._registry import EngineRegistry, configure_database, dispose_engines_async
from aurora.db._settings import DatabaseSettings
from aurora.utils import ServiceHooks

__all__ = ["install_database"]


def install_database(
    hooks: ServiceHooks,
    service_name: str,
    settings: DatabaseSettings | str | URL,
    *,
    migrations_dir: str | Path | None = None,
    migrate_on_startup: bool = True,
    registry: EngineRegistry | None = None,
) -> None:
    """Open ``service_name``'s database with the service and close it after everything else.

    Args:
        hooks: The service (``on_startup``, ``on_shutdown``, ``add_health_check``).
        service_name: The name the engines and sessions are kept under
            (``get_async_db_dependency(service_name)`` finds them).
        settings: The service's database settings (``config.database``) or a URL.
        migrations_dir: The service's Alembic directory; ``None`` when it has none.
        migrate_on_startup: Upgrade to head before serving. When something else
            migrates (a deploy job), the optional ``migrations`` check reports instead
            whether it has: in a rolling upgrade the new version migrates first, and
            the old replicas must keep serving rather than all turn unready at once.
        registry: Where the engines live; the default registry (resolved when used) if omitted.

    Health checks: ``database`` (critical) and, without start-up migrations,
    ``migrations`` (optional).
    """
    if registry is None:
        configure_database(service_name, settings)
    else:
        registry.configure(service_name, settings)
    hooks.on_shutdown(dispose_engines_async if registry is None else registry.dispose_async)
    hooks.add_health_check("database", database_health_check(service_name, registry=registry))
    if migrations_dir is None:
        return
    if migrate_on_startup:
        hooks.on_startup(upgrade_at_startup(service_name, migrations_dir, registry=registry))
    else:
        check = migrations_health_check(service_name, migrations_dir, registry=registry)
        hooks.add_health_check("migrations", check, critical=False)
