"""aurora-logging's settings section, ``AURORA_LOGGING__*``: the level and the line format.

aurora-logging owns it; aurora-config composes it into a service's config (which
is why aurora-logging stands on aurora-config). In development the format
defaults to ``console``, elsewhere to ``json``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ValidationInfo, field_validator
from pydantic_settings import SettingsConfigDict

from aurora.config import AuroraSettings, ServiceSettings, register_section

__all__ = ["LoggingSettings"]


@register_section
class LoggingSettings(AuroraSettings):
    """How the service logs: ``AURORA_LOGGING__*``."""

    model_config = SettingsConfigDict(env_prefix="AURORA_LOGGING__")

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    """Minimum level: DEBUG, INFO, WARNING, ERROR or CRITICAL."""
    format: Literal["json", "console"] = "json"
    """json (one JSON object per line) or console (readable); console in development by default."""

    @classmethod
    def service_defaults(cls, service: ServiceSettings) -> dict[str, Any]:
        return {"format": "console" if service.environment == "development" else "json"}

    @field_validator("level", "format", mode="before")
    @classmethod
    def _normalize_case(cls, value: object, info: ValidationInfo) -> object:
        if not isinstance(value, str):
            return value
        if info.field_name == "format":
            return value.strip().lower()
        level = value.strip().upper()
        return "WARNING" if level == "WARN" else level
