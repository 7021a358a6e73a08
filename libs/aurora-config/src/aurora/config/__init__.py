"""Typed, layered configuration for Aurora services.

``get_config("subject-service")`` returns a frozen :class:`ServiceConfig` composed of
one settings section per concern: aurora-config's own (``service``, ``redis``) and
the one each installed lib contributes (``database`` from aurora-db, ``security`` and
``app`` from aurora-app, ...), read from, highest priority first: arguments,
``AURORA_*`` environment variables (``__`` nests: ``AURORA_DATABASE__URL``), the
``.env`` file, the secrets directory, the ``services.yml`` registry, defaults.
"""

from aurora.config._describe import (
    ConfigEntry,
    describe_config,
    generate_env_example,
    render_config,
)
from aurora.config._errors import ConfigError, ConfigProblem, UnknownVariableWarning
from aurora.config._installed import ENTRY_POINT_GROUP, installed_sections, register_section
from aurora.config._keys import service_key
from aurora.config._sections import (
    AuroraSettings,
    CommaList,
    RedisSettings,
    ServiceSettings,
    field_at,
)
from aurora.config._service import ServiceConfig, get_config, reset_config_cache
from aurora.config._sources import Origin, ValueSource

__all__ = [
    "ENTRY_POINT_GROUP",
    "AuroraSettings",
    "CommaList",
    "ConfigEntry",
    "ConfigError",
    "ConfigProblem",
    "Origin",
    "RedisSettings",
    "ServiceConfig",
    "ServiceSettings",
    "UnknownVariableWarning",
    "ValueSource",
    "describe_config",
    "field_at",
    "generate_env_example",
    "get_config",
    "installed_sections",
    "register_section",
    "render_config",
    "reset_config_cache",
    "service_key",
]
