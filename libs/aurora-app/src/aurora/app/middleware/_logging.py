"""Stage 3: one structured access-log line per request.

Fields: ``method``, ``route`` (the template, so lines aggregate), ``status``,
``duration_ms``, ``client`` and ``correlation_id``. The raw path is left out on
purpose: it carries ids and sometimes personal data (``/users/ann@example.com``),
and the template is what dashboards group by. Probe and metrics paths are
skipped: a kubelet polling every second would drown the real traffic.
Headers are logged only when allow-listed, and credentials (``Authorization``,
cookies, API keys) are redacted even then.

Lines are written when the event loop next has a moment (``call_soon``), or at
once when ``batch_size`` requests are waiting, through ``aurora.logging.LineWriter``:
the line a logger would write (standard fields, correlation id, redaction,
``capture_logs()``), built in one pass and rendered by orjson, one write and one
flush per burst. A structlog call per line was most of what the stack cost. The
delay is one loop iteration; a graceful shutdown flushes what is left.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

from starlette.types import Scope

from aurora.logging import LineWriter

__all__ = ["SENSITIVE_HEADERS", "AccessLog"]

SENSITIVE_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "x-api-key",
        "x-auth-token",
        "x-csrf-token",
        "x-xsrf-token",
    }
)

_Line = tuple[str, dict[str, Any]]  # (level, fields), as LineWriter.write_many takes them


class AccessLog:
    """Writes the access-log lines of finished requests.

    Args:
        excluded_paths: Exact paths never logged (probes, ``/metrics``).
        headers: Request headers to include, by name; sensitive ones show ``[REDACTED]``.
        batch_size: Lines held at most before writing; 1 writes every line at once.
        logger_name: Name of the logger the lines go to.
    """

    def __init__(
        self,
        *,
        excluded_paths: Iterable[str] = (),
        headers: Iterable[str] = (),
        batch_size: int = 64,
        logger_name: str = "aurora.app.access",
    ) -> None:
        self.excluded_paths = frozenset(excluded_paths)
        self._headers = {name.lower().encode("latin-1"): name.lower() for name in headers}
        self._batch_size = max(1, batch_size)
        # Route templates, statuses and durations come from this code, not the client:
        # they skip the secret scan. Method, client address (proxy headers can set it),
        # correlation id and headers are scanned like any logged value.
        self._writer = LineWriter(
            "request",
            logger=logger_name,
            trusted=("route", "status", "duration_ms", "trace_id", "span_id"),
            trace_ids=False,
        )
        self._pending: list[_Line] = []
        self._scheduled_on: asyncio.AbstractEventLoop | None = None

    def emit(
        self,
        scope: Scope,
        route: str,
        status: int,
        seconds: float,
        correlation_id: str | None,
        *,
        trace_ids: tuple[str, str] | None = None,
    ) -> None:
        """Record one finished request; it is written soon, see the module docstring.

        ``trace_ids`` are the request span's (trace id, span id): the line is written
        later, outside the request's context, so they are taken along, not looked up.
        """
        client = scope.get("client")
        fields: dict[str, Any] = {
            "method": scope["method"],
            "route": route,
            "status": status,
            "duration_ms": int(seconds * 1_000_000) / 1000,  # ms, 3 decimals; cheaper than round()
            "client": client[0] if client else None,
        }
        if correlation_id is not None:
            fields["correlation_id"] = correlation_id
        if self._headers:
            fields["headers"] = self._selected_headers(scope)
        if trace_ids is not None:
            fields["trace_id"], fields["span_id"] = trace_ids
        pending = self._pending
        pending.append(("warning" if status >= 500 else "info", fields))
        if len(pending) >= self._batch_size:
            self.flush()
        elif self._scheduled_on is None or self._scheduled_on.is_closed():
            self._schedule()

    def _schedule(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # not inside a loop: nothing will come back later
            self.flush()
            return
        self._scheduled_on = loop
        loop.call_soon(self.flush)

    def flush(self) -> None:
        """Write every pending line now."""
        self._scheduled_on = None
        pending, self._pending = self._pending, []
        if not pending:
            return
        self._writer.write_many(pending)

    def _selected_headers(self, scope: Scope) -> dict[str, str]:
        selected: dict[str, str] = {}
        for raw_name, raw_value in scope["headers"]:
            name = self._headers.get(raw_name)
            if name is not None:
                redacted = name in SENSITIVE_HEADERS
                selected[name] = "[REDACTED]" if redacted else raw_value.decode("latin-1")
        return selected
