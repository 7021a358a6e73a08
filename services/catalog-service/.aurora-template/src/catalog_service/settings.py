"""Who Catalog Service is, and the settings only it has.

The shared concerns (database, logging, security, other services' URLs) are
aurora.config's; this service's own knobs live here under their own prefix,
``AURORA_CATALOG_SERVICE__``, as each Aurora lib keeps its own.
"""

from pydantic_settings import BaseSettings, SettingsConfigDict

SERVICE_NAME = "catalog-service"
SERVICE_TITLE = "Catalog Service"
SERVICE_DESCRIPTION = "The catalog: subjects enriched over HTTP and kept in sync from their events"


class Settings(BaseSettings):
    """Settings of catalog-service alone, from ``AURORA_CATALOG_SERVICE__*`` variables."""

    model_config = SettingsConfigDict(
        env_prefix="AURORA_CATALOG_SERVICE__",
        frozen=True,
        extra="ignore",
    )

    migrate_on_startup: bool = True
    """Upgrade the database to the latest migration when the service starts."""
