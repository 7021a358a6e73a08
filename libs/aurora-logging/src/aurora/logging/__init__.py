"""Structured logging for Aurora services.

``setup_logging`` configures structlog and the standard library together: JSON
lines (orjson) or a console renderer, one pipeline for every logger including
uvicorn's, correlation ids from a context variable, and secrets masked.
"""

from aurora.logging._correlation import (
    bind_correlation_id,
    correlation_id_var,
    get_correlation_id,
    new_correlation_id,
)
from aurora.logging._events import log_event
from aurora.logging._exceptions import LoggingConfigError
from aurora.logging._lines import LineWriter
from aurora.logging._redaction import DEFAULT_REDACT_KEYS, REDACTED
from aurora.logging._settings import LoggingSettings
from aurora.logging._setup import (
    FORMAT_ENV_VAR,
    LogFormat,
    get_logger,
    reset_logging,
    setup_logging,
)

__all__ = [
    "DEFAULT_REDACT_KEYS",
    "FORMAT_ENV_VAR",
    "REDACTED",
    "LineWriter",
    "LogFormat",
    "LoggingConfigError",
    "LoggingSettings",
    "bind_correlation_id",
    "correlation_id_var",
    "get_correlation_id",
    "get_logger",
    "log_event",
    "new_correlation_id",
    "reset_logging",
    "setup_logging",
]
