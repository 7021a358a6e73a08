"""The errors aurora-logging raises.

The hierarchy::

    AuroraError (aurora.errors)
    └── LoggingConfigError (500 logging_config_invalid, also ValueError)

A bad level or format is a deployment mistake found at start-up, so it is a
``ValueError`` too: code that validates settings generically can catch it.
"""

from __future__ import annotations

from aurora.errors import AuroraError

__all__ = ["LoggingConfigError"]


class LoggingConfigError(AuroraError, ValueError):
    """``setup_logging`` was given (or found in the environment) a value it can't use."""

    code = "logging_config_invalid"
    status = 500
    title = "Invalid Logging Configuration"
