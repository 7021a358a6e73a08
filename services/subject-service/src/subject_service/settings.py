"""Who Subject Service is, and the settings only it has.

The shared concerns (database, logging, security, other services' URLs) are the
sections of the libs that own them, which aurora-config composes into this
service's :class:`Config`; this service's own knobs are one more section, under
their own prefix, ``AURORA_SUBJECT_SERVICE__``, read from the same sources in the same load.
"""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from aurora.config import AuroraSettings, ServiceConfig

SERVICE_NAME = "subject-service"
SERVICE_TITLE = "Subject Service"
SERVICE_DESCRIPTION = "Subjects: CRUD, JWT-protected writes and domain events through the outbox"


class Settings(AuroraSettings):
    """Settings of subject-service alone, from ``AURORA_SUBJECT_SERVICE__*`` variables."""

    model_config = SettingsConfigDict(env_prefix="AURORA_SUBJECT_SERVICE__")

    migrate_on_startup: bool = True
    """Upgrade the database to the latest migration when the service starts."""


class Config(ServiceConfig):
    """Subject Service's configuration: the installed libs' sections plus its own."""

    subject_service: Settings = Field(default_factory=lambda: Settings.model_validate({}))
