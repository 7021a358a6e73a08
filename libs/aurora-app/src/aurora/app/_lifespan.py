"""Startup and shutdown hooks, and the draining state between them.

Resources a service owns (database engines, HTTP clients, event consumers) open
in startup hooks and close in shutdown hooks. Hooks may be sync or async and
double as decorators. Shutdown runs hooks in *reverse* registration order (the
last resource opened is the first closed, as with ``contextlib.ExitStack``), gives
each one a timeout, and keeps going when one fails, so a stuck consumer cannot
keep the database pool open. From the moment shutdown begins the service reports
itself not-ready ("draining").
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

from aurora.logging import get_logger
from aurora.utils import Hook

__all__ = ["Hook", "Lifecycle"]

H = TypeVar("H", bound=Hook)


class Lifecycle:
    """Hooks plus the ``draining`` flag readiness reads.

    Args:
        hook_timeout: Seconds each shutdown hook may take before it is abandoned.
    """

    def __init__(self, *, hook_timeout: float = 30.0) -> None:
        self._startup: list[Hook] = []
        self._shutdown: list[Hook] = []
        self._hook_timeout = hook_timeout
        self.draining = False
        self.started_at = datetime.now(UTC)
        self._logger = get_logger("aurora.app.lifecycle")

    def on_startup(self, fn: H) -> H:
        """Run ``fn`` when the app starts, after the hooks registered before it."""
        self._startup.append(fn)
        return fn

    def on_shutdown(self, fn: H) -> H:
        """Run ``fn`` when the app stops, before the hooks registered before it."""
        self._shutdown.append(fn)
        return fn

    def begin_draining(self) -> None:
        """Report not-ready from now on, so load balancers stop sending traffic."""
        if not self.draining:
            self.draining = True
            self._logger.info("draining")

    @asynccontextmanager
    async def lifespan(self, app: Any) -> AsyncIterator[None]:
        """The ASGI lifespan: startup hooks, serve, then drain and shutdown hooks."""
        self.draining = False
        try:
            for hook in self._startup:
                await _call(hook)
        except BaseException:
            self._logger.error("startup_failed", exc_info=True)
            await self._shut_down()
            raise
        self.started_at = datetime.now(UTC)
        try:
            yield
        finally:
            self.begin_draining()
            await self._shut_down()

    async def _shut_down(self) -> None:
        for hook in reversed(self._shutdown):
            name = getattr(hook, "__qualname__", repr(hook))
            try:
                await asyncio.wait_for(_call(hook), timeout=self._hook_timeout)
            except TimeoutError:
                self._logger.error("shutdown_hook_timed_out", hook=name, timeout=self._hook_timeout)
            except Exception:
                self._logger.error("shutdown_hook_failed", hook=name, exc_info=True)


async def _call(hook: Hook) -> None:
    result = hook()
    if inspect.isawaitable(result):
        await result
