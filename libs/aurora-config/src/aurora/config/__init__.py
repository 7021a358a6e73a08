"""Typed, layered configuration for Aurora services.

``get_config("subject-service")`` returns a frozen :class:`ServiceConfig` composed of
one settings section per concern (``service``, ``database``, ``redis``,
``services``, ``security``, ``logging``), read from, highest priority first:
arguments, ``AURORA_*`` environment variables (``__`` nests: ``AURORA_DATABASE__URL``),
the ``.env`` file, the secrets directory, the ``services.yml`` registry, defaults.
"""

from aurora.config._database import DatabaseSettings
from aurora.config._describe import (
    ConfigEntry,
    describe_config,
    generate_env_example,
    render_config,
)
from aurora.config._errors import ConfigError, ConfigProblem, UnknownVariableWarning
from aurora.config._registry import ServiceEndpoint, ServicesSettings
from aurora.config._sections import (
    AuroraSettings,
    CommaList,
    LoggingSettings,
    RedisSettings,
    SecuritySettings,
    ServiceSettings,
)
from aurora.config._service import ServiceConfig, get_config, reset_config_cache
from aurora.config._sources import Origin, ValueSource

__all__ = [
    "AuroraSettings",
    "CommaList",
    "ConfigEntry",
    "ConfigError",
    "ConfigProblem",
    "DatabaseSettings",
    "LoggingSettings",
    "Origin",
    "RedisSettings",
    "SecuritySettings",
    "ServiceConfig",
    "ServiceEndpoint",
    "ServiceSettings",
    "ServicesSettings",
    "UnknownVariableWarning",
    "ValueSource",
    "describe_config",
    "generate_env_example",
    "get_config",
    "render_config",
    "reset_config_cache",
]
