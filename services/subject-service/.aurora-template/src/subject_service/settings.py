"""Who Subject Service is, and the settings only it has.

The shared concerns (database, logging, security, other services' URLs) are
aurora.config's; this service's own knobs live here under their own prefix,
``AURORA_SUBJECT_SERVICE__``, as each Aurora lib keeps its own.
"""

from pydantic_settings import BaseSettings, SettingsConfigDict

SERVICE_NAME = "subject-service"
SERVICE_TITLE = "Subject Service"
SERVICE_DESCRIPTION = "Subjects: CRUD, JWT-protected writes and domain events through the outbox"


class Settings(BaseSettings):
    """Settings of subject-service alone, from ``AURORA_SUBJECT_SERVICE__*`` variables."""

    model_config = SettingsConfigDict(
        env_prefix="AURORA_SUBJECT_SERVICE__",
        frozen=True,
        extra="ignore",
    )

    migrate_on_startup: bool = True
    """Upgrade the database to the latest migration when the service starts."""
