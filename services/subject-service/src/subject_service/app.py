"""Builds Subject Service: the Aurora chassis, this service's routes and its resources.

Nothing here runs at import time: ``build_service()`` is called by ``main`` (and by
the tests, with their own config), and resources open when the app starts.
"""

from typing import Any

from aurora.app import Service, create_service
from aurora.config import ServiceConfig
from aurora.db import get_async_engine, install_database
from aurora.events import Broker, install_events
from aurora.logging import get_logger
from aurora.telemetry import install_tracing

from subject_service.database import MIGRATIONS_DIR
from subject_service.events import install_asyncapi
from subject_service.routes import WRITE_SCOPE, router
from subject_service.settings import (
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
    """Subject Service, ready to serve: the app with its routes, health checks and hooks.

    Args:
        config: aurora.config's configuration; :func:`load_config` when omitted.
        settings: This service's own settings; the config's ``subject_service`` section
            (``AURORA_SUBJECT_SERVICE__*``) when omitted.
        broker: Where events go; chosen from the configuration when omitted.
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
    service.app.state.events = install_events(
        service, config, outbox=get_async_engine(SERVICE_NAME), broker=broker, metrics=metrics
    )
    install_asyncapi(service)
    service.app.include_router(router)
    if service.token_verifier is None:
        service.on_startup(_warn_writes_refused)
    return service


def _warn_writes_refused() -> None:
    # Reads work with nothing configured; writes need a key to verify tokens with.
    get_logger(SERVICE_NAME).warning(
        "subject_writes_disabled",
        reason="no JWT key configured: writes answer 500 until one is",
        fix="set AURORA_SECURITY__JWT_SECRET (HS256) or AURORA_SECURITY__JWT_PUBLIC_KEY",
        scope=WRITE_SCOPE,
    )
