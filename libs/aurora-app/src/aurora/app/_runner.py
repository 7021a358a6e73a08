"""Running a service under uvicorn, with a drain period before shutdown.

Kubernetes sends SIGTERM and removes the pod from its Service endpoints at the
same time, and those two race: for a moment, traffic still arrives. So on the
first SIGTERM the service reports not-ready and keeps serving for
``drain_seconds``; only then does uvicorn stop accepting, finish in-flight
requests and run the shutdown hooks. A second signal skips the wait.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from types import FrameType
from typing import TYPE_CHECKING, Any, NoReturn

import uvicorn
from pydantic import ValidationError as PydanticValidationError

from aurora.app._lifespan import Lifecycle
from aurora.app._settings import AppSettings
from aurora.config import ConfigError
from aurora.logging import get_logger, setup_logging

if TYPE_CHECKING:
    from aurora.app._service import Service

__all__ = ["DrainingServer", "main", "serve", "server_options"]


class DrainingServer(uvicorn.Server):
    """A uvicorn server that drains for ``drain_seconds`` after the first exit signal."""

    def __init__(
        self, config: uvicorn.Config, *, lifecycle: Lifecycle, drain_seconds: float
    ) -> None:
        super().__init__(config)
        self._lifecycle = lifecycle
        self._drain_seconds = drain_seconds
        self._pending_signal: int | None = None
        self._drain_deadline: float | None = None

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if self._drain_seconds <= 0 or self._pending_signal is not None or self.should_exit:
            super().handle_exit(sig, frame)
            return
        # Signal handlers must not log or take locks: just note it; on_tick acts.
        self._pending_signal = sig

    async def on_tick(self, counter: int) -> bool:
        pending = self._pending_signal
        if pending is not None and not self.should_exit:
            now = time.monotonic()
            if self._drain_deadline is None:
                self._lifecycle.begin_draining()
                self._drain_deadline = now + self._drain_seconds
            elif now >= self._drain_deadline:
                super().handle_exit(pending, None)
        return await super().on_tick(counter)


def server_options(settings: AppSettings) -> dict[str, Any]:
    """The ``uvicorn.Config`` options Aurora runs a service with.

    The HTTP protocol is uvicorn's httptools one, bounded (``max_header_bytes``
    answered 431, ``body_read_timeout`` answered 408). uvicorn's proxy-header
    handling is off: it trusts loopback by default and takes any text as an
    address; the ``trusted_proxies`` layer does that job inside the app.
    """
    # Imported here: the protocol pulls in httptools, which only serving needs.
    from aurora.app._http_protocol import bounded_protocol

    return {
        "log_config": None,  # aurora.logging already routes uvicorn's loggers
        "access_log": False,  # the request-logging layer writes the access log
        "server_header": False,
        "lifespan": "on",
        "proxy_headers": False,
        "http": bounded_protocol(
            max_header_bytes=settings.max_header_bytes,
            body_read_timeout=settings.body_read_timeout,
        ),
        "timeout_graceful_shutdown": max(1, round(settings.shutdown_timeout)),
    }


def serve(
    service: Service, *, host: str | None = None, port: int | None = None, **options: Any
) -> None:
    """Run ``service`` with uvicorn until it is told to stop."""
    section = service.config.service
    settings = service.settings
    uvicorn_options = server_options(settings)
    uvicorn_options.update(options)
    config = uvicorn.Config(
        service.app,
        host=host or section.host,
        port=port if port is not None else section.port,
        **uvicorn_options,
    )
    server = DrainingServer(
        config, lifecycle=service.lifecycle, drain_seconds=settings.drain_seconds
    )
    server.run()


EXIT_CONFIG = 2
"""The exit status of a service refusing its configuration (a usage error, as for argparse)."""


def _refuse_configuration(exc: Exception) -> NoReturn:
    # One structured line an operator can act on, not a traceback: which settings are
    # wrong and why. The message names fields and problems, never their values.
    if isinstance(exc, ConfigError):
        problems = [
            {"variable": problem.variable, "problem": problem.message, "origin": problem.origin}
            for problem in exc.problems
        ]
    else:
        problems = [
            {"field": ".".join(str(part) for part in error["loc"]), "problem": error["msg"]}
            for error in exc.errors()  # type: ignore[attr-defined]
        ]
    # The service never got to configure logging: one JSON line on stderr.
    setup_logging("aurora-service", fmt="json", stream=sys.stderr)
    get_logger("aurora.app").critical(
        "invalid_configuration",
        error_type=type(exc).__qualname__,
        detail=str(exc).splitlines()[0][:500],
        problems=problems[:50],
    )
    raise SystemExit(EXIT_CONFIG)


def main(target: Service | Callable[[], Service], argv: Sequence[str] | None = None) -> None:
    """Entry point for a service: ``main(create_app)`` or ``main(service)``.

    Accepts ``--host`` and ``--port`` to override the configured address. Ctrl-C
    (SIGINT) shuts the service down gracefully and returns, so the process exits 0.
    A configuration the service refuses while being built (``ConfigError``, a
    settings validation error) is one ``invalid_configuration`` log line and exit
    status 2.
    """
    parser = argparse.ArgumentParser(description="Run an Aurora service with uvicorn.")
    parser.add_argument("--host", default=None, help="interface to bind (default: config)")
    parser.add_argument("--port", type=int, default=None, help="port to bind (default: config)")
    args = parser.parse_args(argv)
    try:
        service = target() if callable(target) else target
    except (ConfigError, PydanticValidationError) as exc:
        _refuse_configuration(exc)
    try:
        service.run(host=args.host, port=args.port)
    except KeyboardInterrupt:
        # uvicorn re-raises the SIGINT it captured once it has shut down gracefully
        # (so code embedding it sees the signal). The entry point owns the process:
        # everything has stopped, so end quietly instead of printing a traceback.
        return
