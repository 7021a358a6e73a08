"""Configuring the process: :func:`setup_logging`, :func:`get_logger`, :func:`reset_logging`.

Logging is process-global state, so it gets the structlog/stamina treatment:
one idempotent entry point, a reset that restores what was there before, and
a test helper (``aurora.logging.testing.capture_logs``) built on the same state.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, TextIO, cast

import structlog
from structlog.processors import StackInfoRenderer, format_exc_info
from structlog.typing import FilteringBoundLogger, Processor

from aurora.logging._exceptions import LoggingConfigError
from aurora.logging._pipeline import PIPELINE, AuroraBoundLogger
from aurora.logging._processors import (
    ConsoleLines,
    StandardFields,
    merge_structlog_contextvars,
    render_json,
)
from aurora.logging._redaction import Redactor
from aurora.logging._stdlib import StdlibRouting
from aurora.logging._tracing import add_trace_ids

__all__ = [
    "FORMAT_ENV_VAR",
    "LogFormat",
    "get_logger",
    "is_configured",
    "reset_logging",
    "setup_logging",
]

LogFormat = Literal["json", "console"]
FORMAT_ENV_VAR = "AURORA_LOGGING__FORMAT"
"""Chooses the format when ``setup_logging`` isn't given one (the key aurora-config uses)."""


@dataclass(frozen=True)
class _Options:
    service: str
    level: int
    fmt: LogFormat
    stream: TextIO | None  # compared by identity: streams don't define __eq__
    redact: bool
    redact_keys: frozenset[str]


class _State:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.options: _Options | None = None
        self.routing = StdlibRouting()


_STATE = _State()


def setup_logging(
    service: str,
    level: str | int = "INFO",
    *,
    fmt: LogFormat | None = None,
    stream: TextIO | None = None,
    redact_keys: Iterable[str] | None = None,
    redact: bool = True,
) -> FilteringBoundLogger:
    """Configure logging for the whole process and return a logger.

    Every line, from structlog or from the stdlib ``logging`` module (uvicorn
    included), carries ``timestamp`` (UTC ISO 8601), ``level``, ``service``,
    ``event`` and, when one is bound, ``correlation_id``. Calling it again with
    the same arguments changes nothing; with different ones it reconfigures in
    place, and loggers created earlier follow.

    Args:
        service: Name stamped on every line.
        level: Minimum level, as a name (``"info"``, any case) or a number.
        fmt: ``"json"`` (one orjson-rendered object per line, for production) or
            ``"console"`` (readable, for development). Defaults to the
            ``AURORA_LOGGING__FORMAT`` environment variable, then ``"json"``.
        stream: Where lines go; ``None`` means ``sys.stdout`` as it is at write time.
        redact_keys: Key fragments to mask in addition to ``DEFAULT_REDACT_KEYS``.
        redact: ``False`` turns masking off entirely (keys and values).

    Raises:
        LoggingConfigError: ``level`` or the format is not one Aurora knows.
    """
    options = _Options(
        service=service,
        level=_coerce_level(level),
        fmt=_resolve_format(fmt),
        stream=stream,
        redact=redact,
        redact_keys=frozenset(redact_keys or ()),
    )
    with _STATE.lock:
        if _STATE.options != options:
            _configure(options)
            _STATE.options = options
    return get_logger()


def get_logger(name: str | None = None) -> FilteringBoundLogger:
    """A logger for module or component ``name`` (stamped as the ``logger`` field).

    Safe to call at import time: before :func:`setup_logging` the logger is lazy
    and uses whatever configuration is in place when it first logs.
    """
    proxy = structlog.get_logger(name) if name else structlog.get_logger()
    if _STATE.options is None:
        # Not configured yet: hand out structlog's lazy proxy, which assembles the
        # real logger on first use, after setup_logging has (hopefully) run.
        return cast(FilteringBoundLogger, proxy)
    # Configured: skip the proxy's per-call indirection. The concrete logger holds
    # the shared pipeline objects, so it still follows any later reconfiguration.
    return cast(FilteringBoundLogger, proxy.bind())


def reset_logging() -> None:
    """Undo :func:`setup_logging`: structlog defaults and the stdlib loggers as they were.

    Loggers cached while configured keep writing through Aurora's pipeline, to
    ``sys.stdout``, until the next ``setup_logging`` reconfigures them.
    """
    with _STATE.lock:
        _STATE.routing.uninstall()
        structlog.reset_defaults()
        PIPELINE.output.stream = None
        PIPELINE.standard = PIPELINE.redactor = None
        _STATE.options = None


def is_configured() -> bool:
    """Whether :func:`setup_logging` is in effect (used by ``capture_logs``)."""
    return _STATE.options is not None


def _configure(options: _Options) -> None:
    redactor = Redactor(options.redact_keys) if options.redact else None
    standard = StandardFields(options.service)
    PIPELINE.processors[:] = _build_chain(options, redactor, standard)
    # LineWriter's fast path reuses the chain's own objects, so its lines match.
    PIPELINE.standard = standard if options.fmt == "json" else None
    PIPELINE.redactor = redactor
    PIPELINE.renderer = render_json if options.fmt == "json" else ConsoleLines(options.stream)
    PIPELINE.output.stream = options.stream
    PIPELINE.level = options.level
    structlog.configure(
        processors=PIPELINE.processors,
        wrapper_class=AuroraBoundLogger,
        logger_factory=PIPELINE.logger_factory,
        context_class=dict,
        cache_logger_on_first_use=True,
    )
    _STATE.routing.install(PIPELINE, options.level)


def _build_chain(
    options: _Options, redactor: Redactor | None, standard: StandardFields
) -> list[Processor]:
    chain: list[Processor] = [merge_structlog_contextvars, StackInfoRenderer()]
    if options.fmt == "json":
        # The console renderer prints exceptions itself (and warns if they arrive pre-rendered).
        chain.append(format_exc_info)
    if redactor is not None:
        # Before the standard fields: timestamp, level and service are Aurora's own
        # and need no scan. The traceback text is already rendered here, so it is.
        chain.append(redactor)
    chain.append(add_trace_ids)
    chain.append(standard)
    chain.append(PIPELINE.finish)
    return chain


def _coerce_level(level: str | int) -> int:
    if isinstance(level, int) and not isinstance(level, bool):
        return level
    if isinstance(level, str):
        name = level.strip().upper()
        if name.isdigit():
            return int(name)
        known = logging.getLevelNamesMapping()
        if name in known:
            return known[name]
    raise LoggingConfigError(
        f"Unknown log level {level!r}; use debug, info, warning, error, critical or a number.",
        context={"setting": "level"},
    )


def _resolve_format(fmt: str | None) -> LogFormat:
    source = "fmt" if fmt is not None else FORMAT_ENV_VAR
    raw = fmt if fmt is not None else os.environ.get(FORMAT_ENV_VAR, "")
    value = raw.strip().lower() or "json"
    if value == "json":
        return "json"
    if value == "console":
        return "console"
    raise LoggingConfigError(
        f"{source} must be 'json' or 'console', got {raw!r}.", context={"setting": source}
    )
