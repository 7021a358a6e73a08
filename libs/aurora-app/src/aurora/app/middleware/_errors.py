"""Stage 2: the last line of defence, an unexpected exception becomes a generic 500.

Known errors (``AuroraError``, ``HTTPException``, validation) are translated by the
app's exception handlers, close to the route; whatever still escapes reaches the
service middleware. The client gets a problem with no exception text or stack
trace; the traceback is logged exactly once, here, and the exception is *not*
re-raised, so neither Starlette's ``ServerErrorMiddleware`` nor the server logs
it a second time.
"""

from __future__ import annotations

from typing import Any

from starlette.types import Scope

from aurora.errors import AuroraError
from aurora.logging import get_logger

__all__ = ["UnhandledErrors"]


class UnhandledErrors:
    """Reports an escaped exception once and says what the client gets instead."""

    def __init__(self, logger_name: str = "aurora.app.errors") -> None:
        self._logger_name = logger_name
        self._logger: Any = None

    @staticmethod
    def client_error() -> AuroraError:
        """The only thing a client learns about a bug: that there was one."""
        return AuroraError("An unexpected error occurred")

    def report(self, scope: Scope, exc: Exception, *, response_started: bool) -> None:
        """Log ``exc`` with its traceback (the correlation id is bound by then)."""
        if self._logger is None:
            self._logger = get_logger(self._logger_name)
        self._logger.error(
            "unhandled_exception",
            method=scope.get("method"),
            path=scope.get("path"),
            error_type=type(exc).__qualname__,
            response_started=response_started,
            exc_info=exc,
        )
