"""Builds Catalog Service: the Aurora chassis, this service's routes and its resources.

Nothing here runs at import time: ``build_service()`` is called by ``main`` (and by
the tests, with their own config), and resources open when the app starts.
"""

from typing import Any

from aurora.app import Service, create_service
from aurora.config import ServiceConfig
from aurora.db import install_database
from aurora.events import Broker, install_events
from aurora.http import install_clients
from aurora.telemetry import install_tracing

from catalog_service.clients import UpstreamClients, client_registry
from catalog_service.database import MIGRATIONS_DIR
from catalog_service.events import install_projection
from catalog_service.routes import router
from catalog_service.settings import (
    SERVICE_DESCRIPTION,
    SERVICE_NAME,
    SERVICE_TITLE,
    Config,
    Settings,
)


def load_config(**overrides: Any) -> Config:
    """The service's configuration, read once from aurora.config's sources, plus its identity.

    The title and description are the code's (arguments outrank every source);
    ``overrides`` (``database__url=...``) win over the environment, for tests.
    """
    identity = {"service__title": SERVICE_TITLE, "service__description": SERVICE_DESCRIPTION}
    return Config.load(SERVICE_NAME, **{**identity, **overrides})


def build_service(
    config: ServiceConfig | None = None,
    settings: Settings | None = None,
    *,
    broker: Broker | None = None,
) -> Service:
    """Catalog Service, ready to serve: the app with its routes, health checks and hooks.

    Args:
        config: aurora.config's configuration; :func:`load_config` when omitted.
        settings: This service's own settings; the config's ``catalog_service`` section
            (``AURORA_CATALOG_SERVICE__*``) when omitted.
        broker: Where subject events come from; chosen from the configuration when omitted.
    """
    config = config if config is not None else load_config()
    settings = settings if settings is not None else config.section(Settings)
    service = create_service(SERVICE_NAME, config)
    install_tracing(service, config)  # off unless OTEL_EXPORTER_OTLP_ENDPOINT is set
    install_database(
        service,
        SERVICE_NAME,
        config.database,
        migrations_dir=MIGRATIONS_DIR,
        migrate_on_startup=settings.migrate_on_startup,
    )
    metrics = service.metrics.registry if service.metrics is not None else None
    group = settings.consumer_group
    events = install_events(
        service, config, consumer_groups=[group], broker=broker, metrics=metrics
    )
    service.app.state.events = events
    install_projection(service, events, group=group)
    registry = install_clients(service, client_registry(settings, metrics))
    service.app.state.upstreams = UpstreamClients(config, registry)
    service.app.include_router(router)
    return service
