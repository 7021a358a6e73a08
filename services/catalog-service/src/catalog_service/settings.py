"""Who Catalog Service is, and the settings only it has.

The shared concerns (database, logging, security, other services' URLs) are the
sections of the libs that own them, which aurora-config composes into this
service's :class:`Config`; this service's own knobs are one more section, under
their own prefix, ``AURORA_CATALOG_SERVICE__``, read from the same sources in the same load.
"""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from aurora.config import AuroraSettings, ServiceConfig

SERVICE_NAME = "catalog-service"
SERVICE_TITLE = "Catalog Service"
SERVICE_DESCRIPTION = "The catalog: subjects enriched over HTTP and kept in sync from their events"

SUBJECT_SERVICE = "subject-service"
"""The upstream this service calls, by its name in the service registry (``services.yml``)."""


class Settings(AuroraSettings):
    """Settings of catalog-service alone, from ``AURORA_CATALOG_SERVICE__*`` variables."""

    model_config = SettingsConfigDict(env_prefix="AURORA_CATALOG_SERVICE__")

    migrate_on_startup: bool = True
    """Upgrade the database to the latest migration when the service starts."""

    consumer_group: str = Field(default=SERVICE_NAME, min_length=1)
    """The Redis Streams consumer group (and inbox name) every replica shares."""

    breaker_failure_rate: float = Field(default=0.5, gt=0, le=1)
    """Share of failed calls to an upstream, over the window, that opens its circuit."""
    breaker_window: int = Field(default=10, ge=1)
    """Calls the failure rate is measured over."""
    breaker_minimum_calls: int = Field(default=5, ge=1)
    """Calls needed in the window before the circuit may open."""
    breaker_open_seconds: float = Field(default=30.0, gt=0)
    """Seconds an open circuit refuses calls (answering 503 with Retry-After) before a trial."""


class Config(ServiceConfig):
    """Catalog Service's configuration: the installed libs' sections plus its own."""

    catalog_service: Settings = Field(default_factory=lambda: Settings.model_validate({}))
